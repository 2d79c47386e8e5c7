"""The pitch lifecycle: what each status of a pitch means, declared once.

Pages, templates, the API and the services ask `state_of(pitch)` (or `status_label`) instead of comparing
statuses. What a company may still do with its pitch also depends on the challenge: that is
`possibilities.pitch_possibilities`, which reads these facts.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from marketplace.models.pitch import (PITCH_DRAFT, PITCH_NOT_SELECTED, PITCH_SELECTED, PITCH_SHORTLISTED,
                                      PITCH_STATUSES, PITCH_SUBMITTED, PITCH_WITHDRAWN, RECEIVED_STATUSES)


@dataclass(frozen=True)
class PitchState:
    """What a pitch's status means for its company and the agency."""

    name: str
    label: object
    draft: bool = False  # written, never submitted
    submitted: bool = False  # received and not yet decided on: a change saved is submitted again, with a receipt
    withdrawn: bool = False  # taken back by its company: the agency will not read it
    shortlisted: bool = False  # the first round is passed: its company picks a pitch session
    selected: bool = False  # chosen for a pilot
    decided: bool = False  # the agency has sent a decision: the pitch can no longer change

    @property
    def received(self):
        """In the agency's hands: submitted, or decided on (models.pitch.RECEIVED_STATUSES, for queries)."""
        return self.submitted or self.decided

    @property
    def final(self):
        """A decision its company's outcome stays at: selected or not selected. A shortlisting is a step, decided
        again after the pitch sessions."""
        return self.decided and not self.shortlisted

    @property
    def turned_down(self):
        """The final decision that the pitch is not selected: its company is told why (feedback is required)."""
        return self.final and not self.selected

    @property
    def awaits_submission(self):
        """A draft or a withdrawn pitch, which the company submits with the button (a submitted one is submitted
        again each time it is saved)."""
        return self.draft or self.withdrawn


STATES = {
    PITCH_DRAFT: PitchState(PITCH_DRAFT, _l("Draft"), draft=True),
    PITCH_SUBMITTED: PitchState(PITCH_SUBMITTED, _l("Submitted"), submitted=True),
    PITCH_WITHDRAWN: PitchState(PITCH_WITHDRAWN, _l("Withdrawn"), withdrawn=True),
    PITCH_SHORTLISTED: PitchState(PITCH_SHORTLISTED, _l("Shortlisted"), shortlisted=True, decided=True),
    PITCH_NOT_SELECTED: PitchState(PITCH_NOT_SELECTED, _l("Not selected"), decided=True),
    PITCH_SELECTED: PitchState(PITCH_SELECTED, _l("Selected"), selected=True, decided=True),
}
assert tuple(STATES) == PITCH_STATUSES


def _statuses(fact, true=True):
    return tuple(name for name, state in STATES.items() if bool(getattr(state, fact)) is true)


# The statuses of which a fact is true, for a query that asks it of many pitches (`Pitch.status.in_(SELECTED)`);
# `state_of(pitch).selected` for one pitch. No query outside this module compares a pitch's status itself.
DRAFT = _statuses("draft")
SUBMITTED = _statuses("submitted")  # received and not decided on yet: what an evaluation starts with
WITHDRAWN = _statuses("withdrawn")
SELECTED = _statuses("selected")
RECEIVED = _statuses("received")  # in the agency's hands
UNDECIDED = _statuses("decided", False)  # not decided on yet
# The decisions an agency makes on a pitch are the statuses they give it (an assessment's `decision` and
# `published_decision`, None until made): `decision in FINAL` and the like asks them of a decision that may be
# none yet, `state_named(decision)` of one that is made.
DECISIONS = _statuses("decided")  # shortlisted, not selected, selected: the decide form's order
SHORTLISTED = _statuses("shortlisted")  # a step: decided again, selected or not, after the pitch sessions
FINAL = _statuses("final")  # the company's outcome, which cannot change any more
TURNED_DOWN = _statuses("turned_down")  # not selected: told why
assert RECEIVED == RECEIVED_STATUSES


def state_of(pitch):
    return STATES[pitch.status]


def state_named(status):
    """The state of a status by its name: a decision sent to a company is the status it gave the pitch."""
    return STATES[status]


def status_label(status):
    """The one word people read for a pitch's status."""
    state = STATES.get(status)
    return state.label if state is not None else status
