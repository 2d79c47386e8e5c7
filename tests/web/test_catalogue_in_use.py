"""Every string a French reader is shown is in the French catalogue, whatever the extraction command saw.

The same walk checks that no page answers 500 and no attribute is written from a missing value (="None").

tests/test_translations.py checks the catalogues against what `pybabel extract` finds; a string the
extraction misses (a keyword it does not know, a template type it skips, a `{% do %}` it cannot parse)
would pass there and still be English on a French page. Here the demo world is walked in French as each
kind of person, following the links of every page (a few pages per route), and every lookup that the
French catalogue does not answer is recorded by a fallback put behind it.
"""
import re
from collections import defaultdict
from urllib.parse import urldefrag, urlsplit

import pytest
from babel.support import NullTranslations
from flask_babel import force_locale, get_translations
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from marketplace.extensions import db
from marketplace.models import Challenge, User

LINK = re.compile(r'href="(/[^"]*)"')
SKIPPED = ("/auth/logout", "/static/", "/metrics")
PAGES_PER_ROUTE = 20
PEOPLE = [None, "owner@leaksense.example.be", "owner@water.example.be", "publisher@water.example.be",
          "procurement.officer@liege.example.be", "evaluator@liege.example.be", "admin@agora.example"]


class MissRecorder(NullTranslations):
    """Behind the French catalogue: called only for what the catalogue does not hold."""

    def __init__(self):
        super().__init__()
        self.missed = defaultdict(set)
        self.page = None

    def gettext(self, message):
        self.missed[message].add(self.page)
        return message

    def ngettext(self, singular, plural, n):
        self.missed[singular].add(self.page)
        return singular if n == 1 else plural

    def pgettext(self, context, message):
        self.missed[f"{context}|{message}"].add(self.page)
        return message

    def npgettext(self, context, singular, plural, n):
        self.missed[f"{context}|{singular}"].add(self.page)
        return singular if n == 1 else plural


@pytest.fixture
def recorder(app):
    recorder = MissRecorder()
    with app.test_request_context(), force_locale("fr"):
        catalogue = get_translations()  # the French catalogue the app keeps for every request
        assert catalogue.gettext("Challenges") != "Challenges", "the French catalogue is not compiled"
        catalogue.add_fallback(recorder)
    yield recorder
    catalogue._fallback = None


def _endpoint(app, path):
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(urlsplit(path).path, method="GET")
    except HTTPException:
        return None
    return endpoint


def _walk(app, client, recorder, starts):
    seen, per_route, queue, errors = set(), defaultdict(int), list(starts), []
    while queue:
        path = urldefrag(queue.pop(0))[0]
        endpoint = _endpoint(app, path)
        if path in seen or endpoint is None or any(path.startswith(s) for s in SKIPPED):
            continue
        seen.add(path)
        if per_route[endpoint] >= PAGES_PER_ROUTE:
            continue
        per_route[endpoint] += 1
        recorder.page = path
        response = client.get(path, headers={"Accept-Language": "fr"})
        if response.status_code >= 500:
            errors.append(f"{response.status_code} {path}")
        if response.mimetype == "text/html":
            if '="None"' in response.get_data(as_text=True):  # an attribute written from a missing value
                errors.append(f'an attribute ="None" on {path}')
            queue.extend(LINK.findall(response.get_data(as_text=True).replace("&amp;", "&")))
    return per_route, errors


def test_every_string_on_the_pages_of_the_demo_world_is_in_the_french_catalogue(app, client, runner, recorder):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    routes, errors = set(), []
    for email in PEOPLE:
        with client.session_transaction() as session:
            session.clear()
            if email is not None:
                user = db.session.scalar(select(User).where(User.email == email))
                user.locale = "fr"
                user.totp_secret = user.totp_secret or "JBSWY3DPEHPK3PXP"  # signed in past the second factor
                db.session.commit()
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
        every_challenge = [f"/challenges/{slug}" for slug in db.session.scalars(select(Challenge.slug))]
        walked, failed = _walk(app, client, recorder, ["/", "/dashboard", "/challenges", "/stats", "/open-data",
                                                       "/notifications", "/account", "/admin", *every_challenge])
        routes |= set(walked)
        errors += failed
    assert len(routes) >= 35, f"the walk reached only {len(routes)} routes: {sorted(routes)}"
    assert not errors, errors
    missed = {message: sorted(pages)[:2] for message, pages in recorder.missed.items()}
    assert not missed, f"{len(missed)} strings shown on French pages are not in the catalogue:\n" + "\n".join(
        f"{message!r} on {pages}" for message, pages in sorted(missed.items()))


def test_the_recorder_notices_a_string_missing_from_the_catalogue(app, recorder):
    from flask_babel import gettext

    with app.test_request_context(), force_locale("fr"):
        assert gettext("Challenges") != "Challenges"
        assert gettext("A sentence nobody translated") == "A sentence nobody translated"
    assert "A sentence nobody translated" in recorder.missed and "Challenges" not in recorder.missed


def test_every_email_in_french_takes_its_strings_from_the_catalogue(app, recorder):
    from marketplace.services.messaging.mail import render_email
    from tests.test_translations import EMAIL_CONTEXT, EMAILS

    with app.test_request_context():
        for template in EMAILS:
            recorder.page = f"email/{template}"
            render_email(template, locale="fr", context=dict(EMAIL_CONTEXT, locale="fr"))
    assert not recorder.missed, sorted(recorder.missed)
