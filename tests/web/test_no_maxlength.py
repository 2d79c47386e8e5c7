"""The form fields drawn by the `field` macro carry no maxlength, though WTForms writes one from a Length validator:
a browser cuts a pasted text at the limit without a word (a send-back reason, a challenge's summary), where the
character count says how many characters are too many and the form refuses the text with its reason, keeping it.
The pitch steps hold to the same rule (test_pitches)."""
import lxml.html

from marketplace.extensions import db


def _limited_fields(html):
    page = lxml.html.fromstring(html)
    return {field.get("name"): field.get("maxlength") for field in page.xpath("//main//*[self::input or self::textarea]")
            if field.get("maxlength") is not None}


def test_no_field_of_the_challenge_form_the_send_back_or_the_token_form_is_cut_by_the_browser(client, login, f):
    agency = f.Agency()
    agency.four_eyes_publishing = True
    db.session.commit()
    draft = f.Challenge(agency=agency, status="draft", published_at=None)
    asker, approver = f.member(agency, "publisher"), f.member(agency, "publisher")
    login(asker)
    assert client.post(f"/challenges/{draft.slug}/request-approval").status_code == 302
    login(approver)
    preview = client.get(f"/challenges/{draft.slug}/preview").text
    assert 'name="reason"' in preview and "You can enter up to 2,000 characters." in preview
    for url in (f"/challenges/{draft.slug}/preview", f"/challenges/{draft.slug}/edit", "/account/tokens", "/account"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _limited_fields(response.text) == {}, url
