"""Matching: sectors, shared words and budget make the score; reasons say why; members hear once."""
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text

from marketplace.extensions import db
from marketplace.models import (EmailDelivery, Match, Notification, Organisation, OutboxEvent, Solution,
                                organisation_term_counts, organisation_terms)
from marketplace.services.matching import matching
from marketplace.services.messaging import outbox
from marketplace.services.errors import Conflict, InvalidTransition, NotAllowed, NotFound
from marketplace.services.messaging.events import record_change

HOSPITAL = dict(
    title="Fewer missed hospital appointments",
    summary="Patients miss appointments; we want fewer empty slots.",
    problem_statement="About 12 % of outpatient appointments are missed. Reminders by letter arrive late.",
    desired_outcomes="Half as many missed appointments, fewer empty slots in outpatient clinics.",
)


@pytest.fixture
def challenge(f):
    challenge = f.Challenge(**HOSPITAL, budget_min=Decimal("10000"), budget_max=Decimal("30000"))
    f.set_sectors(challenge, ["85"])
    return challenge


def _company(f, sectors=(), **fields):
    fields.setdefault("capability_statement", "We build accounting software for retailers.")
    fields.setdefault("keywords", "invoices, bookkeeping")
    company = f.Company(**fields)
    if sectors:
        f.set_sectors(company, list(sectors))
    return company


def _texts(reasons):
    with force_locale("en"):
        return [str(r) for r in reasons]


def test_profile_words_are_indexed_when_a_profile_is_saved(f):
    company = _company(f, capability_statement="Appointment reminders für Krankenhäuser", keywords="SMS, the")
    terms = set(db.session.scalars(
        select(organisation_terms.c.term).where(organisation_terms.c.organisation_id == company.id)))
    assert {"appointment", "reminder", "krankenhauser", "sms"} <= terms
    assert "the" not in terms and "fur" not in terms

    company.capability_statement = "Logistics for warehouses"
    db.session.commit()
    terms = set(db.session.scalars(
        select(organisation_terms.c.term).where(organisation_terms.c.organisation_id == company.id)))
    assert "appointment" not in terms and "warehouse" in terms


def test_showcased_solutions_count_as_profile_words(f):
    company = _company(f)
    db.session.add(Solution(organisation_id=company.id, title="Outpatient reminder service", description="SMS"))
    db.session.commit()
    terms = set(db.session.scalars(
        select(organisation_terms.c.term).where(organisation_terms.c.organisation_id == company.id)))
    assert "outpatient" in terms


def test_stop_words_in_four_languages_are_ignored():
    assert matching.tokenize("The patients et les rendez-vous und die Termine van de ziekenhuizen") == [
        "patient", "rendez", "termine", "ziekenhuizen"]


def test_sector_overlap_ranks_higher_than_words_alone(f, challenge):
    in_sector = _company(f, sectors=["85"], capability_statement="Software for hospitals.")
    words_only = _company(f, sectors=["45"], capability_statement="Reminders for missed appointments.")
    _company(f, sectors=["45"])  # nothing in common

    results = matching.match_challenge(challenge, minimum=1)
    ids = [r.organisation_id for r in results]
    assert ids[:2] == [in_sector.id, words_only.id]
    assert len(ids) == 2


def test_shared_keywords_raise_the_score_and_are_named(f, challenge):
    few = _company(f, sectors=["85"], capability_statement="Clinic software.")
    many = _company(f, sectors=["85"], capability_statement="Outpatient appointment reminders for clinics.",
                    keywords="missed appointments, empty slots")
    results = {r.organisation_id: r for r in matching.match_challenge(challenge, minimum=1)}
    assert results[many.id].score > results[few.id].score
    reasons = _texts(results[many.id].reasons)
    assert "Works in sector 85 – Health and social work services" in reasons
    keywords = next(r for r in reasons if r.startswith("Keywords in common: "))
    assert "appointment" in keywords and "outpatient" in keywords
    assert "Budget fits a small company" in reasons


