"""The platform's audit trail (/admin/audit): admins only, newest first, filtered, paged, each row's seal checked."""
import csv
import io
from urllib.parse import quote_plus
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from marketplace.extensions import db
from marketplace.models import AuditEvent, Match, PitchAssessment
from marketplace.services import audit
from marketplace.services.accounts import accounts
from marketplace.services.pilots import pilots
from marketplace.services.clock import utcnow
from marketplace.services.messaging.events import record_change


@pytest.fixture
def world(f):
    """A challenge of Gemeente Auditstad edited by its publisher, a company verified and suspended by the admin."""
    challenge = f.Challenge(title="Cleaner canals")
    challenge.agency.name = "Gemeente Auditstad"
    publisher = f.member(challenge.agency, "publisher")
    company = f.Company(name="Rogue Sensors BV", verified=False)
    admin = f.admin()
    record_change(publisher, "challenge.updated", challenge, before={"title": "Canals"},
                  after={"title": "Cleaner canals"}, challenge_id=challenge.id)
    db.session.commit()
    accounts.verify_organisation(admin, company.id)
    accounts.suspend_organisation(admin, company.id, reason="Spam to every agency")
    return challenge, publisher, company, admin


def test_the_admin_reads_every_organisations_events_newest_first(client, login, world):
    challenge, publisher, company, admin = world
    login(admin)
    page = client.get("/admin/audit").text
    suspended = page.index(f"{admin.name} suspended Rogue Sensors BV. Reason: Spam to every agency")
    verified = page.index(f"{admin.name} verified Rogue Sensors BV.")
    edited = page.index(f"{publisher.name} edited “Cleaner canals”: Title.")
    assert suspended < verified < edited
    assert f'href="/challenges/{challenge.slug}"' in page  # the object opens where the admin may open it
    assert "/admin/organisations?q=Rogue+Sensors+BV" in page
    assert page.count("Holds, not anchored yet") == 3 and "Broken" not in page
    assert "<caption>Audit events, newest first</caption>" in page and '<label class="label" for="audit-actor">' in page


def test_filters_narrow_the_trail_and_say_when_nothing_matches(client, login, world):
    challenge, publisher, company, admin = world
    login(admin)
    by_agency = client.get("/admin/audit?organisation=gemeente+auditstad").text
    assert "edited “Cleaner canals”" in by_agency and "Rogue Sensors BV" not in by_agency
    by_company = client.get("/admin/audit?organisation=Rogue").text  # the only organisation whose name has it
    assert "suspended Rogue Sensors BV" in by_company and "Cleaner canals" not in by_company
    by_actor = client.get(f"/admin/audit?actor={publisher.email.upper()}").text
    assert "edited “Cleaner canals”" in by_actor and "suspended Rogue" not in by_actor
    by_action = client.get("/admin/audit?action=organisation.verified").text
    assert "verified Rogue Sensors BV" in by_action and "suspended Rogue" not in by_action
    by_family = client.get("/admin/audit?action=organisation").text
    assert "verified Rogue" in by_family and "suspended Rogue" in by_family and "Cleaner canals" not in by_family
    today = utcnow().date()
    assert "Cleaner canals" in client.get(f"/admin/audit?since={today - timedelta(days=1)}&until={today + timedelta(days=1)}").text
    response = client.get(f"/admin/audit?since={today + timedelta(days=2)}")
    assert response.status_code == 200 and "No event matches these filters." in response.text


