"""Every route × every role and anonymous, with the expected answer written down once.

The rows come from the app's URL map: a route added without a row here fails
`test_every_route_has_a_row`. GET answers are exact, and so are the answers to
a POST with no form data: the people who may act get the form's errors (422),
a conflict (409) or their redirect; everyone else is refused (403, or 404 where
even refusing would reveal something) and anonymous visitors are sent to sign in.
"""
from datetime import date, timedelta

import pytest

from marketplace.services import pilots
from marketplace.services.clock import utcnow

ROLES = ("anon", "c_owner", "c_member", "stranger", "a_owner", "a_pub", "a_po", "a_eval", "admin")
COMPANY = ("c_owner", "c_member")
AGENCY = ("a_owner", "a_pub", "a_po", "a_eval")


def expect(default, **by_role):
    return {role: by_role.get(role, default) for role in ROLES}


def signed_in(status, anon=302, **by_role):
    return {**expect(status, **by_role), "anon": anon}


def only(roles, status=200, others=404, anon=302):
    return {role: (anon if role == "anon" else status if role in roles else others) for role in ROLES}


# endpoint -> expected GET status per role
GET = {
    "main.home": expect(200), "main.healthz": expect(200),
    # The test client calls from 127.0.0.1; test_observability covers other addresses and the token.
    "observability.metrics": expect(200), "challenges.index": expect(200),
    "challenges.detail": expect(200), "companies.show": expect(200),
    "auth.login": expect(200), "auth.register": expect(200), "auth.forgot_password": expect(200),
    "auth.accept_invitation": expect(404), "auth.reset_password": expect(404),
    "notifications.unsubscribe": expect(404),
    "account.settings": signed_in(200), "dashboard.index": signed_in(200), "notifications.index": signed_in(200),
    "account.team": signed_in(200, admin=302),
    "account.organisation": signed_in(403, c_owner=200, stranger=200, a_owner=200, admin=302),
    "account.two_factor": signed_in(200), "auth.two_factor": expect(302),
    "companies.edit": only(COMPANY + ("stranger",)),
    "admin.organisations": only(("admin",)),
    "evaluation.audit_trail": only(("a_owner", "admin")), "evaluation.audit_csv": only(("a_owner", "admin")),
    "challenges.new": only(("a_owner", "a_pub"), others=403),
    "challenges.cancel": only(("a_owner", "a_pub"), others=403),
    "challenges.preview": only(("a_owner", "a_pub"), others=403),
    "challenges.consultation_summary": only(("a_owner", "a_pub"), others=403),
    "challenges.edit": {**only(("a_owner", "a_pub"), status=409, others=403)},
    "evaluation.overview": only(AGENCY),
    "evaluation.scores": {**only(("a_po", "a_eval"), status=409, others=404), "a_owner": 403, "a_pub": 403},
    "pitches.edit": only(COMPANY + ("stranger",), others=403),
    "pitches.for_challenge": only(AGENCY),
    "matches.for_challenge": {**only(("a_owner", "a_pub", "a_po")), "a_eval": 404},
    "pitches.show": only(COMPANY), "pitches.receipt": only(COMPANY), "evaluation.pick_slot": only(COMPANY),
    "pitches.attachment": only((), others=404),
    "pilots.start": {**only(("a_owner", "a_po"), status=409, others=404), "a_pub": 403, "a_eval": 403},
    "pilots.show": only(COMPANY + AGENCY + ("admin",)), "pilots.agreement": only(COMPANY + AGENCY + ("admin",)),
    "pilots.document": only((), others=404),
}
# endpoint -> expected status of a POST with no form data, per role (routes in URL-map order, each role on a
# fresh world; signing out is left out, it would end the role's session)
POST = {
    "auth.login": expect(422), "auth.register": expect(422), "auth.forgot_password": expect(422),
    "auth.reset_password": expect(404), "auth.accept_invitation": expect(404), "auth.two_factor": expect(302),
    "notifications.unsubscribe": expect(404),
    "account.save_settings": signed_in(422), "account.change_password": signed_in(422),
    "account.team": signed_in(422, c_member=403, a_pub=403, a_po=403, a_eval=403, admin=302),
    "account.invite": signed_in(422, c_member=403, a_pub=403, a_po=403, a_eval=403, admin=302),
    "account.organisation": signed_in(302, c_member=403, a_pub=403, a_po=403, a_eval=403),
    "account.revoke_invitation": signed_in(404),
    "account.four_eyes": signed_in(404, a_owner=302, a_pub=403, a_po=403, a_eval=403),
    "account.two_factor": signed_in(422, a_po=200, admin=200),
    "challenges.new": only(("a_owner", "a_pub"), status=422, others=403),
    "challenges.edit": only(("a_owner", "a_pub"), status=409, others=403),
    "challenges.publish": only(("a_owner", "a_pub"), status=409, others=403),
    "challenges.request_approval": only(("a_owner", "a_pub"), status=409, others=403),
    "challenges.approve": only(("a_owner", "a_pub"), status=409, others=403),
    "challenges.cancel": only(("a_owner", "a_pub"), status=422, others=403),
    "challenges.consultation_summary": only(("a_owner", "a_pub"), status=422, others=403),
    "pitches.edit": signed_in(403, c_owner=422, c_member=422, stranger=302),
    "pitches.submit": only(COMPANY, status=422), "pitches.withdraw": only(COMPANY, status=302),
    "pitches.add_attachment": only(COMPANY, status=422), "pitches.remove_attachment": signed_in(404),
    "companies.edit": only(COMPANY + ("stranger",), status=422),
    "companies.add_solution": only(COMPANY + ("stranger",), status=422),
    "companies.remove_solution": signed_in(404),
    "companies.follow": only(COMPANY + ("stranger",), status=302, others=403),
    "companies.unfollow": only(COMPANY + ("stranger",), status=302, others=403),
    "notifications.mark_read": signed_in(404), "notifications.mark_all_read": signed_in(302),
    "admin.verify": only(("admin",), status=302), "admin.suspend": only(("admin",), status=302),
    "pilots.move": signed_in(422, stranger=404), "pilots.upload": signed_in(422, stranger=404),
    "pilots.judge_measure": signed_in(422, stranger=404), "pilots.payment": signed_in(422, stranger=404),
    "pilots.message": signed_in(422, stranger=404),
    "pilots.outcome": signed_in(403, stranger=404, a_owner=302, a_po=302),
    "pilots.approve_budget": signed_in(403, stranger=404, a_owner=409, a_po=409),
    "pilots.start": {**only(("a_owner", "a_po"), status=409), "a_pub": 403, "a_eval": 403},
    "evaluation.start": {**only(("a_owner", "a_po"), status=409), "a_pub": 403, "a_eval": 403},
    "evaluation.finalise": {**only(("a_owner", "a_po"), status=409), "a_pub": 403, "a_eval": 403},
    "evaluation.publish": {**only(("a_owner", "a_po"), status=409), "a_pub": 403, "a_eval": 403},
    "evaluation.declare": only(AGENCY, status=422), "evaluation.decide": only(AGENCY, status=422),
    "evaluation.offer_slot": only(AGENCY, status=422),
    "evaluation.scores": signed_in(404, a_owner=403, a_pub=403),
    "evaluation.pick_slot": only(COMPANY, status=409),
    "questions.ask": signed_in(403, c_owner=422, c_member=422, stranger=422),
    "questions.answer": signed_in(404),
    # A hand-made invitation form without its fields: the bad request it is.
    "matches.invite": signed_in(404, a_owner=400, a_pub=400, a_po=400),
}


