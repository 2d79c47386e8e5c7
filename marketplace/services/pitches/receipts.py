"""Receipts people can keep: each submission, resubmission and withdrawal has a short reference and an email.

The reference ("AG-7K3F-92QD") is derived from what the receipt records — the pitch, what happened, the moment
on the database clock and the digest of what was submitted — written in Crockford's base 32 (no I, L, O, U:
nothing to misread on the phone), and kept with the receipt. The email to the company's members says the
reference, the time in each reader's zone and language, and what happens next; so does the receipt page.
"""
import hashlib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.formatting import lazy, localtime
from marketplace.models import Membership, Pitch, PitchReceipt, User
from marketplace.models.pitch import RECEIPT_KINDS, RECEIPT_RESUBMITTED, RECEIPT_SUBMITTED, RECEIPT_WITHDRAWN
from marketplace.services.challenges import lifecycle
from marketplace.services.errors import NotFound
from marketplace.services.messaging import links
from marketplace.services.messaging.mail import queue_email
from marketplace.services.messaging.outbox import handles
from marketplace.services.pitches.possibilities import closing_reason
from marketplace.services.pitches.wording import words_for

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# What a market consultation is (lifecycle.surveys_the_market), for those who answer it; its page says it too.
CONSULTATION_EXPLAINED = _l("In a market consultation the agency reads the answers to learn what the market offers: "
                            "nothing is ranked or decided, and no pilot follows from it. The agency publishes a "
                            "summary of what the market offered, and it may follow up with a call for solutions.")
RECEIPT_TOPICS = {"pitch.submitted": RECEIPT_SUBMITTED, "pitch.resubmitted": RECEIPT_RESUBMITTED,
                  "pitch.withdrawn": RECEIPT_WITHDRAWN}



@dataclass(frozen=True)
class ReceiptKind:
    """What a receipt acknowledges; its page, its email and what happens next ask these facts, not the kind."""

    name: str
    withdrawal: bool = False  # the pitch was taken back: nothing submitted, no digest
    resubmission: bool = False  # a change to a submitted pitch, submitted again


KINDS = {
    RECEIPT_SUBMITTED: ReceiptKind(RECEIPT_SUBMITTED),
    RECEIPT_RESUBMITTED: ReceiptKind(RECEIPT_RESUBMITTED, resubmission=True),
    RECEIPT_WITHDRAWN: ReceiptKind(RECEIPT_WITHDRAWN, withdrawal=True),
}
assert tuple(KINDS) == RECEIPT_KINDS


def kind_named(kind):
    return KINDS[kind]


def reference_for(pitch_id, kind, issued_at, digest):
    """The receipt's short reference: "AG-" and eight characters of base 32 (40 bits) of its facts' SHA-256."""
    facts = f"{pitch_id}|{kind}|{issued_at.isoformat()}|{digest or ''}"
    number = int.from_bytes(hashlib.sha256(facts.encode("utf-8")).digest()[:5], "big")
    code = "".join(CROCKFORD[(number >> shift) & 31] for shift in range(35, -1, -5))
    return f"AG-{code[:4]}-{code[4:]}"


def issue(actor, pitch, kind, now):
    """Record the receipt of this change (the caller commits, with the change and its event)."""
    receipt = PitchReceipt(kind=kind, issued_at=now, issued_by_id=actor.id if actor is not None else None,
                           digest=None if kind_named(kind).withdrawal else pitch.receipt_digest,
                           reference=reference_for(pitch.id, kind, now, pitch.receipt_digest))
    pitch.receipts.append(receipt)
    return receipt


def latest(pitch, reference=None):
    """The pitch's most recent receipt (a submission or a withdrawal), or the one with `reference`; None if
    there is none such."""
    if reference:
        found = next((r for r in pitch.receipts if r.reference == reference), None)
        if found is None:
            raise NotFound(str(_l("We could not find that receipt.")))
        return found
    return pitch.receipts[-1] if pitch.receipts else None


def what_happens_next(pitch, receipt):
    """What happens after this receipt, in a few sentences for the page and the email."""
    challenge = pitch.challenge
    words = words_for(challenge)
    closed = closing_reason(challenge, pitch)
    if kind_named(receipt.kind).withdrawal:
        if closed is None:
            return [words.is_withdrawn, _l("You can submit it again until the deadline, %(when)s.",
                                           when=lazy(localtime, challenge.pitch_deadline))]
        return [words.is_withdrawn, closed[1]]
    lines = [words.say("read_after_deadline", when=lazy(localtime, challenge.pitch_deadline))]
    if closed is None:
        lines.append(words.change_until_deadline)
    if lifecycle.ranks_pitches(challenge):
        lines.append(_l("You will hear the agency’s decision on Agora and by email."))
    else:  # a market consultation decides nothing: say what it is instead of promising a decision
        lines.append(CONSULTATION_EXPLAINED)
    return lines


def _company_members(pitch):
    return db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organisation_id == pitch.company_id, User.is_suspended.is_(False))).all()


@handles(*RECEIPT_TOPICS)
def email_receipt(event):
    """Every member of the company gets the receipt, in their own language and time zone."""
    receipt = db.session.scalar(select(PitchReceipt).where(PitchReceipt.id == event.payload.get("receipt_id")))
    if receipt is None:
        return
    pitch = db.session.get(Pitch, receipt.pitch_id)
    for user in _company_members(pitch):
        queue_email("pitch_receipt", dedupe_key=f"pitch-receipt:{receipt.id}:{user.id}", user=user,
                    context={"kind": receipt.kind, "reference": receipt.reference, "issued_at": receipt.issued_at,
                             "digest": receipt.digest, "company_name": pitch.company.name, "pitch_title": pitch.title,
                             "challenge_title": pitch.challenge.title, "words": words_for(pitch.challenge), "next_steps": what_happens_next(pitch, receipt),
                             "receipt_url": links.absolute(links.pitch_receipt_path(pitch, receipt.reference))})
