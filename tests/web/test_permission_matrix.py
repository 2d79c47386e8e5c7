"""Every route × every role and anonymous, with the expected answer written down once.

The rows come from the app's URL map: a route added without a row here fails
`test_every_route_has_a_row`. GET answers are exact; POSTs with no form data
must send anonymous visitors to sign in and never answer 500 to anyone.
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
    # Open data is public, and the same for everyone.
    "ocds.releases": expect(200), "open_data.challenges_feed": expect(200), "open_data.challenges_csv": expect(200),
    "open_data.stats": expect(200), "open_data.policy": expect(200),
}
# POST routes anyone may use without signing in
PUBLIC_POST = {"auth.login", "auth.register", "auth.forgot_password", "auth.accept_invitation",
               "auth.reset_password", "auth.logout", "notifications.unsubscribe"}


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
    missing = [r.endpoint for r in _routes(app) if "GET" in r.methods and r.endpoint not in GET]
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
def test_posts_without_data_never_fail_and_need_sign_in(app, client, login, world, role):
    people, values, company = world
    if role != "anon":
        login(people[role])
    wrong = {}
    for rule in _routes(app):
        if "POST" not in rule.methods or rule.endpoint == "auth.logout":
            continue
        status = client.post(_url(rule, values, company)).status_code
        if status >= 500 or (role == "anon" and rule.endpoint not in PUBLIC_POST and status != 302):
            wrong[rule.endpoint] = status
    assert wrong == {}