def test_budget_fit_follows_company_size(f, challenge):
    small = _company(f, sectors=["85"], size="small")
    large = _company(f, sectors=["85"], size="large")
    results = {r.organisation_id: r for r in matching.match_challenge(challenge, minimum=1)}
    assert results[small.id].score - results[large.id].score == pytest.approx(matching.BUDGET_POINTS)
    assert not any("Budget" in r for r in _texts(results[large.id].reasons))


def test_score_company_agrees_with_the_ranked_list(f, challenge):
    company = _company(f, sectors=["85", "72"], capability_statement="Appointment reminders by SMS.")
    ranked = matching.match_challenge(challenge, minimum=1)
    single = matching.score_company(challenge, company)
    assert ranked[0].score == pytest.approx(single.score, abs=0.01)
    assert ranked[0].terms == single.terms and ranked[0].sectors == single.sectors == ["85"]


def test_threshold_decides_who_is_matched(f, challenge, app):
    _company(f, sectors=["45"], capability_statement="Reminders.")  # a weak match on words only
    weak = matching.match_challenge(challenge, minimum=1)
    assert len(weak) == 1 and weak[0].score < 35
    assert matching.match_challenge(challenge) == []  # the configured threshold, 35
    app.config["MATCH_THRESHOLD"] = 5
    try:
        assert len(matching.match_challenge(challenge)) == 1
    finally:
        app.config["MATCH_THRESHOLD"] = 35


def test_suspended_companies_and_agencies_are_not_matched(f, challenge):
    suspended = _company(f, sectors=["85"], suspended=True)
    agency = f.Agency(capability_statement="Outpatient appointments")
    f.set_sectors(agency, ["85"])
    ids = [r.organisation_id for r in matching.match_challenge(challenge, minimum=0)]
    assert suspended.id not in ids and agency.id not in ids


def test_a_budget_alone_is_no_match(f, challenge):
    _company(f, sectors=["45"])
    assert matching.match_challenge(challenge, minimum=0) == []


def test_hostile_profile_text_is_just_words(f, challenge):
    company = _company(f, sectors=["85"], capability_statement="<script>alert(1)</script>' OR 1=1; -- appointments",
                       keywords="'; DROP TABLE organisations; --")
    [result] = matching.match_challenge(challenge, minimum=1)
    assert result.organisation_id == company.id and "appointment" in result.terms
    assert "script" not in result.terms  # not a challenge word, so not named


def test_every_shared_word_is_named_even_when_the_challenge_has_forty(f):
    words = [f"zq{a}{b}x" for a in "abcde" for b in "abcdefghi"]  # 45 rare words, all of one weight
    challenge = f.Challenge(title="Rare words", summary="", problem_statement=" ".join(words), desired_outcomes="")
    company = _company(f, capability_statement="Rare words: " + " ".join(words), keywords="")
    [result] = matching.match_challenge(challenge, minimum=1)
    # The title's words count twice, so weigh most; then equal weights, alphabetically; forty in all.
    heaviest = ["rare", "word"] + sorted(words)[:matching.MAX_CHALLENGE_TERMS - 2]
    assert result.terms == heaviest == matching.score_company(challenge, company).terms
    assert {"code": "keywords", "terms": heaviest[:matching.REASON_TERMS]} in result.reason_data


def test_the_publishers_top_list_is_the_head_of_the_full_list(f, challenge):
    for statement in ("Outpatient appointment reminders.", "Appointment reminders.", "Hospital software."):
        _company(f, sectors=["85"], capability_statement=statement)
    full = matching.match_challenge(challenge, minimum=1)
    top = matching.match_challenge(challenge, minimum=1, limit=2)
    assert len(full) == 3
    assert [(r.organisation_id, r.score, r.terms, r.sectors) for r in top] == [
        (r.organisation_id, r.score, r.terms, r.sectors) for r in full[:2]]


# --- the handler ---------------------------------------------------------------------------------

