"""Demo data for `flask seed-demo`: agencies, companies, challenges in every status, pitches, pilots.

The texts are in marketplace/demo_stories.py, each challenge in its own language. The rows are written directly
(fast), but every record is one the services could have made: dates in order (published < questions < deadline <
decided < piloted), deadlines in Brussels office hours on a weekday, receipts for submitted pitches, pilots only
from pitches selected by a final send and only with verified companies, documents and approvals where a pilot's
stage needs them. Deterministic (a fixed random seed), so screenshots and walkthroughs match.
Everyone signs in with DEMO_PASSWORD.
"""
import io
import random
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from .demo_stories import AGENCIES, AGENCY_ADDRESSES, CHALLENGES, COMPANIES, CRITERIA, NOT_SELECTED_FEEDBACK, \
    SCORE_COMMENTS, SELECTED_FEEDBACK
from .extensions import db
from .models import Challenge, ConflictDeclaration, EvaluationCriterion, Evaluation, Follow, MeasureOutcome, Membership, Organisation, Pilot, PilotStageChange, Pitch, PitchAssessment, Question, Score, Solution, SuccessMeasure, User, challenge_sectors, organisation_sectors
from .models.pilot import (ADOPTED, AGREEMENT, EVALUATION, EVALUATION_REPORT, EXTENDED, RUNNING, SIGNED_AGREEMENT,
                           STOPPED, PaymentMilestone, PilotDocument)
from .models.challenge import CANCELLED, CLOSED, COMPLETED, DRAFT, EVALUATING, PILOTING, PUBLISHED
from .models.pitch_session import IN_PERSON, PitchSessionSlot
from .models.pitch import PITCH_NOT_SELECTED, PITCH_SELECTED, RECEIPT_SUBMITTED
from .services.accounts.passwords import hash_password
from .services.challenges.slugs import slugify
from .services.clock import utcnow
from .services.challenges.lifecycle import kind_ranks_pitches, move_for, ranks_pitches
from .services.messaging.events import append_audit, record_change, snapshot
from .services.pilots.pilot_workflow import due_date_for, needs_second_approval
from .services.pitches import receipts, uploads
from .services.pitches.pitches import receipt_digest

DEMO_PASSWORD = "agora demo password"
BRUSSELS = ZoneInfo("Europe/Brussels")
ADMIN_EMAIL = "admin@agora.example"
AGENCY_ROLES = ("owner", "publisher", "procurement_officer", "evaluator")


def _set_sectors(table, column, owner_id, codes):
    for code in codes:
        db.session.execute(table.insert().values(**{column: owner_id, "cpv_division": code}))


def _user(email, name, organisation, role, password_hash, locale=None, admin=False):
    user = User(email=email, name=name, password_hash=password_hash, locale=locale, is_admin=admin,
                email_confirmed_at=utcnow())
    db.session.add(user)
    if organisation is not None:
        db.session.add(Membership(user=user, organisation=organisation, role=role))
    return user


def _company_slug(name):
    return slugify(name.replace("&", " and "))


def demo_logins():
    """The demo accounts still in the database, as (email, role, organisation), for `make run` to print each start."""
    wanted = [(ADMIN_EMAIL, "platform admin", "Agora")]
    for name, short, *_ in AGENCIES:
        wanted += [(f"{role.replace('_', '.')}@{short}.example.be", role, name) for role in AGENCY_ROLES]
    wanted += [(f"owner@{_company_slug(name)}.example.be", "company owner", name) for name, *_ in COMPANIES[:3]]
    present = set(db.session.scalars(select(User.email).where(User.email.in_([email for email, *_ in wanted]))))
    return [login for login in wanted if login[0] in present]


def office_hours(now, days, hour, minute=0):
    """`days` from today at `hour` in Brussels, moved to the next Monday if it falls on a weekend; in UTC."""
    day = now.astimezone(BRUSSELS).date() + timedelta(days=days)
    day += timedelta(days=max(0, 7 - day.weekday())) if day.weekday() >= 5 else timedelta()
    return datetime.combine(day, time(hour, minute), tzinfo=BRUSSELS).astimezone(timezone.utc)


