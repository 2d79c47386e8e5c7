"""Demo data for `flask seed-demo`: agencies, companies, challenges in every status, pitches, a pilot.

Deterministic (a fixed random seed), so screenshots and walkthroughs match.
Everyone signs in with DEMO_PASSWORD.
"""
import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from .extensions import db
from .models import Challenge, ConflictDeclaration, EvaluationCriterion, Evaluation, Follow, MeasureOutcome, Membership, Organisation, Pilot, PilotStageChange, Pitch, PitchAssessment, Question, Score, Solution, SuccessMeasure, User, challenge_sectors, organisation_sectors
from .models.pitch import RECEIPT_SUBMITTED
from .services.clock import utcnow
from .services.messaging.events import record_change
from .services.accounts.passwords import hash_password
from .services.pitches import receipts
from .services.pitches.pitches import receipt_digest

DEMO_PASSWORD = "agora demo password"

AGENCIES = [
    ("Flemish Water Board", "water", "publisher"),
    ("City of Liège", "liege", "publisher"),
    ("Federal Health Service", "health", "publisher"),
]

COMPANIES = [
    ("LeakSense", "small", ["38", "65"], "Acoustic sensors that find leaks in water pipes before they burst.",
     "water, leaks, sensors, pipes"),
    ("AquaData", "micro", ["72", "65"], "Data platforms for water utilities: meters, dashboards, alerts.",
     "water, data, dashboards"),
    ("Careflow", "small", ["72", "85"], "Appointment reminders patients can answer by text message.",
     "health, appointments, sms, reminders"),
    ("MediRoute", "medium", ["85", "60"], "Patient transport planning for hospitals and care homes.",
     "health, transport, planning"),
    ("Quiet Mobility", "small", ["34", "60"], "Electric buses and quiet night-time public transport.",
     "buses, noise, electric, transport"),
    ("StreetSense", "micro", ["38", "45"], "Road surface scanning from city vehicles to find potholes early.",
     "roads, potholes, sensors"),
    ("GreenGrit", "small", ["44", "90"], "Route optimisation for winter road gritting that saves salt.",
     "winter, roads, salt, routes"),
    ("CleanAir Labs", "micro", ["38", "90"], "CO2 and air quality monitors for classrooms and offices.",
     "air, co2, schools, sensors"),
    ("Civic Forms", "micro", ["72"], "Accessible online forms that citizens finish.", "forms, accessibility, citizens"),
    ("OpenLedger", "small", ["72", "79"], "Open data publishing for public bodies.", "open data, transparency"),
    ("Lumen Lighting", "medium", ["31", "45"], "Smart street lighting that dims when streets are empty.",
     "lighting, energy, streets"),
    ("WasteWise", "small", ["90"], "Sensors in bins so trucks only empty full ones.", "waste, bins, routes"),
    ("Translatio", "micro", ["79"], "Human and machine translation for public services in four languages.",
     "translation, languages"),
    ("SafeSteps", "small", ["85", "33"], "Fall detection for older people living at home.", "falls, elderly, care"),
    ("BuildScan", "medium", ["71", "45"], "Drone inspection of bridges and public buildings.",
     "drones, inspection, bridges"),
    ("QueueLess", "micro", ["72", "79"], "Appointment booking for town hall counters.",
     "appointments, booking, citizens"),
    ("AgriSense", "small", ["03", "38"], "Soil moisture sensors for parks and farms.", "soil, irrigation, parks"),
    ("Heatmap BV", "small", ["71", "09"], "Heat loss mapping of public buildings from thermal images.",
     "energy, buildings, heat"),
    ("DataDesk", "large", ["72"], "Data warehousing and analytics for government.", "data, analytics"),
    ("Bike&Co", "micro", ["34", "50"], "Shared bikes maintenance and fleet management.", "bikes, mobility"),
]