def _publish(challenge):
    record_change(None, "challenge.published", challenge, challenge_id=challenge.id)
    db.session.commit()
    return db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id.desc())).first()


def _count(model, **where):
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def test_published_challenge_notifies_each_member_once_with_reasons(f, challenge):
    import marketplace.services.messaging.handlers  # noqa: F401  (registers the handlers)

    company = _company(f, sectors=["85"], capability_statement="Outpatient appointment reminders.")
    owner, colleague = f.member(company, "owner"), f.member(company, "member")
    other = _company(f, sectors=["45"])
    outsider = f.member(other, "owner")
    event = _publish(challenge)

    assert outbox.process_event(event.id)
    matching.notify_matching_companies(event)  # run twice, as after a crash: nothing twice

    for user in (owner, colleague):
        [note] = db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()
        assert note.kind == "challenge.matched"
        assert note.dedupe_key == f"match:{challenge.id}:{user.id}"
        assert note.link == f"/challenges/{challenge.slug}"
        assert "Works in sector 85" in note.body and "appointment" in note.body
    assert _count(Notification, user_id=outsider.id) == 0
    assert _count(Match, challenge_id=challenge.id) == 1
    stored = db.session.scalar(select(Match))
    assert stored.organisation_id == company.id and {"code": "sector", "division": "85"} in stored.reasons
    assert _count(EmailDelivery, user_id=owner.id) == 1


def test_preference_off_means_no_email_but_an_inbox_entry(f, challenge):
    import marketplace.services.messaging.handlers  # noqa: F401

    company = _company(f, sectors=["85"])
    quiet = f.member(company, "owner", notification_preference="off")
    outbox.process_event(_publish(challenge).id)
    assert _count(Notification, user_id=quiet.id) == 1
    assert _count(EmailDelivery, user_id=quiet.id) == 0


def test_suspended_company_members_hear_nothing(f, challenge):
    import marketplace.services.messaging.handlers  # noqa: F401

    company = _company(f, sectors=["85"], suspended=True)
    member = f.member(company, "owner")
    outbox.process_event(_publish(challenge).id)
    assert _count(Notification, user_id=member.id) == 0


def test_cancelled_before_the_worker_ran_tells_nobody(f, challenge):
    company = _company(f, sectors=["85"])
    member = f.member(company, "owner")
    event = _publish(challenge)
    challenge.status = "cancelled"
    db.session.commit()
    matching.notify_matching_companies(event)
    assert _count(Notification, user_id=member.id) == 0


# --- invitations -----------------------------------------------------------------------------------

def test_publisher_invites_a_company_and_its_members_hear_once(f, challenge):
    import marketplace.services.messaging.handlers  # noqa: F401

    publisher = f.member(challenge.agency, "publisher")
    company = _company(f, sectors=["85"])
    owner = f.member(company, "owner")
    match = matching.invite_to_pitch(publisher, challenge, company.id)
    assert match.invited_at is not None and match.invited_by_id == publisher.id
    event = db.session.scalar(select(OutboxEvent).where(OutboxEvent.topic == "challenge.invitation_to_pitch_sent"))
    assert event.payload["challenge_id"] == challenge.id and event.payload["organisation_id"] == company.id

    outbox.process_event(event.id)
    matching.email_invitation_to_pitch(event)
    [note] = db.session.scalars(select(Notification).where(Notification.user_id == owner.id)).all()
    assert note.dedupe_key == f"invite:{challenge.id}:{company.id}:{owner.id}"
    assert _count(EmailDelivery, user_id=owner.id) == 1

    with pytest.raises(Conflict):
        matching.invite_to_pitch(publisher, challenge, company.id)


@pytest.mark.parametrize("role", ["evaluator"])
def test_evaluators_cannot_invite(f, challenge, role):
    with pytest.raises(NotFound):
        matching.invite_to_pitch(f.member(challenge.agency, role), challenge, _company(f).id)


