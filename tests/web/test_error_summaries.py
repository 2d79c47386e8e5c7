"""Every form that refuses what was sent says so the same way: "Error:" in the title, a summary linking to each field.

The forms are found from the URL map: every POST route, sent empty by every
role of the permission matrix; each answer that is a page of errors is checked.
Where the refused form is on the page (its action is), each link of the
summary must land on a field of it.
"""
import re

import pytest

from tests.web.test_permission_matrix import ROLES, _routes, _url, world  # noqa: F401  (the matrix's world)

SUMMARY = re.compile(r'<div class="error-summary".*?</div>', re.S)


def _problems(page, action):
    problems = []
    if not re.search(r"<title>\s*Error:", page):
        problems.append("no 'Error:' in the title")
    summary = SUMMARY.search(page)
    if summary is None:
        return problems + ["no error summary"]
    for target in re.findall(r'href="#([^"]+)"', summary.group(0)):
        if f'action="{action}"' in page and f'id="{target}"' not in page:
            problems.append(f"the summary links to #{target}, which is not on the page")
    return problems


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anon"])
def test_every_refused_form_has_the_error_title_and_a_linked_summary(app, client, login, world, role):  # noqa: F811
    people, values, company, _ = world
    login(people[role])
    checked, wrong = [], {}
    for rule in _routes(app):
        if "POST" not in rule.methods or rule.endpoint in ("auth.logout", "main.set_language"):
            continue
        url = _url(rule, values, company)
        response = client.post(url, data={})
        if response.status_code != 422 or not response.content_type.startswith("text/html"):
            continue
        checked.append(rule.endpoint)
        if "<form" in response.text and (problems := _problems(response.text, url)):
            wrong[rule.endpoint] = problems
    assert wrong == {}
    assert checked, "no form was refused: the world of the permission matrix has changed"


def test_a_refusal_on_the_error_page_leads_back_to_where_the_button_was_but_never_off_the_site(client, login, f):
    challenge = f.Challenge()
    login(f.member(f.Agency(), "publisher"))  # only companies follow: refused, with the reason
    here = f"http://localhost/challenges/{challenge.slug}"
    refused = client.post(f"/challenges/{challenge.slug}/follow", headers={"Referer": here})
    assert refused.status_code == 403 and f'href="/challenges/{challenge.slug}"' in refused.text
    assert "Go back to the page you were on" in refused.text
    elsewhere = client.post(f"/challenges/{challenge.slug}/follow", headers={"Referer": "https://evil.example/x"})
    assert "evil.example" not in elsewhere.text and "Go back to the page you were on" not in elsewhere.text