def test_a_company_filter_shows_what_the_agency_did_to_its_pitches_pilots_and_invitations(client, login, world, f):
    """Not only its people's doing: the agency shortlisting or refusing its pitch, scoring and deciding on it by
    its blind label, inviting it to pitch, moving its pilot; never what was done to another company's pitch."""
    challenge, publisher, company, admin = world
    agency = challenge.agency
    officer = f.member(agency, "procurement_officer", name="Olga Officer")
    evaluated = f.Challenge(title="Quieter trams", status="evaluating", agency=agency)
    ours = f.Pitch(challenge=evaluated, company=company, title="Rail dampers", status="submitted")
    other = f.Pitch(challenge=evaluated, title="Rubber wheels", status="submitted")
    db.session.add_all([PitchAssessment(challenge_id=evaluated.id, pitch_id=ours.id, label="B"),
                        PitchAssessment(challenge_id=evaluated.id, pitch_id=other.id, label="A")])
    invited = Match(challenge_id=challenge.id, organisation_id=company.id, score=0.5, reasons=[],
                    invited_at=utcnow())
    not_invited = Match(challenge_id=evaluated.id, organisation_id=other.company_id, score=0.5, reasons=[],
                        invited_at=utcnow())
    db.session.add_all([invited, not_invited])
    db.session.flush()
    for label, decision in (("B", "shortlisted"), ("A", "not_selected")):
        record_change(officer, "evaluation.scored", evaluated, after={"label": label, "score": 4},
                      challenge_id=evaluated.id)
        record_change(officer, "evaluation.decided", evaluated, after={"label": label, "decision": decision},
                      challenge_id=evaluated.id)
    record_change(officer, "pitch.decided", ours, before={"status": "submitted"}, after={"status": "shortlisted"},
                  challenge_id=evaluated.id)
    record_change(officer, "pitch.decided", other, before={"status": "submitted"}, after={"status": "not_selected"},
                  challenge_id=evaluated.id)
    record_change(officer, "challenge.invitation_to_pitch_sent", invited, challenge_id=challenge.id)
    record_change(officer, "challenge.invitation_to_pitch_sent", not_invited, challenge_id=evaluated.id)
    db.session.commit()
    ours.status = "selected"
    db.session.commit()
    pilot = pilots.start_pilot(officer, ours.id, budget="10000", starts_on=date.today(),
                               ends_on=date.today() + timedelta(days=30), owner_id=officer.id)
    login(admin)
    page = client.get("/admin/audit?organisation=Rogue+Sensors+BV").text
    assert "Olga Officer told the company of the pitch “Rail dampers” by Rogue Sensors BV its outcome: shortlisted." \
        in page
    assert "Olga Officer decided on Pitch B: shortlisted." in page and page.count("Olga Officer scored") == 1
    assert "Olga Officer invited Rogue Sensors BV to pitch for “Cleaner canals”." in page
    assert "Olga Officer started a pilot with Rogue Sensors BV" in page and f'href="/pilots/{pilot.id}"' in page
    assert "suspended Rogue Sensors BV" in page  # what it was already shown
    assert "Rubber wheels" not in page and "Pitch A" not in page and "not selected" not in page
    assert "edited “Cleaner canals”" not in page  # the agency's own challenge, not the company's
    # The other company: the agency's doing on its pitch, none of Rogue's.
    page = client.get(f"/admin/audit?organisation={quote_plus(other.company.name)}").text
    assert "“Rubber wheels”" in page and "Pitch A: not selected" in page and "Rail dampers" not in page
    assert "Pitch B" not in page and "Rogue Sensors" not in page


def test_a_family_of_actions_is_a_range_not_its_neighbours(client, login, world, f):
    """'pitch' is pitch.*, not pitch_session.* (whose name begins the same), nor an action merely beginning so."""
    challenge, publisher, company, admin = world
    pitch = f.Pitch(challenge=challenge, company=company, title="Rail dampers", status="submitted")
    for action in ("pitch.submitted", "pitch_session.booked", "pitchfork.raised", "pitch"):
        record_change(publisher, action, pitch, challenge_id=challenge.id)
    db.session.commit()
    rows = audit.platform_trail(admin, {"action": "pitch"}).entries
    assert [entry.event.action for entry in rows] == ["pitch.submitted"]
    assert [e.event.action for e in audit.platform_trail(admin, {"action": "pitch_session"}).entries] == [
        "pitch_session.booked"]


