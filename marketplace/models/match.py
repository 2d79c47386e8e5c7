"""Matching: the terms of each company profile, the companies matched to a challenge, and the word weights they
were matched by."""
from sqlalchemy import DDL, JSON, BigInteger, Column, Float, ForeignKey, Index, Integer, String, Table, UniqueConstraint
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

# An inverted index of company profiles: one row per (normalised term, company).
# The primary key leads with the term, so "who uses these words?" is an index scan;
# kept up to date by services/matching.py whenever a profile or showcase changes.
organisation_terms = Table(
    "organisation_terms",
    db.metadata,
    Column("term", String(40), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# How many companies use each term (the document frequencies of the TF-IDF weights), kept by the database
# itself: triggers on organisation_terms add a row (term, +n) for the rows a statement inserts and (term, -n)
# for those it deletes, whoever writes them (a profile save, COPY of a bulk load, a cascade). A term's count is
# the sum of its rows. Writers only ever add rows, so concurrent profile saves never wait for each other here;
# services/matching folds a term's rows into one now and then (see fold_term_counts). Counting the index
# entries instead reads a million of them for a challenge at 200,000 companies.
organisation_term_counts = Table(
    "organisation_term_counts",
    db.metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("term", String(40), nullable=False),
    Column("companies", Integer, nullable=False),
    Index("ix_organisation_term_counts_term_companies", "term", "companies"),
)

# The triggers, as migration 0027 creates them (and create_all in tests). PostgreSQL: once per statement, over
# its transition table (a COPY of five million rows adds one row per term); SQLite: once per row.
TERM_COUNT_TRIGGERS_POSTGRESQL = """
CREATE OR REPLACE FUNCTION organisation_terms_counted() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO organisation_term_counts (term, companies) SELECT term, count(*) FROM new_terms GROUP BY term;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    INSERT INTO organisation_term_counts (term, companies) SELECT term, -count(*) FROM old_terms GROUP BY term;
  END IF;
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM organisation_term_counts;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER organisation_terms_counted_insert AFTER INSERT ON organisation_terms
  REFERENCING NEW TABLE AS new_terms FOR EACH STATEMENT EXECUTE FUNCTION organisation_terms_counted();
CREATE TRIGGER organisation_terms_counted_delete AFTER DELETE ON organisation_terms
  REFERENCING OLD TABLE AS old_terms FOR EACH STATEMENT EXECUTE FUNCTION organisation_terms_counted();
CREATE TRIGGER organisation_terms_counted_update AFTER UPDATE ON organisation_terms
  REFERENCING OLD TABLE AS old_terms NEW TABLE AS new_terms
  FOR EACH STATEMENT EXECUTE FUNCTION organisation_terms_counted();
CREATE TRIGGER organisation_terms_counted_truncate AFTER TRUNCATE ON organisation_terms
  FOR EACH STATEMENT EXECUTE FUNCTION organisation_terms_counted();
"""
TERM_COUNT_TRIGGERS_SQLITE = (
    """CREATE TRIGGER organisation_terms_counted_insert AFTER INSERT ON organisation_terms BEGIN
  INSERT INTO organisation_term_counts (term, companies) VALUES (new.term, 1); END""",
    """CREATE TRIGGER organisation_terms_counted_delete AFTER DELETE ON organisation_terms BEGIN
  INSERT INTO organisation_term_counts (term, companies) VALUES (old.term, -1); END""",
    """CREATE TRIGGER organisation_terms_counted_update AFTER UPDATE OF term ON organisation_terms BEGIN
  INSERT INTO organisation_term_counts (term, companies) VALUES (old.term, -1), (new.term, 1); END""",
)
# With the index table (both databases look up the counts table when a trigger fires, not when it is made).
event.listen(organisation_terms, "after_create", DDL(TERM_COUNT_TRIGGERS_POSTGRESQL).execute_if(dialect="postgresql"))
for _trigger in TERM_COUNT_TRIGGERS_SQLITE:
    event.listen(organisation_terms, "after_create", DDL(_trigger).execute_if(dialect="sqlite"))


class Match(db.Model):
    """A company matched to a challenge when it was published, with its score and the reasons why."""

    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("challenge_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    # Structured reasons ({"code": "sector", "division": "72"} …), rendered in the reader's language.
    reasons = mapped_column(JSON, nullable=False, default=list)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    invited_at = mapped_column(UTCDateTime, nullable=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    challenge = relationship("Challenge")
    organisation = relationship("Organisation")


class ChallengeMatchWeights(db.Model):
    """The weights of a challenge's words when its companies were matched (one row per challenge, for the
    challenge's `version` then): a company's challenge page scores it by these, counting no companies."""

    __tablename__ = "challenge_match_weights"

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True)
    challenge_version: Mapped[int] = mapped_column(Integer)
    weights = mapped_column(JSON, nullable=False)  # {term: weight}
    computed_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
