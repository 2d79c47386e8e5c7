"""Full-text search of challenges in the language each one is written in.

Each challenge records its language (en, fr, nl, de). Its search document is stored in
`challenges.search_vector`, kept up to date whenever a challenge is saved (the mapper events below):

- on PostgreSQL a `tsvector`: the title (weight A), summary (B) and problem statement (C) stemmed with the
  text-search configuration of the challenge's language, plus every word as written (the `simple`
  configuration), all with accents removed (`unaccent`), behind a GIN index;
- on SQLite, which has no stemming, the same idea as plain text: every word folded (lower case, no accents)
  and its Snowball stem in the challenge's language, searched with LIKE.

A query is parsed by PostgreSQL's `websearch_to_tsquery` (never raises: quotes, `or` and `-word` work, other
symbols are ignored) in the visitor's language and in the other three, so a Dutch visitor typing "fuites"
finds the French challenge about "fuite"; a query of plain words also matches word prefixes ("crèche" finds
"crèches"). Stemmers are Snowball's on both databases, so `leaks`/`leak`, `fuites`/`fuite`, `lekken`/`lek`,
accents and case find each other on both.
"""
import unicodedata
from functools import lru_cache

import snowballstemmer
from sqlalchemy import Text, and_, bindparam, case, cast, event, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import attributes

from marketplace.extensions import db
from marketplace.models import Challenge

LANGUAGES = ("en", "fr", "nl", "de")
DEFAULT_LANGUAGE = "en"
# Text-search configurations made by the migration (and by create_all in tests, see models/challenge.py):
# PostgreSQL's own for each language with `unaccent` in front of the stemmer.
CONFIGS = {"en": "agora_english", "fr": "agora_french", "nl": "agora_dutch", "de": "agora_german"}
SIMPLE_CONFIG = "agora_simple"
SNOWBALL = {"en": "english", "fr": "french", "nl": "dutch", "de": "german"}
DOCUMENT_FIELDS = ("title", "summary", "problem_statement")
MAX_TERMS = 10


def language_of(value, default=DEFAULT_LANGUAGE):
    """'fr', 'fr_BE', 'FR' → 'fr'; anything else → the default."""
    value = (value or "").strip().lower()[:2]
    return value if value in LANGUAGES else default


# ---- words, the same way on both databases ---------------------------------------------------------------

# Letters that Unicode does not decompose into a letter and an accent, written as PostgreSQL's unaccent writes
# them: French "cœur" is found by "coeur" (typed on most keyboards), as on PostgreSQL.
_UNDECOMPOSED = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ß": "ss", "þ": "th", "ſ": "s"})


def fold(text):
    """Lower case without accents: 'Écoles' → 'ecoles', 'Cœur' → 'coeur' (PostgreSQL's unaccent does the same)."""
    text = unicodedata.normalize("NFKD", str(text or "").lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_UNDECOMPOSED)


def words(text, limit=None):
    """The letters-and-digits words of a text, folded; everything else separates words."""
    found = "".join(ch if ch.isalnum() else " " for ch in fold(text)).split()
    return found[:limit] if limit else found


_stemmers = {}


def stem(word, language):
    if language not in _stemmers:
        _stemmers[language] = snowballstemmer.stemmer(SNOWBALL[language])
    return _stemmers[language].stemWord(word)


def sqlite_document(language, *texts):
    """SQLite's stored search text: ' word stem word stem … ' (spaces at both ends for LIKE '% word%')."""
    language = language_of(language)
    found = []
    for word in words(" ".join(t or "" for t in texts)):
        found.append(word)
        stemmed = stem(word, language)
        if stemmed != word:
            found.append(stemmed)
    return " " + " ".join(found) + " "


# ---- PostgreSQL documents and queries --------------------------------------------------------------------

def _config(language):
    return literal_column(f"'{CONFIGS[language_of(language)]}'::regconfig")  # from a fixed list: no injection


def _vector(config, text):
    return func.to_tsvector(config, func.coalesce(text, ""), type_=TSVECTOR)


def postgresql_document(language, title, summary, problem_statement):
    """The tsvector of one challenge. Arguments are values (on save) or columns (a bulk UPDATE, where
    `language` is a column and the configuration is chosen per row)."""
    if isinstance(language, str) or language is None:
        config = _config(language)
    else:
        config = case(*((language == code, _config(code)) for code in LANGUAGES), else_=_config(DEFAULT_LANGUAGE))
    stemmed = [func.setweight(_vector(config, text), literal_column(f"'{weight}'"), type_=TSVECTOR)
               for text, weight in ((title, "A"), (summary, "B"), (problem_statement, "C"))]
    simple_text = func.concat_ws(" ", title, summary, problem_statement)
    document = stemmed[0]
    for part in stemmed[1:] + [_vector(literal_column(f"'{SIMPLE_CONFIG}'::regconfig"), simple_text)]:
        document = document.op("||", return_type=TSVECTOR)(part)
    return document


