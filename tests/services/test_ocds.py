"""OCDS releases: schema and codelists, one release per lifecycle change, and nothing sealed or confidential."""
import json
from decimal import Decimal
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from marketplace.extensions import db
from marketplace.models import OcdsRelease, PaymentMilestone, Pilot, PilotStageChange
from marketplace.models.audit import AppendOnlyViolation
from marketplace.services.accounts import accounts
from marketplace.services.open_data import ocds, ocds_store
from marketplace.services.organisations import companies
from marketplace.services.pilots import pilots
from marketplace.services.clock import utcnow
from marketplace.services.errors import ValidationFailed
from tests import ocds_schema, open_data_world

URI = "http://localhost/api/v1/ocds/releases"
PREFIX = "ocds-xxxxxx-agora"


def _package(**query):
    return ocds.release_package(ocds.ReleaseQuery(**{"per_page": 100, **query}), package_uri=URI).package


def _releases_of(package, challenge):
    return [r for r in package["releases"] if r["ocid"] == f"{PREFIX}-{challenge.id}"]


def _at(release):
    return datetime.fromisoformat(release["date"])


@pytest.fixture
def world(f):
    return open_data_world.build(f)


def test_the_whole_lifecycle_validates_against_the_schema_and_every_codelist(world):
    package = _package()
    assert ocds_schema.schema_errors(package) == []
    checked = set()
    assert [e for r in package["releases"] for e in ocds_schema.codelist_errors(r, checked)] == []
    assert checked >= ocds_schema.CLOSED_CODELISTS | {"partyRole.csv", "milestoneType.csv", "documentType.csv"}
    assert package["version"] == "1.1" and package["uri"] == URI
    assert package["publisher"]["name"] == "Agora" and package["license"].startswith("https://")
    assert package["publicationPolicy"] == "http://localhost/open-data"
    assert package["publishedDate"] == max(r["date"] for r in package["releases"])


def test_each_lifecycle_change_is_one_release_dated_when_it_was_recorded(world):
    releases = _releases_of(_package(), world.challenge)
    assert [(r["id"].removeprefix(f"{PREFIX}-{world.challenge.id}-").split("-")[0], r["tag"][0]) for r in releases] == [
        ("published", "tender"), ("question", "tenderUpdate"), ("question", "tenderUpdate"),
        ("closed", "tenderUpdate"), ("evaluating", "tenderUpdate"), ("awarded", "award"),
        ("pilot", "contract"), ("pilot", "contract"), ("stage", "implementation"), ("stage", "implementation"),
        ("payment", "implementationUpdate"), ("stage", "implementationUpdate"), ("stage", "implementationUpdate"),
        ("stage", "contractTermination"), ("stage", "contractTermination"), ("completed", "contractTermination"),
    ]
    assert len({r["id"] for r in releases}) == len(releases)
    assert all("#" not in r["id"] for r in releases)
    by_kind = {r["id"].split("-")[-1]: r for r in releases}
    assert _at(by_kind["published"]) == world.times["published"]
    assert _at(by_kind["closed"]) == world.times["closed"]
    assert _at(by_kind["awarded"]) == world.times["awarded"]
    assert [r["tender"]["status"] for r in releases][:6] == ["active"] * 5 + ["complete"]
    assert _at(releases[-1]) == world.times["completed"]


