"""Every link the services email is built from a page's endpoint: each link function leads to its page."""
import inspect
from types import SimpleNamespace

import pytest

from marketplace.services.messaging import links

CHALLENGE = SimpleNamespace(slug="leaky-pipes", id=7)
PITCH = SimpleNamespace(id=14)
PILOT = SimpleNamespace(id=3)

# function, its arguments, the page it must lead to, and that page's arguments
EXPECTED = {
    links.challenge_path: ((CHALLENGE,), "challenges.detail", {"slug": "leaky-pipes"}),
    links.challenge_questions_path: ((CHALLENGE,), "challenges.detail", {"slug": "leaky-pipes"}),
    links.challenge_preview_path: ((CHALLENGE,), "challenges.preview", {"slug": "leaky-pipes"}),
    links.challenge_matches_path: ((CHALLENGE,), "matches.for_challenge", {"slug": "leaky-pipes"}),
    links.evaluation_scores_path: ((CHALLENGE,), "evaluation.scores", {"slug": "leaky-pipes"}),
    links.challenges_for_you_path: ((), "for_you.index", {}),
    links.saved_search_results_path: (({},), "challenges.index", {}),
    links.challenge_pitches_path: ((CHALLENGE,), "pitches.for_challenge", {"slug": "leaky-pipes"}),
    links.evaluation_path: ((CHALLENGE,), "evaluation.overview", {"slug": "leaky-pipes"}),
    links.evaluation_sessions_path: ((CHALLENGE,), "evaluation.overview", {"slug": "leaky-pipes"}),
    links.pitch_path: ((PITCH,), "pitches.show", {"pitch_id": 14}),
    links.pitch_receipt_path: ((PITCH,), "pitches.receipt", {"pitch_id": 14}),
    links.pitch_session_path: ((PITCH,), "evaluation.pick_slot", {"pitch_id": 14}),
    links.pilot_path: ((PILOT,), "pilots.show", {"pilot_id": 3}),
    links.challenge_url: ((CHALLENGE,), "challenges.detail", {"slug": "leaky-pipes"}),
    links.unsubscribe_url: (("tok.en",), "notifications.unsubscribe", {"token": "tok.en"}),
    links.reset_password_url: (("tok.en",), "auth.reset_password", {"token": "tok.en"}),
    links.forgot_password_url: ((), "auth.forgot_password", {}),
    links.login_url: ((), "auth.login", {}),
    links.account_settings_url: ((), "account.settings", {}),
    links.two_factor_url: ((), "account.two_factor", {}),
    links.confirm_email_url: (("tok.en",), "auth.confirm_email", {"token": "tok.en"}),
    links.accept_invitation_url: (("tok.en",), "auth.accept_invitation", {"token": "tok.en"}),
}


def test_every_link_function_is_checked():
    public = {f for name, f in vars(links).items()
              if inspect.isfunction(f) and f.__module__ == links.__name__ and not name.startswith("_")}
    assert public - {links.absolute} == set(EXPECTED)


@pytest.mark.parametrize("base_url", ["http://localhost", "https://agora.example.be/marketplace/"])
def test_each_link_leads_to_its_page_on_the_base_url(app, base_url, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", base_url)
    root = base_url.rstrip("/")
    with app.test_request_context("/", base_url="http://some-other-host:8000"):  # the request's host plays no part
        for function, (args, endpoint, values) in EXPECTED.items():
            url = function(*args)
            if function.__name__.endswith("_path"):
                assert url.startswith("/") and not url.startswith("//"), (function, url)
                url = links.absolute(url)
            assert url.startswith(root + "/"), (function, url)
            path = url[len(root):].split("#")[0]
            assert app.url_map.bind("x").match(path, method="GET") == (endpoint, values), function
    assert links.challenge_questions_path(CHALLENGE) == "/challenges/leaky-pipes#questions"
    assert links.saved_search_results_path({"q": "leaks", "sector": ["65", "72"]}) == \
        "/challenges?q=leaks&sector=65&sector=72"



NOT_YET = set()  # every service builds its links through links.py


def test_no_service_writes_a_page_address_by_hand():
    import ast
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    page = re.compile(r"^/(challenges|pitches|pilots|auth|notifications|account|companies|questions)\b")
    found = []
    for path in sorted((root / "marketplace" / "services").rglob("*.py")):
        name = str(path.relative_to(root))
        for node in ast.walk(ast.parse(path.read_text())):
            text = node.values[0] if isinstance(node, ast.JoinedStr) and node.values else node
            if isinstance(text, ast.Constant) and isinstance(text.value, str) and page.match(text.value):
                found.append(f"{name}:{node.lineno} {text.value!r}")
    assert [f for f in found if f.split(":")[0] not in NOT_YET] == []
    assert {f.split(":")[0] for f in found} <= NOT_YET
