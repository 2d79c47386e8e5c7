"""Every route × every role and anonymous, with the expected answer written down once.

The rows come from the app's URL map: a route added without a row here fails
`test_every_route_has_a_row`. GET answers are exact, and so are the answers to
a write with no data: the people who may act get the form's errors (422), a
conflict (409) or their redirect; everyone else is refused (403, or 404 where
even refusing would reveal something) and anonymous visitors are sent to sign in.
API routes (/api/v1) are called with each role's personal API token instead
of the session (the API reads no cookie); anonymous callers get 401 there.
"""
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import PitchAttachment, PitchSessionSlot
from marketplace.models.evaluation import PitchAssessment, Score
from marketplace.services.accounts import api_tokens
from marketplace.services.evaluation import evaluation
from marketplace.services.open_data import bulk_files
from marketplace.services.pilots import pilots
from marketplace.services.pitches import uploads
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
    "auth.accept_invitation": expect(404), "auth.reset_password": expect(404), "auth.confirm_email": expect(404),
    "notifications.unsubscribe": expect(404),
    "account.settings": signed_in(200), "dashboard.index": signed_in(200), "notifications.index": signed_in(200),
    "account.team": signed_in(200, admin=302),
    "account.organisation": signed_in(403, c_owner=200, stranger=200, a_owner=200, admin=302),
    "account.two_factor": signed_in(200), "auth.two_factor": expect(302),
    "companies.edit": only(COMPANY + ("stranger",)),
    "companies.edit_solution": signed_in(404),  # no solution 1 here: nobody's to edit
    "admin.organisations": only(("admin",)), "admin.emails": only(("admin",)), "admin.people": only(("admin",)),
    "admin.reset_two_factor": only(("admin",)),  # another person's (the officer's): never the admin's own
    "admin.suspend": only(("admin",)),  # the page asking why
    "admin.audit_trail": only(("admin",)), "admin.audit_csv": only(("admin",)),  # the platform's whole trail
    "evaluation.audit_trail": only(("a_owner", "a_po", "admin")),
    "evaluation.audit_csv": only(("a_owner", "a_po", "admin")),
    "challenges.new": only(("a_owner", "a_pub"), others=403),
    "challenges.cancel": only(("a_owner", "a_pub"), others=403),
    "challenges.correct": only(("a_owner", "a_pub"), others=403),
    "challenges.preview": only(("a_owner", "a_pub"), others=403),
    "challenges.consultation_summary": only(("a_owner", "a_pub"), others=403),
    "challenges.edit": {**only(("a_owner", "a_pub"), status=409, others=403)},
    "evaluation.overview": only(AGENCY), "evaluation.decide": signed_in(404),
    # A pitch session's calendar: the booking company's and the panel's; slot 1 does not exist.
    "evaluation.session_calendar": signed_in(404),
    "evaluation.scores": {**only(("a_po", "a_eval"), status=409, others=404), "a_owner": 403, "a_pub": 403},
    "pitches.edit": only(COMPANY + ("stranger",), status=302, others=403),
    "pitches.step": only(COMPANY + ("stranger",), others=403),
    "pitches.attachments": only(COMPANY + ("stranger",), others=403),
    "pitches.check": only(COMPANY + ("stranger",), others=403),
    "pitches.for_challenge": only(AGENCY),
    "matches.for_challenge": {**only(("a_owner", "a_pub", "a_po")), "a_eval": 404},
    "pitches.show": only(COMPANY), "pitches.receipt": only(COMPANY), "evaluation.pick_slot": only(COMPANY),
    "pitches.submit_again": only(COMPANY, status=302),  # a refused submission reloaded: back to the check page
    "pitches.withdraw": only(COMPANY),  # the question before withdrawing: the company's own pitch only
    "pitches.attachment": only((), others=404),
    "pilots.start": {**only(("a_owner", "a_po"), status=409, others=404), "a_pub": 403, "a_eval": 403},
    "pilots.show": only(COMPANY + AGENCY + ("admin",)), "pilots.agreement": only(COMPANY + AGENCY + ("admin",)),
    "pilots.document": only((), others=404),
    "account.tokens": signed_in(200),
    # The company owner's spare token: the confirmation is theirs only.
    "account.confirm_revoke_token": signed_in(404, c_owner=200),
    "for_you.index": only(COMPANY + ("stranger",), others=403),
    "for_you.new_search": signed_in(200), "for_you.alerts": signed_in(200),
    "for_you.calendar": expect(404),  # not a real token: no calendar, whoever asks
    # The API: public reads, and reads with the role's token (anonymous: 401, no token).
    "api.openapi_json": expect(200), "api.docs": expect(200), "api.list_challenges": expect(200),
    "api.challenge": expect(200), "api.organisations": expect(200), "api.organisation": expect(200),
    "api.pilot_outcomes": expect(200),
    "api.me": signed_in(200, anon=401),
    "api.own_pitches": only(COMPANY + ("stranger",), others=403, anon=401),
    "api.pitch": only(COMPANY, anon=401),
    "api.open_questions": only(("a_owner", "a_pub", "a_po"), anon=401),
    "api.pilot": only(COMPANY + AGENCY + ("admin",), anon=401),
    # Open data is public, and the same for everyone.
    "api.audit_anchors": expect(200), "open_data.audit_anchors": expect(200),
    "api.ocds_releases": expect(200), "api.ocds_records": expect(200), "open_data.challenges_feed": expect(200), "open_data.challenges_csv": expect(200),
    "open_data.stats": expect(200), "open_data.policy": expect(200), "open_data.stats_json": expect(200),
    "open_data.stats_csv": expect(200), "open_data.challenge_columns": expect(200),
    "open_data.challenge_columns_json": expect(200), "open_data.data_catalogue": expect(200),
    "open_data.bulk_file": expect(200),  # the world's bulk files are made: public to all
    # The pages about the service, and the favicon: public, the same for everyone.
    **{f"about.{name}": expect(200) for name in (
        "accessibility", "privacy", "terms", "contact", "help", "help_companies", "help_agencies", "favicon")},
}
# endpoint -> expected status of a write (POST, or the API's PUT) with no data, per role (each role on a fresh
# world; signing out is left out, it would end the role's session). API routes get the role's token.
WRITES = {
    "auth.login": expect(422), "auth.register": expect(422), "auth.forgot_password": expect(422),
    "auth.reset_password": expect(404), "auth.accept_invitation": expect(404), "auth.two_factor": expect(302),
    "notifications.unsubscribe": expect(404),
    "account.save_settings": signed_in(422), "account.change_password": signed_in(422),
    "auth.resend_confirmation": signed_in(302),
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
    "challenges.send_back": only(("a_owner", "a_pub"), status=409, others=403),  # nobody asked for approval
    "challenges.cancel": only(("a_owner", "a_pub"), status=422, others=403),
    "challenges.correct": only(("a_owner", "a_pub"), status=422, others=403),
    # The world's challenge is an open call for solutions: a summary is refused for its state before its field.
    "challenges.consultation_summary": only(("a_owner", "a_pub"), status=409, others=403),
    "pitches.edit": signed_in(403, c_owner=422, c_member=422, stranger=302),
    "pitches.submit": only(COMPANY, status=302), "pitches.withdraw": only(COMPANY, status=302),
    "pitches.add_attachment": only(COMPANY, status=422), "pitches.remove_attachment": signed_in(404),
    "companies.edit": only(COMPANY + ("stranger",), status=422),
    "companies.add_solution": only(COMPANY + ("stranger",), status=422),
    "companies.remove_solution": signed_in(404), "companies.edit_solution": signed_in(404),
    "companies.follow": only(COMPANY + ("stranger",), status=302, others=403),
    "companies.unfollow": only(COMPANY + ("stranger",), status=302, others=403),
    "notifications.mark_read": signed_in(404), "notifications.mark_all_read": signed_in(302),
    "admin.verify": only(("admin",), status=302), "admin.suspend": only(("admin",), status=422),  # no reason given
    "admin.requeue_emails": only(("admin",), status=302),
    "admin.reset_two_factor": only(("admin",), status=422),  # no reason given
    "account.renew_recovery_codes": signed_in(422),  # no password given
    # Only the pilot's movers get as far as the form (422 for an empty one); its other readers are refused.
    "pilots.move": signed_in(403, stranger=404, a_owner=422, a_po=422), "pilots.upload": signed_in(422, stranger=404),
    "pilots.judge_measure": signed_in(403, stranger=404, a_owner=422, a_po=422),
    "pilots.payment": signed_in(403, stranger=404, a_owner=422, a_po=422),
    "pilots.message": signed_in(422, stranger=404),
    "pilots.outcome": signed_in(403, stranger=404, a_owner=302, a_po=302),
    "pilots.approve_budget": signed_in(403, stranger=404, a_owner=409, a_po=409),
    "pilots.request_budget_increase": signed_in(403, stranger=404, a_owner=422, a_po=422),
    "pilots.end_date": signed_in(403, stranger=404, a_owner=422, a_po=422),
    # No increase 1 on this pilot: its approvers are told so; the pilot's other readers may approve nothing.
    "pilots.approve_budget_increase": signed_in(403, stranger=404, a_owner=404, a_po=404),
    "pilots.start": {**only(("a_owner", "a_po"), status=409), "a_pub": 403, "a_eval": 403},
    "evaluation.start": {**only(("a_owner", "a_po"), status=409), "a_pub": 403, "a_eval": 403},
    "evaluation.finalise": {**only(("a_owner", "a_po"), status=409), "a_pub": 403, "a_eval": 403},
    "evaluation.publish": {**only(("a_owner", "a_po"), status=409), "a_pub": 403, "a_eval": 403},
    # No assessment 1 here: a decision page names one that exists.
    "evaluation.declare": only(AGENCY, status=422), "evaluation.decide": signed_in(404),
    "evaluation.offer_slot": only(AGENCY, status=422),
    "evaluation.scores": signed_in(404, a_owner=403, a_pub=403),
    "evaluation.pick_slot": only(COMPANY, status=409),
    "questions.ask": signed_in(403, c_owner=422, c_member=422, stranger=422),
    "questions.answer": signed_in(404),
    # A hand-made invitation form without its fields: the bad request it is.
    "matches.invite": signed_in(404, a_owner=400, a_pub=400, a_po=400),
    "main.set_language": expect(422),
    "for_you.new_search": signed_in(422), "for_you.delete_search": signed_in(404),
    "for_you.renew_calendar": signed_in(302), "for_you.calendar_off": signed_in(302),
    "account.create_token": signed_in(422),
    # The company owner's spare token: nobody else's to revoke.
    "account.revoke_token": signed_in(404, c_owner=302),
    # The company's pitch is submitted: an empty step would blank it (422); the stranger starts a draft.
    "pitches.step": signed_in(403, c_owner=422, c_member=422, stranger=302),
    # The API: no token 401; a write without a JSON body 415, before anything is looked up.
    **{endpoint: expect(415, anon=401) for endpoint in (
        "api.create_challenge", "api.save_pitch", "api.ask_question", "api.answer_question", "api.move_pilot",
        "api.correct_challenge")},
    "api.publish_challenge": expect(403, anon=401, a_owner=409, a_pub=409),
    # Submitting or withdrawing the company's own pitch again is a no-op, answered with the pitch.
    "api.submit_pitch": expect(404, anon=401, c_owner=200, c_member=200),
    "api.withdraw_pitch": expect(404, anon=401, c_owner=200, c_member=200),
}