def bulk_update_documents(connection, where=None):
    """Fill search_vector for rows saved without the ORM (the scale data set, the migration): one statement."""
    table = Challenge.__table__
    if connection.dialect.name == "postgresql":
        statement = table.update().values(search_vector=postgresql_document(
            table.c.language, table.c.title, table.c.summary, table.c.problem_statement))
        connection.execute(statement.where(where) if where is not None else statement)
        return
    query = select(table.c.id, table.c.language, table.c.title, table.c.summary, table.c.problem_statement)
    rows = connection.execute(query.where(where) if where is not None else query).all()
    statement = table.update().where(table.c.id == bindparam("row_id")).values(search_vector=bindparam("document"))
    for start in range(0, len(rows), 1000):
        connection.execute(statement, [
            {"row_id": row.id, "document": sqlite_document(row.language, row.title, row.summary, row.problem_statement)}
            for row in rows[start:start + 1000]])


def is_plain(q):
    """True when the query uses none of websearch's operators (quotes, `or`, a leading minus)."""
    tokens = q.lower().split()
    return '"' not in q and "or" not in tokens and not any(t.startswith("-") for t in tokens)


def query_terms(q):
    return words(q, limit=MAX_TERMS)


def text_condition(dialect, q):
    """(SQL condition, rank expression or None) of a query that has at least one word.

    On PostgreSQL the query is one parameter, `search_query` (its tsquery as text, `text_values`), so every text
    search runs the same statement (see challenges._statements); on SQLite the condition is made of the
    query's words, and `q` is not needed on PostgreSQL."""
    column = Challenge.search_vector
    if dialect == "postgresql":
        tsquery = cast(bindparam("search_query", type_=Text), TSQUERY)
        return column.op("@@")(tsquery), func.ts_rank(column, tsquery)
    # SQLite: every word must start a word of the document, or equal its stem in one of the four languages.
    conditions = []
    for term in query_terms(q):
        stems = {stem(term, code) for code in LANGUAGES} - {term}
        conditions.append(or_(column.like(f"% {term}%"), *(column.like(f"% {s} %") for s in sorted(stems))))
    return and_(*conditions), None


def text_values(dialect, q, visitor_language=None):
    """The parameters of `text_condition`'s statement for the query `q` read in the visitor's language."""
    if dialect != "postgresql":
        return {}
    return {"search_query": _postgresql_query(q[:500], language_of(visitor_language), tuple(query_terms(q)))}


@lru_cache(maxsize=1024)
def _postgresql_query(q, visitor, terms):
    """The tsquery of `q` as text: its reading in the visitor's language and the other three, as written, and (a
    plain query) as word prefixes, each reading once.

    The four stemmers mostly agree ("leaks" is 'leak' in all four): repeated, the same reading made PostgreSQL
    expect every match several times over (27,000 of 50,000 challenges for 9,500) and read the whole table
    instead of the index. PostgreSQL parses the readings (one statement per query and language, kept in the
    process, at most 1,024: they never change); the text is the search statement's `search_query` parameter.
    """
    simple = literal_column(f"'{SIMPLE_CONFIG}'::regconfig")
    readings = [func.websearch_to_tsquery(_config(code), q, type_=TSQUERY)
                for code in [visitor] + [code for code in LANGUAGES if code != visitor]]
    readings.append(func.websearch_to_tsquery(simple, q, type_=TSQUERY))
    if is_plain(q):  # word prefixes too; the terms are letters and digits only, safe in to_tsquery
        readings.append(func.to_tsquery(simple, " & ".join(f"{term}:*" for term in terms), type_=TSQUERY))
    texts = db.session.execute(select(*(cast(reading, Text) for reading in readings))).one()
    return " | ".join(f"( {reading} )" for reading in dict.fromkeys(texts) if reading)


# ---- keeping the stored document up to date --------------------------------------------------------------

def _refresh(connection, target, changed_only):
    if changed_only:
        state = attributes.instance_state(target)
        if not any(state.attrs[name].history.has_changes() for name in DOCUMENT_FIELDS + ("language",)):
            return
    values = [getattr(target, name) for name in DOCUMENT_FIELDS]
    if connection.dialect.name == "postgresql":
        target.search_vector = postgresql_document(target.language, *values)
    else:
        target.search_vector = sqlite_document(target.language, *values)


@event.listens_for(Challenge, "before_insert")
def _document_on_insert(mapper, connection, target):
    if target.language is None:
        target.language = DEFAULT_LANGUAGE
    _refresh(connection, target, changed_only=False)


@event.listens_for(Challenge, "before_update")
def _document_on_update(mapper, connection, target):
    _refresh(connection, target, changed_only=True)
