"""What a company can still do with its pitch for a challenge, and why the rest is closed: one answer for all.

`pitch_possibilities(challenge, pitch, user)` is asked by the pitch step pages, the check and receipt pages,
the challenge page's pitch box, the pitch page, and by the service itself before every change
(`require`), so the API's refusals say what the pages say. The reason names what closed it: the deadline and
when it passed, the cancellation and its public reason, the evaluation, the decision sent.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from marketplace.formatting import lazy, localtime
from marketplace.services import permissions
from marketplace.services.challenges import lifecycle
from marketplace.services.clock import database_now
from marketplace.services.errors import InvalidTransition, NotAllowed, PitchDeadlinePassed
from marketplace.services.pitches import seal
from marketplace.services.pitches.lifecycle import state_of

# How long a company usually needs to write a pitch, said to visitors on the challenge page.
TYPICAL_HOURS = 2


@dataclass(frozen=True)
class Possibilities:
    """What the company may do now (`write`: start or change the pitch, `submit`, `withdraw`), and `reason`:
    why writing is closed (None while it is open). `closed_by` names the cause for tests and templates:
    None, "signed_out", "not_a_company", "not_open", "deadline", "cancelled", "evaluation", "decided"."""

    write: bool = False
    submit: bool = False
    withdraw: bool = False
    reason: object = None
    closed_by: str | None = None
    deadline: object = None

    @property
    def open(self):
        return self.closed_by is None


def _closed(cause, reason, challenge):
    return Possibilities(reason=reason, closed_by=cause, deadline=challenge.pitch_deadline)


def closing_reason(challenge, pitch=None, now=None):
    """(cause, reason) when the challenge (or the decision on `pitch`) stops any change to pitches; None when open."""
    challenge_state = lifecycle.state_of(challenge)
    if challenge_state.called_off:
        return "cancelled", _l("This challenge was cancelled: %(reason)s Pitches can no longer be submitted, "
                               "changed or withdrawn.", reason=challenge.cancel_reason or "")
    if pitch is not None and state_of(pitch).decided:
        return "decided", _l("The agency has sent its decision on your pitch: it can no longer be changed or "
                             "withdrawn.")
    if challenge_state.under_evaluation:
        return "evaluation", _l("The challenge is under evaluation: pitches can no longer be submitted, changed "
                                "or withdrawn.")
    if challenge_state.draft or challenge.pitch_deadline is None:
        return "not_open", _l("This challenge does not take pitches yet.")
    # Past its deadline (closed, piloting, completed), or still open but unsealed: beat may not have closed it yet.
    if not challenge_state.takes_pitches or not seal.is_sealed(challenge, now):
        return "deadline", _l("The pitch deadline passed on %(when)s: pitches can no longer be submitted, changed "
                              "or withdrawn.", when=lazy(localtime, challenge.pitch_deadline))
    return None


def pitch_possibilities(challenge, pitch, user, now=None):
    """What `user` (signed in or not) can do with `pitch` (their company's, or None) for `challenge` now.

    What closes the challenge comes first (a visitor reads why it takes no pitches), then who is asking.
    `now` defaults to the database clock, the one the deadline is checked against.
    """
    closing = closing_reason(challenge, pitch, database_now() if now is None else now)
    if closing is not None:
        return _closed(*closing, challenge)
    if not permissions.signed_in(user):
        return _closed("signed_out", _l("Sign in with your company account to pitch, or register your company."),
                       challenge)
    if not permissions.can(user, "challenge.pitch", challenge):
        return _closed("not_a_company", permissions.MESSAGES["challenge.pitch"], challenge)
    # A submitted pitch may be submitted again (the API's submit); its pages resubmit by saving. A decided
    # pitch was answered by closing_reason above.
    return Possibilities(write=True, submit=pitch is not None,
                         withdraw=pitch is not None and state_of(pitch).submitted, deadline=challenge.pitch_deadline)


def require(challenge, pitch, user, action, now=None):
    """Raise the refusal, with its reason, unless `user` may `action` ("write", "submit", "withdraw") now.

    Returns the moment checked (the database clock), which the receipt records.
    """
    now = database_now() if now is None else now
    possible = pitch_possibilities(challenge, pitch, user, now)
    if getattr(possible, action):
        return now
    if possible.closed_by in ("signed_out", "not_a_company"):
        raise NotAllowed(str(possible.reason))
    if possible.closed_by == "deadline":
        raise PitchDeadlinePassed(str(possible.reason))
    if possible.reason is not None:
        raise InvalidTransition(str(possible.reason))
    if action == "withdraw":
        raise InvalidTransition(str(_l("Only a submitted pitch can be withdrawn.")))
    raise InvalidTransition(str(_l("Save your pitch before you submit it.")))
