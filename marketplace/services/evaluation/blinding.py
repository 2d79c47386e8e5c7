"""The blind round: until a call for solutions' evaluation is finalised, the agency is not told who pitched.

One rule, `hides_company(viewer, pitch)`: while `blind_round(challenge)` holds,
everyone but the pitching company's own members sees the pitch without the
company: no name, no file names, and the text passed through `redact`, which
shows the company's own name (with or without its legal form), its
registration number (with or without dots, spaces or the country prefix) and
its website's domain as "[company]". Pages, the API, the audit trail and its
CSV all ask `panel_view`, `attachment_download_name` or `redact_trail`, so
the rule lives here alone. After finalisation everything shows as written.

A market consultation has no evaluation, so its answers are never blind.
"""
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from types import SimpleNamespace
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Evaluation, Membership, Pitch, User
from marketplace.models.evaluation import PitchAssessment
from marketplace.services import permissions
from marketplace.services.challenges import lifecycle
from marketplace.services.challenges.markdown import render_markdown
from marketplace.services.pitches.uploads import EXTENSIONS

REDACTED = _l("[company]")
HIDDEN_FILE_NAME = _l("[file name]")
# Legal forms written after a company's name (Belgium, its neighbours, English): "AquaData SA" is "AquaData".
LEGAL_FORMS = ("SA", "SRL", "SPRL", "SC", "SCRL", "SCS", "SNC", "ASBL", "NV", "BV", "BVBA", "CV", "CVBA", "VOF",
               "VZW", "GmbH", "AG", "KG", "UG", "SE", "Ltd", "Limited", "LLC", "Inc", "PLC", "SAS", "SARL", "EURL")
# A name shorter than this ("Data", "Flux") is also an ordinary word: it is redacted only with its legal form,
# or written in capitals as an acronym ("IBM").
MIN_NAME_LETTERS = 5
MIN_REGISTRATION_DIGITS = 6


def _dotted(form):
    """'SA', also written 'S.A.' or 'S.A'; a full stop after 'SA' is the sentence's, and stays."""
    return re.escape(form) + "|" + r"\.".join(re.escape(letter) for letter in form) + r"\.?"


_LEGAL_FORM = "(?:" + "|".join(_dotted(f) for f in sorted(LEGAL_FORMS, key=len, reverse=True)) + ")"
_TRAILING_LEGAL_FORM = re.compile(r"(?i)[\s,]+" + _LEGAL_FORM + r"$")


def core_name(name):
    """The company's name without its legal form: 'AquaData S.A.' -> 'AquaData'."""
    core = (name or "").strip()
    while True:
        shorter = _TRAILING_LEGAL_FORM.sub("", core).strip()
        if shorter == core or not shorter:
            return core
        core = shorter


def _name_pattern(name):
    core = core_name(name)
    words = core.split()
    if not words:
        return None
    body = r"[\s\-]*".join(re.escape(word) for word in words)  # "Aqua Data" is also "Aqua-Data" and "AquaData"
    suffix = r"(?:,?\s*" + _LEGAL_FORM + r")"
    letters = sum(ch.isalnum() for ch in core)
    if letters >= MIN_NAME_LETTERS:
        return r"(?<!\w)(?i:" + body + suffix + r"?)(?!\w)"
    if letters >= 2 and core.isupper():  # an acronym: exactly as written
        return r"(?<!\w)" + body + r"(?i:" + suffix + r"?)(?!\w)"
    if core != name.strip():  # a short ordinary word: only together with its legal form
        return r"(?<!\w)(?i:" + body + suffix + r")(?!\w)"
    return None


def _registration_pattern(number):
    digits = re.sub(r"\D", "", number or "")
    if len(digits) < MIN_REGISTRATION_DIGITS:
        return None
    separator = r"[\s.\-]?"
    if len(digits) == 10 and digits.startswith("0"):  # a Belgian enterprise number, also written without its 0
        body = "(?:0" + separator + ")?" + separator.join(digits[1:])
    else:
        body = separator.join(digits)
    return r"(?<![\w.])(?:(?i:[a-z]{2})[\s.\-]?)?" + body + r"(?!\d)"


