"""Challenge routes as a matrix of who asks: each role, another agency, a company, anonymous, an admin.

Also: four-eyes publishing through the pages, the unverified agency, the market
consultation's summary, deadlines entered in the writer's zone, the one-second
edges of publishing, CSRF and hostile slugs. Every refusal leaves the challenge
as it was.
"""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import AuditEvent, Challenge
from marketplace.services.clock import utcnow


def _reload(challenge):
    db.session.expire_all()
    return db.session.get(Challenge, challenge.id)


def _audit_count():
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def agency(f):
    return f.Agency()


@pytest.fixture
def people(f, agency):
    """Everyone who may come knocking, by name."""
    return {
        "owner": f.member(agency, "owner"),
        "publisher": f.member(agency, "publisher"),
        "second_publisher": f.member(agency, "publisher"),
        "officer": f.member(agency, "procurement_officer"),
        "evaluator": f.member(agency, "evaluator"),
        "other_agency": f.member(f.Agency(), "publisher"),
        "company": f.member(f.Company(), "owner"),
        "admin": f.admin(),
        "anonymous": None,
    }


def _sign_out(client):
    with client.session_transaction() as session:
        session.clear()


def _as(login, people, who):
    if people[who] is not None:
        login(people[who])


# --- Drafts: who may see, edit, preview and publish -------------------------------------------------------

@pytest.mark.parametrize("who,expected", [
    ("owner", 200), ("publisher", 200), ("officer", 200), ("evaluator", 200),
    ("other_agency", 404), ("company", 404), ("anonymous", 404), ("admin", 200),
])
def test_who_sees_a_draft(client, login, f, agency, people, who, expected):
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    _as(login, people, who)
    assert client.get(f"/challenges/{draft.slug}").status_code == expected


@pytest.mark.parametrize("who,expected", [
    ("owner", 200), ("publisher", 200), ("officer", 403), ("evaluator", 403),
    ("other_agency", 404), ("company", 404), ("anonymous", 302),
])
def test_who_may_open_the_edit_and_preview_pages_of_a_draft(client, login, f, agency, people, who, expected):
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    _as(login, people, who)
    assert client.get(f"/challenges/{draft.slug}/edit").status_code == expected
    assert client.get(f"/challenges/{draft.slug}/preview").status_code == expected


@pytest.mark.parametrize("who,expected", [
    ("officer", 403), ("evaluator", 403), ("other_agency", 404), ("company", 404), ("anonymous", 302),
])
def test_who_may_not_publish_a_draft(client, login, f, agency, people, who, expected):
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    before = _audit_count()
    _as(login, people, who)
    assert client.post(f"/challenges/{draft.slug}/publish").status_code == expected
    assert _reload(draft).status == "draft" and _audit_count() == before


@pytest.mark.parametrize("who", ["owner", "publisher"])
def test_the_owner_and_publishers_publish(client, login, f, agency, people, who):
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    login(people[who])
    response = client.post(f"/challenges/{draft.slug}/publish")
    assert response.status_code == 302
    assert _reload(draft).status == "published"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.challenge_id == draft.id)).all()
    assert "challenge.published" in actions


@pytest.mark.parametrize("who,expected", [
    ("officer", 403), ("evaluator", 403), ("other_agency", 404), ("company", 404), ("anonymous", 302),
])
def test_who_may_not_change_a_draft(client, login, f, agency, people, who, expected):
    draft = f.Challenge(agency=agency, status="draft", published_at=None, title="Original title")
    _as(login, people, who)
    response = client.post(f"/challenges/{draft.slug}/edit", data={"title": "Hijacked", "kind": "call_for_solutions"})
    assert response.status_code == expected
    assert _reload(draft).title == "Original title"


def test_an_unverified_agency_is_told_why_it_cannot_publish(client, login, f):
    agency = f.Agency(verified=False)
    publisher = f.member(agency, "publisher")
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    login(publisher)
    assert "verified by the Agora team" in client.get(f"/challenges/{draft.slug}/preview").text
    response = client.post(f"/challenges/{draft.slug}/publish")
    assert response.status_code == 409 and "verified by the Agora team" in response.text
    assert _reload(draft).status == "draft"


def test_a_published_challenge_cannot_be_edited(client, login, f, agency, people):
    challenge = f.Challenge(agency=agency, title="As published")
    login(people["publisher"])
    response = client.post(f"/challenges/{challenge.slug}/edit",
                           data={"title": "Changed", "kind": "call_for_solutions"})
    assert response.status_code in (403, 409, 422)
    assert _reload(challenge).title == "As published"


