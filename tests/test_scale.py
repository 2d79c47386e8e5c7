"""`flask seed-scale` builds a consistent data set in bulk: every status, four languages, searchable."""
import re

from sqlalchemy import func, select, text
from werkzeug.datastructures import MultiDict

from marketplace.extensions import db
from marketplace.models import (Challenge, Notification, OcdsRelease, Organisation, PaymentMilestone, Pilot, Pitch,
                                Question)
from marketplace.models.challenge import CHALLENGE_STATUSES, EvaluationCriterion, SuccessMeasure
from marketplace.models.match import organisation_term_counts, organisation_terms
from marketplace.services.challenges import challenges
from marketplace.services.challenges.challenges import ChallengeFilters
from marketplace.services.clock import utcnow
from marketplace.services.matching.matching import companies_using, match_challenge


def test_seed_scale_builds_every_status_in_four_languages_with_its_related_rows(runner):
    result = runner.invoke(args=["seed-scale", "--challenges", "60", "--companies", "50"])
    assert result.exit_code == 0, result.output
    count = lambda what, *where: db.session.scalar(select(func.count()).select_from(what).where(*where))  # noqa: E731
    assert count(Challenge) == 60 and count(Organisation, Organisation.kind == "company") == 50
    statuses = dict(db.session.execute(select(Challenge.status, func.count()).group_by(Challenge.status)).all())
    assert set(statuses) == set(CHALLENGE_STATUSES)
    languages = dict(db.session.execute(select(Challenge.language, func.count()).group_by(Challenge.language)).all())
    assert languages == {"en": 15, "fr": 15, "nl": 15, "de": 15}
    assert count(Pitch, Pitch.status == "selected") == count(Pilot) > 0
    assert count(PaymentMilestone) == 2 * count(Pilot)
    assert count(Question) > 0 and count(Notification) > 0 and count(organisation_terms) > 50
    assert count(Pitch, Pitch.challenge_id.in_(select(Challenge.id).where(Challenge.status == "draft"))) == 0
    # A market consultation ranks nothing and leads to no pilot: no duration, criteria or measures, in its answers too.
    consultations = select(Challenge.id).where(Challenge.kind == "market_consultation")
    assert count(Challenge, Challenge.id.in_(consultations)) > 0
    assert count(Challenge, Challenge.id.in_(consultations), Challenge.pilot_duration_weeks.is_not(None)) == 0
    assert count(Pitch, Pitch.challenge_id.in_(consultations), Pitch.pilot_duration_weeks.is_not(None)) == 0
    assert count(EvaluationCriterion, EvaluationCriterion.challenge_id.in_(consultations)) == 0
    assert count(SuccessMeasure, SuccessMeasure.challenge_id.in_(consultations)) == 0
    # Nothing happened in the future: a challenge past its deadline has passed it, and so has every release.
    assert count(Challenge, Challenge.closed_at > utcnow()) == 0
    assert count(OcdsRelease, OcdsRelease.date > utcnow()) == 0
    # The stored search documents and the matching index work as if each row had been saved by the application.
    found = challenges.search_challenges(ChallengeFilters.from_args(MultiDict({"q": "fuite"})), per_page=100)
    assert found.total > 0 and {c.language for c in found.items} == {"fr"}
    published = db.session.scalars(select(Challenge).where(Challenge.status == "published")).first()
    assert match_challenge(published, minimum=0)
    # Each challenge names a district, most of them rare words: the one this challenge names finds it.
    district = re.search(r"\b[A-Z][a-z]{7}n\b", published.problem_statement.split("\n\n")[-1]).group(0)
    named = challenges.search_challenges(ChallengeFilters.from_args(MultiDict({"q": district, "sort": "deadline"})))
    assert published in named.items and all(district in c.problem_statement for c in named.items)
    counted = dict(db.session.execute(
        select(organisation_terms.c.term, func.count()).group_by(organisation_terms.c.term)).all())
    assert companies_using(counted) == counted  # the term counts were kept as the index was loaded, one row a term
    assert count(organisation_term_counts) == len(counted)
    if db.engine.dialect.name == "postgresql":  # vacuumed by the command: the word index can answer alone
        # Asked of the statistics, not of the visibility map: on a busy machine an ANALYZE by autovacuum can hold a
        # snapshot older than the load while the command's VACUUM runs, and then no page may be marked visible yet.
        db.session.execute(text("SELECT pg_stat_clear_snapshot()"))
        assert db.session.scalar(text("SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL "
                                      "FROM pg_stat_user_tables WHERE relname = 'organisation_terms'"))
    # The sequences were moved past the ids given in bulk: the application can add rows.
    assert runner.invoke(args=["seed-scale", "--challenges", "4", "--companies", "2"]).exit_code == 0
    assert count(Challenge) == 64
