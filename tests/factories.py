"""factory-boy factories for test data; each commits, so other processes see it too."""
from datetime import timedelta
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory

from marketplace.extensions import db
from marketplace.models import (
    Challenge, EvaluationCriterion, Membership, Organisation, Pitch, SuccessMeasure, User, challenge_sectors,
    organisation_sectors,
)
from marketplace.services.clock import utcnow
from marketplace.services.accounts.passwords import hash_password

PASSWORD = "correct horse battery"


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class Organisation_(_Base):
    class Meta:
        model = Organisation

    kind = "company"
    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    verified = True


class Agency(Organisation_):
    kind = "agency"
    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")


class Company(Organisation_):
    kind = "company"
    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")
    size = "small"
    capability_statement = "We build software for public services."
    keywords = "software, data"


class UserF(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    password_hash = factory.LazyFunction(lambda: hash_password(PASSWORD))
    email_confirmed_at = factory.LazyFunction(utcnow)


# Roles that must use two-factor sign-in get a known secret, as if they had enrolled.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def member(organisation, role="owner", **user_fields):
    """A user who belongs to `organisation` with `role`."""
    if role == "procurement_officer":
        user_fields.setdefault("totp_secret", TOTP_SECRET)
    user = UserF(**user_fields)
    db.session.add(Membership(user=user, organisation=organisation, role=role))
    db.session.commit()
    return user


def admin(**user_fields):
    user_fields.setdefault("totp_secret", TOTP_SECRET)
    return UserF(is_admin=True, **user_fields)


def set_sectors(obj, codes):
    table, column = (
        (challenge_sectors, "challenge_id") if obj.__tablename__ == "challenges"
        else (organisation_sectors, "organisation_id")
    )
    db.session.execute(table.delete().where(getattr(table.c, column) == obj.id))
    for code in codes:
        db.session.execute(table.insert().values(**{column: obj.id, "cpv_division": code}))
    db.session.commit()


class ChallengeF(_Base):
    class Meta:
        model = Challenge
        # Committed once with its criteria, as the services publish it: one stored OCDS release, not two.
        sqlalchemy_session_persistence = "flush"

    agency = factory.SubFactory(Agency)
    title = factory.Sequence(lambda n: f"Fewer missed hospital appointments {n}")
    slug = factory.Sequence(lambda n: f"challenge-{n}")
    summary = "Patients miss appointments; we want fewer empty slots."
    problem_statement = "About **12 %** of appointments are missed."
    context = "Regional hospital network."
    affected = "Patients and clinic staff."
    desired_outcomes = "Half as many missed appointments."
    constraints = "No new app for patients to install."
    budget_min = Decimal("10000")
    budget_max = Decimal("30000")
    pilot_duration_weeks = 12
    status = "published"
    question_deadline = factory.LazyFunction(lambda: utcnow() + timedelta(days=14))
    pitch_deadline = factory.LazyFunction(lambda: utcnow() + timedelta(days=30))
    published_at = factory.LazyFunction(utcnow)

    @factory.post_generation
    def with_criteria(obj, create, extracted, **kwargs):
        if extracted is not False:
            obj.criteria = [
                EvaluationCriterion(position=0, name="Fit to the problem", weight=60),
                EvaluationCriterion(position=1, name="Price", weight=40),
            ]
            obj.success_measures = [
                SuccessMeasure(position=0, measure="Missed appointments", baseline="12 %", target="6 %"),
            ]
        if create:
            db.session.commit()


class PitchF(_Base):
    class Meta:
        model = Pitch

    challenge = factory.SubFactory(ChallengeF)
    company = factory.SubFactory(Company)
    title = "Text reminders that patients can answer"
    summary = "Two-way SMS reminders."
    approach = "We send a reminder three days ahead."
    evidence = "Used in two hospitals."
    trl = 7
    pilot_price = Decimal("25000")
    pilot_duration_weeks = 10
    team = "Three people."
    status = "draft"


# Short names the tests use: f.Agency(), f.Company(), f.User(), f.Challenge(), f.Pitch().
User_ = UserF
User = UserF
Challenge_ = ChallengeF
Challenge = ChallengeF
Pitch_ = PitchF
Pitch = PitchF