def test_publishing_twice_is_refused_without_a_second_event(client, login, f, agency, people):
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    login(people["publisher"])
    client.post(f"/challenges/{draft.slug}/publish")
    before = _audit_count()
    assert client.post(f"/challenges/{draft.slug}/publish").status_code == 409
    assert _audit_count() == before


# --- Deadlines --------------------------------------------------------------------------------------------

def test_a_deadline_one_second_ahead_still_publishes_and_one_second_ago_does_not(client, login, f, agency, people):
    login(people["publisher"])
    past = f.Challenge(agency=agency, status="draft", published_at=None, question_deadline=None,
                       pitch_deadline=utcnow() - timedelta(seconds=1))
    response = client.post(f"/challenges/{past.slug}/publish")
    assert response.status_code == 422 and _reload(past).status == "draft"
    soon = f.Challenge(agency=agency, status="draft", published_at=None, question_deadline=None,
                       pitch_deadline=utcnow() + timedelta(seconds=5))
    assert client.post(f"/challenges/{soon.slug}/publish").status_code == 302
    assert _reload(soon).status == "published"


def test_deadlines_are_read_in_the_writers_zone_and_stored_in_utc(client, login, f, agency):
    writer = f.member(agency, "publisher", timezone="America/New_York")
    login(writer)
    response = client.post("/challenges/new", data={
        "kind": "market_consultation", "title": "What can sensors do for bridges?",
        "summary": "We want an overview.", "problem_statement": "Bridges age.",
        "pitch_deadline": "2031-01-15T17:00", "question_deadline": "2031-01-05T09:30",
    })
    assert response.status_code == 302
    challenge = db.session.scalars(select(Challenge)).one()
    # New York is UTC-5 in January.
    assert challenge.pitch_deadline == datetime(2031, 1, 15, 22, 0, tzinfo=timezone.utc)
    assert challenge.question_deadline == datetime(2031, 1, 5, 14, 30, tzinfo=timezone.utc)
    # The edit form shows the writer's own wall-clock time back.
    assert 'value="2031-01-15T17:00"' in client.get(f"/challenges/{challenge.slug}/edit").text


def test_a_question_deadline_after_the_pitch_deadline_is_shown_on_its_field(client, login, f, agency, people):
    login(people["publisher"])
    response = client.post("/challenges/new", data={
        "kind": "market_consultation", "title": "Bridges", "pitch_deadline": "2031-01-15T17:00",
        "question_deadline": "2031-02-01T09:00",
    })
    assert response.status_code == 422
    assert "The question deadline must be before the pitch deadline." in response.text
    assert db.session.scalar(select(Challenge.id)) is None


@pytest.mark.parametrize("value", ["tomorrow", "2031-13-45T99:99", "<script>", "'; DROP TABLE challenges; --"])
def test_a_deadline_that_is_not_a_date_is_a_field_error(client, login, f, agency, people, value):
    login(people["publisher"])
    response = client.post("/challenges/new", data={"kind": "call_for_solutions", "title": "T",
                                                    "pitch_deadline": value})
    assert response.status_code == 422
    assert db.session.scalar(select(Challenge.id)) is None


# --- Four eyes ----------------------------------------------------------------------------------------------

@pytest.fixture
def four_eyes_draft(f, agency):
    agency.four_eyes_publishing = True
    db.session.commit()
    return f.Challenge(agency=agency, status="draft", published_at=None)


def test_with_four_eyes_the_author_asks_and_a_colleague_approves(client, login, people, four_eyes_draft):
    slug = four_eyes_draft.slug
    login(people["publisher"])
    assert client.post(f"/challenges/{slug}/publish").status_code == 409
    assert "Ask for approval" in client.get(f"/challenges/{slug}/preview").text
    assert client.post(f"/challenges/{slug}/request-approval").status_code == 302
    # The one who asked cannot approve their own request.
    assert "Approve and publish" not in client.get(f"/challenges/{slug}/preview").text
    assert client.post(f"/challenges/{slug}/approve").status_code == 403
    assert _reload(four_eyes_draft).status == "draft"
    login(people["second_publisher"])
    assert "Approve and publish" in client.get(f"/challenges/{slug}/preview").text
    assert client.post(f"/challenges/{slug}/approve").status_code == 302
    challenge = _reload(four_eyes_draft)
    assert challenge.status == "published" and challenge.approved_by_id == people["second_publisher"].id
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.challenge_id == challenge.id)).all()
    assert "challenge.approval_requested" in actions and "challenge.published" in actions


