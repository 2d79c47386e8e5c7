"""API test helpers: a personal token for a user, sent as the Authorization header."""
import pytest

from marketplace.services.accounts import api_tokens
@pytest.fixture
def bearer():
    """bearer(user) -> the headers that make a request act as `user` through a fresh personal token."""

    def _bearer(user, name="tests"):
        _, raw = api_tokens.create_token(user, name)
        return {"Authorization": f"Bearer {raw}"}

    return _bearer


def assert_problem(response, status):
    """An RFC 9457 problem with the right status, in the right media type."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["title"] and body["type"]
    return body
