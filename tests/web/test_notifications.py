"""The inbox: only one's own notices, read marks, the unread count in the header, unsubscribing."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import update

from marketplace.extensions import db
from marketplace.models import Notification
from marketplace.services.messaging import mail, notifications
def _note(user, key, link="/challenges"):
    note = notifications.notify(user, kind="t", title=f"Notice {key}", body="Body", link=link, dedupe_key=key)
    db.session.commit()
    return note


def test_the_inbox_and_the_unread_count_in_the_header(client, login, f):
    user = f.member(f.Company(), "owner")
    other = f.member(f.Company(), "owner")
    _note(user, "a")
    _note(user, "b")
    _note(other, "c")
    login(user)
    page = client.get("/notifications").text
    assert "Notice a" in page and "Notice b" in page and "Notice c" not in page
    assert 'class="badge"' in page and "2 unread" in page


def test_mark_one_and_all_read_and_never_someone_elses(client, login, f):
    user = f.member(f.Company(), "owner")
    other = f.member(f.Company(), "owner")
    first = _note(user, "a")
    _note(user, "b")
    theirs = _note(other, "c")
    login(user)
    response = client.post(f"/notifications/{first.id}/read", data={"open": "1"})
    assert response.status_code == 302 and response.headers["Location"] == "/challenges"
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert db.session.get(Notification, theirs.id).read_at is None
    client.post("/notifications/read-all")
    assert notifications.unread_count(user) == 0 and notifications.unread_count(other) == 1


def test_mark_all_as_read_is_offered_only_while_something_is_unread(client, login, f):
    user = f.member(f.Company(), "owner")
    _note(user, "a")
    login(user)
    assert 'action="/notifications/read-all"' in client.get("/notifications").text
    client.post("/notifications/read-all")
    page = client.get("/notifications").text
    assert 'action="/notifications/read-all"' not in page and "Notice a" in page


def test_an_external_link_is_never_followed(client, login, f):
    user = f.member(f.Company(), "owner")
    note = _note(user, "x", link="https://evil.example/")
    login(user)
    response = client.post(f"/notifications/{note.id}/read", data={"open": "1"})
    assert response.headers["Location"].endswith("/notifications")


def test_anonymous_visitors_sign_in_first(client):
    assert client.get("/notifications").status_code == 302
    assert client.post("/notifications/read-all").status_code == 302


def test_unsubscribe_asks_then_does(client, f):
    user = f.member(f.Company(), "owner")
    token = mail.unsubscribe_token(user)
    assert client.get(f"/notifications/unsubscribe/{token}").status_code == 200
    db.session.refresh(user)
    assert user.notification_preference == "immediate"
    done = client.post(f"/notifications/unsubscribe/{token}")
    assert done.status_code == 200 and 'href="/account#settings"' in done.text  # the way back, not only its name
    db.session.refresh(user)
    assert user.notification_preference == "off"
    assert client.get("/notifications/unsubscribe/forged-token").status_code == 404


def test_one_click_unsubscribe_needs_the_signed_link_not_a_csrf_token(app, client, f):
    """RFC 8058: a mail provider POSTs `List-Unsubscribe=One-Click` to the link, with no cookie and no CSRF token.
    The signed token is the proof; GET (what link scanners do) still changes nothing; repeating is harmless."""
    user, bystander = f.member(f.Company(), "owner"), f.member(f.Company(), "owner")
    token = mail.unsubscribe_token(user)
    one_click = {"List-Unsubscribe": "One-Click"}
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")  # one character of the signature changed
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        asked = client.get(f"/notifications/unsubscribe/{token}")
        assert asked.status_code == 200 and "csrf_token" not in asked.text and "Set-Cookie" not in asked.headers
        assert client.post(f"/notifications/unsubscribe/{forged}", data=one_click).status_code == 404
        assert client.post(f"/notifications/unsubscribe/{mail.unsubscribe_token(bystander)}x").status_code == 404
        db.session.refresh(user)
        db.session.refresh(bystander)
        assert user.notification_preference == bystander.notification_preference == "immediate"
        for _ in range(2):
            assert client.post(f"/notifications/unsubscribe/{token}", data=one_click).status_code == 200
            db.session.refresh(user)
            assert user.notification_preference == "off"
        assert client.post("/notifications/read-all").status_code == 400  # the exemption is this view's alone
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.refresh(bystander)
    assert bystander.notification_preference == "immediate"



def test_the_unsubscribe_page_speaks_the_language_of_the_email(client, login, f):
    token = mail.unsubscribe_token(f.member(f.Company(), "owner", locale="fr"))
    english_browser = {"Accept-Language": "en"}
    assert "Ne plus recevoir d’e-mails d’Agora" in client.get(f"/notifications/unsubscribe/{token}",
                                                               headers=english_browser).text
    login(f.member(f.Company(), "owner", locale="nl"))  # someone else, who chose Dutch, opens it: theirs wins
    assert "Geen e-mails meer van Agora" in client.get(f"/notifications/unsubscribe/{token}",
                                                       headers=english_browser).text


def test_the_french_unsubscribe_pages_call_notices_notifications_as_the_rest_of_agora_does(client, f):
    token = mail.unsubscribe_token(f.member(f.Company(), "owner", locale="fr"))
    page = client.get(f"/notifications/unsubscribe/{token}").text
    assert "les notifications dans votre boîte de réception" in page and "avis" not in page


def test_a_forged_or_damaged_unsubscribe_link_says_so_in_the_visitors_language_and_leads_to_the_settings(client, f):
    """Not a bare 404: what happened, that nothing changed, and the way to the notification settings (behind
    sign-in); in the visitor's language, since the link names nobody."""
    user = f.member(f.Company(), "owner", locale="de")
    token = mail.unsubscribe_token(user)
    damaged = (token[:-1] + ("A" if token[-1] != "A" else "B"), token[:len(token) // 2], "forged-token")
    for language, title, button in (
            ("en", "This unsubscribe link is not valid", "Sign in to your notification settings"),
            ("fr", "Ce lien de désabonnement n’est pas valide", "Se connecter pour ouvrir vos paramètres de notification")):
        for bad in damaged:
            for method in (client.get, client.post):
                response = method(f"/notifications/unsubscribe/{bad}", headers={"Accept-Language": language})
                assert response.status_code == 404 and title in response.text and button in response.text
                assert 'href="/account#settings"' in response.text
    db.session.refresh(user)
    assert user.notification_preference == "immediate"  # nothing changed
    to_settings = client.get("/account")
    assert to_settings.status_code == 302 and "/auth/login" in to_settings.headers["Location"]

def test_an_empty_inbox_speaks_to_the_persons_side_of_the_marketplace(client, login, f):
    login(f.member(f.Agency(), "evaluator"))
    agency = client.get("/notifications").text
    assert "one of your agency’s challenges" in agency and "matches your company" not in agency
    login(f.member(f.Company(), "owner"))
    assert "When a challenge matches your company" in client.get("/notifications").text


def test_the_inbox_speaks_the_readers_language_of_today(client, login, f):
    """A notice written in French is read in Dutch once the person chose Dutch (its message id and parameters are
    kept, a parameter that is itself a message too); a notice from before that was kept keeps its stored text."""
    user = f.member(f.Company(), "owner", locale="fr")
    notifications.notify(user, kind="t", dedupe_key="q", title=_l("New question on “%(title)s”", title="Eau"),
                         body=lazy_ngettext("%(num)s open challenge matches %(company)s",
                                            "%(num)s open challenges match %(company)s", 2, company=_l("Company")))
    older = notifications.notify(user, kind="t", dedupe_key="old", title=_l("New question on “%(title)s”", title="Vent"))
    db.session.execute(update(Notification).where(Notification.id == older.id).values(title_message=None))
    user.locale = "nl"
    db.session.commit()
    login(user)
    page = client.get("/notifications").text
    assert "Nieuwe vraag over “Eau”" in page and "2 open uitdagingen passen bij Bedrijf" in page
    assert "Vent" in page and "Nieuwe vraag over “Vent”" not in page  # stored in French, shown so


def test_an_empty_inbox_says_what_will_appear_there_for_each_side(client, login, f):
    login(f.member(f.Company(), "owner"))
    assert "When a challenge matches your company" in client.get("/notifications").text
    login(f.member(f.Agency(), "owner"))
    assert "When a company asks about one of your agency" in client.get("/notifications").text