def test_the_owner_may_approve(client, login, people, four_eyes_draft):
    login(people["publisher"])
    client.post(f"/challenges/{four_eyes_draft.slug}/request-approval")
    login(people["owner"])
    assert client.post(f"/challenges/{four_eyes_draft.slug}/approve").status_code == 302
    assert _reload(four_eyes_draft).status == "published"


@pytest.mark.parametrize("who,expected", [
    ("officer", 403), ("evaluator", 403), ("other_agency", 404), ("company", 404), ("anonymous", 302),
])
def test_who_may_not_approve(client, login, people, four_eyes_draft, who, expected):
    login(people["publisher"])
    client.post(f"/challenges/{four_eyes_draft.slug}/request-approval")
    _sign_out(client)
    _as(login, people, who)
    assert client.post(f"/challenges/{four_eyes_draft.slug}/approve").status_code == expected
    assert _reload(four_eyes_draft).status == "draft"


def test_approving_a_draft_nobody_asked_about_is_refused(client, login, people, four_eyes_draft):
    login(people["second_publisher"])
    assert client.post(f"/challenges/{four_eyes_draft.slug}/approve").status_code == 409
    assert _reload(four_eyes_draft).status == "draft"


def test_the_approver_sends_the_draft_back_with_a_reason(client, login, people, four_eyes_draft):
    slug = four_eyes_draft.slug
    login(people["publisher"])
    client.post(f"/challenges/{slug}/request-approval")
    assert "Send it back to its author" not in client.get(f"/challenges/{slug}/preview").text  # not the asker's
    assert client.post(f"/challenges/{slug}/send-back", data={"reason": "No."}).status_code == 403
    login(people["second_publisher"])
    assert "Send it back to its author" in client.get(f"/challenges/{slug}/preview").text
    refused = client.post(f"/challenges/{slug}/send-back", data={"reason": "   "})
    assert refused.status_code == 422 and "Say what needs changing: the author reads it." in refused.text
    assert _reload(four_eyes_draft).approval_requested_at is not None  # nothing changed
    too_long = client.post(f"/challenges/{slug}/send-back", data={"reason": "Budget? " + "x" * 2000})
    assert too_long.status_code == 422 and "Budget? xxx" in too_long.text  # what was typed is kept
    response = client.post(f"/challenges/{slug}/send-back",
                           data={"reason": "The budget is missing its VAT.", "version": _reload(four_eyes_draft).version})
    assert response.status_code == 302
    challenge = _reload(four_eyes_draft)
    assert challenge.status == "draft" and challenge.approval_requested_at is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "challenge.approval_refused"))
    assert event.actor_id == people["second_publisher"].id and event.after == {"reason": "The budget is missing its VAT."}
    # Sent back: nothing waits for approval any more, so neither approving nor sending back again is possible.
    assert client.post(f"/challenges/{slug}/send-back", data={"reason": "Again."}).status_code == 409
    assert client.post(f"/challenges/{slug}/approve").status_code == 409
    login(people["publisher"])
    assert "Ask for approval" in client.get(f"/challenges/{slug}/preview").text
    client.post(f"/challenges/{slug}/request-approval")
    login(people["second_publisher"])
    assert client.post(f"/challenges/{slug}/approve").status_code == 302
    # Published: its approval request is history, not something to send back.
    assert client.post(f"/challenges/{slug}/send-back", data={"reason": "Too late."}).status_code == 409
    assert _reload(four_eyes_draft).status == "published"


def test_the_edit_page_warns_that_saving_withdraws_the_approval_request(client, login, people, four_eyes_draft):
    slug = four_eyes_draft.slug
    login(people["publisher"])
    warning = "Saving changes withdraws the request"
    assert warning not in client.get(f"/challenges/{slug}/edit").text  # nothing asked yet
    client.post(f"/challenges/{slug}/request-approval")
    login(people["second_publisher"])  # the approver, who may open the draft to change it too
    page = client.get(f"/challenges/{slug}/edit").text
    assert warning in page and people["publisher"].name in page


