"""The public data token changes with every committed change to a public table, and only then."""
import pytest
from sqlalchemy import update

from marketplace.extensions import db
from marketplace.models import Challenge, Notification, challenge_sectors
from marketplace.services.open_data import public_data
def test_a_new_challenge_gives_a_new_token(f):
    before = public_data.current_token()
    f.Challenge()
    after = public_data.current_token()
    assert after is not None and after != before


def test_a_private_change_keeps_the_token(f):
    person = f.member(f.Company(), "owner")
    before = public_data.current_token()
    db.session.add(Notification(user_id=person.id, dedupe_key="test:1", kind="test", title="Hello"))
    person.name = "Someone else"
    db.session.commit()
    assert public_data.current_token() == before


def test_a_rolled_back_change_keeps_the_token(f):
    challenge = f.Challenge()
    before = public_data.current_token()
    challenge.title = "Never saved"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert public_data.current_token() == before


@pytest.mark.parametrize("how", ["session statement", "bare connection"])
def test_statements_outside_the_orm_give_a_new_token_too(f, how):
    challenge = f.Challenge()
    before = public_data.current_token()
    if how == "session statement":
        db.session.execute(challenge_sectors.insert().values(challenge_id=challenge.id, cpv_division="72"))
        db.session.commit()
    else:
        with db.engine.begin() as connection:
            connection.execute(update(Challenge).where(Challenge.id == challenge.id).values(summary="Changed."))
    assert public_data.current_token() not in (before, None)


def test_every_token_is_new(f):
    tokens = set()
    for _ in range(5):
        f.Challenge()
        tokens.add(public_data.current_token())
    assert len(tokens) == 5


def test_a_kept_answer_lasts_until_the_public_data_change(f):
    from marketplace.services.challenges.challenges import ChallengeFilters, agencies_with_public_challenges, search_challenges

    f.Challenge(title="Leaking pipes")
    db.session.commit()
    assert search_challenges(ChallengeFilters()).total == 1
    first = agencies_with_public_challenges()
    db.session.commit()  # a new transaction reads the token again; nothing changed, so the kept answers stand
    assert search_challenges(ChallengeFilters()).total == 1 and agencies_with_public_challenges() is first
    f.Challenge(title="Leaking roofs")  # a change to a public table: a new token, so everything is counted again
    assert search_challenges(ChallengeFilters()).total == 2
    assert len(agencies_with_public_challenges()) == 2
    assert search_challenges(ChallengeFilters(q="roofs")).total == 1


def test_nothing_is_kept_for_a_database_never_changed_through_the_application(f, monkeypatch):
    calls = []
    monkeypatch.setattr(public_data, "current_token", lambda: None)
    for _ in range(2):
        public_data.kept_while_unchanged("question", lambda: calls.append(1))
    assert len(calls) == 2


@pytest.mark.parametrize("flushed", [True, False])
def test_a_transaction_that_changes_public_data_keeps_nothing_it_reads(f, flushed):
    """What it reads holds its own changes, which the token does not name yet and a rollback would undo: kept
    under the token, they would be shown to everyone as if committed."""
    from marketplace.services.challenges.challenges import ChallengeFilters, search_challenges

    challenge = f.Challenge(title="Leaking pipes")
    db.session.commit()
    challenge.status = "draft"  # out of the public list, in this transaction only
    if flushed:
        db.session.flush()
    assert search_challenges(ChallengeFilters()).total == 0  # its own change, read and not kept
    db.session.rollback()
    assert search_challenges(ChallengeFilters()).total == 1


def _challenges_token():
    return public_data._current_tokens()[public_data.CHALLENGES]


def test_the_challenges_token_changes_with_the_challenges_and_their_sectors_only(f):
    """What is kept of the challenges alone (the text searches' catalogue) outlives an answered question: their
    token changes with a challenge or its sectors, not with another public table; the public token with both."""
    from marketplace.models import Question

    challenge = f.Challenge()
    company = f.Company()
    public, challenges_token = public_data.current_token(), _challenges_token()
    db.session.add(Question(challenge_id=challenge.id, organisation_id=company.id, body="Which districts?"))
    db.session.commit()
    assert public_data.current_token() != public and _challenges_token() == challenges_token
    with db.engine.begin() as connection:
        connection.execute(challenge_sectors.insert().values(challenge_id=challenge.id, cpv_division="72"))
    assert _challenges_token() not in (challenges_token, None)


def test_a_database_without_a_challenges_token_keys_the_challenges_by_the_public_one(f):
    from sqlalchemy import delete

    from marketplace.models import DataVersion
    f.Challenge()
    db.session.execute(delete(DataVersion).where(DataVersion.name == public_data.CHALLENGES))
    db.session.commit()
    assert _challenges_token() == public_data.current_token() is not None
