"""Full-text search finds the same challenges on SQLite and PostgreSQL: words inside punctuation, accents, case."""
import pytest
from werkzeug.datastructures import MultiDict

from marketplace.services.challenges import challenges
from marketplace.services.challenges.challenges import ChallengeFilters


def _titles(**args):
    return [c.title for c in challenges.search_challenges(ChallengeFilters.from_args(MultiDict(args))).items]


@pytest.fixture
def catalogue(f):
    f.Challenge(title="Air-quality in schools", summary="(Classrooms) are stuffy.",
                problem_statement="About **12 %** of rooms are above the limit.")
    f.Challenge(title="Écoles et crèches", summary="Überall zu warm.", problem_statement="Straße und Schule.")
    f.Challenge(title="Quiet night buses", summary="Engines idle.", problem_statement="Residents complain.")
    f.Challenge(title="Hidden draft about schools", status="draft", published_at=None)


@pytest.mark.parametrize("query,expected", [
    ("quality", ["Air-quality in schools"]),          # a word after a hyphen
    ("classrooms", ["Air-quality in schools"]),       # a word in brackets
    ("12", ["Air-quality in schools"]),               # a number inside Markdown emphasis
    ("AIR Quality", ["Air-quality in schools"]),      # case and word order do not matter
    ("écoles", ["Écoles et crèches"]),                # accented capitals fold like PostgreSQL's lower()
    ("ÉCOLES", ["Écoles et crèches"]),
    ("über", ["Écoles et crèches"]),
    ("straße", ["Écoles et crèches"]),
    ("crèche", ["Écoles et crèches"]),                # a word prefix
    ("ecoles", []),                                   # no accent folding on either database
    ("uality", []),                                   # only word prefixes, not inner parts
    ("schools buses", []),                            # every word must match
    ("schools", ["Air-quality in schools"]),          # never a draft
])
def test_search_finds_words_the_same_way_on_both_databases(catalogue, query, expected):
    assert _titles(q=query) == expected


@pytest.mark.parametrize("query", ["%", "_", "%%_", "\\", "'", ":*", "&|!()", "<>", "😀"])
def test_a_query_of_only_symbols_searches_for_nothing_and_lists_everything_public(catalogue, query):
    assert len(_titles(q=query)) == 3


def test_search_operators_are_plain_words(catalogue):
    assert _titles(q="quiet & !night | (buses)") == ["Quiet night buses"]
    assert _titles(q="quiet:* night") == ["Quiet night buses"]
    assert _titles(q="engines%idle") == ["Quiet night buses"]
    assert _titles(q="engines_idle") == ["Quiet night buses"]


def test_a_draft_cancelled_before_it_was_published_is_never_listed(f):
    f.Challenge(title="Never went live", status="cancelled", published_at=None, cancel_reason="Changed our mind.")
    f.Challenge(title="Cancelled after publishing", status="cancelled", cancel_reason="Merged into another.")
    assert _titles(status="cancelled") == ["Cancelled after publishing"]