def _enterprise_number(index):
    """A made-up Belgian enterprise number with a valid check number, as people write it ("0700.000.149")."""
    first = 7000000 + index
    digits = f"{first:08d}{97 - first % 97:02d}"
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def seed(if_empty=False):
    """Build the demo world; returns the list of (email, role, organisation) to print."""
    if if_empty and db.session.scalar(select(Organisation.id).limit(1)) is not None:
        return None
    world = _World(random.Random(2026), utcnow(), hash_password(DEMO_PASSWORD))
    world.people()
    for story in CHALLENGES:
        world.challenge(story)
    world.write_audit_rows()
    db.session.commit()
    return demo_logins()


class _World:
    """The demo world as it is built: who works where, and the clock the stories are told against."""

    def __init__(self, rng, now, password_hash):
        self.rng, self.now, self.password_hash = rng, now, password_hash
        self.agencies, self.companies = [], {}
        self.audit_rows = []  # (when it happened, write it): written in the order they happened, once all are told

    def audit(self, when, write, *args, **kwargs):
        """An audit row of an event of the story, dated when it happened (`occurred_at`), written later by
        `write_audit_rows`: the chain appends, so rows written in the order their events happened read as a story
        on the audit trail pages (both list by the order rows were written)."""
        self.audit_rows.append((when, len(self.audit_rows), lambda: write(*args, occurred_at=when, **kwargs)))

    def write_audit_rows(self):
        for _when, _order, write in sorted(self.audit_rows, key=lambda row: row[:2]):
            write()
        self.audit_rows = []

    def people(self):
        _user(ADMIN_EMAIL, "Agora Admin", None, None, self.password_hash, admin=True)
        for index, (name, short, language, _, _) in enumerate(AGENCIES):
            agency = Organisation(kind="agency", name=name, slug=short, verified=True,
                                  created_at=self.now - timedelta(days=700), verified_at=self.now - timedelta(days=690),
                                  four_eyes_publishing=index == 2, website=f"https://{short}.example.be")
            agency.street_address, agency.postal_code, agency.locality = AGENCY_ADDRESSES[short]
            agency.country = "BE"
            db.session.add(agency)
            people = {role: _user(f"{role.replace('_', '.')}@{short}.example.be",
                                  f"{role.replace('_', ' ').title()} {short.title()}", agency, role,
                                  self.password_hash, locale=language) for role in AGENCY_ROLES}
            people["second_evaluator"] = _user(f"evaluator2@{short}.example.be", f"Second Evaluator {short.title()}",
                                               agency, "evaluator", self.password_hash, locale=language)
            self.agencies.append((agency, people))
        for index, (name, size, sectors, capability, keywords, verified) in enumerate(COMPANIES):
            slug = _company_slug(name)
            company = Organisation(kind="company", name=name, slug=slug, verified=verified,
                                   created_at=self.now - timedelta(days=500 - 20 * index),
                                   verified_at=self.now - timedelta(days=400) if verified else None, size=size,
                                   capability_statement=capability, keywords=keywords,
                                   website=f"https://{slug}.example.be", registration_number=_enterprise_number(index))
            db.session.add(company)
            db.session.flush()
            _set_sectors(organisation_sectors, "organisation_id", company.id, sectors)
            owner = _user(f"owner@{slug}.example.be", f"Owner of {name}", company, "owner", self.password_hash,
                          locale=self.rng.choice(["en", "fr", "nl", "de"]))
            # A colleague reads the owner's language: with none saved, their notices and emails came in English.
            _user(f"team@{slug}.example.be", f"Team member of {name}", company, "member", self.password_hash,
                  locale=owner.locale)
            db.session.add(Solution(organisation=company, title=name, description=capability))
            self.companies[name] = (company, owner)
        db.session.flush()

    def challenge(self, story):
        agency, people = self.agencies[story["agency"]]
        _, _, _, context, constraints = AGENCIES[story["agency"]]
        status, days, language = story["status"], story["days"], story["language"]
        deadline = office_hours(self.now, days, story["hour"])
        published = None if status == "draft" else office_hours(self.now, min(days - 35, -10), 10)
        budget = story["budget"]
        challenge = Challenge(
            agency=agency, created_by_id=people["publisher"].id, kind=story["kind"], status=status,
            language=language, title=story["title"], slug=slugify(story["title"]), summary=story["summary"],
            problem_statement=story["problem"], context=context, affected=story["affected"],
            desired_outcomes=story["outcomes"], constraints=constraints,
            budget_min=Decimal(budget // 3 // 1000 * 1000) if budget else None,
            budget_max=Decimal(budget) if budget else None,
            pilot_duration_weeks=12 if kind_ranks_pitches(story["kind"]) else None, pitch_deadline=deadline,
            question_deadline=office_hours(self.now, days - 7, story["hour"]),
            published_at=published,
            created_at=published - timedelta(days=6) if published else office_hours(self.now, -6, 9),
            closed_at=deadline if deadline < self.now and status != "draft" else None,
        )
        if kind_ranks_pitches(story["kind"]):  # a market consultation has no criteria, measures or pilot duration
            challenge.criteria = [EvaluationCriterion(position=i, name=name, weight=weight) for i, (name, weight)
                                  in enumerate(zip(CRITERIA[language], (50, 30, 20)))]
            challenge.success_measures = [SuccessMeasure(position=i, measure=m, baseline=b, target=t)
                                          for i, (m, b, t) in enumerate(story["measures"])]
        if story.get("summary_text"):
            challenge.consultation_summary = story["summary_text"]
        if status == "cancelled":
            challenge.cancel_reason = story["cancel_reason"]
            challenge.cancelled_at = office_hours(self.now, days + 9, 11)
        db.session.add(challenge)
        db.session.flush()
        _set_sectors(challenge_sectors, "challenge_id", challenge.id, story["sectors"])
        self.audit(challenge.created_at, record_change, people["publisher"], "challenge.created", challenge,
                   challenge_id=challenge.id)
        if status == "draft":
            return
        self._moves(challenge, people, self._story(challenge, story, people))

    def _story(self, challenge, story, people):
        """Questions, pitches, followers, and how the evaluation and the pilots went; returns when the evaluation
        started and when the first pilot did, for the moves' audit rows (a story without them returns fewer)."""
        language = story["language"]
        moments = {}
        self._question(challenge, story, people)
        pitches = self._pitches(challenge, story)
        for company, owner in list(self.companies.values())[story["agency"]::5]:
            db.session.add(Follow(organisation_id=company.id, challenge_id=challenge.id, followed_by_id=owner.id,
                                  created_at=challenge.published_at + timedelta(days=3)))
        plot = story.get("story")
        if plot in (None, "cancelled"):
            return moments
        evaluation = self._scores(challenge, pitches, people, language)
        moments[EVALUATING] = evaluation.started_at
        if plot == "scoring":
            return moments
        selected = {"extended": 1, "two_awards": 2, "adopted": 1, "stopped": 1, "none_selected": 0}[plot]
        decided_at = self._decide(challenge, evaluation, pitches[:selected], pitches[selected:], people, story)
        for rank, pitch in enumerate(pitches[:selected]):
            stage = {"extended": EXTENDED, "adopted": ADOPTED, "stopped": STOPPED}.get(plot, AGREEMENT if rank else
                                                                                       RUNNING)
            pilot = self._pilot(challenge, pitch, people, decided_at, stage, story)
            moments.setdefault(PILOTING, pilot.created_at)
        return moments

    def _moves(self, challenge, people, moments):
        """The audit rows of the status moves that took the challenge where the story left it, as
        `lifecycle.move_challenge` writes them: who moved it, from which status to which, and when (its stamp).

        Audit rows only, no outbox events: the worker would otherwise announce months-old publications and
        cancellations to every matched company and follower. Each row is dated when its move happened (as a real
        move's row is): its stamp, the start of the evaluation or of the first pilot (`moments`). A completion is
        left out: the open data dates a completed challenge by its completion row, and without one by its last
        pilot's outcome (the story's date, not the moment the demo was loaded)."""
        path = [DRAFT, PUBLISHED]
        if challenge.closed_at is not None:
            path.append(CLOSED)
        if challenge.status in (EVALUATING, PILOTING) or (challenge.status == COMPLETED and ranks_pitches(challenge)):
            path.append(EVALUATING)
        if challenge.status in (PILOTING, COMPLETED) and path[-1] == EVALUATING:
            path.append(PILOTING)
        if challenge.status == CANCELLED:
            path.append(CANCELLED)
        actors = {PUBLISHED: people["publisher"], CLOSED: None, EVALUATING: people["procurement_officer"],
                  PILOTING: people["procurement_officer"], CANCELLED: people["publisher"]}
        for source, target in zip(path, path[1:]):
            move = move_for(source, target)
            after = {"status": target, **snapshot(challenge, *filter(None, [move.stamp]), *move.audited)}
            actor = actors[target]
            when = getattr(challenge, move.stamp) if move.stamp else moments[target]
            self.audit(when, append_audit, actor_id=actor.id if actor is not None else None, action=move.event,
                       object_type=challenge.__tablename__, object_id=challenge.id, challenge_id=challenge.id,
                       before={"status": source}, after=after)

    def _question(self, challenge, story, people):
        if not story["question"]:
            return
        body, answer = story["question"]
        company, owner = self.companies[story["pitches"][0][0]]
        asked_at = challenge.published_at + timedelta(days=2, hours=3)
        answered_at = asked_at + timedelta(days=1)
        answered = answered_at < self.now and answered_at < challenge.question_deadline
        db.session.add(Question(challenge_id=challenge.id, organisation_id=company.id, asked_by_id=owner.id,
                                body=body, answer=answer if answered else None,
                                answered_by_id=people["publisher"].id if answered else None, asked_at=asked_at,
                                answered_at=answered_at if answered else None))

    def _pitches(self, challenge, story):
        """The story's pitches, submitted before the deadline (the last of an open challenge still a draft)."""
        pitches = []
        last_moment = min(challenge.pitch_deadline, self.now)
        for rank, (name, title, summary, price) in enumerate(story["pitches"]):
            company, owner = self.companies[name]
            submitted = challenge.status != "published" or rank < len(story["pitches"]) - 1
            pitch = Pitch(challenge_id=challenge.id, company_id=company.id, created_by_id=owner.id,
                          status="submitted" if submitted else "draft", title=title, summary=summary,
                          approach=(_PLAN if ranks_pitches(challenge) else _OFFER)[challenge.language],
                          evidence=company.capability_statement,
                          trl=self.rng.randint(5, 9),
                          pilot_price=Decimal(price) if price else None,
                          pilot_duration_weeks=12 if ranks_pitches(challenge) else None,  # no pilot to a consultation
                          team=f"{company.name}: two engineers and a project lead.",
                          created_at=challenge.published_at + timedelta(days=4 + rank))
            db.session.add(pitch)
            db.session.flush()
            if submitted:
                pitch.submitted_at = pitch.updated_at = last_moment - timedelta(days=1, hours=2 * rank + 1,
                                                                                minutes=17 * rank)
                pitch.receipt_digest = receipt_digest(pitch)
                receipts.issue(owner, pitch, RECEIPT_SUBMITTED, pitch.submitted_at)
                pitches.append(pitch)
        return pitches

    def _scores(self, challenge, pitches, people, language):
        """The evaluation started the working day after the deadline; both evaluators declared and scored."""
        started = challenge.pitch_deadline + timedelta(days=1)
        evaluation = Evaluation(challenge_id=challenge.id, started_by_id=people["procurement_officer"].id,
                                started_at=started)
        db.session.add(evaluation)
        for index, pitch in enumerate(pitches):
            db.session.add(PitchAssessment(challenge_id=challenge.id, pitch_id=pitch.id, label=chr(65 + index)))
        db.session.flush()
        for evaluator in (people["evaluator"], people["second_evaluator"]):
            db.session.add(ConflictDeclaration(challenge_id=challenge.id, evaluator_id=evaluator.id,
                                               conflicted=False, declared_at=started + timedelta(hours=2)))
            for rank, pitch in enumerate(pitches):
                for criterion in challenge.criteria:
                    db.session.add(Score(challenge_id=challenge.id, pitch_id=pitch.id, criterion_id=criterion.id,
                                         evaluator_id=evaluator.id, score=max(1, 5 - rank - self.rng.randint(0, 1)),
                                         comment=self.rng.choice(SCORE_COMMENTS[language]),
                                         created_at=started + timedelta(days=3),
                                         updated_at=started + timedelta(days=3)))
        return evaluation

    def _decide(self, challenge, evaluation, selected, not_selected, people, story):
        """Finalised, decided with confirmed feedback and sent; returns when the final decisions were sent.

        One round, or with a `session_address` two: the not selected told with the shortlist, the shortlisted companies
        meeting the agency at a pitch session, then selected in the final send.
        """
        officer = people["procurement_officer"]
        deadline, language = challenge.pitch_deadline, challenge.language
        evaluation.finalised_at, evaluation.finalised_by_id = deadline + timedelta(days=10), officer.id
        decided_at = first_send = deadline + timedelta(days=12)
        if story.get("session_address"):
            first_send = evaluation.shortlist_sent_at = deadline + timedelta(days=10, hours=4)
            for rank, pitch in enumerate(selected):
                starts = office_hours(first_send, 1, 10 + rank)
                decided_at = max(decided_at, starts + timedelta(days=1))
                db.session.add(PitchSessionSlot(
                    challenge_id=challenge.id, starts_at=starts, ends_at=starts + timedelta(minutes=45),
                    mode=IN_PERSON, address=story["session_address"], offered_by_id=officer.id,
                    created_at=first_send, pitch_id=pitch.id, booked_at=first_send + timedelta(hours=3)))
        evaluation.decisions_published_at = decided_at
        for pitch in selected + not_selected:
            decision = PITCH_SELECTED if pitch in selected else PITCH_NOT_SELECTED
            feedback = SELECTED_FEEDBACK[language] if decision == PITCH_SELECTED else \
                story.get("feedback", NOT_SELECTED_FEEDBACK[language])
            sent = decided_at if decision == PITCH_SELECTED else first_send
            assessment = db.session.scalar(select(PitchAssessment).where(PitchAssessment.pitch_id == pitch.id))
            pitch.status = assessment.decision = assessment.published_decision = decision
            assessment.feedback = feedback
            assessment.decided_at = assessment.feedback_confirmed_at = sent - timedelta(hours=2)
            assessment.decided_by_id = assessment.feedback_confirmed_by_id = officer.id
            assessment.published_at = sent
        return decided_at

    def _document(self, pilot, kind, filename, text, by, at):
        stored = uploads.store_upload(io.BytesIO(text.encode("utf-8")), filename)
        db.session.add(PilotDocument(pilot_id=pilot.id, kind=kind, filename=stored.filename,
                                     stored_name=stored.stored_name, content_type=stored.content_type,
                                     size=stored.size, sha256=stored.sha256, uploaded_by_id=by, uploaded_at=at))

    def _pilot(self, challenge, pitch, people, decided_at, stage, story):
        """A pilot started after the decisions and taken, step by step, to `stage`; returns it."""
        officer, owner = people["procurement_officer"].id, people["owner"].id
        company_owner = self.companies[pitch.company.name][1]
        created = decided_at + timedelta(days=2)
        running_from = decided_at + timedelta(days=9)
        weeks = 12
        ends_on = (running_from + timedelta(weeks=weeks)).date()
        pilot = Pilot(challenge_id=challenge.id, pitch_id=pitch.id, agency_id=challenge.agency_id,
                      company_id=pitch.company_id, owner_id=officer, started_by_id=officer, budget=pitch.pilot_price,
                      currency="EUR", created_at=created, starts_on=running_from.date(), ends_on=ends_on,
                      stage=AGREEMENT, stage_entered_at=created)
        pilot.stage_due_on = due_date_for(pilot, AGREEMENT, created)
        if needs_second_approval(pilot):
            pilot.budget_justification = _JUSTIFICATION[challenge.language]
            pilot.budget_approved_by_id, pilot.budget_approved_at = owner, created + timedelta(days=1)
        pilot.milestones = [
            PaymentMilestone(position=0, label=_MILESTONES[challenge.language][0], planned_on=running_from.date(),
                             planned_amount=(pilot.budget * Decimal("0.4")).quantize(Decimal("1"))),
            PaymentMilestone(position=1, label=_MILESTONES[challenge.language][1], planned_on=ends_on,
                             planned_amount=pilot.budget - (pilot.budget * Decimal("0.4")).quantize(Decimal("1"))),
        ]
        db.session.add(pilot)
        db.session.flush()
        if stage == AGREEMENT:
            return pilot
        self._document(pilot, SIGNED_AGREEMENT, "pilot-agreement.txt",
                       f"Pilot agreement between {challenge.agency.name} and {pitch.company.name}: "
                       f"{challenge.title}.\nSigned by both parties.\n", company_owner.id,
                       running_from - timedelta(days=1))
        self._move(pilot, AGREEMENT, RUNNING, officer, running_from, note="Agreement signed.")
        self._pay(pilot, 0, running_from + timedelta(days=20))
        if stage == RUNNING:
            return pilot
        evaluation_from = datetime.combine(ends_on, time(7), tzinfo=timezone.utc)
        self._move(pilot, RUNNING, EVALUATION, None, evaluation_from)
        self._document(pilot, EVALUATION_REPORT, "evaluation-report.txt",
                       f"Evaluation report of the pilot {challenge.title}.\n", officer,
                       evaluation_from + timedelta(days=5))
        judged_at = evaluation_from + timedelta(days=10)
        if stage == EXTENDED:
            pilot.ends_on = (self.now + timedelta(days=45)).date()
            self._move(pilot, EVALUATION, EXTENDED, officer, judged_at,
                       note=_EXTENSION_NOTE[challenge.language])
            return pilot
        stopped = stage == STOPPED
        for measure in challenge.success_measures:
            db.session.add(MeasureOutcome(pilot_id=pilot.id, success_measure_id=measure.id,
                                          result="not_met" if stopped else "met",
                                          evidence=_MEASURED[challenge.language]))
        pilot.outcome_summary, pilot.lessons_learned = story["outcome"]
        if not stopped:
            pilot.follow_on_procurement_url = "https://www.publicprocurement.be/"
            self._pay(pilot, 1, judged_at.date() - timedelta(days=3))
        self._move(pilot, EVALUATION, stage, officer, judged_at)
        pilot.outcome_published_at = judged_at
        return pilot

    def _move(self, pilot, source, target, actor_id, at, note=""):
        pilot.stage, pilot.stage_entered_at = target, at
        pilot.stage_due_on = due_date_for(pilot, target, at)
        db.session.add(PilotStageChange(pilot_id=pilot.id, from_stage=source, to_stage=target, actor_id=actor_id,
                                        note=note, changed_at=at))

    def _pay(self, pilot, position, on):
        milestone = pilot.milestones[position]
        if hasattr(on, "date"):
            on = on.date()
        if on <= self.now.date():
            milestone.paid_amount, milestone.paid_on = milestone.planned_amount, on


_PLAN = {"en": "1. Install and train staff in the first two weeks\n2. Eight weeks of measurement against the "
              "success measures\n3. A report with the results, and a handover",
         "fr": "1. Installation et formation du personnel les deux premières semaines\n2. Huit semaines de mesures "
               "selon les critères de réussite\n3. Un rapport de résultats et la remise du service",
         "nl": "1. Installatie en opleiding van het personeel in de eerste twee weken\n2. Acht weken meten tegen de "
               "succescriteria\n3. Een rapport met de resultaten en de overdracht"}
# An answer to a market consultation says what the company offers, not how it would run a pilot: none follows.
_OFFER = {"en": "1. What we offer today, and where it already works\n2. What it would take to fit your situation\n"
                "3. An indicative cost and the usual lead times",
          "fr": "1. Ce que nous proposons aujourd’hui, et où cela fonctionne déjà\n2. Ce qu’il faudrait pour l’adapter "
                "à votre situation\n3. Un coût indicatif et les délais habituels",
          "nl": "1. Wat we vandaag aanbieden, en waar het al werkt\n2. Wat nodig is om het aan uw situatie aan te "
                "passen\n3. Indicatieve kosten en de gebruikelijke doorlooptijden"}
_JUSTIFICATION = {"en": "Above the low-value threshold: the price of the selected pitch.",
                  "fr": "Au-dessus du seuil des marchés de faible montant : le prix de la proposition retenue.",
                  "nl": "Boven de drempel voor opdrachten van beperkte waarde: de prijs van het gekozen voorstel."}
_MILESTONES = {"en": ("At the start of the pilot", "On the evaluation report"),
               "fr": ("Au démarrage du pilote", "À la remise du rapport d'évaluation"),
               "nl": ("Bij de start van de pilot", "Bij het evaluatierapport")}
_EXTENSION_NOTE = {"en": "Extended by six weeks: the winter peak has not been measured yet.",
                   "fr": "Prolongé de six semaines : le pic de l'hiver n'a pas encore été mesuré.",
                   "nl": "Verlengd met zes weken: de winterpiek is nog niet gemeten."}
_MEASURED = {"en": "Measured over the twelve weeks of the pilot.",
             "fr": "Mesuré pendant les douze semaines du pilote.",
             "nl": "Gemeten gedurende de twaalf weken van de pilot."}
