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
