"""A text shown in the language it was written in, on a page in another: its element says so (`lang_of`), so a
screen reader reads a French title with a French voice on an English dashboard. One helper for every page."""
import re

from marketplace.extensions import db
from marketplace.models import Follow, Question


def _marked(page, text):
    """The lang attribute of the element holding exactly `text` (None when it has none)."""
    found = re.search(r'<(\w+)([^<>]*)>' + re.escape(text) + r'</\1>', page)
    assert found, text
    lang = re.search(r'\slang="([^"]+)"', found.group(2))
    return lang and lang.group(1)


def test_an_agency_dashboard_marks_each_challenge_title_with_its_language(client, login, f):
    agency = f.Agency()
    french = f.Challenge(agency=agency, language="fr", title="Moins de sel sur les routes")
    f.Challenge(agency=agency, language="en", title="Fewer missed appointments")
    asker = f.member(f.Company(), "owner")
    db.session.add(Question(challenge_id=french.id, organisation_id=asker.organisation.id, asked_by_id=asker.id,
                            body="Quel budget ?", language="fr"))
    db.session.commit()
    login(f.member(agency, "publisher", locale="nl"))
    page = client.get("/dashboard").get_data(as_text=True)
    assert '<html lang="nl">' in page
    table = page[page.index('id="agency-challenges"'):]
    assert _marked(table, "Moins de sel sur les routes") == "fr"
    assert _marked(table, "Fewer missed appointments") == "en"
    work = page[page.index('id="work-list"'):page.index('id="agency-challenges"')]
    assert _marked(work, "Moins de sel sur les routes") == "fr"  # its questions waiting


def test_a_company_dashboard_marks_its_pitches_follows_and_questions_challenges(client, login, f):
    company = f.Company()
    dutch = f.Challenge(language="nl", title="Lekken vroeg vinden")
    f.Pitch(company=company, challenge=dutch, status="submitted", title="Akoestische sensoren")
    followed = f.Challenge(language="de", title="Weniger Streusalz")
    person = f.member(company, "owner", locale="fr")
    db.session.add_all([Follow(organisation_id=company.id, challenge_id=followed.id),
                        Question(challenge_id=dutch.id, organisation_id=company.id, asked_by_id=person.id,
                                 body="Welk budget?", language="nl", answer="Tot 30.000 euro.", answer_language="nl")])
    db.session.commit()
    login(person)
    page = client.get("/dashboard").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert _marked(page, "Lekken vroeg vinden") == "nl"  # the pitches' table (and the questions' list)
    assert _marked(page, "Weniger Streusalz") == "de"
    assert _marked(page, "Welk budget?") == "nl" and _marked(page, "Tot 30.000 euro.") == "nl"
    assert page.count('lang="nl">Lekken vroeg vinden<') == 2


def test_pages_about_a_challenge_mark_its_title(client, login, f):
    challenge = f.Challenge(language="fr", title="Des bus de nuit plus silencieux")
    pitch = f.Pitch(challenge=challenge, status="draft")
    login(f.member(pitch.company, "owner", locale="en"))
    for url in (f"/challenges/{challenge.slug}/pitch/about", f"/pitches/{pitch.id}"):
        assert _marked(client.get(url).get_data(as_text=True), "Des bus de nuit plus silencieux") == "fr", url


def test_lang_of_says_nothing_of_an_unknown_language(app):
    from marketplace.web.template_helpers import lang_of
    from marketplace.services.work_lists import Titled

    assert lang_of("fr") == ' lang="fr"' and lang_of(Titled("Eau", "nl")) == ' lang="nl"'
    assert lang_of(None) == "" and lang_of("xx") == "" and lang_of(Titled("fr", None)) == ""


def test_an_email_s_html_part_marks_the_challenge_and_the_question_with_their_languages(app):
    from marketplace.services.messaging.mail import render_email

    base = {"title": "Nouvelle question", "link": "https://agora.example/x", "unsubscribe_url": "https://agora.example/u"}
    _, _, html = render_email("question_answered", locale="fr", context={
        **base, "challenge_title": "Lekken vroeg vinden", "question": "Welk budget?", "answer": "Tot 30.000 euro.",
        "question_language": "nl", "answer_language": "nl"})
    assert _marked(html, "<p>Welk budget?</p>") == "nl" and _marked(html, "<p>Tot 30.000 euro.</p>") == "nl"
    _, _, html = render_email("saved_search_alert", locale="en", context={
        **base, "search_name": "Water", "challenge_title": "Moins de sel", "challenge_summary": "Saler moins.",
        "challenge_language": "fr", "agency_name": "Ville", "challenge_url": "https://agora.example/c",
        "search_url": "https://agora.example/s"})
    assert _marked(html, "Moins de sel") == "fr" and _marked(html, "Saler moins.") == "fr"
    _, _, html = render_email("saved_search_alert", locale="en", context={  # queued before the language was given
        **base, "search_name": "Water", "challenge_title": "Moins de sel", "challenge_summary": "Saler moins.",
        "agency_name": "Ville", "challenge_url": "https://agora.example/c", "search_url": "https://agora.example/s"})
    assert _marked(html, "Moins de sel") is None
