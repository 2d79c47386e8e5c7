"""Full-text search finds the same challenges on SQLite and PostgreSQL: words inside punctuation, accents, case,
and the forms of a word in the challenge's language (Snowball stemming on both)."""
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
    f.Challenge(title="Quiet night buses", summary="Engines idle.", problem_statement="Residents complain in the cœur.")
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
    ("ecoles", ["Écoles et crèches"]),                # accents fold away on both databases
    ("ECOLE", ["Écoles et crèches"]),
    ("coeur", ["Quiet night buses"]),                 # a ligature unfolds as PostgreSQL's unaccent writes it
    ("CŒUR", ["Quiet night buses"]),
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


@pytest.fixture
def languages(f):
    f.Challenge(title="Water leaks in old pipes", summary="We lose water.", language="en")
    f.Challenge(title="Détecter une fuite d'eau", summary="Les réseaux vieillissent.", language="fr")
    f.Challenge(title="Lekken in de waterleiding", summary="Oude buizen.", language="nl")
    f.Challenge(title="Rohrbrüche früher erkennen", summary="Älteres Netz.", language="de")


@pytest.mark.parametrize("query,expected", [
    ("leak", ["Water leaks in old pipes"]),
    ("leaks", ["Water leaks in old pipes"]),
    ("LEAKING", ["Water leaks in old pipes"]),
    ("fuites", ["Détecter une fuite d'eau"]),
    ("fuite", ["Détecter une fuite d'eau"]),
    ("DETECTER", ["Détecter une fuite d'eau"]),
    ("lek", ["Lekken in de waterleiding"]),
    ("lekken", ["Lekken in de waterleiding"]),
    ("rohrbruche", ["Rohrbrüche früher erkennen"]),
    ("Rohrbruch", ["Rohrbrüche früher erkennen"]),
    ("alteres", ["Rohrbrüche früher erkennen"]),
])
def test_the_forms_of_a_word_accents_and_case_find_each_other_whatever_the_visitors_language(
        languages, query, expected):
    for visitor in ("en", "fr", "nl", "de"):
        page = challenges.search_challenges(ChallengeFilters.from_args(MultiDict(dict(q=query))), language=visitor)
        assert [c.title for c in page.items] == expected, visitor


def test_a_changed_challenge_is_found_by_its_new_words_only(f, db):
    challenge = f.Challenge(title="Old words", language="en")
    challenge.title, challenge.language = "Fuites dans les écoles", "fr"
    db.session.commit()
    assert _titles(q="fuite") == ["Fuites dans les écoles"] and _titles(q="old") == []


def test_a_search_is_ranked_counted_up_to_a_bound_and_paged_within_it(f, monkeypatch):
    monkeypatch.setattr(challenges, "MAX_COUNTED", 3)
    for n in range(4):
        f.Challenge(title=f"Pipes {n}", summary="pipes " * n)
    f.Challenge(title="Roads", summary="Potholes.")
    first = challenges.search_challenges(ChallengeFilters.from_args(MultiDict(dict(q="pipes"))), per_page=2)
    assert (first.total, first.more, first.pages, len(first.items)) == (3, True, 2, 2)
    second = challenges.search_challenges(ChallengeFilters.from_args(MultiDict(dict(q="pipes", page="2"))), per_page=2)
    assert len(second.items) == 1 and not {c.id for c in first.items} & {c.id for c in second.items}
    beyond = challenges.search_challenges(ChallengeFilters.from_args(MultiDict(dict(q="pipes", page="3"))), per_page=2)
    assert beyond.items == [] and beyond.more
    exact = challenges.search_challenges(ChallengeFilters.from_args(MultiDict(dict(q="potholes"))))
    assert (exact.total, exact.more) == (1, False)


def test_best_matches_come_first_on_postgresql_newest_first_on_sqlite(f, db):
    from datetime import timedelta

    from marketplace.services.clock import utcnow
    in_title = f.Challenge(title="Leaking pipes", published_at=utcnow() - timedelta(days=2))
    in_text = f.Challenge(title="Old network", problem_statement="Some pipes leak.", published_at=utcnow())
    expected = [in_title, in_text] if db.engine.dialect.name == "postgresql" else [in_text, in_title]
    assert challenges.search_challenges(ChallengeFilters.from_args(MultiDict(dict(q="leaks")))).items == expected
    newest = challenges.search_challenges(ChallengeFilters.from_args(MultiDict(dict(q="leaks", sort="newest"))))
    assert newest.items == [in_text, in_title]


