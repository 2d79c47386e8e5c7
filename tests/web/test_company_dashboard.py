"""The company dashboard's pitches: each says when its challenge was cancelled or closed, not only the pitch's own status."""
from marketplace.services.challenges import challenges


def test_a_pitch_whose_challenge_was_cancelled_says_so(client, login, f):
    pitch = f.Pitch(status="submitted", title="Called-off pitch", challenge=f.Challenge(status="evaluating"))
    kept = f.Pitch(status="submitted", title="Kept pitch", company=pitch.company, challenge=f.Challenge(status="evaluating"))
    challenges.cancel_challenge(f.member(pitch.challenge.agency, "publisher"), pitch.challenge.slug, "No budget.")
    login(f.member(pitch.company, "owner"))
    page = client.get("/dashboard").get_data(as_text=True)
    rows = {title: row for row in page.split("</tr>") for title in (pitch.title, kept.title) if title in row}
    assert "Challenge cancelled" in rows[pitch.title]
    assert "Challenge cancelled" not in rows[kept.title]


def test_a_pitch_whose_deadline_passed_says_its_challenge_is_closed(client, login, f):
    closed = f.Pitch(status="draft", title="Late draft", challenge=f.Challenge(status="closed"))
    open_ = f.Pitch(status="submitted", title="Open pitch", company=closed.company, challenge=f.Challenge())
    login(f.member(closed.company, "owner"))
    page = client.get("/dashboard").get_data(as_text=True)
    rows = {title: row for row in page.split("</tr>") for title in (closed.title, open_.title) if title in row}
    assert "Closed" in rows[closed.title]
    assert "Closed" not in rows[open_.title] and "Open for pitches" not in rows[open_.title]


def test_a_shortlisted_pitch_with_free_slots_leads_to_booking_its_session(client, login, f):
    from datetime import timedelta

    from marketplace.services.clock import utcnow
    from marketplace.services.evaluation import pitch_sessions

    challenge = f.Challenge(status="evaluating", pitch_deadline=utcnow() - timedelta(days=3))
    waiting = f.Pitch(challenge=challenge, status="shortlisted", title="Waiting pitch")
    other = f.Pitch(challenge=challenge, status="shortlisted", title="Other pitch")
    officer, owner = f.member(challenge.agency, "procurement_officer"), f.member(waiting.company, "owner")
    login(owner)
    book = f'href="/pitches/{waiting.id}/session"'
    assert book not in client.get("/dashboard").text  # no free slot yet: nothing to book
    start = utcnow() + timedelta(days=4)
    slots = [pitch_sessions.offer_slot(officer, challenge.id, starts_at=start + timedelta(hours=hour),
                                       ends_at=start + timedelta(hours=hour, minutes=30), mode="online",
                                       link="https://meet.example.org/x") for hour in (0, 1)]
    row = next(r for r in client.get("/dashboard").text.split("</tr>") if "Waiting pitch" in r)
    assert book in row and "Pick a time for your pitch session" in row
    pitch_sessions.book_slot(owner, waiting.id, slots[0].id)
    assert book not in client.get("/dashboard").text  # booked: nothing left to do