@pytest.fixture
def world(f):
    agency = f.Agency()
    company = f.Company()
    challenge = f.Challenge(agency=agency)
    pitch = f.Pitch(challenge=challenge, company=company, status="submitted", submitted_at=utcnow())
    people = {
        "c_owner": f.member(company, "owner"), "c_member": f.member(company, "member"),
        "stranger": f.member(f.Company(), "owner"),
        "a_owner": f.member(agency, "owner"), "a_pub": f.member(agency, "publisher"),
        "a_po": f.member(agency, "procurement_officer"), "a_eval": f.member(agency, "evaluator"),
        "admin": f.admin(),
    }
    piloting = f.Challenge(agency=agency, status="evaluating")
    selected = f.Pitch(challenge=piloting, company=company, status="selected")
    pilot = pilots.start_pilot(people["a_po"], selected.id, budget="1000", starts_on=date.today(),
                               ends_on=date.today() + timedelta(days=9), owner_id=people["a_po"].id)
    values = {"slug": challenge.slug, "pitch_id": pitch.id, "pilot_id": pilot.id, "token": "not-a-real-token",
              "attachment_id": 1, "document_id": 1, "organisation_id": company.id, "solution_id": 1,
              "invitation_id": 1, "notification_id": 1, "assessment_id": 1, "measure_id": 1, "milestone_id": 1,
              "question_id": 1}
    return people, values, company


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


def _url(rule, values, company):
    args = {name: values[name] for name in rule.arguments}
    if rule.endpoint == "companies.show":
        args["slug"] = company.slug
    return rule.build(args)[1]


def test_every_route_has_a_row(app):
    missing = [f"{method} {r.endpoint}" for r in _routes(app) for method, rows in (("GET", GET), ("POST", POST))
               if method in r.methods and r.endpoint not in rows and r.endpoint != "auth.logout"]
    assert missing == []


@pytest.mark.parametrize("role", ROLES)
def test_get_answers_for_each_role(app, client, login, world, role):
    people, values, company = world
    if role != "anon":
        login(people[role])
    wrong = {}
    for rule in _routes(app):
        if "GET" not in rule.methods:
            continue
        status = client.get(_url(rule, values, company)).status_code
        if status != GET[rule.endpoint][role]:
            wrong[rule.endpoint] = (status, GET[rule.endpoint][role])
    assert wrong == {}


@pytest.mark.parametrize("role", ROLES)
def test_post_answers_for_each_role(app, client, login, world, role):
    people, values, company = world
    if role != "anon":
        login(people[role])
    wrong = {}
    for rule in _routes(app):
        if "POST" not in rule.methods or rule.endpoint == "auth.logout":
            continue
        status = client.post(_url(rule, values, company)).status_code
        if status != POST[rule.endpoint][role]:
            wrong[rule.endpoint] = (status, POST[rule.endpoint][role])
    assert wrong == {}