def test_ranked_pages_read_in_one_pass_give_the_order_and_total_of_the_plain_query(f, db):
    """Page by page, the one-pass ranked search (PostgreSQL) lists what ordering the whole query would."""
    from datetime import timedelta

    from sqlalchemy import select

    from marketplace.models import Challenge
    from marketplace.services.clock import utcnow
    for n in range(7):
        f.Challenge(title="Leaking pipes" if n % 3 == 0 else f"Network {n}", summary="pipes " * (n % 4),
                    problem_statement="Some pipes leak.", published_at=utcnow() - timedelta(hours=n))
    f.Challenge(title="Leaking pipes, a draft", status="draft", published_at=None)
    filters = ChallengeFilters.from_args(MultiDict(dict(q="pipes")))
    query, rank = challenges.filtered_query(filters)
    order = ((rank.desc(),) if rank is not None else ()) + challenges.SORTS["newest"]()
    whole = list(db.session.scalars(query.order_by(*order)))
    paged = []
    for number in (1, 2, 3):
        page = challenges.search_challenges(ChallengeFilters.from_args(MultiDict(dict(q="pipes", page=number))),
                                            per_page=3)
        assert (page.total, page.more) == (7, False)
        paged += page.items
    assert paged == whole and len(whole) == 7
    assert db.session.scalar(select(Challenge).where(Challenge.status == "draft")) not in paged


def test_each_reading_of_a_query_goes_once_into_the_search_and_is_parsed_once(f, db):
    from marketplace.services.challenges import search
    from tests.statements import Statements

    leaking = f.Challenge(title="Leaks in the water mains", language="en")
    f.Challenge(title="Quiet night buses", language="fr")
    search._postgresql_query.cache_clear()  # as in a process that never searched
    with Statements() as first:
        search.text_values(db.engine.dialect.name, "leaks", "fr")
    with Statements() as again:
        search.text_values(db.engine.dialect.name, "leaks", "fr")
    if db.engine.dialect.name == "postgresql":
        # Four stemmers agree on 'leak': one reading, not four (their repetition made PostgreSQL expect too
        # many matches and read the whole table). Parsed by PostgreSQL once per process, kept after.
        assert search._postgresql_query("leaks", "fr", ("leaks",)) == "( 'leak' ) | ( 'leaks' ) | ( 'leaks':* )"
        assert (first.count, again.count) == (1, 0)
    else:
        assert (first.count, again.count) == (0, 0)  # SQLite: no parameter, the condition is made of the words
    assert _titles(q="leaks") == [leaking.title]


@pytest.mark.parametrize("sort", ["deadline", "newest", "budget_high", "budget_low"])
def test_a_sorted_search_pages_like_the_whole_query_on_its_first_pages_and_its_deep_ones(f, db, monkeypatch, sort):
    """A text search in another order than relevance lists, page by page, what ordering the whole query would,
    up to the bound, on both databases; its matches are read once, not at each page, nor the catalogue again."""
    from datetime import timedelta

    from marketplace.services.clock import utcnow
    from tests.statements import Statements
    monkeypatch.setattr(challenges, "MAX_COUNTED", 6)
    now = utcnow()
    for n in range(9):  # deadlines, budgets and publication times in another order than the ids
        f.Challenge(title=f"Pipes {n}", summary="Leaking pipes." if n % 4 else "Pipes and a photovoltaic roof.",
                    pitch_deadline=now + timedelta(days=30 + (n * 5) % 9), budget_min=1000 * ((n * 7) % 9 + 1),
                    budget_max=None, published_at=now - timedelta(hours=(n * 4) % 9))
    f.Challenge(title="Roads", summary="Potholes.", pitch_deadline=now + timedelta(days=31))

    def pages(q, numbers):
        found = []
        for number in numbers:
            page = challenges.search_challenges(
                ChallengeFilters.from_args(MultiDict(dict(q=q, sort=sort, page=number))), per_page=2)
            found.append((page.total, page.more, [c.id for c in page.items]))
        return found

    def whole(q):
        query, _ = challenges.filtered_query(ChallengeFilters.from_args(MultiDict(dict(q=q))))
        return [c.id for c in db.session.scalars(query.order_by(*challenges.SORTS[sort]()))]

    few = whole("photovoltaic")
    assert len(few) == 3 and pages("photovoltaic", [1, 2]) == [(3, False, few[:2]), (3, False, few[2:])]
    many = whole("pipes")
    assert len(many) == 9
    with Statements() as seen:
        assert pages("pipes", [1, 2, 3, 4]) == [(6, True, many[0:2]), (6, True, many[2:4]), (6, True, many[4:6]),
                                                (6, True, [])]
    assert len([sql for sql in seen.sql if "search_vector" in sql]) == 1
    assert not [sql for sql in seen.sql if "challenge_sectors" in sql]


