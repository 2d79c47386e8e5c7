"""A live Agora on the test database, Debian's chromium driven by Playwright, and axe-core for accessibility.

The server runs the same app object as the other tests, in a thread, so data
made with the factories is what the browser sees. Screenshots of every
journey go to artifacts/screenshots/.
"""
import contextlib
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


class _RequestsInFlight:
    """Counts the requests the live server is still answering. A closed browser context can leave one in
    flight (a favicon, a prefetch); the next test's TRUNCATE would then deadlock with its reads on PostgreSQL."""

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.idle = threading.Condition()

    def __call__(self, environ, start_response):
        with self.idle:
            self.count += 1
        try:
            yield from self.app(environ, start_response)
        finally:
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def wait_until_idle(self, timeout=10):
        with self.idle:
            self.idle.wait_for(lambda: self.count == 0, timeout=timeout)


@pytest.fixture(scope="session")
def _live_server(app):
    in_flight = _RequestsInFlight(app)
    server = make_server("127.0.0.1", 0, in_flight, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", in_flight
    server.shutdown()


@pytest.fixture
def live_server(_live_server):
    """The server's address; after the test, waits for the requests still in flight before the tables are emptied."""
    address, in_flight = _live_server
    yield address
    in_flight.wait_until_idle()


@pytest.fixture(scope="session")
def browser():
    if shutil.which(CHROMIUM) is None and not os.path.exists(CHROMIUM):
        pytest.fail(f"Debian's chromium is not at {CHROMIUM}: run `make setup-browser`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, _clicks_wait_for_the_page():
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@contextlib.contextmanager
def _clicks_wait_for_the_page():
    """A click that submits a form or follows a link returns once the new document is committed, not once it is
    parsed: on a busy CI machine the checks that followed read a page still empty (a flash message "not visible",
    axe finding no document). Every click here returns when the page it leads to has loaded; a click that
    navigates nowhere finds the page loaded already."""
    from playwright.sync_api import Locator

    click = Locator.click

    def click_then_wait_for_the_page(self, *args, **kwargs):
        click(self, *args, **kwargs)
        self.page.wait_for_load_state()

    Locator.click = click_then_wait_for_the_page
    try:
        yield
    finally:
        Locator.click = click


def _new_context(browser, live_server):
    return browser.new_context(base_url=live_server, locale="en-GB", viewport={"width": 1280, "height": 900})


@pytest.fixture
def page(browser, live_server):
    context = _new_context(browser, live_server)
    yield context.new_page()
    context.close()


class Accessibility:
    """Runs axe-core on each page a journey visits; the test fails on any WCAG 2.1 A or AA violation."""

    def __init__(self):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.checked = []

    def check(self, page):
        page.wait_for_load_state()
        results = self.axe.run(page, options=WCAG_AA)
        violations = results.response["violations"]
        self.checked.append(page.url)
        assert violations == [], f"{page.url}:\n" + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in violations)


@pytest.fixture
def a11y():
    return Accessibility()


@pytest.fixture
def shot(request):
    """shot(page, name): save a screenshot of the journey as a test artefact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(page, name):
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


def sign_in_on(page, user):
    """Sign `user` in on `page` (a second person works in a browser context of their own), with the code of
    their authenticator app when they use two-factor sign-in."""
    from tests.factories import PASSWORD

    page.goto("/auth/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if user.totp_secret:
        import pyotp

        # The code step speaks the person's language (their password was right): found by the field, not its label.
        page.locator("input[name=code]").fill(pyotp.TOTP(user.totp_secret).now())
        page.locator("input[name=code]").press("Enter")
    return user


@pytest.fixture
def sign_in(page):
    return lambda user: sign_in_on(page, user)


@pytest.fixture
def other_page(browser, live_server):
    """A second person's browser, beside the first one's: its own cookies, the same site."""
    context = _new_context(browser, live_server)
    yield context.new_page()
    context.close()