@pytest.mark.parametrize("query,message", [
    ("organisation=Nowhere+Ltd", "No organisation is called “Nowhere Ltd”."),
    ("actor=nobody@example.org", "Nobody has the address “nobody@example.org”."),
    ("action=DROP+TABLE", "Type an action as the trail writes it"),
    ("since=31/12/2026", "Type a date as 2026-03-31."),
    ("until=9999-12-31", "Type a date as 2026-03-31."),
    ("since=0001-01-01", "Type a date as 2026-03-31."),
    ("since=2026-03-02&until=2026-03-01", "The first day is after the last day."),
])
def test_a_filter_that_cannot_be_read_says_why(client, login, world, query, message):
    login(world[3])
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 422 and message in response.text and 'aria-invalid="true"' in response.text
    csv_response = client.get(f"/admin/audit.csv?{query}")
    assert csv_response.status_code == 302 and "/admin/audit?" in csv_response.headers["Location"]


def test_several_organisations_matching_are_named(client, login, world, f):
    f.Company(name="Rogue Robotics NV")
    login(world[3])
    response = client.get("/admin/audit?organisation=rogue")
    assert response.status_code == 422
    assert "Several organisations match “rogue”: Rogue Robotics NV, Rogue Sensors BV." in response.text


def test_an_organisation_is_found_whatever_its_accents_and_case(client, login, world, f):
    liege = f.Agency(name="Ville de Liège")
    accounts.verify_organisation(world[3], liege.id)
    login(world[3])
    page = client.get("/admin/audit?organisation=VILLE+DE+LIEGE").text
    assert "verified Ville de Liège." in page and "Rogue Sensors BV" not in page


def test_the_csv_holds_the_filtered_events_with_every_field(client, login, world):
    login(world[3])
    response = client.get("/admin/audit.csv?action=organisation")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["action"] for row in rows] == ["organisation.suspended", "organisation.verified"]
    assert '"reason": "Spam to every agency"' in rows[0]["after"]


def test_pages_go_back_in_time_by_event(world):
    admin = world[3]
    first = audit.platform_trail(admin, {}, per_page=2)
    assert [e.event.action for e in first.entries] == ["organisation.suspended", "organisation.verified"]
    assert first.older == first.entries[-1].event.id
    second = audit.platform_trail(admin, {}, before=first.older, per_page=2)
    assert [e.event.action for e in second.entries] == ["challenge.updated"] and second.older is None
    assert not second.first_page


def test_a_row_whose_digest_does_not_match_shows_broken(client, login, world):
    latest = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    db.session.add(AuditEvent(occurred_at=utcnow(), action="organisation.verified", object_type="organisations",
                              object_id=world[2].id, prev_digest=latest.digest, digest="0" * 64))
    db.session.commit()
    login(world[3])
    assert client.get("/admin/audit").text.count("Broken: check the trail with flask verify-audit") == 1
    # Unfiltered, the rows follow each other: the row below a forged one still holds on its own.
    assert client.get("/admin/audit?action=challenge").text.count("Broken") == 0


def test_an_anchor_marks_the_rows_it_covers(client, login, world):
    audit.record_anchor("manual")
    login(world[3])
    page = client.get("/admin/audit").text
    assert page.count("Holds, anchored") == 3 and "covers the events up to number" in page


def test_the_page_costs_a_fixed_number_of_statements(client, login, world, f):
    challenge, publisher, company, admin = world
    evaluated = f.Challenge(status="evaluating", agency=challenge.agency)
    officer = f.member(challenge.agency, "procurement_officer")
    pitch = f.Pitch(challenge=evaluated, status="selected")
    pilot = pilots.start_pilot(officer, pitch.id, budget="10000", starts_on=date.today(),
                               ends_on=date.today() + timedelta(days=30), owner_id=officer.id)
    for _ in range(5):  # more events, of more kinds: no statement per row
        record_change(publisher, "pilot.message_posted", pilot, challenge_id=evaluated.id)
        record_change(admin, "user.two_factor_reset", publisher, after={"reason": "Lost phone"})
    db.session.commit()
    audit.record_anchor("manual")
    login(admin)
    for query in ("", "?organisation=Gemeente+Auditstad&actor=" + publisher.email + "&action=pilot&since=2020-01-01",
                  f"?organisation={quote_plus(pitch.company.name)}&action=pilot"):
        db.session.remove()  # a fresh session, as each request of a server has
        seen = []
        note = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            response = client.get("/admin/audit" + query)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        assert response.status_code == 200 and "Pilot with" in response.text
        assert len(seen) <= 10, seen