def test_deadline_soonest_lists_the_challenges_taking_pitches_first_in_the_order_of_its_index(f, db):
    """With no status asked for, the challenges companies may still pitch for come first (soonest deadline first),
    then the others by deadline, on both databases and for a text search too; and the order is read from the index
    declared for it (models/challenge.py; the migration builds the same one), not by sorting every challenge."""
    import importlib.util
    import pathlib
    from datetime import timedelta

    from sqlalchemy import text

    from marketplace.models.challenge import DEADLINE_SORT_INDEX
    from marketplace.services.challenges import lifecycle
    from marketplace.services.clock import utcnow
    now = utcnow()
    made = [f.Challenge(title=f"Pipes {status} {days}", status=status, pitch_deadline=now + timedelta(days=days))
            for status, days in [("completed", -900), ("published", 40), ("cancelled", -30), ("closed", -2),
                                 ("published", 3), ("piloting", -400), ("evaluating", -60), ("published", 3)]]
    expected = [c.title for c in sorted(made, key=lambda c: (not lifecycle.state_of(c).takes_pitches,
                                                             c.pitch_deadline, c.id))]
    assert expected[:3] == ["Pipes published 3", "Pipes published 3", "Pipes published 40"]
    assert _titles(sort="deadline") == expected
    assert _titles(sort="deadline", q="pipes") == expected

    path = pathlib.Path(__file__).resolve().parents[2] / "migrations/versions/0038_deadline_taking_pitches.py"
    migration = importlib.util.module_from_spec(spec := importlib.util.spec_from_file_location("migration", path))
    spec.loader.exec_module(migration)
    assert (migration.NAME, migration.EXPRESSION) == DEADLINE_SORT_INDEX
    dialect = db.session.get_bind().dialect.name
    filters = ChallengeFilters.from_args(MultiDict(dict(sort="deadline")))
    query = challenges._statement(filters.shape(dialect), True, dialect)
    sql = str(query.limit(20).compile(db.engine, compile_kwargs={"literal_binds": True}))
    if dialect == "postgresql":  # a table this small is read whole: ask whether the index can give the order at all
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        db.session.execute(text("SET LOCAL enable_sort = off"))
        plan = "\n".join(db.session.scalars(text("EXPLAIN " + sql)))
        db.session.rollback()
        assert DEADLINE_SORT_INDEX[0] in plan and "Sort" not in plan, plan
    else:
        plan = "\n".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert DEADLINE_SORT_INDEX[0] in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("sort", ["deadline", "newest", "budget_high", "budget_low"])