def test_company_and_other_agency_cannot_invite(f, challenge):
    company = _company(f, sectors=["85"])
    for user in (f.member(company, "owner"), f.member(f.Agency(), "publisher")):
        with pytest.raises((NotFound, NotAllowed)):
            matching.invite_to_pitch(user, challenge, company.id)
    assert _count(Match) == 0


def test_invitation_needs_an_open_challenge_and_a_real_company(f, challenge):
    publisher = f.member(challenge.agency, "publisher")
    with pytest.raises(NotFound):
        matching.invite_to_pitch(publisher, challenge, 999999)
    with pytest.raises(NotFound):
        matching.invite_to_pitch(publisher, challenge, challenge.agency_id)  # an agency is no company
    challenge.status = "closed"
    db.session.commit()
    with pytest.raises(InvalidTransition):
        matching.invite_to_pitch(publisher, challenge, _company(f).id)


# --- similar challenges ----------------------------------------------------------------------------

def test_similar_challenges_of_other_agencies_with_piloted_solutions(f, challenge):
    similar = f.Challenge(title="Missed appointments at outpatient clinics", summary="Empty slots cost money.",
                          problem_statement="Patients forget appointments.", desired_outcomes="Fewer no-shows.",
                          status="piloting")
    f.set_sectors(similar, ["85"])
    piloted = f.Pitch(challenge=similar, title="Two-way SMS reminders", status="selected")
    f.Pitch(challenge=similar, title="Lost pitch", status="not_selected")
    unrelated = f.Challenge(title="Road salt logistics", summary="Winter roads.", problem_statement="Ice.",
                            desired_outcomes="Safe roads.")
    f.set_sectors(unrelated, ["45"])
    same_agency = f.Challenge(agency=challenge.agency, **{**HOSPITAL, "title": "Missed appointments again"})
    draft = f.Challenge(**{**HOSPITAL, "title": "Secret draft about missed appointments"}, status="draft")

    found = matching.similar_challenges(challenge)
    ids = [s.challenge.id for s in found]
    assert ids == [similar.id]
    assert unrelated.id not in ids and same_agency.id not in ids and draft.id not in ids
    assert found[0].piloted == [("Two-way SMS reminders", piloted.company.name)]
    assert found[0].sectors == ["85"]


def test_similar_challenges_only_for_the_agency_editors(f, challenge):
    assert matching.similar_for_editor(f.member(_company(f), "owner"), challenge) == []
    assert matching.similar_for_editor(f.member(f.Agency(), "publisher"), challenge) == []


def test_a_challenge_page_does_not_count_every_company_each_time(app, f, monkeypatch):
    """The company count behind the word weights is kept for MATCHING_COMPANY_COUNT_SECONDS in a process."""
    from sqlalchemy import event

    from marketplace.services.matching import matching

    monkeypatch.setitem(app.config, "MATCHING_COMPANY_COUNT_SECONDS", 600)
    matching._counted.clear()
    challenge = f.Challenge(problem_statement="Leaking water pipes under the city.")
    f.Company(capability_statement="We find leaking water pipes.")
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        matching.challenge_profile(challenge)
        matching.challenge_profile(challenge)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert sum("count(organisations.id)" in statement for statement in seen) == 1
    matching._counted.clear()


