"""The audit trail read as sentences: "Marie Dupont published “Smart water meters”".

`describe_trail(challenge, rows, viewer)` takes the rows `audit.challenge_trail` gives (already filtered and, in
the blind round, redacted for this viewer) and turns each into a sentence with people's names and the objects'
titles, all looked up in a few statements however long the trail is (`Names.load`). `describe(event, names)`
says one event by its kind (`SENTENCES`); a kind without a sentence of its own still reads as one
(`GENERIC`). In the blind round, for everyone but platform admins, companies are "[company]", a pitch is its
label ("Pitch B") or its title through `blinding.redact`, and a person of a pitching company is "[company]"
(their address already is: services/evaluation/blinding.redact_trail). The stored rows are not touched; the
CSV keeps every field as recorded and adds the sentence.

The platform's trail (`audit.platform_trail`, platform admins) spans every challenge and the events of no challenge
(organisations, people): `describe_trail(None, rows, viewer)` names each event's own challenge, and the kinds of
the platform (`PLATFORM_SENTENCES`) name the organisation or the person they are about.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.formatting import localtime, money
from marketplace.models import Challenge, EvaluationCriterion, Match, Organisation, Pilot, Pitch, User
from marketplace.models.evaluation import PitchAssessment
from marketplace.services import permissions
from marketplace.services.evaluation.blinding import REDACTED, blind_round, redact
from marketplace.services.pilots.pilot_workflow import STAGE_LABELS

SYSTEM = _l("Agora (automatically)")
SOMEONE = _l("Someone who was not signed in")
DECISION_LABELS = {"shortlisted": _l("shortlisted"), "not_selected": _l("not selected"),
                   "selected": _l("selected")}
MODE_LABELS = {"online": _l("online"), "in_person": _l("in person")}
# The challenge's fields an edit names, as its form does.
FIELD_LABELS = {
    "title": _l("Title"), "summary": _l("Summary"), "problem_statement": _l("The problem"),
    "context": _l("Context"), "affected": _l("Who is affected"), "desired_outcomes": _l("Desired outcomes"),
    "constraints": _l("Constraints and what is out of scope"), "budget_min": _l("Budget from (euro)"),
    "budget_max": _l("Budget up to (euro)"), "pilot_duration_weeks": _l("Expected pilot duration (weeks)"),
    "question_deadline": _l("Questions close"), "pitch_deadline": _l("Pitch deadline"),
    "language": _l("Language the challenge is written in"), "kind": _l("What do you want from companies?"),
}

# One sentence per kind of event. Placeholders: actor, challenge, pitch, company (of a pilot or an invitation),
# and the kind's own details (see `_details`).
SENTENCES = {
    "challenge.created": _l("%(actor)s created the draft “%(challenge)s”."),
    "challenge.updated": _l("%(actor)s edited “%(challenge)s”: %(fields)s."),
    "challenge.approval_requested": _l("%(actor)s asked for “%(challenge)s” to be approved for publishing."),
    "challenge.approval_refused": _l("%(actor)s sent “%(challenge)s” back to its author without publishing it. "
                                     "Reason: %(reason)s"),
    "challenge.published": _l("%(actor)s published “%(challenge)s”."),
    "challenge.closed": _l("%(actor)s closed “%(challenge)s” at its pitch deadline."),
    "challenge.evaluation_started": _l("%(actor)s started the evaluation of “%(challenge)s”."),
    "challenge.piloting": _l("%(actor)s moved “%(challenge)s” to piloting."),
    "challenge.consultation_summarised": _l("%(actor)s published the summary of the consultation "
                                            "“%(challenge)s”."),
    "challenge.completed": _l("%(actor)s completed “%(challenge)s”."),
    "challenge.cancelled": _l("%(actor)s cancelled “%(challenge)s”. Reason: %(reason)s"),
    "challenge.followed": _l("%(actor)s followed “%(challenge)s”."),
    "challenge.unfollowed": _l("%(actor)s stopped following “%(challenge)s”."),
    "challenge.invitation_to_pitch_sent": _l("%(actor)s invited %(company)s to pitch for “%(challenge)s”."),
    "question.asked": _l("%(actor)s asked a question about “%(challenge)s”."),
    "question.answered": _l("%(actor)s answered a question about “%(challenge)s”."),
    "pitch.created": _l("%(actor)s started writing %(pitch)s."),
    "pitch.submitted": _l("%(actor)s submitted %(pitch)s."),
    "pitch.resubmitted": _l("%(actor)s submitted a new version of %(pitch)s."),
    "pitch.withdrawn": _l("%(actor)s withdrew %(pitch)s."),
    "pitch.attachment_added": _l("%(actor)s added the file %(filename)s to %(pitch)s."),
    "pitch.attachment_removed": _l("%(actor)s removed the file %(filename)s from %(pitch)s."),
    "pitch.decided": _l("%(actor)s told the company of %(pitch)s its outcome: %(decision)s."),
    "pitch.access_refused": _l("%(actor)s was refused access to %(pitch)s."),
    "evaluation.conflict_declared": _l("%(actor)s declared no conflict of interest for “%(challenge)s”."),
    "evaluation.scored": _l("%(actor)s scored %(pitch)s on “%(criterion)s”: %(score)s."),
    "evaluation.finalised": _l("%(actor)s finalised the evaluation of “%(challenge)s”."),
    "evaluation.decided": _l("%(actor)s decided on %(pitch)s: %(decision)s."),
    "pitch_session.offered": _l("%(actor)s offered a pitch session on %(when)s (%(mode)s)."),
    "pitch_session.booked": _l("%(actor)s booked a pitch session for %(pitch)s."),
    "pilot.started": _l("%(actor)s started a pilot with %(company)s, with a budget of %(amount)s."),
    "pilot.budget_approved": _l("%(actor)s approved the budget of the pilot with %(company)s: %(amount)s."),
    "pilot.budget_increase_requested": _l("%(actor)s asked to raise the budget of the pilot with %(company)s by "
                                          "%(amount)s."),
    "pilot.budget_increase_approved": _l("%(actor)s approved raising the budget of the pilot with %(company)s by "
                                         "%(amount)s."),
    "pilot.measure_judged": _l("%(actor)s judged a success measure of the pilot with %(company)s."),
    "pilot.outcome_written": _l("%(actor)s wrote the outcome of the pilot with %(company)s."),
    "pilot.payment_recorded": _l("%(actor)s recorded a payment of %(amount)s for the pilot with %(company)s."),
    "pilot.message_posted": _l("%(actor)s wrote a message in the pilot with %(company)s."),
    "pilot.document_added": _l("%(actor)s added the document %(filename)s to the pilot with %(company)s."),
    "pilot.stage_changed": _l("%(actor)s moved the pilot with %(company)s from “%(from_stage)s” to "
                              "“%(to_stage)s”."),
}
# The kinds of no challenge: an organisation's standing, a person's account (object: the organisation, the person).
PLATFORM_SENTENCES = {
    "organisation.registered": _l("%(actor)s registered %(organisation)s."),
    "organisation.verified": _l("%(actor)s verified %(organisation)s."),
    "organisation.suspended": _l("%(actor)s suspended %(organisation)s. Reason: %(reason)s"),
    "organisation.unsuspended": _l("%(actor)s lifted the suspension of %(organisation)s."),
    "organisation.updated": _l("%(actor)s changed the settings of %(organisation)s."),
    "organisation.profile_updated": _l("%(actor)s updated the profile of %(organisation)s."),
    "user.two_factor_reset": _l("%(actor)s removed the two-factor sign-in of %(person)s. Reason: %(reason)s"),
    "user.password_changed": _l("%(actor)s changed their password."),
    "user.password_reset": _l("%(actor)s chose a new password with a reset link."),
    "user.sign_in_failures": _l("Sign-in to the account of %(person)s failed several times."),
    "user.settings_changed": _l("%(actor)s changed their settings."),
    "user.email_confirmed": _l("%(actor)s confirmed their email address."),
    "user.two_factor_enabled": _l("%(actor)s turned on two-factor sign-in."),
    "user.signed_out_everywhere": _l("%(actor)s signed out on every device."),
    "api_token.created": _l("%(actor)s created an API token."),
    "api_token.revoked": _l("%(actor)s revoked an API token."),
}
CONFLICTED = _l("%(actor)s declared a conflict of interest and stays out of the evaluation of “%(challenge)s”.")
GENERIC = _l("%(actor)s recorded “%(what)s” on “%(challenge)s”.")
GENERIC_ALONE = _l("%(actor)s recorded “%(what)s”.")  # an event of no challenge
AN_ORGANISATION = _l("an organisation")
A_PERSON = _l("someone")
A_PITCH = _l("a pitch")
PITCH_LABEL = _l("Pitch %(label)s")
PITCH_BY = _l("the pitch “%(title)s” by %(company)s")
PITCH_TITLED = _l("the pitch “%(title)s”")
A_COMPANY = _l("a company")


@dataclass
class Names:
    """Everything the sentences of one trail name, loaded together: no statement per row. `challenge` is the
    trail's one challenge, or None for the platform's trail, whose events' challenges are in `challenges`."""
    challenge: object
    hide_companies: bool
    people: dict = field(default_factory=dict)  # user id -> name
    pitches: dict = field(default_factory=dict)  # pitch id -> (title, company id, label)
    pilots: dict = field(default_factory=dict)  # pilot id -> (company id, currency)
    matches: dict = field(default_factory=dict)  # match id -> company id
    companies: dict = field(default_factory=dict)  # organisation id -> Organisation
    criteria: dict = field(default_factory=dict)  # criterion id -> name
    challenges: dict = field(default_factory=dict)  # challenge id -> Challenge (the platform's trail)
    emails: dict = field(default_factory=dict)  # user id -> email address (the people events are about)
    pilot_objects: dict = field(default_factory=dict)  # pilot id -> Pilot

    @classmethod
    def load(cls, challenge, rows, hide_companies, known_people=None):
        """`known_people`: {user id: (name, email)} the caller read already (the platform trail's actors)."""
        names = cls(challenge, hide_companies)
        for user_id, (name, email) in (known_people or {}).items():
            names.people[user_id], names.emails[user_id] = name, email
        ids = {kind: set() for kind in ("people", "pitches", "pilots", "matches", "criteria", "challenges",
                                        "organisations")}
        for event, email in rows:
            if event.actor_id is not None and email != str(REDACTED):
                ids["people"].add(event.actor_id)
            if challenge is None and event.challenge_id is not None:
                ids["challenges"].add(event.challenge_id)
            by_type = {"pitches": "pitches", "pilots": "pilots", "matches": "matches", "users": "people",
                       "organisations": "organisations", "challenges": "challenges"}
            if event.object_type in by_type and event.object_id is not None:
                ids[by_type[event.object_type]].add(event.object_id)
            after = event.after if isinstance(event.after, dict) else {}
            if isinstance(after.get("pitch_id"), int):
                ids["pitches"].add(after["pitch_id"])
            if isinstance(after.get("criterion_id"), int):
                ids["criteria"].add(after["criterion_id"])
        if challenge is not None:
            ids["challenges"].clear()
        ids["people"] -= names.people.keys()
        if ids["people"]:
            found = db.session.execute(select(User.id, User.name, User.email).where(User.id.in_(ids["people"]))).all()
            names.people.update({row.id: row.name for row in found})
            names.emails.update({row.id: row.email for row in found})
        if ids["challenges"]:
            names.challenges = {c.id: c for c in db.session.scalars(
                select(Challenge).where(Challenge.id.in_(ids["challenges"])))}
        if ids["pitches"]:
            names.pitches = {row.id: (row.title, row.company_id, row.label) for row in db.session.execute(
                select(Pitch.id, Pitch.title, Pitch.company_id, PitchAssessment.label)
                .outerjoin(PitchAssessment, PitchAssessment.pitch_id == Pitch.id)
                .where(Pitch.id.in_(ids["pitches"])))}
        if ids["pilots"]:
            names.pilot_objects = {pilot.id: pilot for pilot in db.session.scalars(
                select(Pilot).where(Pilot.id.in_(ids["pilots"])))}
            names.pilots = {pilot.id: (pilot.company_id, pilot.currency) for pilot in names.pilot_objects.values()}
        if ids["matches"]:
            names.matches = dict(db.session.execute(
                select(Match.id, Match.organisation_id).where(Match.id.in_(ids["matches"]))).all())
        company_ids = {company for _, company, _ in names.pitches.values()} \
            | {company for company, _ in names.pilots.values()} | set(names.matches.values()) | ids["organisations"]
        if company_ids:
            names.companies = {o.id: o for o in db.session.scalars(
                select(Organisation).where(Organisation.id.in_(company_ids)))}
        if ids["criteria"]:
            names.criteria = dict(db.session.execute(select(EvaluationCriterion.id, EvaluationCriterion.name)
                                                     .where(EvaluationCriterion.id.in_(ids["criteria"]))).all())
        return names

    def actor(self, event, email):
        if email == str(REDACTED):
            return str(REDACTED)
        if event.actor_id is None:
            return str(SOMEONE) if event.action == "pitch.access_refused" else str(SYSTEM)
        return self.people.get(event.actor_id) or email or str(SYSTEM)

    def challenge_of(self, event):
        """The challenge the event belongs to: the trail's own, or (platform trail) the event's, or None."""
        if self.challenge is not None:
            return self.challenge
        return self.challenges.get(event.challenge_id)

    def organisation(self, organisation_id):
        organisation = self.companies.get(organisation_id)
        return organisation.name if organisation is not None else str(AN_ORGANISATION)

    def person(self, user_id):
        return self.people.get(user_id) or self.emails.get(user_id) or str(A_PERSON)

    def company(self, company_id):
        if self.hide_companies:
            return str(REDACTED)
        company = self.companies.get(company_id)
        return company.name if company is not None else str(A_COMPANY)

    def pitch(self, pitch_id):
        known = self.pitches.get(pitch_id)
        if known is None:
            return str(A_PITCH)
        title, company_id, label = known
        if self.hide_companies:
            if label:
                return str(PITCH_LABEL % {"label": label})
            return str(PITCH_TITLED % {"title": redact(title, self.companies.get(company_id))})
        return str(PITCH_BY % {"title": title, "company": self.company(company_id)})


