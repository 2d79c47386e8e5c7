"""Domain exceptions; web and API map them to messages and status codes in one place each."""


class DomainError(Exception):
    """A rule said no. `message` is for people (already translated when raised)."""

    status_code = 400

    def __init__(self, message=None):
        super().__init__(message or self.__class__.__name__)
        self.message = message or self.__class__.__name__


class NotAllowed(DomainError):
    status_code = 403


class EmailNotConfirmed(NotAllowed):
    """Allowed once the person has confirmed their email address (pages offer to send the link again)."""


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class StaleState(Conflict):
    """Someone changed the record between reading and writing it."""


class InvalidTransition(Conflict):
    """The object is not in a state that allows this move."""


class PitchDeadlinePassed(Conflict):
    pass


class ValidationFailed(DomainError):
    """Field errors: {field_name: [message, ...]}; '' holds errors of the whole form."""

    status_code = 422

    def __init__(self, errors, message=None):
        self.errors = {k: list(v) if isinstance(v, (list, tuple)) else [v] for k, v in errors.items()}
        super().__init__(message or "; ".join(str(m) for ms in self.errors.values() for m in ms))


class NotAuthenticated(DomainError):
    """No credentials, or credentials that name nobody who may act now (the API's bearer tokens)."""

    status_code = 401


class Withheld(NotAllowed):
    """Refused to someone entitled to know the object exists: the message says why and what comes first.

    `reason` is the standing that refused (permissions.UNDECLARED, RECUSED, …); `challenge` where it applies.
    """

    def __init__(self, message, *, reason=None, challenge=None):
        super().__init__(message)
        self.reason = reason
        self.challenge = challenge