def test_pruned_matching_gives_the_same_list_as_scoring_everyone(f):
    """Only companies that can reach the minimum are looked at: the list is the same as scoring all of them."""
    import random

    rng = random.Random(3)
    common = ["software", "patient", "appointment", "hospital", "data"]
    rare = ["outpatient", "reminder", "noshow", "telephony", "triage", "waitlist", "clinic", "rota"]
    filler = ["bridge", "asphalt", "lighting", "payroll", "forestry", "museum"]
    challenges = [f.Challenge(
        title=title, summary="Patients miss hospital appointments.",
        problem_statement="Hospital software and patient data: " + " ".join(common + rare * 2),
        desired_outcomes="Fewer no-shows, a shorter waitlist, triage by telephony.",
        budget_min=Decimal("10000"), budget_max=Decimal("200000"))
        # The second one's title words are used by nobody: they weigh much, so words alone must be many.
        for title in ("Outpatient reminders against no-shows", "Zorvex quillan brimtor fenwick ostara plimsex draxon velquor")]
    for challenge in challenges:
        f.set_sectors(challenge, ["85", "72"])
    companies = []
    for n in range(60):
        words = rng.sample(common, rng.randint(0, 5)) + rng.sample(rare, rng.choice((0, 0, 1, 2, 4, 6, 8)))
        companies.append(_company(
            f, sectors=rng.choice(((), (), ("45",), ("85",), ("72", "85"), ("72", "33"))),
            size=rng.choice(("micro", "small", "medium", "large", None)), suspended=n % 17 == 0,
            capability_statement=" ".join(words + rng.sample(filler, 2)), keywords=""))

    def listed(results):
        return [(r.organisation_id, r.score, r.sectors, r.terms, r.budget_fits) for r in results]

    bounds = set()
    for challenge in challenges:
        profile = matching.challenge_profile(challenge)
        words = matching.words_by_weight_desc(profile, profile.weights)
        for minimum in (35, 45, 50, 60, 20, 1):
            decided = matching._deciding_words(profile, minimum, words)
            bounds.add("none" if decided is None else "nobody" if not decided[0]
                       else "one word" if decided[1] is None else "some weight")
            pruned = matching.match_challenge(challenge, minimum=minimum, profile=profile)
            everyone = matching.match_challenge(challenge, minimum=minimum, profile=profile, prune=False)
            assert listed(pruned) == listed(everyone)
            one_by_one = [r for r in (matching.score_terms(profile, c, matching.profile_terms(
                c.capability_statement, c.keywords), c.sectors) for c in companies if not c.suspended)
                          if r.score >= minimum]
            # (The statement orders by the unrounded score: equal rounded scores may come in either order.)
            assert sorted(listed(pruned)) == sorted(listed(one_by_one))
        matched = {r.organisation_id for r in matching.match_challenge(challenge, profile=profile)}
        # Words alone make some matches, and some companies sharing words are left out.
        assert any(not c.sectors and c.id in matched for c in companies)
        assert any(not c.sectors and c.id not in matched and set(c.capability_statement.split()) & set(common)
                   for c in companies)
    assert bounds == {"none", "nobody", "one word", "some weight"}  # every kind of bound was used


def _counted(terms):
    """How many companies use each term by counting the index entries: what the weights were computed from
    before organisation_term_counts."""
    return dict(db.session.execute(
        select(organisation_terms.c.term, func.count()).where(organisation_terms.c.term.in_(sorted(terms)))
        .group_by(organisation_terms.c.term)).all())


