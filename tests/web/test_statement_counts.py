"""Statements per request on the signed-in pages: at most 10, however many companies and challenges exist.

Each request is counted in a fresh database session, as a server runs it (the test's own session would answer
from its identity map). A company with no stored match is scored on its challenge page by the word weights stored
when the challenge's companies were matched: no statement on a page view counts companies or their words.
"""
import pytest
from sqlalchemy import event, update

from marketplace.extensions import db
from marketplace.models import Challenge, ChallengeMatchWeights, Match
from marketplace.services.matching import matching
from tests.factories import set_sectors

LIMIT = 10
VISITOR_LIMIT = 7
GROWING = ("count(organisations.id)", "FROM organisation_terms WHERE organisation_terms.term IN",
           "FROM organisation_term_counts WHERE organisation_term_counts.term IN")


class _Counter:
    def __init__(self, client, login):
        self.client, self.login, self.counts, self.statements = client, login, {}, {}

    def count(self, name, path, as_user=None):
        if as_user is not None:
            self.login(as_user)
        db.session.remove()  # a fresh session, as each request of a server has
        seen = []

        def note(conn, cursor, statement, *args):
            seen.append(" ".join(statement.split())[:160])

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            response = self.client.get(path)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        assert response.status_code == 200, (name, path, response.status_code)
        self.counts[name], self.statements[name] = len(seen), seen


def _world(f):
    challenge = f.Challenge(problem_statement="Detect leaking water pipes under the streets.")
    set_sectors(challenge, ["65"])
    company = f.Company(capability_statement="Acoustic sensors that find leaking water pipes.")
    set_sectors(company, ["65"])
    matched = f.Company(capability_statement="Leak detection for water networks.")
    db.session.add(Match(challenge_id=challenge.id, organisation_id=matched.id, score=0.8, reasons=[]))
    matching.store_weights(challenge, matching.challenge_profile(challenge))  # as matching at publishing does
    db.session.commit()
    people = {"owner": f.member(company, "owner"), "matched": f.member(matched, "owner"),
              "publisher": f.member(challenge.agency, "publisher"),
              "officer": f.member(challenge.agency, "procurement_officer")}
    f.Pitch(challenge=challenge, company=company, status="submitted")
    return challenge.id, challenge.slug, people


@pytest.mark.parametrize("more", [0, 1])
def test_signed_in_pages_cost_a_fixed_number_of_statements(client, login, f, app, monkeypatch, more):
    monkeypatch.setitem(app.config, "MATCHING_COMPANY_COUNT_SECONDS", 600)  # as in production
    challenge_id, slug, p = _world(f)
    for _ in range(more * 25):  # many more companies and challenges: the same counts
        set_sectors(f.Company(capability_statement="Water leaks, pipes and sensors."), ["65"])
        f.Challenge()
    for person in p.values():
        person.get_id()  # loaded before the counted requests detach it
    matching.forget_kept_profiles()
    c = _Counter(client, login)
    page = f"/challenges/{slug}"
    c.count("challenge page, visitor", page)
    # Open for pitches: the company with a pitch (no stored match), the matched one without a pitch.
    c.count("challenge page, company with a pitch, no stored match", page, p["owner"])
    c.count("dashboard, company", "/dashboard")
    c.count("pitch step, company with a pitch", f"{page}/pitch/about")
    c.count("challenge page, company matched, no pitch", page, p["matched"])
    c.count("pitch step, company without a pitch", f"{page}/pitch/about")
    c.count("dashboard, publisher", "/dashboard", p["publisher"])
    c.count("challenge page, publisher", page)
    c.count("dashboard, procurement officer", "/dashboard", p["officer"])
    # Being evaluated.
    db.session.execute(update(Challenge).where(Challenge.id == challenge_id).values(status="evaluating"))
    db.session.commit()
    c.count("challenge page, company with a pitch, evaluating", page, p["owner"])
    c.count("challenge page, company matched, evaluating", page, p["matched"])
    c.count("dashboard, company, evaluating", "/dashboard", p["owner"])
    c.count("dashboard, publisher, evaluating", "/dashboard", p["publisher"])
    matching.forget_kept_profiles()
    over = {name: count for name, count in c.counts.items()
            if count > (VISITOR_LIMIT if name.endswith("visitor") else LIMIT)}
    assert over == {}, "\n".join([str(c.counts)] + [f"{name}:\n  " + "\n  ".join(c.statements[name]) for name in over])
    assert [s for seen in c.statements.values() for s in seen if any(g in s for g in GROWING)] == []