def test_the_tender_comes_from_the_challenge_and_its_published_criteria(world):
    tender = _releases_of(_package(), world.challenge)[0]["tender"]
    assert tender["title"] == "Fewer missed appointments" and tender["status"] == "active"
    assert tender["value"] == {"amount": 40000, "currency": "EUR"}
    assert tender["minValue"] == {"amount": 10000, "currency": "EUR"}
    assert tender["procurementMethod"] == "open" and tender["mainProcurementCategory"] == "services"
    assert [(i["classification"]["scheme"], i["classification"]["id"]) for i in tender["items"]] == [
        ("CPV", "48000000"), ("CPV", "72000000")]
    assert tender["awardCriteria"] == "ratedCriteria"
    assert tender["awardCriteriaDetails"].startswith("Fit to the problem (60 %): How well it solves it.")
    assert tender["tenderPeriod"]["endDate"] == (world.start + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert tender["enquiryPeriod"]["endDate"] == (world.start + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert tender["documents"][0]["url"] == f"http://localhost/challenges/{world.challenge.slug}"


def test_tenderers_are_counted_from_the_deadline_named_from_the_decisions_never_a_withdrawn_or_draft_pitch(world):
    """The number at the deadline; the names only once the decisions are out, or the blind round would not be."""
    releases = _releases_of(_package(), world.challenge)
    deadline = world.challenge.pitch_deadline
    for release in releases:
        tenderers = {p["name"] for p in release["parties"] if "tenderer" in p["roles"]}
        if _at(release) < deadline:
            assert tenderers == set() and "numberOfTenderers" not in release["tender"]
            assert "tenderers" not in release["tender"]
        elif _at(release) < world.times["awarded"]:
            assert tenderers == set() and "tenderers" not in release["tender"]
            assert release["tender"]["numberOfTenderers"] == 3
        else:
            assert tenderers == {"Alpha Analytics", "Beta Bytes", "Gamma Group"}
            assert release["tender"]["numberOfTenderers"] == 3
    dumped = json.dumps(releases)
    assert "Withdrawn Works" not in dumped and "Drafty Devices" not in dumped


def test_only_selected_pitches_are_awarded_and_only_from_the_award(world):
    releases = _releases_of(_package(), world.challenge)
    before = [r for r in releases if _at(r) < world.times["awarded"]]
    assert all("awards" not in r for r in before)
    assert "Two-way text reminders" not in json.dumps(before)  # no pitch content before the award
    awards = releases[-1]["awards"]
    assert [(a["title"], a["status"], a["suppliers"][0]["name"]) for a in awards] == [
        ("Two-way text reminders", "active", "Alpha Analytics"), ("Smart waiting lists", "active", "Beta Bytes")]
    assert awards[0]["value"] == {"amount": 20000, "currency": "EUR"}
    suppliers = {p["name"] for p in releases[-1]["parties"] if "supplier" in p["roles"]}
    assert suppliers == {"Alpha Analytics", "Beta Bytes"}


def test_pilots_are_contracts_whose_milestones_follow_the_stages(world):
    releases = _releases_of(_package(), world.challenge)
    first_contract = next(r for r in releases if r["tag"] == ["contract"])
    assert first_contract["contracts"][0]["status"] == "pending"
    assert {m["id"]: m["status"] for m in first_contract["contracts"][0]["implementation"]["milestones"]}[
        "agreement"] == "scheduled"
    running = next(r for r in releases if _at(r) == world.times["adopted_running"])
    contract = running["contracts"][0]
    assert contract["status"] == "active" and _at({"date": contract["dateSigned"]}) == world.times["adopted_running"]

    adopted, stopped = releases[-1]["contracts"]
    milestones = {m["id"]: m for m in adopted["implementation"]["milestones"]}
    assert adopted["status"] == "terminated"
    assert [milestones[k]["status"] for k in ("agreement", "delivery", "evaluation-report", "outcome")] == ["met"] * 4
    assert {m["type"] for m in milestones.values()} >= {"approval", "delivery", "reporting", "assessment", "payment"}
    assert adopted["description"] == "Missed appointments halved.\n\nTexts beat calls."
    assert adopted["value"] == {"amount": 20000, "currency": "EUR"}
    assert adopted["awardID"] == f"award-{world.pitches['alpha'].id}"


def test_a_payment_is_a_transaction_and_its_milestone_is_met(world):
    releases = _releases_of(_package(), world.challenge)
    before_payment = next(r for r in releases if r["tag"] == ["contract"])
    assert "transactions" not in before_payment["contracts"][0]["implementation"]
    contract = releases[-1]["contracts"][0]
    [transaction] = contract["implementation"]["transactions"]
    assert transaction["value"] == {"amount": 5000, "currency": "EUR"}
    # Paid on a date, no time: the end of that day in Brussels, with its offset (OCDS date guidance).
    paid_on = (world.start + timedelta(days=40)).date()
    offset = datetime(paid_on.year, paid_on.month, paid_on.day, 23, tzinfo=ZoneInfo("Europe/Brussels")).strftime("%z")
    assert transaction["date"] == f"{paid_on.isoformat()}T23:59:59{offset[:3]}:{offset[3:]}"
    assert (transaction["payer"]["name"], transaction["payee"]["name"]) == ("Water Agency", "Alpha Analytics")
    payments = [m for m in contract["implementation"]["milestones"] if m["type"] == "payment"]
    assert [(m["title"], m["status"]) for m in payments] == [("Kick-off", "met"), ("Final report", "scheduled")]
    roles = {p["name"]: p["roles"] for p in releases[-1]["parties"]}
    assert "payer" in roles["Water Agency"] and "payee" in roles["Alpha Analytics"]
    assert "payee" not in roles["Beta Bytes"]


def test_a_stopped_pilot_is_a_terminated_contract_whose_adoption_was_not_met(world):
    stopped = _releases_of(_package(), world.challenge)[-1]["contracts"][1]
    milestones = {m["id"]: m for m in stopped["implementation"]["milestones"]}
    assert stopped["status"] == "terminated"
    assert milestones["outcome"]["status"] == "notMet" and "dateMet" not in milestones["outcome"]
    assert [m["status"] for k, m in milestones.items() if k.startswith("measure-")] == ["notMet", "notMet"]
    assert "Ask the nurses first." in stopped["description"]


def test_answered_questions_are_enquiries_without_the_company_that_asked(world):
    releases = _releases_of(_package(), world.challenge)
    enquiries = releases[-1]["tender"]["enquiries"]
    assert [(e["description"], e["answer"]) for e in enquiries] == [
        ("Which hospitals?", "Three in Liège."), ("Can the pilot start in spring?", "Yes, from March.")]
    assert all(set(e) == {"id", "date", "description", "answer", "dateAnswered"} for e in enquiries)
    assert len(releases[1]["tender"]["enquiries"]) == 1  # the first answer's release holds only that answer
    dumped = json.dumps(_package())
    assert "Unanswered, so private" not in dumped and "enquirer" not in dumped


def test_nothing_sealed_or_confidential_ever_appears(world):
    dumped = json.dumps(_package())
    assert [secret for secret in open_data_world.SECRETS if secret in dumped] == []
    for release in _package()["releases"]:
        keys = set()

        def collect(value):
            if isinstance(value, dict):
                keys.update(value)
                for child in value.values():
                    collect(child)
            elif isinstance(value, list):
                for child in value:
                    collect(child)

        collect(release)
        assert not keys & {"score", "scores", "feedback", "evaluators", "author", "email", "approach", "team"}


def test_drafts_never_appear_not_even_a_cancelled_one(world):
    ocids = {r["ocid"] for r in _package()["releases"]}
    assert ocids == {f"{PREFIX}-{c.id}" for c in (world.challenge, world.consultation, world.cancelled)}
    assert all(f"{PREFIX}-{d.id}" not in ocids for d in world.drafts)


def test_a_market_consultation_is_a_planning_process_that_ends_with_its_summary(world):
    releases = _releases_of(_package(), world.consultation)
    assert [r["tag"] for r in releases] == [["planning"], ["planningUpdate"], ["planningUpdate"]]
    assert [r["tender"]["status"] for r in releases] == ["planning", "planning", "complete"]  # ended: a final status
    summary = releases[-1]["planning"]["documents"][0]
    assert summary["documentType"] == "marketStudies" and summary["description"] == "Four products exist."
    assert _at(releases[-1]) == world.times["consultation_completed"]
    roles = {p["name"]: p["roles"] for p in releases[-1]["parties"]}
    assert roles["Beta Bytes"] == ["interestedParty"] and "awards" not in releases[-1]


def test_a_consultation_has_no_contract_period_even_with_a_pilot_duration_kept_from_before(f):
    """No pilot, so no contract, follows a market consultation (lifecycle.surveys_the_market); a duration it was given
    before the form stopped asking is not published as one."""
    consultation = f.Challenge(kind="market_consultation", pilot_duration_weeks=12, with_criteria=False)
    call = f.Challenge(pilot_duration_weeks=12)
    package = _package()
    assert [r["tender"].get("contractPeriod") for r in _releases_of(package, consultation)] == [None]
    assert [r["tender"].get("contractPeriod") for r in _releases_of(package, call)] == [{"durationInDays": 84}]


def test_a_cancelled_challenge_ends_with_a_tender_cancellation_and_its_public_reason(world):
    published, cancelled = _releases_of(_package(), world.cancelled)
    assert (published["tag"], cancelled["tag"]) == (["tender"], ["tenderCancellation"])
    assert cancelled["tender"]["status"] == "cancelled" and _at(cancelled) == world.times["cancelled"]
    reason = cancelled["tender"]["documents"][1]
    assert reason["documentType"] == "cancellationDetails" and reason["description"] == "The bus lines are being merged."


def test_pages_since_and_ocid_select_releases_without_gaps_or_repeats(world):
    everything = [r["id"] for r in _package()["releases"]]
    paged = [r["id"] for page in range(1, 6) for r in _package(page=page, per_page=5)["releases"]]
    assert paged == everything and len(everything) == 21
    result = ocds.release_package(ocds.ReleaseQuery(per_page=5), package_uri=URI)
    assert (result.total, result.pages) == (21, 5)
    since = world.times["awarded"]
    assert [r["id"] for r in _package(since=since)["releases"]] == [
        r["id"] for r in _package()["releases"] if _at(r) >= since]
    only = _package(challenge_id=world.cancelled.id)["releases"]
    assert [r["id"] for r in only] == [f"{PREFIX}-{world.cancelled.id}-published",
                                       f"{PREFIX}-{world.cancelled.id}-cancelled"]
    assert _package(page=99)["releases"] == []
    # A well-formed ocid past the largest possible id is simply no process (PostgreSQL refused the number: 500).
    beyond = ocds.ReleaseQuery.from_args({"ocid": f"{PREFIX}-999999999999"}, PREFIX)
    assert ocds.release_package(beyond, package_uri=URI).items == []


def test_the_ocid_prefix_comes_from_the_configuration_in_force_when_the_release_is_written(app, f):
    app.config["OCDS_OCID_PREFIX"] = "ocds-abc123-test"
    try:
        challenge = f.Challenge()
    finally:
        app.config["OCDS_OCID_PREFIX"] = PREFIX
    [release] = _package()["releases"]
    assert release["ocid"] == f"ocds-abc123-test-{challenge.id}"
    assert release["id"] == f"ocds-abc123-test-{challenge.id}-published"


def test_data_recorded_without_the_services_still_gives_valid_releases(f):
    # One reading of the clock. The closing and the pitch deadline were two readings, equal or a microsecond apart
    # by chance: when equal, the closed release was past the seal and the pitch recorded later made an update.
    now = utcnow().replace(microsecond=0)
    published = f.Challenge(status="published", published_at=now - timedelta(days=3))
    completed = f.Challenge(status="completed", published_at=now - timedelta(days=90),
                            closed_at=now - timedelta(days=60), pitch_deadline=now - timedelta(days=60))
    # Completed without a trail and without a pilot: when is not known, so no completion is published.
    unknown = f.Challenge(status="completed", published_at=now - timedelta(days=80))
    f.Challenge(status="draft", published_at=None)
    pitch = f.Pitch.build(challenge=completed, status="selected")  # recorded with its pilot, in one transaction
    db.session.add(pitch)
    db.session.flush()
    pilot = Pilot(challenge_id=completed.id, pitch_id=pitch.id, agency_id=completed.agency_id,
                  company_id=pitch.company_id, stage="stopped", budget=Decimal("20000"),
                  starts_on=(now - timedelta(days=45)).date(), ends_on=(now - timedelta(days=21)).date(),
                  created_at=now - timedelta(days=50))
    db.session.add(pilot)
    db.session.flush()
    stopped = now - timedelta(days=20)
    move = PilotStageChange(pilot_id=pilot.id, from_stage="running", to_stage="stopped", changed_at=stopped)
    db.session.add(move)
    db.session.commit()  # stored as it happens; the challenge's updated_at is now, later than anything it recorded
    package = _package()
    assert ocds_schema.schema_errors(package) == []
    assert [r["id"] for r in package["releases"]] == [
        f"{PREFIX}-{completed.id}-published", f"{PREFIX}-{unknown.id}-published", f"{PREFIX}-{completed.id}-closed",
        f"{PREFIX}-{completed.id}-pilot-{pilot.id}", f"{PREFIX}-{completed.id}-stage-{move.id}",
        f"{PREFIX}-{completed.id}-completed", f"{PREFIX}-{published.id}-published"]
    completion = package["releases"][-2]
    assert completion["date"] == stopped.strftime("%Y-%m-%dT%H:%M:%SZ")  # the stage change's own time


@pytest.mark.parametrize("args, field", [
    ({"page": "0"}, "page"), ({"page": "abc"}, "page"), ({"page": "1e3"}, "page"), ({"page": "١"}, "page"),
    ({"page": "100001"}, "page"), ({"per_page": "101"}, "per_page"), ({"per_page": "-1"}, "per_page"),
    ({"since": "yesterday"}, "since"), ({"since": "2025-13-45"}, "since"), ({"since": "x" * 5000}, "since"),
    ({"ocid": "ocds-other-1"}, "ocid"), ({"ocid": f"{PREFIX}-1; DROP TABLE"}, "ocid"), ({"ocid": f"{PREFIX}-"}, "ocid"),
])
def test_a_bad_query_is_refused_naming_the_parameter(args, field):
    with pytest.raises(ValidationFailed) as refused:
        ocds.ReleaseQuery.from_args(MultiDict(args), PREFIX)
    assert list(refused.value.errors) == [field]


def test_a_parameter_given_twice_is_refused_and_good_ones_are_read():
    with pytest.raises(ValidationFailed):
        ocds.ReleaseQuery.from_args(MultiDict([("page", "1"), ("page", "2")]), PREFIX)
    query = ocds.ReleaseQuery.from_args(MultiDict({"page": "2", "per_page": "10", "since": "2025-01-31",
                                                   "ocid": f"{PREFIX}-42", "unknown": "ignored"}), PREFIX)
    assert query == ocds.ReleaseQuery(page=2, per_page=10, since=datetime(2025, 1, 31, tzinfo=timezone.utc),
                                      challenge_id=42)
    assert ocds.ReleaseQuery.from_args(MultiDict({"since": "2025-01-31T12:00:00+02:00"}), PREFIX).since == datetime(
        2025, 1, 31, 10, tzinfo=timezone.utc)


def test_each_release_shows_the_process_as_it_stood_at_its_date(world):
    releases = _releases_of(_package(), world.challenge)
    published = releases[0]
    assert [p["roles"] for p in published["parties"]] == [["buyer", "procuringEntity"]]
    assert "contracts" not in published and "awards" not in published and "enquiries" not in published["tender"]
    db.session.expire_all()
    assert _releases_of(_package(), world.challenge)[0] == published  # the same release each time it is asked for


def test_the_demo_world_gives_valid_releases(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    package = _package()
    assert len(package["releases"]) > 20 and ocds_schema.schema_errors(package) == []
    assert [e for r in package["releases"] for e in ocds_schema.codelist_errors(r)] == []
    parties = [p for r in package["releases"] for p in r["parties"]]
    assert {p.get("identifier", {}).get("scheme") for p in parties if "tenderer" in p["roles"]} == {"BE-BCE_KBO"}
    assert all("contactPoint" in p for p in parties if "buyer" in p["roles"])


# ---- Stored releases: written once, served in date order --------------------------------------------------

def _stored():
    return {row.release_id: row for row in db.session.scalars(select(OcdsRelease))}


def test_a_renamed_company_is_a_new_release_and_every_stored_one_stays_byte_for_byte(world):
    before = {release_id: (row.release, row.date) for release_id, row in _stored().items()}
    with freeze_time(world.end):
        companies.update_profile(world.companies["Alpha Analytics"].user,
                                 {"name": "Alpha Analytics Europe", "size": "small"})
    after = _stored()
    assert {release_id: (after[release_id].release, after[release_id].date) for release_id in before} == before
    [new] = [after[release_id] for release_id in set(after) - set(before)]
    ocid = f"{PREFIX}-{world.challenge.id}"
    assert new.release_id == f"{ocid}-update-1" and new.tag == "contractUpdate"
    assert new.date == world.end > max(date for _, date in before.values())
    release = json.loads(new.release)
    assert release["id"] == new.release_id and release["date"] == world.end.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "Alpha Analytics Europe" in new.release
    assert all("Alpha Analytics Europe" not in written for written, _ in before.values())
    package = _package()
    assert package["releases"][-1] == release and ocds_schema.schema_errors(package) == []
    assert ocds_schema.codelist_errors(release) == []
    assert [r["id"] for r in _package(since=world.end)["releases"]] == [new.release_id]  # a harvester sees it


def test_a_buyer_giving_or_changing_its_address_is_a_new_release_and_every_stored_one_stays_byte_for_byte(world, f):
    agency, owner = world.challenge.agency, f.member(world.challenge.agency, "owner")
    before = {release_id: row.release for release_id, row in _stored().items()}
    ocids = {f"{PREFIX}-{c.id}" for c in (world.challenge, world.consultation, world.cancelled)}

    def give(moment, **address):
        with freeze_time(moment):
            accounts.update_organisation(owner, name=agency.name, address=address)
        rows = _stored()
        return rows, sorted((rows[release_id] for release_id in set(rows) - set(stored)), key=lambda r: r.ocid)

    stored = before
    after, new = give(world.end, street_address="Koning Albert II-laan  20", postal_code="1000", locality="Brussel",
                      country="")
    assert {release_id: after[release_id].release for release_id in before} == before
    assert {row.ocid for row in new} == ocids and all(row.change_key == "update-1" for row in new)
    for row in new:
        release = json.loads(row.release)
        [buyer] = [p for p in release["parties"] if "buyer" in p["roles"]]
        assert buyer["address"] == {"streetAddress": "Koning Albert II-laan 20", "locality": "Brussel",
                                    "postalCode": "1000", "countryName": "Belgium"}  # BE: the default country
    assert all("Brussel" not in written for written in before.values())
    assert ocds_schema.schema_errors(_package()) == []
    stored = {release_id: row.release for release_id, row in after.items()}
    later = world.end + timedelta(days=1)
    after, new = give(later, street_address="", postal_code="1000", locality="Brussel", country="BE")
    assert {release_id: after[release_id].release for release_id in stored} == stored and len(new) == 3
    [buyer] = [p for p in json.loads(new[0].release)["parties"] if "buyer" in p["roles"]]
    assert buyer["address"] == {"locality": "Brussel", "postalCode": "1000", "countryName": "Belgium"}
    assert {r["ocid"] for r in _package(since=later)["releases"]} == ocids  # a harvester sees the change
    stored = {release_id: row.release for release_id, row in after.items()}
    assert give(later, street_address="", postal_code="1000", locality="Brussel", country="BE")[1] == []


def test_a_new_payment_milestone_is_a_new_release_not_an_edit(world):
    before = {release_id: row.release for release_id, row in _stored().items()}
    pilot = world.pilots["adopted"]
    with freeze_time(world.end):
        db.session.add(PaymentMilestone(pilot_id=pilot.id, position=2, label="Follow-up", planned_amount=1000,
                                        planned_on=world.end.date()))
        db.session.commit()
    after = _stored()
    assert {release_id: after[release_id].release for release_id in before} == before
    [new_id] = set(after) - set(before)
    contract = json.loads(after[new_id].release)["contracts"][0]
    assert "Follow-up" in [m["title"] for m in contract["implementation"]["milestones"]]
    assert all("Follow-up" not in written for written in before.values())


def test_nothing_new_to_publish_stores_nothing(world):
    count = ocds_store.stored_count()
    with freeze_time(world.end):  # a profile saved unchanged, a message in a pilot: nothing public changed
        companies.update_profile(world.companies["Alpha Analytics"].user, {"name": "Alpha Analytics", "size": "small",
                                                                             "registration_number": "BE 0403.170.701"})
        pilots.post_message(world.people["officer"], world.pilots["adopted"].id, "Thanks")
    assert ocds_store.stored_count() == count == 21


def test_releases_are_served_in_date_order_whatever_order_they_were_stored_in(f):
    late = f.Challenge(published_at=utcnow() - timedelta(days=1))
    early = f.Challenge(published_at=utcnow() - timedelta(days=9))  # stored after the later one
    releases = _package()["releases"]
    assert [r["ocid"] for r in releases] == [f"{PREFIX}-{early.id}", f"{PREFIX}-{late.id}"]
    assert [r["id"] for r in _package(since=utcnow() - timedelta(days=2))["releases"]] == [
        f"{PREFIX}-{late.id}-published"]


def test_a_stored_release_cannot_be_edited_or_removed(f):
    f.Challenge()
    row = db.session.scalars(select(OcdsRelease)).one()
    row.release = "{}"
    with pytest.raises(AppendOnlyViolation):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(OcdsRelease)).one())
    with pytest.raises(AppendOnlyViolation):
        db.session.commit()
    db.session.rollback()


def test_the_command_stores_the_releases_of_processes_that_have_none_once(f, runner):
    first, second = f.Challenge(), f.Challenge()
    f.Challenge(status="draft", published_at=None)
    db.session.execute(text("DELETE FROM ocds_releases"))  # as before the upgrade, or after a bulk load
    db.session.commit()
    result = runner.invoke(args=["ocds-store-releases"])
    assert result.exit_code == 0 and "stored 2 OCDS releases" in result.output
    assert sorted(_stored()) == [f"{PREFIX}-{first.id}-published", f"{PREFIX}-{second.id}-published"]
    assert "stored 0 OCDS releases" in runner.invoke(args=["ocds-store-releases"]).output


def test_during_the_blind_round_a_pitching_company_renamed_stores_nothing_of_the_round(f):
    """A stored release holds only what was public when it was written: no tenderer before the deadline."""
    challenge = f.Challenge()
    company = f.Company(name="Stealthy Sensors", size="small")
    f.Pitch(challenge=challenge, company=company, status="submitted")
    companies.update_profile(f.member(company), {"name": "Stealthy Sensors Europe", "size": "small"})
    stored = _stored()
    assert sorted(stored) == [f"{PREFIX}-{challenge.id}-published"]
    assert "Stealthy" not in stored[f"{PREFIX}-{challenge.id}-published"].release
    assert "numberOfTenderers" not in stored[f"{PREFIX}-{challenge.id}-published"].release


def test_parties_carry_their_enterprise_number_and_the_buyer_its_public_contact(world, app, monkeypatch):
    parties = {p["name"]: p for p in _releases_of(_package(), world.challenge)[-1]["parties"]}
    alpha, beta, agency = parties["Alpha Analytics"], parties["Beta Bytes"], parties["Water Agency"]
    assert alpha["id"] == f"org-{world.companies['Alpha Analytics'].org.id}"  # the id stays the same
    assert alpha["identifier"] == {"scheme": "BE-BCE_KBO", "id": "0403170701", "legalName": "Alpha Analytics"}
    assert "identifier" not in beta  # not a Belgian number and no default scheme configured
    assert agency["contactPoint"] == {"name": "Water Agency", "url": "https://water.example.be"}
    assert "address" not in agency and "contactPoint" not in alpha  # the agency gave no address
    monkeypatch.setitem(app.config, "OCDS_DEFAULT_ORG_SCHEME", "DE-CR")
    settings = ocds.publication_settings()
    history = ocds.histories([world.challenge.id])[world.challenge.id]
    rebuilt = ocds.build_release(ocds.load([world.challenge.id])[world.challenge.id], history, history[-1], settings)
    assert {p["name"]: p.get("identifier") for p in rebuilt["parties"]}["Beta Bytes"] == {
        "scheme": "DE-CR", "id": "HRB 12345", "legalName": "Beta Bytes"}


def test_every_extension_is_pinned_to_a_version_never_a_branch():
    package = _package()
    assert package["extensions"] == list(ocds.EXTENSIONS)
    assert all("/master/" not in url and "/main/" not in url for url in ocds.EXTENSIONS)