def test_term_counts_follow_every_way_the_index_is_written_and_matches_stay_the_same(f, monkeypatch):
    """The counts the database keeps give the weights, scores, order and reasons counting the index gave, after
    saves, showcased solutions, a company becoming an agency, a rebuild, and rows written by SQL (a bulk load)."""
    import random

    rng = random.Random(17)
    vocabulary = ["software", "patient", "appointment", "hospital", "data", "outpatient", "reminder", "noshow",
                  "telephony", "triage", "waitlist", "clinic", "rota", "bridge", "asphalt", "payroll", "museum"]
    challenges = [f.Challenge(title=title, summary="Patients miss hospital appointments.",
                              problem_statement="Hospital software and patient data: " + " ".join(vocabulary[4:13]),
                              desired_outcomes="Fewer no-shows, a shorter waitlist, triage by telephony.",
                              budget_min=Decimal("10000"), budget_max=Decimal("200000"))
                  for title in ("Outpatient reminders against no-shows", "Clinic rota software")]
    for challenge in challenges:
        f.set_sectors(challenge, ["85", "72"])
    companies = [_company(f, sectors=rng.choice(((), ("85",), ("72", "33"))),
                          size=rng.choice(("micro", "small", "large", None)),
                          capability_statement=" ".join(rng.sample(vocabulary, rng.randint(1, 8))), keywords="")
                 for _ in range(40)]
    terms = set(vocabulary) | {"quillan", "brimtor"}

    def listed(challenge):
        profile = matching.challenge_profile(challenge)
        return profile.weights, [(r.organisation_id, r.score, r.sectors, r.terms, r.budget_fits)
                                 for r in matching.match_challenge(challenge, minimum=20, profile=profile)]

    def same_as_counting():
        db.session.commit()
        assert matching.companies_using(terms) == _counted(terms)
        kept = [listed(challenge) for challenge in challenges]
        with monkeypatch.context() as patch:
            patch.setattr(matching, "companies_using", _counted)
            assert [listed(challenge) for challenge in challenges] == kept
        return kept

    first = same_as_counting()
    for company in companies[:10]:  # profile saves
        company.capability_statement = " ".join(rng.sample(vocabulary, rng.randint(0, 6)))
        company.keywords = rng.choice(("", "quillan", "brimtor, data"))
    same_as_counting()
    solutions = [Solution(organisation_id=company.id, title="Triage waitlist", description="Quillan telephony")
                 for company in companies[10:16]]
    db.session.add_all(solutions)
    same_as_counting()
    for solution in solutions[:3]:
        db.session.delete(solution)
    companies[20].kind = "agency"  # an agency is not in the index
    same_as_counting()
    # Rows written by SQL, as a bulk load does: the triggers count them too.
    db.session.execute(organisation_terms.delete().where(organisation_terms.c.organisation_id == companies[21].id))
    db.session.execute(organisation_terms.insert(), [{"organisation_id": c.id, "term": "brimtor"}
                                                     for c in companies[22:30] if "brimtor" not in c.keywords])
    assert same_as_counting() != first
    matching.reindex_all_profiles()  # puts the SQL-written rows back as the profiles say
    same_as_counting()
    # Every save could fold what it changed: one row a term in use, none for a term nobody uses.
    rows = db.session.execute(select(organisation_term_counts.c.term, organisation_term_counts.c.companies)).all()
    assert len(rows) == len({term for term, _ in rows}) and all(companies > 0 for _, companies in rows)


def test_profile_saves_at_the_same_time_do_not_wait_for_each_other_and_count_right(f):
    """Two companies sharing words save their profiles at once: the second does not wait for the first to
    commit (PostgreSQL: a lock wait would end in the lock timeout), and the counts are right after both."""
    first = _company(f, capability_statement="Hospital software and patient data", keywords="")
    second = _company(f, capability_statement="Hospital software for clinics", keywords="")
    terms = {"hospital", "software", "patient", "data", "clinic", "triage", "telephony"}
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.connect() as other:
        # Another request saves the first company and has not committed yet (it holds its locks, and the fold's).
        other.execute(Organisation.__table__.update().where(Organisation.id == first.id)
                      .values(capability_statement="Hospital triage software and telephony"))
        matching.refresh_profile_terms(other, [first.id])
        if postgres:
            db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
        else:
            other.commit()  # SQLite has one writer at a time: the first save ends before the second begins
        second.capability_statement = "Hospital software, patient triage and data"
        db.session.commit()
        other.commit()
    db.session.expire_all()
    assert matching.companies_using(terms) == _counted(terms) == {
        "hospital": 2, "software": 2, "triage": 2, "telephony": 1, "patient": 1, "data": 1}
    rows = lambda: db.session.scalar(select(func.count()).select_from(organisation_term_counts))  # noqa: E731
    if postgres:  # the first one was folding: the second left its rows as they were
        assert rows() > len(_counted(set(db.session.scalars(select(organisation_terms.c.term)))))
    # What the second save could not fold then, the next save of those words folds.
    second.capability_statement = "Clinic rota planning"
    db.session.commit()
    assert rows() == len(_counted(set(db.session.scalars(select(organisation_terms.c.term)))))