def website_domain(website):
    """'https://www.aquadata.be/en' -> 'aquadata.be'; None when there is no usable domain."""
    website = (website or "").strip()
    if not website:
        return None
    host = (urlsplit(website if "//" in website else "//" + website).hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    return host if "." in host.strip(".") else None


def _domain_pattern(website):
    domain = website_domain(website)
    if domain is None:
        return None
    return r"(?<![\w\-])(?i:(?:https?://)?(?:www\.)?" + re.escape(domain) + r")(?![\w\-])"


@lru_cache(maxsize=256)
def _pattern(name, registration_number, website):
    # The domain first: at "aquadata.be" the whole address goes, not just the name in it.
    parts = [p for p in (_domain_pattern(website), _registration_pattern(registration_number), _name_pattern(name))
             if p]
    return re.compile("|".join(parts)) if parts else None


def redact(text, company):
    """The text with the company's name, registration number and website's domain shown as "[company]"."""
    if not text or company is None:
        return text
    pattern = _pattern(company.name or "", company.registration_number or "", company.website or "")
    if pattern is None:
        return text
    return pattern.sub(str(REDACTED), text)


def redacted_html(pitch, name, company):
    """The HTML of the pitch's Markdown text `name` as the blind panel reads it: the stored HTML where the text
    names nothing to hide, else the redacted text rendered (cached per text and process; panel pages only)."""
    text = getattr(pitch, name)
    redacted = redact(text, company)
    return getattr(pitch, f"{name}_html") if redacted == text else render_markdown(redacted)


def judged_blind(challenge):
    """Whether the challenge's pitches are judged blind at all: those a panel ranks (a call for solutions), to warn
    those who write them."""
    return lifecycle.ranks_pitches(challenge)


def blind_round(challenge):
    """True while the challenge's pitches are judged blind: a call for solutions whose evaluation is not finalised."""
    if not judged_blind(challenge):
        return False
    finalised_at = db.session.scalar(select(Evaluation.finalised_at).where(Evaluation.challenge_id == challenge.id))
    return finalised_at is None


def hides_company(viewer, pitch):
    """Whether this viewer must not learn which company wrote the pitch: anyone but the company, in the blind round."""
    return not permissions.can(viewer, "pitch.write", pitch) and blind_round(pitch.challenge)


@dataclass(frozen=True)
class PanelAttachment:
    id: int
    filename: str  # "Attachment 1 (PDF)"
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class PanelPitch:
    """A pitch as the panel reads it in the blind round: labelled, redacted, without its company."""

    id: int
    challenge: object
    challenge_id: int
    status: str
    label: str | None  # "B" once the evaluation has started
    title: str
    summary: str
    approach: str
    evidence: str
    approach_html: str
    evidence_html: str
    team: str
    trl: int | None
    pilot_price: Decimal | None
    pilot_duration_weeks: int | None
    attachments: list
    submitted_at: datetime | None
    withdrawn_at: datetime | None
    updated_at: datetime
    company = None  # hidden
    company_hidden = True
    # The receipt digest covers the company's id: with the text, it would tell who wrote the pitch.
    receipt_digest = None


def label_of(pitch):
    return db.session.scalar(select(PitchAssessment.label).where(PitchAssessment.pitch_id == pitch.id))


def _kind(attachment):
    return EXTENSIONS.get(attachment.content_type, "").lstrip(".").upper() or "?"


def attachment_label(position, attachment):
    """'Attachment 1 (PDF)': what the panel sees instead of the file's own name."""
    return str(_l("Attachment %(n)s (%(kind)s)", n=position, kind=_kind(attachment)))


def panel_view(pitch, viewer):
    """The pitch as this viewer may read it: as written for its company and after finalisation, else blind."""
    if not hides_company(viewer, pitch):
        return pitch
    company = pitch.company
    return PanelPitch(
        id=pitch.id, challenge=pitch.challenge, challenge_id=pitch.challenge_id, status=pitch.status,
        label=label_of(pitch),
        **{name: redact(getattr(pitch, name), company) for name in ("title", "summary", "approach", "evidence",
                                                                     "team")},
        approach_html=redacted_html(pitch, "approach", company),
        evidence_html=redacted_html(pitch, "evidence", company),
        trl=pitch.trl, pilot_price=pitch.pilot_price, pilot_duration_weeks=pitch.pilot_duration_weeks,
        attachments=[PanelAttachment(id=a.id, filename=attachment_label(n, a), content_type=a.content_type,
                                     size=a.size, sha256=a.sha256)
                     for n, a in enumerate(pitch.attachments, start=1)],
        submitted_at=pitch.submitted_at, withdrawn_at=pitch.withdrawn_at, updated_at=pitch.updated_at,
    )


def panel_views(pitches, viewer):
    return None if pitches is None else [panel_view(p, viewer) for p in pitches]


def attachment_download_name(attachment, viewer):
    """The file name of a download: the company's own, or 'pitch-B-attachment-1.pdf' in the blind round."""
    pitch = attachment.pitch
    if not hides_company(viewer, pitch):
        return attachment.filename
    position = next(n for n, a in enumerate(pitch.attachments, start=1) if a.id == attachment.id)
    label = label_of(pitch)
    stem = f"pitch-{label}-attachment-{position}" if label else f"attachment-{position}"
    return stem + EXTENSIONS.get(attachment.content_type, "")


def _redacted_value(value, companies, key=None):
    if isinstance(value, dict):
        return {k: _redacted_value(v, companies, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted_value(v, companies) for v in value]
    if isinstance(value, str):
        if key == "filename":
            return str(HIDDEN_FILE_NAME)
        for company in companies:
            value = redact(value, company)
    return value


AUDIT_FIELDS = ("id", "occurred_at", "actor_id", "action", "object_type", "object_id", "challenge_id", "before",
                "after", "digest")


def redact_trail(challenge, rows):
    """A challenge's audit trail [(event, actor email)] without the pitching companies, in the blind round.

    The people of a company that pitched show as "[company]" (their address names it), and file names and the
    companies' names in what changed are hidden. The stored rows are not touched.
    """
    if not blind_round(challenge):
        return rows
    companies = db.session.scalars(select(Pitch).where(Pitch.challenge_id == challenge.id)).all()
    companies = [p.company for p in companies]
    company_people = set(db.session.scalars(
        select(User.email).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id.in_([c.id for c in companies]))))
    redacted = []
    for event, email in rows:
        copy = SimpleNamespace(**{name: getattr(event, name, None) for name in AUDIT_FIELDS})
        copy.before = _redacted_value(event.before, companies) if event.before is not None else None
        copy.after = _redacted_value(event.after, companies) if event.after is not None else None
        redacted.append((copy, str(REDACTED) if email in company_people else email))
    return redacted


FIELDS_TO_CHECK = ("title", "summary", "approach", "evidence", "team")


def named_in(pitch):
    """The fields of the company's own pitch in which evaluators would see "[company]": to warn the writer."""
    if pitch is None or not judged_blind(pitch.challenge):
        return []
    return [name for name in FIELDS_TO_CHECK
            if getattr(pitch, name) and redact(getattr(pitch, name), pitch.company) != getattr(pitch, name)]
