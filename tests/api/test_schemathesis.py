"""Property-based tests of the API from its own OpenAPI document (schemathesis, in-process over WSGI).

For every operation, valid and invalid requests are generated from the
document; with a real token for a user who may make the call, and with the
real slugs and ids of a small world half of the time, so writes get past the
404 and reach the services. Every answer must be documented (status, media
type, schema) and no answer may be a 500. Invalid input must be refused.
Examples per operation are bounded so the whole run stays within tens of seconds.
"""
from datetime import date, timedelta
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, negative_data_rejection, response_headers_conformance, response_schema_conformance,
    status_code_conformance,
)

from marketplace.extensions import db, limiter
from marketplace.models import Pilot, PilotDocument, Question
from marketplace.models.pilot import SIGNED_AGREEMENT
from marketplace.services.accounts import api_tokens
from marketplace.services.clock import utcnow

EXAMPLES = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]
# Who calls each operation: someone the rules allow, so the generated data reaches the service.
CALLER = {
    "create_challenge": "publisher", "publish_challenge": "publisher", "open_questions": "publisher",
    "answer_question": "publisher", "ask_question": "company", "own_pitches": "company", "pitch": "company",
    "save_pitch": "company", "submit_pitch": "company", "withdraw_pitch": "company", "pilot": "officer",
    "move_pilot": "officer", "me": "company", "challenge": "publisher", "correct_challenge": "publisher",
}


@pytest.fixture
def world(f):
    """A published challenge, a draft, a pitch, a question, a pilot, and the people to act on them."""
    agency, company = f.Agency(), f.Company()
    challenge = f.Challenge(agency=agency)
    f.set_sectors(challenge, ["72"])
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    pitch = f.Pitch(challenge=challenge, company=company)
    question = Question(challenge_id=challenge.id, organisation_id=company.id, body="Night work?")
    piloting = f.Challenge(agency=agency, status="piloting", pitch_deadline=utcnow() - timedelta(days=9))
    selected = f.Pitch(challenge=piloting, company=company, status="selected", submitted_at=utcnow())
    pilot = Pilot(challenge=piloting, pitch=selected, agency_id=agency.id, company_id=company.id,
                  budget=Decimal("20000"), starts_on=date.today(), ends_on=date.today() + timedelta(days=60))
    db.session.add_all([question, pilot])
    db.session.flush()
    db.session.add(PilotDocument(pilot_id=pilot.id, kind=SIGNED_AGREEMENT, filename="signed.pdf",
                                 stored_name=f"signed-{pilot.id}", content_type="application/pdf", size=10,
                                 sha256="0" * 64))
    db.session.commit()
    people = {"publisher": f.member(agency, "publisher"), "officer": f.member(agency, "procurement_officer"),
              "company": f.member(company, "member")}
    tokens = {role: api_tokens.create_token(user, "schemathesis")[1] for role, user in people.items()}
    # Real path values per operation, so that generated bodies reach the services, not only a 404.
    real = {"challenge": [challenge.slug, draft.slug], "publish_challenge": [draft.slug, challenge.slug],
            "organisation": [agency.slug, company.slug], "pitch": [pitch.id], "submit_pitch": [pitch.id],
            "withdraw_pitch": [pitch.id], "answer_question": [question.id], "pilot": [pilot.id],
            "move_pilot": [pilot.id]}
    return tokens, real, challenge.slug


@pytest.fixture
def api_schema(app):
    limits = app.config["API_RATE_LIMIT"], app.config["API_TOKEN_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = app.config["API_TOKEN_RATE_LIMIT"] = "100000 per minute"
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    app.config["API_RATE_LIMIT"], app.config["API_TOKEN_RATE_LIMIT"] = limits
    limiter.reset()


def _operations():
    from marketplace.api.operations import OPERATIONS

    return [(op.method, op.path, op.endpoint) for op in OPERATIONS]


@pytest.mark.parametrize("method,path,endpoint", _operations(), ids=[e for _, _, e in _operations()])
def test_every_operation_answers_as_documented(api_schema, world, method, path, endpoint):
    tokens, real, published_slug = world
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {tokens[CALLER[endpoint]]}"} if endpoint in CALLER else {}
    names = [parameter.name for parameter in operation.path_parameters]
    values = real.get(endpoint) or ([published_slug] if names else [])  # the other operations on a slug
    # With the path fixed, a negative case needs a query or body to break.
    breakable = bool(list(operation.query) or list(operation.body))
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        _run(operation.as_strategy(generation_mode=mode), headers)
        for value in values if mode is GenerationMode.POSITIVE or breakable else ():
            _run(operation.as_strategy(generation_mode=mode, path_parameters={names[0]: value}), headers)


def _run(strategy, headers):
    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def call(case):
        # Schemathesis's WSGI transport does not decode a compressed body (tests/web/test_http_cache.py checks those).
        response = case.call(headers={**headers, "Accept-Encoding": "identity"})
        case.validate_response(response, checks=CHECKS)

    call()