def test_a_challenge_matched_before_its_weights_were_stored_counts_companies_once_per_process(client, login, f, app,
                                                                                             monkeypatch):
    monkeypatch.setitem(app.config, "MATCHING_COMPANY_COUNT_SECONDS", 600)
    challenge_id, slug, p = _world(f)
    db.session.query(ChallengeMatchWeights).delete()
    db.session.commit()
    p["owner"].get_id()  # loaded before the counted requests detach it
    matching.forget_kept_profiles()
    c = _Counter(client, login)
    for view in ("first", "second"):
        c.count(view, f"/challenges/{slug}", p["owner"])
    growing = {view: [s for s in seen if any(g in s for g in GROWING)] for view, seen in c.statements.items()}
    assert (len(growing["first"]), growing["second"], c.counts["second"]) == (2, [], c.counts["first"] - 2)
    assert c.counts["second"] <= LIMIT
    matching.forget_kept_profiles()



def test_everyone_in_the_demo_world_gets_their_dashboard_in_at_most_ten_statements(client, login, runner):
    """The demo holds every state at once (evaluations, sessions, pilots with payments, drafts to approve): what
    the small world above cannot show."""
    from sqlalchemy import select

    import pyotp

    from marketplace.models import Membership, User
    from marketplace.services.accounts import two_factor

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    people = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                .where(User.is_admin.is_(False)).order_by(User.id)).all()
    for person in people:
        if two_factor.required_for(person):
            person.totp_secret = pyotp.random_base32()  # set up, as they would at their first sign-in
    db.session.commit()
    for person in people:
        person.get_id()  # loaded before the counted requests detach it
    c = _Counter(client, login)
    for person in people:
        c.count(f"dashboard, {person.email}", "/dashboard", person)
    over = {name: count for name, count in c.counts.items() if count > LIMIT}
    assert len(c.counts) >= 6 and over == {}, "\n".join(
        [str(c.counts)] + [f"{name}:\n  " + "\n  ".join(c.statements[name]) for name in over])


def test_an_agency_dashboard_costs_the_same_statements_however_many_challenges_the_agency_has(client, login, f, app,
                                                                                             monkeypatch):
    """The agency's challenges come a page at a time (two here): an agency with three times as many challenges in
    every state (drafts, open ones with questions and pitches, finished ones), a second page, the last page and
    one status cost the same statements."""
    from datetime import timedelta

    from marketplace.models import Organisation, Question
    from marketplace.services.clock import utcnow

    monkeypatch.setitem(app.config, "DASHBOARD_CHALLENGES_PER_PAGE", 2)
    challenge_id, slug, p = _world(f)
    agency_id = db.session.get(Challenge, challenge_id).agency_id
    asker = f.member(f.Company(), "owner")
    asker_id, company_id = asker.id, asker.organisation.id  # read before the counted requests detach them

    def add_one_of_each():
        agency = db.session.get(Organisation, agency_id)
        for n, status in enumerate(["draft", "published", "closed", "completed", "cancelled", "published"]):
            extra = f.Challenge(agency=agency, status=status, created_at=utcnow() - timedelta(days=n + 1),
                                **({"published_at": None} if status == "draft" else {}))
            db.session.add(Question(challenge_id=extra.id, organisation_id=company_id,
                                    asked_by_id=asker_id, body="When?", **({"answer": "Soon."} if n % 2 else {})))
            f.Pitch(challenge=extra, status="submitted")
        db.session.commit()

    _the_same_statements_thrice_as_big(client, login, p, add_one_of_each, {
        "page 2": "?page=2", "last page": "?page=999", "drafts": "?status=draft"})
    assert db.session.query(Challenge).filter_by(agency_id=agency_id).count() == 19  # ten pages of two


def _the_same_statements_thrice_as_big(client, login, p, add_one_of_each, asked):
    """The publisher's and the officer's dashboards after `add_one_of_each()` once, then thrice, the latter also at
    each query of `asked` ({name: query}): the same statements each, within LIMIT."""
    c = _Counter(client, login)
    add_one_of_each()
    for person in p.values():
        person.get_id()  # loaded before the counted requests detach it
    for who in ("publisher", "officer"):
        c.count(f"{who}, once", "/dashboard", p[who])
    add_one_of_each()
    add_one_of_each()
    for who in ("publisher", "officer"):
        c.count(f"{who}, thrice", "/dashboard", p[who])
        for name, query in asked.items():
            c.count(f"{who}, thrice, {name}", f"/dashboard{query}", p[who])
    for who in ("publisher", "officer"):
        counts = {name: count for name, count in c.counts.items() if name.startswith(who)}
        assert len(set(counts.values())) == 1 and max(counts.values()) <= LIMIT, c.counts


