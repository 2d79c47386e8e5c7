"""The catalogues are complete, keep every placeholder and every tag, and every email renders in every language.

The messages are extracted fresh from the code with the command of the
Makefile's `translations` target, so a string added to a page without a
translation fails here even before the catalogues are refreshed.
"""
import re
import shlex
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import meta

from marketplace.services.organisations.cpv import cpv_divisions
from marketplace.services.messaging.mail import render_email
from marketplace.services.pitches.wording import WORDS

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = ("fr", "nl", "de")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?/?>")
VOID = {"br", "hr", "img", "input", "meta", "link", "wbr"}


def _extract_command(output):
    """The Makefile's `pybabel extract` line, writing to `output` instead of the catalogue template."""
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    line = next(line for line in makefile.splitlines() if "pybabel extract" in line)
    args = shlex.split(line.strip().replace("$(BIN)/pybabel", "pybabel"))
    args[args.index("-o") + 1] = str(output)
    return [str(Path(sys.executable).parent / "pybabel"), *args[1:]]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    output = tmp_path_factory.mktemp("catalogue") / "messages.pot"
    subprocess.run(_extract_command(output), cwd=ROOT, check=True, capture_output=True)
    with output.open("rb") as pot:
        return read_po(pot)


def _forms(message):
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def _translations(message):
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def _placeholders(text):
    return Counter(match.group(1) or match.group(0) for match in PLACEHOLDER.finditer(text))


def _tags(text):
    return Counter(match.group(0).lower() for match in TAG.finditer(text))


def _well_formed(text):
    open_tags = []
    for match in TAG.finditer(text):
        tag, name = match.group(0), match.group(1).lower()
        if name in VOID or tag.endswith("/>"):
            continue
        if tag.startswith("</"):
            if not open_tags or open_tags.pop() != name:
                return False
        else:
            open_tags.append(name)
    return not open_tags


def problems_of(message, translated):
    """What is wrong with one message's translation, as short phrases; none when it is right."""
    if translated is None:
        return ["missing from the catalogue"]
    if translated.fuzzy:
        return ["fuzzy"]
    strings = _translations(translated)
    if not all(strings):
        return ["untranslated"]
    found = []
    source = Counter()
    for form in _forms(message):
        source |= _placeholders(form)
    for text in strings:
        expected = source.copy()
        if message.pluralizable and "num" not in _placeholders(text):
            expected.pop("num", None)  # "one file" may say "one" instead of the number
        if _placeholders(text) != expected:
            found.append(f"placeholders {sorted(_placeholders(text))} instead of {sorted(expected)}")
        if _tags(text) != _tags(_forms(message)[0]) or not _well_formed(text):
            found.append("markup differs from the original or is broken")
    return found


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_its_placeholders_and_markup(extracted, language):
    path = ROOT / "marketplace" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalogue = read_po(po)
    wrong = []
    for message in extracted:
        if not message.id:
            continue  # the header
        for problem in problems_of(message, catalogue.get(message.id, message.context)):
            wrong.append(f"{problem}: {_forms(message)[0]!r}")
    assert not wrong, f"{language}: {len(wrong)} of {len(extracted) - 1} messages need work\n" + "\n".join(wrong)
    # A retired entry (#~) that repeats a live one makes GNU msgfmt refuse the file: `make translations` drops
    # retired entries (--ignore-obsolete); a catalogue edited otherwise must too.
    assert not catalogue.obsolete, f"{language}: retired entries {sorted(catalogue.obsolete)[:5]}"


def test_the_check_notices_broken_translations(extracted):
    from babel.messages.catalog import Message

    original = Message("Hello %(name)s, <strong>welcome</strong>")
    assert problems_of(original, None) == ["missing from the catalogue"]
    assert problems_of(original, Message(original.id, "", flags=["fuzzy"])) == ["fuzzy"]
    assert problems_of(original, Message(original.id, "")) == ["untranslated"]
    assert problems_of(original, Message(original.id, "Bonjour %(nom)s, <strong>bienvenue</strong>")) == [
        "placeholders ['nom'] instead of ['name']"]
    assert problems_of(original, Message(original.id, "Bonjour %(name)s, <strong>bienvenue")) == [
        "markup differs from the original or is broken"]
    assert problems_of(original, Message(original.id, "Bonjour %(name)s, <strong>bienvenue</strong>")) == []
    files = Message(("%(num)s file", "%(num)s files"))
    assert problems_of(files, Message(files.id, ("un fichier", "%(num)s fichiers"))) == []
    assert problems_of(files, Message(files.id, ("un fichier", "des fichiers"))) == []