# (agency index, title, status, kind, sectors, budget_max, days to deadline)
CHALLENGES = [
    (0, "Find leaking water pipes before they burst", "published", "call_for_solutions", ["65", "38"], 60000, 25),
    (0, "Fewer wasted hours reading water meters", "published", "call_for_solutions", ["65", "72"], 25000, 1),
    (0, "What can the market offer for flood warnings?", "published", "market_consultation", ["90", "72"],
     None, 40),
    (0, "Cleaner water in city ponds", "draft", "call_for_solutions", ["90"], 20000, 45),
    (1, "Quieter night buses", "closed", "call_for_solutions", ["34", "60"], 90000, -3),
    (1, "Potholes reported before residents complain", "evaluating", "call_for_solutions", ["45", "38"], 30000, -20),
    (1, "Salt-saving winter gritting", "piloting", "call_for_solutions", ["44", "90"], 28000, -90),
    (1, "Street lights only when needed", "completed", "call_for_solutions", ["31", "45"], 40000, -200),
    (1, "Town hall queues", "cancelled", "call_for_solutions", ["72", "79"], 15000, 10),
    (2, "Fewer missed hospital appointments", "published", "call_for_solutions", ["85", "72"], 30000, 12),
    (2, "Fall detection for people living alone", "completed", "call_for_solutions", ["85", "33"], 30000, -240),
    (2, "Understanding the market for patient transport", "completed", "market_consultation", ["85", "60"],
     None, -60),
    (2, "Translating health letters into plain language", "draft", "call_for_solutions", ["79", "85"], 12000, 30),
]


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


ADMIN_EMAIL = "admin@agora.example"
AGENCY_ROLES = ("owner", "publisher", "procurement_officer", "evaluator")


def _company_slug(name):
    return name.lower().replace("&", "and").replace(" ", "-")


def demo_logins():
    """The demo accounts still in the database, as (email, role, organisation), for `make run` to print each start."""
    wanted = [(ADMIN_EMAIL, "platform admin", "Agora")]
    for name, short, _ in AGENCIES:
        wanted += [(f"{role.replace('_', '.')}@{short}.example.be", role, name) for role in AGENCY_ROLES]
    wanted += [(f"owner@{_company_slug(name)}.example.be", "company owner", name) for name, *_ in COMPANIES[:3]]
    present = set(db.session.scalars(select(User.email).where(User.email.in_([email for email, *_ in wanted]))))
    return [login for login in wanted if login[0] in present]