@pytest.fixture
def world(f, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN_DATA_BULK_DIR", str(tmp_path))
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
    bulk_files.generate()
    values = {"name": "ocds-records.jsonl.gz", "slug": challenge.slug, "pitch_id": pitch.id, "pilot_id": pilot.id, "token": "not-a-real-token",
              "attachment_id": 1, "document_id": 1, "organisation_id": company.id, "solution_id": 1,
              "invitation_id": 1, "notification_id": 1, "assessment_id": 1, "slot_id": 1, "measure_id": 1, "milestone_id": 1, "increase_id": 1,
              "question_id": 1, "step": "about", "user_id": people["a_po"].id, "search_id": 1,
              "token_id": api_tokens.create_token(people["c_owner"], "spare")[0].id}
    tokens = {role: {"Authorization": f"Bearer {api_tokens.create_token(user, 'matrix')[1]}"}
              for role, user in people.items()}
    return people, values, company, tokens


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


def _url(rule, values, company):
    args = {name: values[name] for name in rule.arguments}
    if rule.endpoint in ("companies.show", "api.organisation"):
        args["slug"] = company.slug
    return rule.build(args)[1]


def _headers(rule, role, tokens):
    """API routes act on the role's token; pages on the session cookie set by `login`."""
    return tokens[role] if rule.endpoint.startswith("api.") and role != "anon" else {}


def test_every_route_has_a_row(app):
    missing = [f"GET {r.endpoint}" for r in _routes(app) if "GET" in r.methods and r.endpoint not in GET]
    missing += [f"{method} {rule.endpoint}" for rule, method in _writes(app) if rule.endpoint not in WRITES]
    assert missing == []


@pytest.mark.parametrize("role", ROLES)
def test_get_answers_for_each_role(app, client, login, world, role):
    people, values, company, tokens = world
    if role != "anon":
        login(people[role])
    wrong = {}
    for rule in _routes(app):
        if "GET" not in rule.methods:
            continue
        status = client.get(_url(rule, values, company), headers=_headers(rule, role, tokens)).status_code
        if status != GET[rule.endpoint][role]:
            wrong[rule.endpoint] = (status, GET[rule.endpoint][role])
    assert wrong == {}


def _writes(app):
    """Every (rule, method) that changes something: the pages' POSTs and the API's POSTs and PUTs."""
    for rule in _routes(app):
        for method in ("POST", "PUT"):
            # Signing out (here or everywhere) would end the session the rest of the matrix runs in; tested alone.
            if method in rule.methods and rule.endpoint not in ("auth.logout", "account.sign_out_everywhere"):
                yield rule, method


@pytest.mark.parametrize("role", ROLES)
def test_write_answers_for_each_role(app, client, login, world, role):
    people, values, company, tokens = world
    if role != "anon":
        login(people[role])
    wrong = {}
    for rule, method in _writes(app):
        status = client.open(_url(rule, values, company), method=method,
                             headers=_headers(rule, role, tokens)).status_code
        if status != WRITES[rule.endpoint][role]:
            wrong[rule.endpoint] = (status, WRITES[rule.endpoint][role])
    assert wrong == {}


@pytest.mark.parametrize("role", ROLES)
def test_api_writes_with_a_session_cookie_but_no_token_are_refused(app, client, login, world, role):
    people, values, company, _ = world
    if role != "anon":
        login(people[role])
    wrong = {}
    for rule, method in _writes(app):
        if rule.endpoint.startswith("api."):
            status = client.open(_url(rule, values, company), method=method, json={}).status_code
            if status != 401:
                wrong[rule.endpoint] = status
    assert wrong == {}


# --- A pitch step's every address, for a challenge of each kind ----------------------------------------------
# `pitches.step` serves each step's name (pitches.ALL_STEPS): a market consultation's third step is `cost`, a call
# for solutions' `pilot`; the other kind's name leads there (301, a POST 308), only for whoever may write the pitch.
# Everyone else is refused as on the step itself, before anything is said about where it went.

STEP_ADDRESSES = {
    ("market_consultation", "cost"): only(COMPANY + ("stranger",), others=403),
    ("market_consultation", "pilot"): only(COMPANY + ("stranger",), status=301, others=403),
    ("call_for_solutions", "pilot"): only(COMPANY + ("stranger",), others=403),
    ("call_for_solutions", "cost"): only(COMPANY + ("stranger",), status=301, others=403),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_pitch_step_address_answers_for_each_role(app, client, login, world, f, role):
    people, _, company, _ = world
    if role != "anon":
        login(people[role])
    agency = people["a_owner"].membership.organisation
    challenges = {kind: f.Challenge(agency=agency, kind=kind, with_criteria=kind == "call_for_solutions")
                  for kind in ("market_consultation", "call_for_solutions")}
    answers = {(kind, step): client.get(f"/challenges/{challenges[kind].slug}/pitch/{step}").status_code
               for kind, step in STEP_ADDRESSES}
    assert answers == {address: expected[role] for address, expected in STEP_ADDRESSES.items()}


# --- The same routes through a challenge's life -----------------------------------------------------------
#
# Every route that names a challenge or one of its pitches, for every role, in every state of the challenge
# that changes an answer. A state's world has the agency, the company with its submitted pitch (and one
# attachment) once the challenge was public, and the evaluation as the state says; the panel (the evaluator
# and the procurement officer) has declared nothing, no conflict, or a conflict. Once finalised, a pitch session is
# booked; in the "late" states nobody on the panel has declared (given the role late: they declare first, whatever
# the state) and the owner, who runs the evaluation off the panel, decides. Pilots' own routes answer on
# the pilot, not the challenge: the first matrix and tests/web/test_pilots.py cover them.

STATES = ("draft", "awaiting_approval", "published", "closed", "undeclared", "declared", "recused", "finalised",
          "piloting", "completed", "late_finalised", "late_decided", "cancelled_unpublished", "cancelled_published")
UNPUBLISHED = ("draft", "awaiting_approval", "cancelled_unpublished")
EVALUATING = ("undeclared", "declared", "recused")
FINALISED = ("finalised", "piloting", "completed")
LATE = ("late_finalised", "late_decided")  # finalised; then the decisions sent (and a pilot started)
DECIDED = ("piloting", "completed", "late_decided")
PANEL = ("a_po", "a_eval")  # who declares conflicts and scores
# The panel's declarations in each state with an evaluation: (the officer's, the evaluator's); None: not declared,
# True: a conflict (recused). Once the evaluation is finalised, the evaluator is recused and the officer declared
# none; in the late states neither has declared.
DECLARED = {"undeclared": (None, None), "declared": (False, False), "recused": (True, True),
            **{state: (False, True) for state in FINALISED}, **{state: (None, None) for state in LATE}}
CHALLENGE_ARGUMENTS = {"slug", "pitch_id", "attachment_id", "assessment_id", "slot_id"}
# Writes whose answer turns on the challenge's state, sent without data; none changes what a later call sees.
STATE_WRITES = ("companies.follow", "companies.unfollow", "questions.ask")


def _state_routes(app):
    for rule in _routes(app):
        if CHALLENGE_ARGUMENTS & set(rule.arguments) and rule.endpoint not in ("companies.show", "api.organisation"):
            yield rule


# Groups of states that answer alike: the table names a group, or a single state to set it apart.
GROUPS = {"unpublished": UNPUBLISHED, "sealed": ("published", "cancelled_published"), "finalised": FINALISED,
          "late": LATE}
LISTED = "200, listing the pitch"  # the received pitches' page, with the pitch on it
RANKED = "200, with the ranking"  # the evaluation's overview, showing the ranking


def by_state(unpublished, public, **groups):
    """{state: {role: status}}: one row before the challenge was ever public, one after, then any groups apart."""
    table = {state: (unpublished if state in UNPUBLISHED else public) for state in STATES}
    for name, row in groups.items():
        for state in GROUPS.get(name, (name,)):
            table[state] = row
    return table


def always(row):
    return by_state(row, row)


def hidden_from_companies(row):
    """An unpublished challenge does not exist for companies, whatever the agency's own staff are told."""
    return {**row, "c_owner": 404, "c_member": 404, "stranger": 404}


def pitch_read(readers=(), anon=302):
    """A received pitch: its company reads it, `readers` of the agency too; the rest of the agency is told why not
    (403), anyone else finds nothing. Before the pitch exists (unpublished): nothing for anyone."""
    return {**only(COMPANY + readers, anon=anon), **{role: 403 for role in AGENCY if role not in readers}}


def pitch_reads(anon=302):
    sealed = only(COMPANY, anon=anon)
    return by_state(only((), anon=anon), sealed, sealed=sealed, closed=pitch_read(anon=anon),
                    undeclared=pitch_read(anon=anon), recused=pitch_read(anon=anon),
                    declared=pitch_read(PANEL, anon=anon),
                    # Once finalised the agency reads them, but not the evaluator recused (a conflict outlasts it).
                    finalised=pitch_read(tuple(role for role in AGENCY if role != "a_eval"), anon=anon),
                    # Nor a panel member who has not declared: declare first, whatever the state.
                    late=pitch_read(("a_owner", "a_pub"), anon=anon))


AGENCY_ONLY = only(AGENCY)
EDITORS_ONLY = only(("a_owner", "a_pub"), others=403)
PITCH_FORM = only(COMPANY + ("stranger",), others=403)
NO_EVALUATION = {**only(PANEL, status=409), "a_owner": 403, "a_pub": 403}
AGENCY_REFUSED = {**only(()), **{role: 403 for role in AGENCY}}
UNDECIDABLE = {**AGENCY_REFUSED, "a_owner": 409, "a_po": 409}
FOLLOW = by_state(hidden_from_companies(only((), others=403)), only(COMPANY + ("stranger",), status=302, others=403))

# endpoint -> {state: {role: expected answer}}
STATE_GET = {
    "challenges.detail": by_state(only(AGENCY + ("admin",), anon=404), expect(200)),
    "api.challenge": by_state(only(AGENCY + ("admin",), anon=404), expect(200)),
    "challenges.preview": by_state(hidden_from_companies(EDITORS_ONLY), EDITORS_ONLY),
    "challenges.cancel": by_state(hidden_from_companies(EDITORS_ONLY), EDITORS_ONLY),
    # The correct-or-extend page says why not when the challenge cannot be corrected now.
    "challenges.correct": by_state(hidden_from_companies(EDITORS_ONLY), EDITORS_ONLY),
    "challenges.consultation_summary": by_state(hidden_from_companies(EDITORS_ONLY), EDITORS_ONLY),
    # Only a draft is edited; a cancelled one is not, and was never anyone else's business.
    "challenges.edit": by_state(hidden_from_companies(EDITORS_ONLY), only(("a_owner", "a_pub"), status=409, others=403),
                                cancelled_unpublished=hidden_from_companies(
                                    only(("a_owner", "a_pub"), status=409, others=403))),
    # The pitch form: a company's, for a challenge that was public (closed ones say so on the page).
    "pitches.edit": by_state(hidden_from_companies(PITCH_FORM), only(COMPANY + ("stranger",), status=302, others=403)),
    "pitches.step": by_state(hidden_from_companies(PITCH_FORM), PITCH_FORM),
    "pitches.attachments": by_state(hidden_from_companies(PITCH_FORM), PITCH_FORM),
    "pitches.check": by_state(hidden_from_companies(PITCH_FORM), PITCH_FORM),
    # Reading a pitch: sealed until the deadline; then the evaluation's rules until it is finalised.
    "pitches.show": pitch_reads(), "pitches.attachment": pitch_reads(), "api.pitch": pitch_reads(anon=401),
    "pitches.receipt": by_state(only(()), only(COMPANY)), "pitches.withdraw": by_state(only(()), only(COMPANY)),
    "pitches.submit_again": by_state(only(()), only(COMPANY, status=302)),
    "evaluation.pick_slot": by_state(only(()), only(COMPANY)),
    # The received pitches' page: the agency's, listing the pitch only for those who may read it.
    "pitches.for_challenge": by_state(AGENCY_ONLY, AGENCY_ONLY, declared={**AGENCY_ONLY, "a_po": LISTED,
                                                                           "a_eval": LISTED},
                                      finalised={**only(AGENCY, status=LISTED), "a_eval": 200},  # recused
                                      late={**only(AGENCY, status=LISTED), "a_po": 200, "a_eval": 200}),  # undeclared
    # The ranking, from the evaluation's start: who runs it, not recused, and declared when on the panel, finalised or not.
    "evaluation.overview": by_state(AGENCY_ONLY, AGENCY_ONLY, undeclared={**AGENCY_ONLY, "a_owner": RANKED},
                                    recused={**AGENCY_ONLY, "a_owner": RANKED},
                                    declared={**AGENCY_ONLY, "a_owner": RANKED, "a_po": RANKED},
                                    finalised={**AGENCY_ONLY, "a_owner": RANKED, "a_po": RANKED},
                                    late={**AGENCY_ONLY, "a_owner": RANKED}),
    # The score sheet: after the declaration; never for the recused; the officer who runs it, once finalised.
    "evaluation.scores": by_state(NO_EVALUATION, NO_EVALUATION, closed=AGENCY_REFUSED, undeclared=AGENCY_REFUSED, recused=AGENCY_REFUSED,
                                  declared={**AGENCY_REFUSED, "a_po": 200, "a_eval": 200},
                                  finalised={**AGENCY_REFUSED, "a_po": 200}, late=AGENCY_REFUSED),
    # A pitch's decision page: the officers who run the evaluation, once it is finalised (before, the pitch is
    # blind: 409); never the recused officer; the rest of the agency is refused. No evaluation: no such pitch.
    "evaluation.decide": by_state(only(()), only(()), undeclared={**UNDECIDABLE, "a_po": 403}, declared=UNDECIDABLE,
                                  recused={**UNDECIDABLE, "a_po": 403},
                                  finalised={**AGENCY_REFUSED, "a_owner": 200, "a_po": 200},
                                  late={**AGENCY_REFUSED, "a_owner": 200}),
    "evaluation.audit_trail": always(only(("a_owner", "a_po", "admin"))),
    "evaluation.audit_csv": always(only(("a_owner", "a_po", "admin"))),
    "matches.for_challenge": always(only(("a_owner", "a_pub", "a_po"))),
    # A pilot starts from a selected pitch: the agency's officers are told the pitch is not (or is already) one;
    # an officer recused from the evaluation is told that first (a pilot is one of the decisions that remain).
    "pilots.start": by_state(only(()), {**only(("a_owner", "a_po"), status=409), "a_pub": 403, "a_eval": 403},
                             recused={**only(("a_owner", "a_po"), status=409), "a_pub": 403, "a_eval": 403,
                                      "a_po": 403},
                             undeclared={**only(("a_owner",), status=409), "a_pub": 403, "a_eval": 403, "a_po": 403},
                             late={**only(("a_owner",), status=409), "a_pub": 403, "a_eval": 403, "a_po": 403}),
    # A booked session's calendar (once finalised): the company and the panel (the owner; declared, not recused);
    # a panel member who has not declared is told to declare first. Before: no such session.
    "evaluation.session_calendar": by_state(signed_in(404), signed_in(404),
                                            finalised=only(COMPANY + ("a_owner", "a_po")),
                                            late={**only(COMPANY + ("a_owner",)), "a_po": 403, "a_eval": 403}),
    "api.open_questions": always(only(("a_owner", "a_pub", "a_po"), anon=401)),
}
STATE_WRITE = {
    "companies.follow": FOLLOW, "companies.unfollow": FOLLOW,
    # Asking: while questions are open (an empty question: 422); closed after the deadline or a cancellation.
    "questions.ask": by_state(hidden_from_companies(only((), others=403)),
                              only(COMPANY + ("stranger",), status=409, others=403),
                              published=only(COMPANY + ("stranger",), status=422, others=403)),
}


def _state_world(f, state):
    """One challenge in `state`, with the people of the first matrix; (people, values, company, tokens)."""
    agency, company = f.Agency(), f.Company()
    people = {
        "c_owner": f.member(company, "owner"), "c_member": f.member(company, "member"),
        "stranger": f.member(f.Company(), "owner"),
        "a_owner": f.member(agency, "owner"), "a_pub": f.member(agency, "publisher"),
        "a_po": f.member(agency, "procurement_officer"), "a_eval": f.member(agency, "evaluator"),
        "admin": f.admin(),
    }
    now, past = utcnow(), utcnow() - timedelta(days=2)
    fields = {"agency": agency}
    if state in UNPUBLISHED:
        fields.update(status="cancelled" if state == "cancelled_unpublished" else "draft", published_at=None)
        if state == "awaiting_approval":
            fields.update(approval_requested_at=now, approval_requested_by_id=people["a_pub"].id)
    elif state == "cancelled_published":
        fields.update(status="cancelled", cancelled_at=now, cancel_reason="No budget after all.")
    elif state != "published":
        fields.update(status="closed", pitch_deadline=past, question_deadline=past - timedelta(days=1),
                      published_at=past - timedelta(days=30), closed_at=past)
    challenge = f.Challenge(**fields)
    bulk_files.generate()
    values = {"name": "ocds-records.jsonl.gz", "slug": challenge.slug, "pitch_id": 10**6, "attachment_id": 10**6, "assessment_id": 10**6,
              "slot_id": 10**6, "step": "about"}
    if state not in UNPUBLISHED:
        pitch = f.Pitch(challenge=challenge, company=company, status="submitted", submitted_at=past)
        stored = uploads.store_upload(io.BytesIO(b"%PDF-1.4 plan"), "plan.pdf")
        pitch.attachments.append(PitchAttachment(filename=stored.filename, stored_name=stored.stored_name,
                                                 content_type=stored.content_type, size=stored.size,
                                                 sha256=stored.sha256))
        db.session.commit()
        values.update(pitch_id=pitch.id, attachment_id=pitch.attachments[0].id)
    if state in EVALUATING + FINALISED + LATE:
        evaluation.start_evaluation(people["a_po"], challenge.id)
        for role, conflicted in zip(("a_po", "a_eval"), DECLARED[state]):
            if conflicted is not None:
                evaluation.declare_conflict(people[role], challenge.id, conflicted=conflicted,
                                            note="My brother runs the company." if conflicted else "")
        assessment = db.session.scalar(select(PitchAssessment).where(PitchAssessment.pitch_id == pitch.id))
        values["assessment_id"] = assessment.id
    if state in FINALISED + LATE:
        db.session.add(Score(challenge_id=challenge.id, pitch_id=pitch.id, criterion_id=challenge.criteria[0].id,
                             evaluator_id=people["a_eval"].id, score=4))
        evaluation_row = evaluation.evaluation_of(challenge)
        evaluation_row.finalised_at, evaluation_row.finalised_by_id = now, people["a_po"].id
        start = now + timedelta(days=5)
        slot = PitchSessionSlot(challenge_id=challenge.id, starts_at=start, ends_at=start + timedelta(minutes=45),
                                mode="online", link="https://meet.example.org/matrix", offered_by_id=people["a_po"].id,
                                pitch_id=pitch.id, booked_at=now)
        db.session.add(slot)
        db.session.commit()
        values["slot_id"] = slot.id
    if state in DECIDED:
        decider = people["a_owner" if state in LATE else "a_po"]
        evaluation.decide(decider, assessment.id, decision="selected", feedback="", confirmed=True)
        evaluation.publish_decisions(decider, challenge.id)
        pilots.start_pilot(decider, pitch.id, budget="1000", starts_on=date.today(),
                           ends_on=date.today() + timedelta(days=9), owner_id=decider.id)
        if state == "completed":
            challenge.status = "completed"
            db.session.commit()
    tokens = {role: {"Authorization": f"Bearer {api_tokens.create_token(user, 'matrix')[1]}"}
              for role, user in people.items()}
    return people, values, company, tokens


def test_every_state_route_has_a_row(app):
    gets = [r.endpoint for r in _state_routes(app) if "GET" in r.methods]
    assert sorted(set(gets) - set(STATE_GET)) == []
    assert set(STATE_WRITE) == set(STATE_WRITES)


@pytest.mark.parametrize("state", STATES)
def test_answers_in_each_state_of_the_challenge(app, client, login, f, state):
    people, values, company, tokens = _state_world(f, state)
    rules = list(_state_routes(app))
    writes = [rule for rule in _routes(app) if rule.endpoint in STATE_WRITES and "POST" in rule.methods]
    wrong = {}
    for role in ROLES:
        if role == "anon":
            with client.session_transaction() as session:
                session.clear()
        else:
            login(people[role])
        for rule in rules:
            if "GET" in rule.methods:
                response = client.get(_url(rule, values, company), headers=_headers(rule, role, tokens))
                status = response.status_code
                if rule.endpoint == "pitches.for_challenge" and status == 200 and \
                        f'href="/pitches/{values["pitch_id"]}"' in response.text:
                    status = LISTED
                if rule.endpoint == "evaluation.overview" and status == 200 and \
                        "Pitches by weighted mean score" in response.text:
                    status = RANKED
                expected = STATE_GET.get(rule.endpoint, {}).get(state, {}).get(role)
                if status != expected:
                    wrong[f"GET {rule.endpoint} {role}"] = (status, expected)
        for rule in writes:
            status = client.post(_url(rule, values, company), headers=_headers(rule, role, tokens)).status_code
            expected = STATE_WRITE.get(rule.endpoint, {}).get(state, {}).get(role)
            if status != expected:
                wrong[f"POST {rule.endpoint} {role}"] = (status, expected)
    assert wrong == {}
