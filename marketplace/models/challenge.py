"""Challenges: problems an agency publishes, with criteria, success measures and followers."""
from sqlalchemy import (DDL, JSON, Column, ForeignKey, Index, Integer, Numeric, String, Table, Text, UniqueConstraint,
                        event, func, select, text)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

CALL_FOR_SOLUTIONS = "call_for_solutions"
MARKET_CONSULTATION = "market_consultation"
CHALLENGE_KINDS = (CALL_FOR_SOLUTIONS, MARKET_CONSULTATION)

DRAFT = "draft"
PUBLISHED = "published"
CLOSED = "closed"
EVALUATING = "evaluating"
PILOTING = "piloting"
COMPLETED = "completed"
CANCELLED = "cancelled"
CHALLENGE_STATUSES = (DRAFT, PUBLISHED, CLOSED, EVALUATING, PILOTING, COMPLETED, CANCELLED)
PUBLIC_STATUSES = tuple(s for s in CHALLENGE_STATUSES if s != DRAFT)
OPEN_STATUSES = (DRAFT, PUBLISHED, CLOSED, EVALUATING, PILOTING)  # cancellable

challenge_sectors = Table(
    "challenge_sectors",
    db.metadata,
    Column("challenge_id", ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
    Column("cpv_division", String(2), primary_key=True),
)


# PostgreSQL's text-search configuration of each language, with accents removed before stemming (and a
# `simple` one that keeps every word as written). Migration 0011 creates them; so does create_all (tests).
TEXT_SEARCH_SETUP = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$
DECLARE
  lang text;
BEGIN
  FOREACH lang IN ARRAY ARRAY['english', 'french', 'dutch', 'german', 'simple'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'agora_' || lang) THEN
      EXECUTE 'CREATE TEXT SEARCH CONFIGURATION agora_' || lang || ' (COPY = pg_catalog.' || lang || ')';
      EXECUTE 'ALTER TEXT SEARCH CONFIGURATION agora_' || lang || ' ALTER MAPPING FOR hword, hword_part, word '
              'WITH unaccent, ' || CASE WHEN lang = 'simple' THEN 'simple' ELSE lang || '_stem' END;
    END IF;
  END LOOP;
END $$;
"""


BUDGET_SORT_INDEXES = (("ix_challenges_public_budget_high", "coalesce(budget_max, budget_min, 0) DESC"),
                       ("ix_challenges_public_budget_low", "coalesce(budget_min, budget_max, 0)"))
# The budget filters' expressions, over public challenges only (is_public's condition), so a list filtered by
# budget is counted from the index alone.
BUDGET_FILTER_INDEXES = (("ix_challenges_public_budget_upper", "coalesce(budget_max, budget_min)"),
                         ("ix_challenges_public_budget_lower", "coalesce(budget_min, budget_max)"))
PUBLIC_CONDITION = "published_at IS NOT NULL AND status <> 'draft'"
# "Deadline soonest" (services/challenges/challenges.py's SORTS): the challenges taking pitches first (the lifecycle's
# TAKING_PITCHES, written out here as in the sort's SQL; a test compares them), then by deadline. Laid out as
# PostgreSQL writes it back (pg_indexes), so that Alembic's comparison (tests/test_migrations.py) finds it unchanged.
DEADLINE_SORT_INDEX = ("ix_challenges_public_deadline", "(\nCASE\n    WHEN status = 'published' THEN 0\n    ELSE 1\nEND)")
# What each public sort index carries besides its keys (PostgreSQL's INCLUDE): the columns its expression and the
# public condition's `status` read, which an index-only scan must find in the index (migration 0039).
SORT_INDEX_INCLUDES = {"ix_challenges_public_newest": ["status"],
                       DEADLINE_SORT_INDEX[0]: ["status"],
                       "ix_challenges_public_budget_high": ["budget_max", "budget_min", "status"],
                       "ix_challenges_public_budget_low": ["budget_max", "budget_min", "status"]}
# What the kept catalogue of the public challenges reads of each (challenges.catalogue_reads), besides its id.
CATALOGUE_INCLUDES = ["status", "agency_id", "budget_min", "budget_max", "updated_at", "pitch_deadline",
                      "published_at"]
# Statistics on the budget filters' expressions (PostgreSQL): the planner ignores the statistics of a partial
# index's expressions, so without these a budget ceiling above every budget was estimated to keep a third of the
# challenges, and a search AND-ed the budget index (46,000 entries, 4–6 ms) into every count.
BUDGET_STATISTICS = (("st_challenges_budget_upper", "coalesce(budget_max, budget_min)"),
                     ("st_challenges_budget_lower", "coalesce(budget_min, budget_max)"))
CREATE_BUDGET_STATISTICS = "".join(f"CREATE STATISTICS IF NOT EXISTS {name} ON ({expression}) FROM challenges;"
                                   for name, expression in BUDGET_STATISTICS)


class Challenge(db.Model):
    __tablename__ = "challenges"
    __table_args__ = (
        # Full-text search of the public challenges (services/challenges/search.py), the only search there is: a
        # search reads its matches from this index alone, not AND-ed with another index for "public" (on SQLite a
        # plain index of the folded words).
        Index("ix_challenges_public_search", "search_vector", postgresql_using="gin",
              postgresql_where=text(PUBLIC_CONDITION), sqlite_where=text(PUBLIC_CONDITION)),
        # The public lists, the feed, the API and OCDS read the newest public challenges first (a backward scan
        # of this index, then LIMIT) and count them by status without touching the table (index-only).
        # Each sort index carries (INCLUDE, PostgreSQL) the columns its expression and the public condition read,
        # so a page deep in a list finds its ids in the index alone (paging._deep_page_items): an index-only scan.
        Index("ix_challenges_public_newest", "published_at", "id", postgresql_where=text("published_at IS NOT NULL"),
              sqlite_where=text("published_at IS NOT NULL"),
              postgresql_include=SORT_INDEX_INCLUDES["ix_challenges_public_newest"]),
        Index("ix_challenges_public_status", "status", "published_at", "id",
              postgresql_where=text("published_at IS NOT NULL"), sqlite_where=text("published_at IS NOT NULL")),
        # A list or search sorted by budget reads its first page in the order of these (the expressions of
        # services/challenges/challenges.py's SORTS, written alike) instead of sorting every public challenge.
        *(Index(name, text(expression), "id", postgresql_where=text("published_at IS NOT NULL"),
                sqlite_where=text("published_at IS NOT NULL"), postgresql_include=SORT_INDEX_INCLUDES[name])
          for name, expression in BUDGET_SORT_INDEXES),
        *(Index(name, text(expression), postgresql_where=text(PUBLIC_CONDITION), sqlite_where=text(PUBLIC_CONDITION))
          for name, expression in BUDGET_FILTER_INDEXES),
        Index(DEADLINE_SORT_INDEX[0], text(DEADLINE_SORT_INDEX[1]), "pitch_deadline", "id",
              postgresql_where=text("published_at IS NOT NULL"), sqlite_where=text("published_at IS NOT NULL"),
              postgresql_include=SORT_INDEX_INCLUDES[DEADLINE_SORT_INDEX[0]]),
        # What each process keeps of the public challenges to answer text searches (services/challenges/
        # catalogue.py) is read from this index alone (PostgreSQL): 46,000 entries, not the table's rows of text.
        Index("ix_challenges_public_catalogue", "id", postgresql_where=text("published_at IS NOT NULL"),
              sqlite_where=text("published_at IS NOT NULL"), postgresql_include=CATALOGUE_INCLUDES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32), default=CALL_FOR_SOLUTIONS)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT, index=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    summary: Mapped[str] = mapped_column(String(500), default="")
    problem_statement: Mapped[str] = mapped_column(Text, default="")  # Markdown (its HTML below)
    context: Mapped[str] = mapped_column(Text, default="")
    affected: Mapped[str] = mapped_column(Text, default="")  # who suffers from the problem
    desired_outcomes: Mapped[str] = mapped_column(Text, default="")
    constraints: Mapped[str] = mapped_column(Text, default="")  # constraints and out of scope
    # The sanitised HTML of each Markdown text, stored when the text is set (services/challenges/markdown.py).
    problem_statement_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    context_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    affected_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    desired_outcomes_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    constraints_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The language the challenge is written in (en, fr, nl, de): search stems its words in that language.
    language: Mapped[str] = mapped_column(String(2), default="en", server_default="en")
    # Its stored search document, kept by services/challenges/search.py on every save.
    search_vector = mapped_column(TSVECTOR().with_variant(Text(), "sqlite"), nullable=True, deferred=True)
    budget_min = mapped_column(Numeric(14, 2), nullable=True)
    budget_max = mapped_column(Numeric(14, 2), nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    pilot_duration_weeks: Mapped[int | None] = mapped_column(Integer)
    question_deadline = mapped_column(UTCDateTime, nullable=True)
    pitch_deadline = mapped_column(UTCDateTime, nullable=True, index=True)
    published_at = mapped_column(UTCDateTime, nullable=True)
    closed_at = mapped_column(UTCDateTime, nullable=True)
    cancelled_at = mapped_column(UTCDateTime, nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Four-eyes publishing: the author asks, someone else approves.
    approval_requested_at = mapped_column(UTCDateTime, nullable=True)
    approval_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A market consultation ends with a public summary of what the market offered.
    consultation_summary: Mapped[str | None] = mapped_column(Text)
    consultation_summary_html: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)
    # Optimistic locking: two editors at once cannot silently overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    __mapper_args__ = {"version_id_col": version}

    agency = relationship("Organisation", foreign_keys=[agency_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    approval_requested_by = relationship("User", foreign_keys=[approval_requested_by_id])
    criteria = relationship(
        "EvaluationCriterion", back_populates="challenge", cascade="all, delete-orphan",
        order_by="EvaluationCriterion.position",
    )
    success_measures = relationship(
        "SuccessMeasure", back_populates="challenge", cascade="all, delete-orphan",
        order_by="SuccessMeasure.position",
    )

    @property
    def is_market_consultation(self):
        return self.kind == MARKET_CONSULTATION

    @property
    def sectors(self):
        """The CPV divisions, read once per session until the session writes anything (see below)."""
        known = db.session.info.setdefault(_SECTORS_READ, {})
        if self.id not in known:
            rows = db.session.execute(
                challenge_sectors.select().where(challenge_sectors.c.challenge_id == self.id)
            ).all()
            known[self.id] = sorted(row.cpv_division for row in rows)
        return list(known[self.id])

    def __repr__(self):
        return f"<Challenge {self.slug} {self.status}>"


def sectors_column():
    """A column for a SELECT of challenges: each one's CPV divisions joined by commas (None: no sector)."""
    return (select(func.aggregate_strings(challenge_sectors.c.cpv_division, ","))
            .where(challenge_sectors.c.challenge_id == Challenge.id).correlate(Challenge).scalar_subquery())


def remember_sectors(session, challenge_id, joined):
    """Keep the sectors read by `sectors_column` as `Challenge.sectors` keeps what it reads itself."""
    session.info.setdefault(_SECTORS_READ, {})[challenge_id] = sorted(filter(None, (joined or "").split(",")))


# A page asks for a challenge's sectors several times (matching, the page, the similar challenges); they are
# kept in the session's info, and forgotten at any write statement, flush, commit or rollback of that session.
_SECTORS_READ = "agora.challenge_sectors_read"


@event.listens_for(Session, "do_orm_execute")
def _forget_sectors_on_write(state):
    if not state.is_select:
        state.session.info.pop(_SECTORS_READ, None)


@event.listens_for(Session, "after_flush")
def _forget_sectors_after_flush(session, flush_context):
    session.info.pop(_SECTORS_READ, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_sectors_at_transaction_end(session, transaction):
    session.info.pop(_SECTORS_READ, None)


event.listen(Challenge.__table__, "before_create", DDL(TEXT_SEARCH_SETUP).execute_if(dialect="postgresql"))


class EvaluationCriterion(db.Model):
    """A published criterion pitches are scored against; weights sum to 100."""

    __tablename__ = "evaluation_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(Integer)

    challenge = relationship("Challenge", back_populates="criteria")


class SuccessMeasure(db.Model):
    """What a pilot would be judged by: measure, baseline, target."""

    __tablename__ = "success_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    measure: Mapped[str] = mapped_column(String(300))
    baseline: Mapped[str] = mapped_column(String(300), default="")
    target: Mapped[str] = mapped_column(String(300), default="")

    challenge = relationship("Challenge", back_populates="success_measures")


class ChallengeNotice(db.Model):
    """A dated public notice of a correction or extension made after publishing (services/challenges/amendments.py).

    `changes` lists what changed: [{"field": "pitch_deadline", "before": "…", "after": "…"}, …], values as JSON
    (dates in ISO 8601, amounts as text, criteria as lists); `reason` is the publisher's public explanation.
    """

    __tablename__ = "challenge_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    changes = mapped_column(JSON, nullable=False, default=list)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    challenge = relationship("Challenge")


class Follow(db.Model):
    """A company following a challenge: it hears of answers and deadlines."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("organisation_id", "challenge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    followed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    organisation = relationship("Organisation")
    challenge = relationship("Challenge")


class Question(db.Model):
    """A clarification question; shown publicly without the asker's company."""

    __tablename__ = "questions"
    # A company's own questions, newest first, on its dashboard: without it every question of every company is read.
    __table_args__ = (Index("ix_questions_organisation_id_asked_at", "organisation_id", "asked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    # The language each text was written in (the writer's interface language then; None before it was recorded):
    # a page in another language marks it, so a screen reader reads it with the right voice.
    language: Mapped[str | None] = mapped_column(String(2))
    answer_language: Mapped[str | None] = mapped_column(String(2))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    asked_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    answered_at = mapped_column(UTCDateTime, nullable=True)

    challenge = relationship("Challenge")
event.listen(Challenge.__table__, "after_create", DDL(CREATE_BUDGET_STATISTICS).execute_if(dialect="postgresql"))
