"""The OpenAPI 3.1 document is valid, covers every API route, comes from the code, and renders as the docs page."""
import re

from openapi_spec_validator import validate

from marketplace.services.challenges.challenges import LIMITS
from marketplace.services.pitches.pitches import LIMITS as PITCH_LIMITS

NOT_OPERATIONS = {"api.openapi_json", "api.docs"}


def test_the_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_api_route_is_in_the_document_and_nothing_else(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(method.upper(), "/api/v1" + path) for path, methods in document["paths"].items()
                  for method in methods}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint not in NOT_OPERATIONS:
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routed |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented


def test_the_schemas_come_from_the_same_limits_as_the_services(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["ChallengeIn"]["properties"]["title"]["maxLength"] == LIMITS["title"]
    assert schemas["ChallengeIn"]["additionalProperties"] is False
    assert schemas["PitchIn"]["properties"]["approach"]["maxLength"] == PITCH_LIMITS["approach"]


def test_writes_need_a_token_and_every_error_is_a_documented_problem(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": document["components"]["securitySchemes"][
            "bearerAuth"]["description"]}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method != "get":
                assert operation["security"] == [{"bearerAuth": []}], (method, path)
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    assert list(answer["content"]) == ["application/problem+json"]
                    assert answer["content"]["application/problem+json"]["schema"] == {
                        "$ref": "#/components/schemas/Problem"}


def test_the_docs_pages_english_reference_says_it_is_english_on_a_german_page(client):
    """The operations' and schemas' own texts exist in English only: on a German page they are marked lang="en"
    (a screen reader reads them as English) and the page says the reference is in English."""
    from html.parser import HTMLParser

    class EnglishOutsideLangEn(HTMLParser):
        def __init__(self):
            super().__init__()
            self.stack, self.found = [], []

        def handle_starttag(self, tag, attrs):
            if tag not in ("br", "img", "input", "meta", "link", "hr"):
                self.stack.append(dict(attrs).get("lang"))

        def handle_endtag(self, tag):
            if tag not in ("br", "img", "input", "meta", "link", "hr") and self.stack:
                self.stack.pop()

        def handle_data(self, data):
            inner = next((lang for lang in reversed(self.stack) if lang), None)
            if inner != "en" and any(text in data for text in ENGLISH_ONLY):
                self.found.append(data.strip())

    ENGLISH_ONLY = ("The slug in the page's address.", "Published challenges, with the same filters",
                    "The token's user may not do this.", "Who this token acts for.")
    page = client.get("/api/v1/docs", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="de"' in page and all(text in page.replace("&#39;", "'") for text in ENGLISH_ONLY)
    checker = EnglishOutsideLangEn()
    checker.feed(page)
    assert checker.found == []
    english = client.get("/api/v1/docs", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The reference of the operations and schemas below is in English." in english


def test_the_docs_page_shows_every_operation_and_problem_type_without_scripts_of_its_own(client):
    document = client.get("/api/v1/openapi.json").get_json()
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert f"<code>{method.upper()} {path}</code>" in page
            assert f'id="op-{operation["operationId"]}"' in page
    for kind in ("invalid-json", "validation-failed", "not-authenticated", "stale-state"):
        assert f'id="problem-{kind}"' in page
    assert 'id="schema-ChallengeIn"' in page
    # Only the site's shared progressive-enhancement scripts: the docs need none, and nothing from elsewhere.
    assert set(re.findall(r'<script src="([^"]*)"', page)) <= {"/static/js/forms.js", "/static/js/language_keep.js"}
    assert len(re.findall(r"<script", page)) == len(re.findall(r'<script src="/static/js/', page))


def test_the_footer_links_to_the_api_docs(client):
    assert 'href="/api/v1/docs"' in client.get("/").get_data(as_text=True)


def test_a_problem_type_uri_leads_to_its_explanation(client):
    body = client.get("/api/v1/me").get_json()
    page, anchor = body["type"].split("#")
    assert page.endswith("/api/v1/docs")
    assert f'id="{anchor}"' in client.get("/api/v1/docs").get_data(as_text=True)


def test_the_ocds_answer_is_checked_against_the_real_release_package_schema(client, f):
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    f.Challenge()
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/ocds/releases"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OCDSReleasePackage"}
    schemas = document["components"]["schemas"]
    assert schemas["OCDSReleasePackage"]["properties"]["releases"]["items"] == {
        "$ref": "#/components/schemas/OCDSRelease"}
    assert schemas["OCDSRecordPackage"]["required"] == ["uri", "publisher", "publishedDate", "records", "version"]
    registry = Registry().with_resource("agora", Resource(document, specification=DRAFT202012))
    validator = Draft202012Validator({"$ref": "agora#/components/schemas/OCDSReleasePackage"}, registry=registry)
    package = client.get("/api/v1/ocds/releases").get_json()
    assert list(validator.iter_errors(package)) == []
    package["releases"][0]["tag"] = ["published"]  # not a release tag of the closed codelist
    package["releases"][0]["tender"]["value"] = {"amount": "a lot"}
    assert len(list(validator.iter_errors(package))) == 2
    for path in ("releases", "records"):  # declared alike on both
        parameters = {p["name"]: p["schema"] for p in document["paths"][f"/ocds/{path}"]["get"]["parameters"]}
        assert parameters["since"]["anyOf"][0] == {"type": "string", "format": "date-time"}
        assert parameters["ocid"]["pattern"] == r"^ocds\-xxxxxx\-agora-[1-9][0-9]{0,11}$"
