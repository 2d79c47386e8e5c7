"""A page of results carries the total of every match, wherever the page is, and past the end too."""
import pytest
from sqlalchemy import select

from marketplace.models import Challenge
from marketplace.services.paging import paginate


@pytest.fixture
def seven(f):
    for n in range(7):
        f.Challenge(title=f"Challenge {n}")


def _query():
    return select(Challenge).order_by(Challenge.title)


@pytest.mark.parametrize("page,titles", [
    (1, ["Challenge 0", "Challenge 1", "Challenge 2"]),
    (2, ["Challenge 3", "Challenge 4", "Challenge 5"]),
    (3, ["Challenge 6"]),
    (4, []),
    (40, []),
])
def test_every_page_knows_the_total(seven, page, titles):
    result = paginate(_query(), page, per_page=3)
    assert [c.title for c in result.items] == titles
    assert (result.total, result.pages, result.page) == (7, 3, page)


def test_nothing_to_list_is_one_empty_page(db):
    result = paginate(_query(), 1, per_page=3)
    assert (result.items, result.total, result.pages) == ([], 0, 1)


def test_the_total_counts_only_what_the_query_keeps(seven):
    result = paginate(_query().where(Challenge.title.in_(["Challenge 2", "Challenge 5"])), 1, per_page=1)
    assert ([c.title for c in result.items], result.total, result.pages) == (["Challenge 2"], 2, 2)


def test_kept_totals_are_told_apart_by_their_parameters(seven):
    # Public totals are kept per state of the public data, keyed by the statement's structure and bound values.
    def titled(*titles):
        return _query().where(Challenge.title.in_(titles))

    assert [paginate(query, 1, per_page=3, public=True).total for query in (
        titled("Challenge 1"), titled("Challenge 1", "Challenge 2"), titled("Challenge 3", "Challenge 4", "Nothing"),
        _query().where(Challenge.title == "Challenge 1"), _query().where(Challenge.title == "Nothing"),
        _query().where(Challenge.title != "Nothing"), titled("Challenge 1"))] == [1, 2, 2, 1, 0, 7, 1]


def test_a_first_page_that_is_not_full_is_its_total_without_a_count(seven):
    from tests.statements import Statements

    with Statements() as few:
        whole = paginate(_query(), 1, per_page=10)
    with Statements() as many:
        full = paginate(_query(), 1, per_page=3)
    assert (len(whole.items), whole.total, whole.pages) == (7, 7, 1)
    assert (len(full.items), full.total, full.pages) == (3, 7, 3)
    assert (few.count, many.count) == (1, 2) and not any("count(" in sql.lower() for sql in few.sql)
    # Kept as a count would be: asked again, a public first page that held everything is not counted either.
    paginate(_query(), 1, per_page=10, public=True)
    with Statements() as again:
        assert paginate(_query(), 1, per_page=10, public=True).total == 7
    assert not any("count(" in sql.lower() for sql in again.sql)