def _enterprise_number(index):
    """A made-up Belgian enterprise number with a valid check number, as people write it ("0700.000.149")."""
    first = 7000000 + index
    digits = f"{first:08d}{97 - first % 97:02d}"
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def seed(if_empty=False):
    """Build the demo world; returns the list of (email, role, organisation) to print."""
    if if_empty and db.session.scalar(select(Organisation.id).limit(1)) is not None:
        return None
    rng = random.Random(2026)
    now = utcnow()
    password_hash = hash_password(DEMO_PASSWORD)
    admin = _user(ADMIN_EMAIL, "Agora Admin", None, None, password_hash, admin=True)

    agencies = []
    for index, (name, short, _) in enumerate(AGENCIES):
        agency = Organisation(kind="agency", name=name, slug=short, verified=True, verified_at=now,
                              four_eyes_publishing=index == 2, website=f"https://{short}.example.be")
        db.session.add(agency)
        people = {}
        for role in ("owner", "publisher", "procurement_officer", "evaluator"):
            email = f"{role.replace('_', '.')}@{short}.example.be"
            people[role] = _user(email, f"{role.replace('_', ' ').title()} {name.split()[-1]}", agency, role,
                                 password_hash, locale=["en", "fr", "nl"][index])
        people["second_evaluator"] = _user(f"evaluator2@{short}.example.be", f"Second Evaluator {name.split()[-1]}",
                                           agency, "evaluator", password_hash)
        agencies.append((agency, people))

    companies = []
    for index, (name, size, sectors, capability, keywords) in enumerate(COMPANIES):
        slug = _company_slug(name)
        company = Organisation(kind="company", name=name, slug=slug, verified=index % 7 != 6, size=size,
                               capability_statement=capability, keywords=keywords,
                               website=f"https://{slug}.example.be", registration_number=_enterprise_number(index))
        db.session.add(company)
        db.session.flush()
        _set_sectors(organisation_sectors, "organisation_id", company.id, sectors)
        owner = _user(f"owner@{slug}.example.be", f"Owner of {name}", company, "owner", password_hash,
                      locale=rng.choice(["en", "fr", "nl", "de"]))
        member = _user(f"team@{slug}.example.be", f"Team member of {name}", company, "member", password_hash)
        db.session.add(Solution(organisation=company, title=f"{name} for public services", description=capability))
        companies.append((company, owner, member))
    db.session.flush()

    for agency_index, title, status, kind, sectors, budget_max, days in CHALLENGES:
        agency, people = agencies[agency_index]
        deadline = now + timedelta(days=days, hours=rng.randint(0, 8))
        challenge = Challenge(
            agency=agency, created_by_id=people["publisher"].id, kind=kind, status=status, title=title,
            slug=title.lower().replace(" ", "-").replace("?", "").replace(",", "")[:80],
            summary=f"{title}: {agency.name} describes the problem and asks companies how they would solve it.",
            problem_statement=f"## The problem\n\n{title} is a daily problem for the people {agency.name} serves. "
                              "We measure it, but every fix we tried was slow or expensive.\n\n"
                              "* It affects thousands of residents\n* Staff lose hours every week",
            context=f"{agency.name} is a Belgian public body.", affected="Residents and front-line staff.",
            desired_outcomes="A measurable improvement within a short pilot.",
            constraints="No personal data leaves the EU. No new app for residents to install.",
            budget_min=Decimal(budget_max // 3) if budget_max else None,
            budget_max=Decimal(budget_max) if budget_max else None,
            pilot_duration_weeks=rng.choice([8, 12, 16]), pitch_deadline=deadline,
            question_deadline=deadline - timedelta(days=10),
            published_at=None if status == "draft" else now - timedelta(days=max(10, 30 - days)),
            closed_at=deadline if status in ("closed", "evaluating", "piloting", "completed") else None,
        )
        if status == "cancelled":
            challenge.cancel_reason = "The counters are being merged into a new service centre; we will ask again."
            challenge.cancelled_at = now - timedelta(days=1)
        if kind == "call_for_solutions":
            challenge.criteria = [
                EvaluationCriterion(position=0, name="How well it solves the problem", weight=50),
                EvaluationCriterion(position=1, name="Evidence it works", weight=30),
                EvaluationCriterion(position=2, name="Price of the pilot", weight=20),
            ]
            challenge.success_measures = [
                SuccessMeasure(position=0, measure="Incidents per month", baseline="120", target="60"),
                SuccessMeasure(position=1, measure="Staff hours per week", baseline="40", target="25"),
            ]
        if status == "completed" and kind == "market_consultation":
            challenge.consultation_summary = ("Nine companies answered. Four offer ready products, three are "
                                              "prototypes; pilot prices range from €10,000 to €40,000.")
        db.session.add(challenge)
        db.session.flush()
        _set_sectors(challenge_sectors, "challenge_id", challenge.id, sectors)
        record_change(people["publisher"], "challenge.created", challenge, challenge_id=challenge.id)
        if status == "draft":
            continue

        matching = [c for c in companies if set(sectors) & set(COMPANIES[companies.index(c)][2])] or companies[:3]
        pitching = matching[:4]
        for company, owner, member in companies[::4]:
            db.session.add(Follow(organisation_id=company.id, challenge_id=challenge.id, followed_by_id=owner.id))
        # One story per challenge, in order: published, asked and answered, deadline, evaluation, pilot.
        asked_at = challenge.published_at + timedelta(days=1)
        answered = status != "published" or days > 5
        db.session.add(Question(challenge_id=challenge.id, organisation_id=pitching[0][0].id,
                                asked_by_id=pitching[0][1].id, body="Can the pilot start in spring?",
                                answer="Yes, any time from March." if answered else None,
                                answered_by_id=people["publisher"].id if answered else None, asked_at=asked_at,
                                answered_at=asked_at + timedelta(days=1) if answered else None))
        pitches = []
        for rank, (company, owner, member) in enumerate(pitching):
            submitted = status != "published" or rank % 2 == 0
            pitch = Pitch(challenge_id=challenge.id, company_id=company.id, created_by_id=owner.id,
                          status="submitted" if submitted else "draft",
                          title=f"{company.name}: {COMPANIES[companies.index((company, owner, member))][3][:80]}",
                          summary=f"{company.name} proposes a short pilot.",
                          approach="1. Install\n2. Measure\n3. Report",
                          evidence="Used by two other Belgian public bodies.", trl=rng.randint(5, 9),
                          pilot_price=Decimal(rng.randrange(8000, 30000, 500)), pilot_duration_weeks=12,
                          team="Three people, one of them on site.")
            db.session.add(pitch)
            db.session.flush()
            if submitted:
                pitch.submitted_at = min(deadline, now) - timedelta(days=2, minutes=rank * 7)
                pitch.receipt_digest = receipt_digest(pitch)
                receipts.issue(owner, pitch, RECEIPT_SUBMITTED, pitch.submitted_at)
            pitches.append(pitch)
        if kind == "market_consultation" or status in ("published", "closed", "cancelled"):
            continue
        decided_at = _evaluate(challenge, pitches, people, rng, deadline,
                               decided=status in ("piloting", "completed"))
        if status in ("piloting", "completed"):
            _pilot(challenge, pitches[0], people, decided_at, outcome=status == "completed",
                   stopped=title.startswith("Fall"))
    db.session.commit()
    return demo_logins()


def _evaluate(challenge, pitches, people, rng, deadline, decided):
    """Scores from two evaluators; with `decided`, the decisions too. Returns when they were sent."""
    received = [p for p in pitches if p.status == "submitted"]
    evaluation = Evaluation(challenge_id=challenge.id, started_by_id=people["procurement_officer"].id,
                            started_at=deadline + timedelta(days=1))
    db.session.add(evaluation)
    for index, pitch in enumerate(received):
        db.session.add(PitchAssessment(challenge_id=challenge.id, pitch_id=pitch.id, label=chr(65 + index)))
    db.session.flush()
    for evaluator in (people["evaluator"], people["second_evaluator"]):
        db.session.add(ConflictDeclaration(challenge_id=challenge.id, evaluator_id=evaluator.id, conflicted=False))
        for pitch in received:
            for criterion in challenge.criteria:
                db.session.add(Score(challenge_id=challenge.id, pitch_id=pitch.id, criterion_id=criterion.id,
                                     evaluator_id=evaluator.id, score=rng.randint(2, 5),
                                     comment="Clear and realistic." if rng.random() > .5 else "Costs are high."))
    if not decided:
        return None
    decided_at = deadline + timedelta(days=12)
    evaluation.finalised_at = deadline + timedelta(days=10)
    evaluation.decisions_published_at = decided_at
    for index, pitch in enumerate(received):
        pitch.status = "selected" if index == 0 else "not_selected"
    assessments = db.session.scalars(select(PitchAssessment).where(
        PitchAssessment.challenge_id == challenge.id)).all()
    for assessment in assessments:
        assessment.decision = assessment.published_decision = assessment.pitch.status
        assessment.feedback = None if assessment.pitch.status == "selected" else "Strong idea; the price was high."
        assessment.published_at = assessment.feedback_confirmed_at = decided_at
    return decided_at


def _pilot(challenge, pitch, people, decided_at, outcome, stopped):
    """A pilot started after the decisions; running now, or (with `outcome`) ended and judged."""
    officer = people["procurement_officer"].id
    running_from = decided_at + timedelta(days=7)
    ends_on = (running_from + timedelta(weeks=12)).date() if outcome else date.today() + timedelta(days=30)
    pilot = Pilot(challenge_id=challenge.id, pitch_id=pitch.id, agency_id=challenge.agency_id,
                  company_id=pitch.company_id, owner_id=officer, started_by_id=officer, budget=pitch.pilot_price,
                  currency="EUR", created_at=decided_at + timedelta(days=2), starts_on=running_from.date(),
                  ends_on=ends_on, stage="running", stage_entered_at=running_from, stage_due_on=ends_on)
    db.session.add(pilot)
    db.session.flush()
    db.session.add(PilotStageChange(pilot_id=pilot.id, from_stage="agreement", to_stage="running",
                                    actor_id=officer, note="Agreement signed.", changed_at=running_from))
    if outcome:
        evaluation_from = datetime.combine(ends_on, time(12), tzinfo=timezone.utc)
        judged_at = evaluation_from + timedelta(days=14)
        db.session.add(PilotStageChange(pilot_id=pilot.id, from_stage="running", to_stage="evaluation",
                                        actor_id=None, changed_at=evaluation_from))
        pilot.stage = "stopped" if stopped else "adopted"
        pilot.stage_due_on = None
        pilot.stage_entered_at = judged_at
        pilot.outcome_published_at = judged_at
        pilot.outcome_summary = ("The sensors raised too many false alarms in old houses." if stopped
                                 else "Incidents halved; the agency buys the service for two years.")
        pilot.lessons_learned = ("Test in a few homes before a whole district; involve carers early." if stopped
                                 else "Start with the busiest sites; train staff in week one.")
        if not stopped:
            pilot.follow_on_procurement_url = "https://www.publicprocurement.be/"
        for measure in challenge.success_measures:
            db.session.add(MeasureOutcome(pilot_id=pilot.id, success_measure_id=measure.id,
                                          result="not_met" if stopped else "met",
                                          evidence="Measured over eight weeks."))
        db.session.add(PilotStageChange(pilot_id=pilot.id, from_stage="evaluation", to_stage=pilot.stage,
                                        actor_id=officer, changed_at=judged_at))