def test_an_edit_after_the_request_needs_a_fresh_approval(client, login, people, four_eyes_draft):
    login(people["publisher"])
    client.post(f"/challenges/{four_eyes_draft.slug}/request-approval")
    login(people["second_publisher"])
    version = _reload(four_eyes_draft).version
    # Someone changes the draft after the approver opened it.
    challenge = _reload(four_eyes_draft)
    challenge.summary = "Changed after the request."
    db.session.commit()
    response = client.post(f"/challenges/{four_eyes_draft.slug}/approve", data={"version": str(version)})
    assert response.status_code == 409
    assert _reload(four_eyes_draft).status == "draft"


def test_a_colleague_s_change_withdraws_the_request_and_tells_who_asked(client, login, people, four_eyes_draft,
                                                                          smtp_sink):
    from marketplace.models import Notification
    from marketplace.services.challenges import challenges as challenge_service
    from marketplace.services.messaging.outbox import process_pending

    slug = four_eyes_draft.slug
    login(people["publisher"])
    client.post(f"/challenges/{slug}/request-approval")
    process_pending()
    smtp_sink.messages.clear()
    data = {"title": "Fewer leaks, changed", "summary": "Changed by a colleague.",
            "problem_statement": "Leaks.", "sectors": []}
    challenge_service.update_draft(people["second_publisher"], slug, data)
    assert _reload(four_eyes_draft).approval_requested_at is None
    process_pending()
    process_pending()  # once
    told = db.session.scalars(select(Notification).where(Notification.kind == "challenge.approval_withdrawn")).all()
    assert [n.user_id for n in told] == [people["publisher"].id]
    assert "your request for approval is withdrawn" in told[0].title and people["second_publisher"].name in told[0].body
    assert [m["To"] for m in smtp_sink.messages] == [people["publisher"].email]
    # The author's own change withdraws their request too, and tells nobody.
    client.post(f"/challenges/{slug}/request-approval")
    challenge_service.update_draft(people["publisher"], slug, data)
    process_pending()
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "challenge.approval_withdrawn")) == 1


# --- Cancelling ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who,expected", [
    ("officer", 403), ("evaluator", 403), ("other_agency", 403), ("company", 403), ("anonymous", 302),
])
def test_who_may_not_cancel(client, login, f, agency, people, who, expected):
    challenge = f.Challenge(agency=agency)
    _as(login, people, who)
    assert client.get(f"/challenges/{challenge.slug}/cancel").status_code == expected
    assert client.post(f"/challenges/{challenge.slug}/cancel", data={"reason": "Because."}).status_code == expected
    assert _reload(challenge).status == "published"


@pytest.mark.parametrize("status", ["draft", "published", "closed", "evaluating", "piloting"])
def test_the_owner_cancels_from_any_open_status(client, login, f, agency, people, status):
    challenge = f.Challenge(agency=agency, status=status)
    login(people["owner"])
    response = client.post(f"/challenges/{challenge.slug}/cancel", data={"reason": "The budget was withdrawn."})
    assert response.status_code == 302
    challenge = _reload(challenge)
    assert challenge.status == "cancelled" and challenge.cancel_reason == "The budget was withdrawn."
    assert challenge.cancelled_at is not None


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_a_finished_challenge_cannot_be_cancelled(client, login, f, agency, people, status):
    challenge = f.Challenge(agency=agency, status=status, cancel_reason="Earlier." if status == "cancelled" else None)
    login(people["publisher"])
    response = client.post(f"/challenges/{challenge.slug}/cancel", data={"reason": "Again."})
    assert response.status_code == 409
    assert _reload(challenge).status == status