def test_an_agency_dashboard_reads_no_challenge_or_pitch_texts(client, login, runner):
    """The work list, the challenge table and the pilots show titles, states and dates: an agency of a thousand
    challenges would otherwise read every text and its HTML (the demo holds every kind of work at once)."""
    import pyotp
    from sqlalchemy import select

    from marketplace.models import Membership, Organisation, User
    from marketplace.services.accounts import two_factor

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    people = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                .join(Organisation, Organisation.id == Membership.organisation_id)
                                .where(Organisation.kind == "agency", User.is_admin.is_(False))
                                .order_by(User.id)).all()
    for person in people:
        if two_factor.required_for(person):
            person.totp_secret = pyotp.random_base32()
    db.session.commit()
    for person in people:
        person.get_id()
    texts = ("challenges.problem_statement", "challenges.context", "challenges.desired_outcomes",
             "pitches.summary", "pitches.approach", "pitches.evidence")
    read = {}
    for person in people:
        login(person)
        db.session.remove()
        seen = []

        def note(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert client.get("/dashboard").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        assert len(seen) <= LIMIT, (person.email, len(seen))
        read[person.email] = [" ".join(s.split())[:200] for s in seen if any(t in s for t in texts)]
    assert len(read) >= 4 and all(found == [] for found in read.values()), read


def test_a_company_dashboard_costs_the_same_statements_however_many_pitches_follows_and_questions(client, login, f):
    """Each pitch names its challenge: read with the others, not one statement per pitch."""
    from marketplace.models import Follow, Question

    company = f.Company()
    owner = f.member(company, "owner")
    asker_id, company_id = owner.id, company.id

    def pitch_follow_and_ask(n):
        for _ in range(n):
            f.Pitch(challenge=f.Challenge(), company=db.session.get(type(company), company_id), status="submitted")
            followed = f.Challenge()
            db.session.add(Follow(challenge_id=followed.id, organisation_id=company_id))
            db.session.add(Question(challenge_id=followed.id, organisation_id=company_id, asked_by_id=asker_id,
                                    body="When?"))
        db.session.commit()

    pitch_follow_and_ask(1)
    owner.get_id()
    c = _Counter(client, login)
    c.count("one pitch", "/dashboard", owner)
    pitch_follow_and_ask(11)
    c.count("twelve pitches", "/dashboard", owner)
    assert c.counts["one pitch"] == c.counts["twelve pitches"] <= LIMIT, c.statements


def test_an_agency_dashboard_costs_the_same_statements_however_many_pilots_the_agency_has(client, login, f, app,
                                                                                         monkeypatch):
    """The pilots come a page at a time (two here), read with the work list's unfinished ones in one statement:
    three times as many pilots in every stage, a second page, the last and a page past the last (an old link)
    cost the same statements."""
    from datetime import timedelta
    from decimal import Decimal

    from marketplace.models import Organisation, Pilot
    from marketplace.services.clock import utcnow

    monkeypatch.setitem(app.config, "DASHBOARD_PILOTS_PER_PAGE", 2)
    challenge_id, slug, p = _world(f)
    agency_id = db.session.get(Challenge, challenge_id).agency_id
    officer_id = p["officer"].id

    def add_one_of_each():
        piloted = f.Challenge(agency=db.session.get(Organisation, agency_id), status="piloting")
        today = utcnow().date()
        for n, stage in enumerate(["agreement", "running", "evaluation", "adopted", "stopped"]):
            pitch = f.Pitch(challenge=piloted, status="selected")
            db.session.add(Pilot(challenge_id=piloted.id, pitch_id=pitch.id, agency_id=agency_id,
                                 company_id=pitch.company_id, stage=stage, owner_id=officer_id,
                                 stage_due_on=today - timedelta(days=n), budget=Decimal("1000"), starts_on=today,
                                 ends_on=today + timedelta(days=30)))
        db.session.commit()

    _the_same_statements_thrice_as_big(client, login, p, add_one_of_each, {
        "page 2": "?pilots_page=2", "last page": "?pilots_page=8", "past the last": "?pilots_page=999"})
    assert db.session.query(Pilot).filter_by(agency_id=agency_id).count() == 15  # eight pages of two