def test_a_deep_page_of_the_list_reads_its_ids_from_the_sort_index_alone_then_its_rows(f, db, monkeypatch, sort):
    """Deep in the list (IDS_FIRST_DEEP rows before the page or more), the page's ids are read first, in the list's
    order, then its rows by id: the same challenges as the whole query's, and on PostgreSQL the ids come from the
    sort index without the table (the index carries the columns the public condition and the order read)."""
    from datetime import timedelta

    from sqlalchemy import text

    from marketplace.services import paging
    from marketplace.services.clock import utcnow
    from tests.statements import Statements
    monkeypatch.setattr(paging, "IDS_FIRST_DEEP", 4)
    now = utcnow()
    for n in range(9):
        f.Challenge(title=f"Pipes {n}", pitch_deadline=now + timedelta(days=30 + (n * 5) % 9),
                    budget_min=1000 * ((n * 7) % 9 + 1), budget_max=None, published_at=now - timedelta(hours=(n * 4) % 9))
    f.Challenge(title="Hidden draft", status="draft", published_at=None)
    query, _ = challenges.filtered_query(ChallengeFilters.from_args(MultiDict(dict(sort=sort))))
    whole = [c.title for c in db.session.scalars(query.order_by(*challenges.SORTS[sort]()))]
    assert len(whole) == 9

    def titles(number, listed):
        page = challenges.search_challenges(ChallengeFilters.from_args(MultiDict(dict(sort=sort, page=number))),
                                            per_page=2, listed=listed)
        return [item.title for item in page.items]

    with Statements() as seen:
        assert [titles(n, listed=True) for n in (1, 2, 3, 4, 5)] == [whole[i:i + 2] for i in (0, 2, 4, 6, 8)]
    ids_first = [sql for sql in seen.sql if sql.lstrip().startswith("SELECT challenges.id \nFROM")]
    assert len(ids_first) == 3, seen.sql  # pages 3, 4 and 5: offsets 4, 6 and 8
    assert titles(4, listed=False) == whole[6:8]  # the API's Challenge objects, read by id as well
    if db.session.get_bind().dialect.name == "postgresql":
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_indexscan", "enable_sort"):
            db.session.execute(text(f"SET LOCAL {setting} = off"))
        dialect = db.session.get_bind().dialect
        listed = challenges._statement(ChallengeFilters.from_args(MultiDict(dict(sort=sort))).shape("postgresql"),
                                       True, "postgresql")
        sql = str(paging._ids_statement(listed, 2, 4).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(db.session.scalars(text("EXPLAIN " + sql)))
        db.session.rollback()
        assert "Index Only Scan" in plan and "Sort" not in plan, plan


def test_the_kept_catalogue_answers_every_filter_and_order_as_the_sql_would(f, db, monkeypatch):
    """A text search is answered from the arrays the process keeps (catalogue.py): for every filter, several at
    once, every order and deep pages, it lists and counts what the search's own SQL (`filtered_query`, ordered by
    SORTS) gives, ties in rank, publication time, deadline and budget included, on both databases."""
    import itertools
    from datetime import timedelta
    from decimal import Decimal

    from marketplace.services.clock import utcnow
    from tests.factories import set_sectors
    monkeypatch.setattr(challenges, "MAX_COUNTED", 9)
    now = utcnow().replace(microsecond=123456)
    agencies = [f.Agency(), f.Agency()]
    statuses = ["published", "published", "closed", "evaluating", "piloting", "completed", "cancelled"]
    budgets = [(Decimal("5000"), Decimal("20000")), (None, Decimal("5000")), (Decimal("5000.50"), None),
               (None, None), (Decimal("1000"), Decimal("1000"))]
    for n in range(24):
        challenge = f.Challenge(
            title=f"Pipes {n}" if n % 3 else f"Leaking pipes {n}", summary="Pipes. " * (n % 4),
            status=statuses[n % len(statuses)], agency=agencies[n % 2],
            budget_min=budgets[n % len(budgets)][0], budget_max=budgets[n % len(budgets)][1],
            pitch_deadline=now + timedelta(days=(n * 5) % 20 - 3), published_at=now - timedelta(hours=(n * 7) % 6))
        set_sectors(challenge, [["45"], ["72", "45"], ["90"], []][n % 4])
    f.Challenge(title="Pipes, a draft", status="draft", published_at=None)
    db.session.commit()

    asked = [{}, {"status": ["published"]}, {"status": ["closed", "cancelled"]}, {"sector": ["45"]},
             {"sector": ["72", "90"]}, {"agency": agencies[1].slug}, {"agency": "nobody"}, {"budget_min": "5000"},
             {"budget_max": "5000"}, {"budget_min": "1000", "budget_max": "5000.50"}, {"closing_soon": "1"},
             {"sector": ["45"], "budget_min": "2000", "status": ["published", "closed"]}]
    for args, sort in itertools.product(asked, ["relevance", "newest", "deadline", "budget_high", "budget_low"]):
        filters = ChallengeFilters.from_args(MultiDict(dict(args, q="pipes", sort=sort)))
        query, rank = challenges.filtered_query(filters, now=now)
        order = ((rank.desc(),) if rank is not None and sort == "relevance" else ()) + challenges.SORTS[sort]()
        whole = [c.id for c in db.session.scalars(query.order_by(*order))]
        for number in (1, 2, 3):
            filters.page = number
            page = challenges.search_challenges(filters, per_page=4, now=now)
            expected = whole[:9][(number - 1) * 4:number * 4]
            assert ([c.id for c in page.items], page.total, page.more) == (expected, min(len(whole), 9),
                                                                           len(whole) > 9), (args, sort, number)
    since = ChallengeFilters(q="pipes", updated_since=now - timedelta(seconds=1))
    query, _ = challenges.filtered_query(since, now=now)
    assert [c.id for c in challenges.search_challenges(since, per_page=50, now=now).items] == [
        c.id for c in db.session.scalars(query.order_by(*challenges.SORTS["newest"]()))]
    if db.engine.dialect.name == "postgresql":  # the catalogue's columns come from their index, not the table
        from sqlalchemy import text

        from marketplace.services.paging import _compiled
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):  # a table this small is read whole
            db.session.execute(text(f"SET LOCAL {setting} = off"))
        plan = "\n".join(db.session.scalars(text(
            "EXPLAIN " + _compiled(challenges.catalogue_reads("postgresql")["columns"], db.engine.dialect))))
        db.session.rollback()
        assert "Index Only Scan using ix_challenges_public_catalogue" in plan, plan