def test_an_oversized_or_hostile_reason(client, login, f, agency, people):
    challenge = f.Challenge(agency=agency)
    login(people["publisher"])
    assert client.post(f"/challenges/{challenge.slug}/cancel", data={"reason": "x" * 2001}).status_code == 422
    assert _reload(challenge).status == "published"
    client.post(f"/challenges/{challenge.slug}/cancel",
                data={"reason": "<script>alert(1)</script> \U0001F680 '; DROP TABLE challenges; --"})
    page = client.get(f"/challenges/{challenge.slug}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page and "\U0001F680" in page


def test_the_cancelled_reason_is_public(client, login, f, agency, people):
    challenge = f.Challenge(agency=agency, status="cancelled", cancel_reason="The ministry merged two services.")
    page = client.get(f"/challenges/{challenge.slug}")
    assert page.status_code == 200 and "The ministry merged two services." in page.text


def test_a_draft_cancelled_before_it_was_published_stays_private(client, login, f, agency, people):
    challenge = f.Challenge(agency=agency, status="draft", title="Never went live", published_at=None)
    login(people["owner"])
    assert client.post(f"/challenges/{challenge.slug}/cancel", data={"reason": "Not needed."}).status_code == 302
    assert _reload(challenge).status == "cancelled"
    assert client.get(f"/challenges/{challenge.slug}").status_code == 200  # its agency still sees it
    client.post("/auth/logout")
    with client.session_transaction() as session:
        session.clear()
    assert client.get(f"/challenges/{challenge.slug}").status_code == 404
    assert "Never went live" not in client.get("/challenges?status=cancelled").text


# --- Market consultation summary --------------------------------------------------------------------------

@pytest.fixture
def closed_consultation(f, agency):
    return f.Challenge(agency=agency, kind="market_consultation", status="closed", with_criteria=False,
                       pitch_deadline=utcnow() - timedelta(days=1), question_deadline=utcnow() - timedelta(days=5))


def test_a_publisher_summarises_a_closed_consultation(client, login, people, closed_consultation):
    slug = closed_consultation.slug
    login(people["publisher"])
    assert client.get(f"/challenges/{slug}/summary").status_code == 200
    assert client.post(f"/challenges/{slug}/summary", data={"summary": ""}).status_code == 422
    response = client.post(f"/challenges/{slug}/summary",
                           data={"summary": "Five **sensor** vendors answered. <script>x()</script>"})
    assert response.status_code == 302
    challenge = _reload(closed_consultation)
    assert challenge.status == "completed"
    _sign_out(client)
    page = client.get(f"/challenges/{slug}").text
    assert "<strong>sensor</strong>" in page and "<script>x()</script>" not in page


@pytest.mark.parametrize("who,expected", [
    ("officer", 403), ("evaluator", 403), ("other_agency", 403), ("company", 403), ("anonymous", 302),
])
def test_who_may_not_summarise(client, login, people, closed_consultation, who, expected):
    _as(login, people, who)
    response = client.post(f"/challenges/{closed_consultation.slug}/summary", data={"summary": "Mine."})
    assert response.status_code == expected
    challenge = _reload(closed_consultation)
    assert challenge.status == "closed" and challenge.consultation_summary is None


def test_a_call_for_solutions_or_an_open_consultation_gets_no_summary(client, login, f, agency, people):
    login(people["publisher"])
    call = f.Challenge(agency=agency, status="closed")
    assert client.post(f"/challenges/{call.slug}/summary", data={"summary": "No."}).status_code == 409
    still_open = f.Challenge(agency=agency, kind="market_consultation", with_criteria=False)
    assert client.post(f"/challenges/{still_open.slug}/summary", data={"summary": "Too early."}).status_code == 409
    assert _reload(call).status == "closed" and _reload(still_open).status == "published"


# --- Hostile requests ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("slug", ["..%2F..%2Fetc%2Fpasswd", "%27%20OR%201%3D1--", "%3Cscript%3E", "x" * 500])
def test_hostile_slugs_are_not_found(client, login, people, slug):
    login(people["publisher"])
    for path in (f"/challenges/{slug}", f"/challenges/{slug}/edit", f"/challenges/{slug}/preview"):
        assert client.get(path).status_code == 404
    assert client.post(f"/challenges/{slug}/publish").status_code == 404


def test_posts_without_a_csrf_token_are_refused(app, client, login, f, agency, people):
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    login(people["publisher"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/challenges/{draft.slug}/publish").status_code == 400
        assert client.post(f"/challenges/{draft.slug}/cancel", data={"reason": "x"}).status_code == 400
        assert client.post("/challenges/new", data={"title": "T", "kind": "call_for_solutions"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _reload(draft).status == "draft"
    assert db.session.scalar(select(func.count()).select_from(Challenge)) == 1


def test_a_huge_body_is_refused_without_writing(app, client, login, people):
    login(people["publisher"])
    response = client.post("/challenges/new", data={"kind": "call_for_solutions", "title": "T",
                                                    "problem_statement": "y" * (13 * 1024 * 1024)})
    assert response.status_code in (413, 422)
    assert db.session.scalar(select(Challenge.id)) is None


def test_drafts_never_appear_in_the_list_even_for_their_agency(client, login, f, agency, people):
    f.Challenge(agency=agency, status="draft", published_at=None, title="Secret plan for the harbour")
    login(people["publisher"])
    for query in ("", "?q=harbour", "?status=draft", f"?agency={agency.slug}"):
        assert "Secret plan for the harbour" not in client.get("/challenges" + query).text


@pytest.mark.parametrize("version", ["abc", "1.5", "-", "9" * 40])
def test_a_mangled_version_is_treated_as_stale_not_a_crash(client, login, f, agency, people, version):
    draft = f.Challenge(agency=agency, status="draft", published_at=None, title="Original title")
    login(people["publisher"])
    response = client.post(f"/challenges/{draft.slug}/edit",
                           data={"title": "New", "kind": "call_for_solutions", "version": version})
    assert response.status_code == 409
    assert _reload(draft).title == "Original title"


def test_a_mangled_version_on_approval_is_refused(client, login, people, four_eyes_draft):
    login(people["publisher"])
    client.post(f"/challenges/{four_eyes_draft.slug}/request-approval")
    login(people["second_publisher"])
    assert client.post(f"/challenges/{four_eyes_draft.slug}/approve", data={"version": "abc"}).status_code == 409
    assert _reload(four_eyes_draft).status == "draft"


def test_outsiders_asking_to_approve_a_published_challenge_are_refused(client, login, f, agency, people):
    challenge = f.Challenge(agency=agency)
    login(people["company"])
    assert client.post(f"/challenges/{challenge.slug}/approve").status_code == 403
    assert client.post(f"/challenges/{challenge.slug}/request-approval").status_code == 403


# --- The public list through the browser -------------------------------------------------------------------

def test_pages_of_results_keep_every_filter(app, client, f):
    for i in range(3):
        f.Challenge(title=f"Closed one {i}", status="closed", published_at=utcnow() - timedelta(hours=i))
    f.Challenge(title="Cancelled one", status="cancelled", cancel_reason="No budget.",
                published_at=utcnow() - timedelta(hours=5))
    f.Challenge(title="Open one")
    app.config["CHALLENGES_PER_PAGE"] = 2
    try:
        first = client.get("/challenges?status=closed&status=cancelled&sort=newest").text
        assert "Closed one 0" in first and "Closed one 1" in first and "Open one" not in first
        assert "Page 1 of 2" in first
        next_link = first.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        assert "status=closed" in next_link and "status=cancelled" in next_link and "page=2" in next_link
        second = client.get(next_link).text
        assert "Closed one 2" in second and "Cancelled one" in second and "Open one" not in second
        assert 'rel="prev"' in second and 'rel="next"' not in second
    finally:
        app.config["CHALLENGES_PER_PAGE"] = 20


def test_a_page_past_the_end_is_an_empty_list_not_an_error(client, f):
    f.Challenge(title="Only one")
    response = client.get("/challenges?page=999")
    assert response.status_code == 200 and "Only one" not in response.text


def test_a_rule_about_all_criteria_is_in_the_summary_and_beside_the_criteria(client, login, people):
    login(people["publisher"])
    deadline = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/challenges/new", data={
        "kind": "call_for_solutions", "title": "T", "pitch_deadline": deadline,
        "criteria-0-name": "Fit", "criteria-0-weight": "70", "criteria-1-name": "Price", "criteria-1-weight": "20"})
    assert response.status_code == 422
    message = "The criteria weights must add up to 100; now they add up to 90."
    summary = response.text.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert f'<a href="#criteria">{message}</a>' in summary
    criteria = response.text.split('id="criteria"', 1)[1].split("</fieldset>", 1)[0]
    assert f'<p class="error-message">{message}</p>' in criteria


# --- A move the state no longer allows: said on the page, no form that would fail ---------------------------

@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_the_cancel_page_of_a_finished_challenge_says_why_and_offers_no_form(client, login, f, agency, people,
                                                                              status):
    challenge = f.Challenge(agency=agency, status=status, cancel_reason="Earlier." if status == "cancelled" else None)
    login(people["publisher"])
    page = client.get(f"/challenges/{challenge.slug}/cancel")
    assert page.status_code == 200
    assert "A completed or cancelled challenge cannot be cancelled." in page.text
    assert 'name="reason"' not in page.text and "This cannot be undone." not in page.text
    again = client.post(f"/challenges/{challenge.slug}/cancel", data={"reason": ""})  # the state leads, not the field
    assert again.status_code == 409
    assert again.text.count("A completed or cancelled challenge cannot be cancelled.") == 1
    assert "Say why" not in again.text and _reload(challenge).status == status


@pytest.mark.parametrize("kind,status,reason", [
    ("market_consultation", "published", "The summary is published once the consultation has closed."),
    ("market_consultation", "cancelled", "The summary is published once the consultation has closed."),
    ("call_for_solutions", "closed", "Only a market consultation ends with a summary."),
])
def test_the_summary_page_says_why_it_cannot_be_written_yet(client, login, f, agency, people, kind, status, reason):
    challenge = f.Challenge(agency=agency, kind=kind, status=status, with_criteria=kind == "call_for_solutions",
                            cancel_reason="Gone." if status == "cancelled" else None)
    login(people["publisher"])
    page = client.get(f"/challenges/{challenge.slug}/summary")
    assert page.status_code == 200 and reason in page.text
    assert 'name="summary"' not in page.text
    assert client.post(f"/challenges/{challenge.slug}/summary", data={"summary": "x"}).status_code == 409
    assert _reload(challenge).status == status


@pytest.mark.parametrize("status,label", [("published", "Open for pitches"), ("cancelled", "Cancelled"),
                                          ("closed", "Closed")])
def test_the_preview_of_a_challenge_no_longer_a_draft_names_its_status(client, login, f, agency, people, status,
                                                                        label):
    challenge = f.Challenge(agency=agency, status=status, cancel_reason="Gone." if status == "cancelled" else None)
    login(people["publisher"])
    page = client.get(f"/challenges/{challenge.slug}/preview").text
    assert f"This challenge is no longer a draft: it is “{label}”." in page
    assert "This challenge is published." not in page  # a cancelled one was said to be published


def test_the_edit_page_of_a_published_challenge_leads_to_the_correction_and_back(client, login, f, agency, people):
    challenge = f.Challenge(agency=agency, status="published")
    login(people["publisher"])
    response = client.get(f"/challenges/{challenge.slug}/edit")
    assert response.status_code == 409
    assert "Only a draft can be changed." in response.text and 'name="title"' not in response.text
    assert f'href="/challenges/{challenge.slug}/correct"' in response.text
    assert f'href="/challenges/{challenge.slug}"' in response.text
    closed = f.Challenge(agency=agency, status="closed")
    page = client.get(f"/challenges/{closed.slug}/edit").text
    assert f'href="/challenges/{closed.slug}/correct"' not in page  # too late to correct: only the way back


@pytest.mark.parametrize("status,label", [("cancelled", "Cancelled"), ("completed", "Completed")])
def test_the_edit_page_of_a_final_challenge_offers_no_correction_nor_cancellation(client, login, f, agency, people,
                                                                                   status, label):
    """A draft sent back and then cancelled (or any challenge at its end): the edit page says it no longer changes,
    not to correct it with a notice or cancel it, which its state refuses (found walking the four-eyes send-back)."""
    challenge = f.Challenge(agency=agency, status=status, cancel_reason="Gone." if status == "cancelled" else None)
    login(people["publisher"])
    response = client.get(f"/challenges/{challenge.slug}/edit")
    assert response.status_code == 409
    assert f"This challenge is “{label}”: nothing in it changes any more." in response.text
    assert "cancel it" not in response.text and f"/challenges/{challenge.slug}/correct" not in response.text
    again = client.post(f"/challenges/{challenge.slug}/edit", data={"title": "Kept"})
    assert again.status_code == 409 and "nothing in it changes any more" in again.text


def test_a_send_back_refused_because_the_request_was_withdrawn_keeps_what_the_approver_wrote(
        client, login, people, four_eyes_draft):
    """The author changed the draft (withdrawing the request) while the approver wrote why to send it back: the
    refusal says so on the preview and shows the reason typed, whose form is gone (found walking four eyes)."""
    slug = four_eyes_draft.slug
    login(people["publisher"])
    client.post(f"/challenges/{slug}/request-approval")
    challenge = _reload(four_eyes_draft)
    challenge.approval_requested_at = challenge.approval_requested_by_id = None  # withdrawn by an edit meanwhile
    db.session.commit()
    login(people["second_publisher"])
    refused = client.post(f"/challenges/{slug}/send-back", data={"reason": "The budget is missing its VAT."})
    assert refused.status_code == 409
    assert "What you typed, to keep" in refused.text and "The budget is missing its VAT." in refused.text
    assert "What you typed, to keep" not in client.get(f"/challenges/{slug}/preview").text