def test_the_agency_s_messages_write_the_apostrophe_as_the_catalogue_does(extracted):
    """Found walking the demo: "the agency's panel" beside messages with ’; every message naming the agency's
    something uses the typographic apostrophe."""
    straight = [form for message in extracted for form in _forms(message) if form and "agency's" in form]
    assert not straight, straight


def test_no_message_writes_a_straight_apostrophe(extracted):
    """English messages use the typographic apostrophe (’): "the organisation’s owner", "the evaluators’ comments",
    never "organisation's" beside messages written with ’."""
    straight = [form for message in extracted for form in _forms(message)
                if form and re.search(r"\w'(\w|\s)", form)]
    assert not straight, straight


def test_the_cpv_division_names_are_extracted_for_translation(extracted):
    assert set(cpv_divisions().values()) <= {message.id for message in extracted}


EMAIL_CONTEXT = {
    "title": "A notice", "body": "First line\nSecond line", "link": "http://localhost/challenges/x",
    "base_url": "http://localhost", "unsubscribe_url": "http://localhost/notifications/unsubscribe/t",
    "recipient": None, "agency_name": "Flemish Water Board", "company_name": "LeakSense",
    "challenge_title": "Find leaking pipes", "challenge_summary": "Old pipes leak.", "challenge_url": "http://localhost/challenges/x",
    "reasons": ["Works in sector 65"], "items": [{"title": "A notice", "link": "/notifications"}],
    "inviter": "Ann", "organisation": "LeakSense", "role": "Member", "accept_url": "http://localhost/auth/invitation/t",
    "days": 14, "login_url": "http://localhost/auth/login", "reset_url": "http://localhost/auth/reset/t",
    "hours": 1, "question": "Can the pilot start in spring?", "answer": "Yes.", "challenge_language": "nl",
    "question_language": "en", "answer_language": "en",
    "failures": 5, "minutes": 15, "account_url": "http://localhost/account",
    "confirm_url": "http://localhost/auth/confirm/t", "standing": "suspended",
    "kind": "submitted", "reference": "AG-7K3F-92QD", "issued_at": datetime(2026, 11, 12, 21, 51, tzinfo=timezone.utc),
    "digest": "ab" * 32, "pitch_title": "Acoustic leak detection", "next_steps": ["The agency reads the pitches."],
    "receipt_url": "http://localhost/pitches/1/receipt", "words": WORDS[True],
    "remaining": 7, "two_factor_url": "http://localhost/account/two-factor", "reason": "A lost phone.", "required": True,
    "tokens_revoked": 2,
    "challenges": [{"title": "Find leaking pipes", "language": "en", "url": "http://localhost/challenges/x", "agency_name": "Water",
                    "pitch_deadline": "2 January 2027, 14:50", "reasons": ["Works in sector 65"]}],
    "for_you_url": "http://localhost/for-you", "search_name": "Leaks",
    "search_url": "http://localhost/challenges?q=leaks",
}
EMAILS = sorted(p.stem for p in (ROOT / "templates" / "email").glob("*.txt") if p.stem != "base")


@pytest.mark.parametrize("template", EMAILS)
@pytest.mark.parametrize("language", ("en", *TRANSLATED))
def test_every_email_renders_in_every_language(app, template, language):
    env = app.jinja_env
    for kind in ("txt", "html"):
        source = env.loader.get_source(env, f"email/{template}.{kind}")[0]
        needed = meta.find_undeclared_variables(env.parse(source)) - set(env.globals) - {"locale"}
        assert needed <= set(EMAIL_CONTEXT), f"{template}.{kind} needs {needed - set(EMAIL_CONTEXT)}"
    with app.test_request_context():
        subject, text, html = render_email(template, locale=language, context=dict(EMAIL_CONTEXT, locale=language))
    assert subject and text.strip() and f'<html lang="{language}">' in html
    assert "%(" not in subject + text + html


def test_the_french_pages_address_a_recused_member_whatever_their_gender():
    """Found walking the demo: "Vous êtes récusé" is masculine; the heading says what they did instead."""
    with (ROOT / "marketplace/translations/fr/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = read_po(po, locale="fr")
    gendered = [m.id for m in catalogue if m.id and any(re.search(r"\brécusée?\b", text or "")
                                                        for text in _translations(m))]
    assert not gendered, gendered