def _amount(value, currency):
    try:
        return money(value, currency or "EUR")
    except (ArithmeticError, ValueError, TypeError):
        return str(value)


def _when(value):
    try:
        return localtime(datetime.fromisoformat(value)) if isinstance(value, str) else localtime(value)
    except ValueError:
        return str(value)


def _details(event, names):
    """The values of one event's sentence beyond the actor and the challenge."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    values = {"pitch": str(A_PITCH), "company": str(A_COMPANY)}
    if event.object_type == "pitches":
        values["pitch"] = names.pitch(event.object_id)
    elif isinstance(after.get("pitch_id"), int):
        values["pitch"] = names.pitch(after["pitch_id"])
    elif after.get("label"):
        values["pitch"] = str(PITCH_LABEL % {"label": after["label"]})
    currency = "EUR"
    if event.object_type == "pilots" and event.object_id in names.pilots:
        company_id, currency = names.pilots[event.object_id]
        values["company"] = names.company(company_id)
    elif event.object_type == "matches" and event.object_id in names.matches:
        values["company"] = names.company(names.matches[event.object_id])
    changed = [key for key in after if key != "status" and before.get(key) != after.get(key)]
    values["fields"] = ", ".join(str(FIELD_LABELS.get(key, key.replace("_", " "))) for key in changed) or "–"
    values["reason"] = after.get("cancel_reason") or after.get("reason") or "–"
    values["filename"] = f"“{after.get('filename') or before.get('filename') or '?'}”"
    decision = after.get("decision") or after.get("status")
    values["decision"] = str(DECISION_LABELS.get(decision, decision or "–"))
    values["criterion"] = names.criteria.get(after.get("criterion_id"), "?")
    values["score"] = after.get("score", "–")
    values["when"] = _when(after.get("starts_at"))
    values["mode"] = str(MODE_LABELS.get(after.get("mode"), after.get("mode") or "–"))
    amount = after.get("amount", after.get("paid_amount", after.get("budget")))
    values["amount"] = _amount(amount, currency) if amount is not None else "–"
    values["from_stage"] = str(STAGE_LABELS.get(before.get("stage"), before.get("stage") or "–"))
    values["to_stage"] = str(STAGE_LABELS.get(after.get("stage"), after.get("stage") or "–"))
    values["organisation"] = names.organisation(event.object_id) if event.object_type == "organisations" \
        else str(AN_ORGANISATION)
    values["person"] = names.person(event.object_id) if event.object_type == "users" else str(A_PERSON)
    values["reason"] = after.get("cancel_reason") or after.get("reason") or "–"
    return values


def describe(event, names, email=None):
    """One event as a sentence, in the reader's language."""
    challenge = names.challenge_of(event)
    values = {"actor": names.actor(event, email), "challenge": challenge.title if challenge is not None else "–",
              **_details(event, names)}
    after = event.after if isinstance(event.after, dict) else {}
    if event.action == "evaluation.conflict_declared" and after.get("conflicted"):
        return str(CONFLICTED % values)
    sentence = SENTENCES.get(event.action) or PLATFORM_SENTENCES.get(event.action)
    if sentence is None:
        what = event.action.split(".", 1)[-1].replace("_", " ")
        return str((GENERIC if challenge is not None else GENERIC_ALONE) % {**values, "what": what})
    return str(sentence % values)


@dataclass(frozen=True)
class TrailEntry:
    event: object
    email: str | None
    sentence: str


def describe_trail(challenge, rows, viewer):
    """The trail's rows [(event, actor email)] with a sentence each; names looked up once for all of them.
    `challenge` None: the platform's trail (platform admins only), every event with its own challenge."""
    return describe_with_names(challenge, rows, viewer)[0]


def describe_with_names(challenge, rows, viewer, known_people=None):
    """(describe_trail's entries, the Names loaded for them): the platform's trail links each event's object.
    `known_people` as for Names.load."""
    hide = not permissions.is_admin(viewer) and (challenge is None or blind_round(challenge))
    names = Names.load(challenge, rows, hide, known_people)
    return [TrailEntry(event, email, describe(event, names, email)) for event, email in rows], names
