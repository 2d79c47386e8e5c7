"""Challenge pages: list with filters, detail, drafting form with field errors, publishing, cancelling."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Challenge
from marketplace.services.clock import utcnow
from marketplace.web.i18n import LANGUAGE_NAMES
from tests.statements import Statements


def _form(**overrides):
    deadline = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "kind": "call_for_solutions", "title": "Cleaner school air", "summary": "Classrooms are stuffy.",
        "problem_statement": "CO2 often above **1500 ppm**.", "sectors": ["90"], "budget_min": "5000",
        "budget_max": "20000", "pilot_duration_weeks": "8", "pitch_deadline": deadline,
        "criteria-0-name": "Fit", "criteria-0-weight": "70", "criteria-1-name": "Price", "criteria-1-weight": "30",
        "success_measures-0-measure": "CO2 level", "success_measures-0-baseline": "1500 ppm",
        "success_measures-0-target": "800 ppm",
    }
    data.update(overrides)
    return data


@pytest.fixture
def publisher(f):
    return f.member(f.Agency(), "publisher")


def test_the_list_shows_status_agency_budget_and_deadline(client, f):
    challenge = f.Challenge(title="Quieter night buses")
    page = client.get("/challenges").text
    assert "Quieter night buses" in page and challenge.agency.name in page
    assert "Open for pitches" in page and "Deadline:" in page and "Budget:" in page


@pytest.mark.parametrize("path, most", [
    ("/", 4), ("/challenges", 4),  # the token, the count, the page, the agencies
    # the token, the catalogue (its columns and sectors, read once per change of the public data: catalogue.py),
    # the matches, the page's rows, the agencies
    ("/challenges?q=appointments", 6)])
def test_the_public_lists_cost_the_same_few_queries_however_many_agencies(client, f, path, most):
    """No query per listed challenge (its agency's name comes with it)."""
    client.get(path)  # on PostgreSQL a search's words are parsed once per process and kept (search.py)
    counts = []
    for extra in (1, 5):
        for _ in range(extra):
            f.Challenge()
        with Statements() as statements:
            assert client.get(path).headers["X-Page-Cache"] == "miss"
        counts.append(statements.count)
    assert counts[0] == counts[1] <= most


def test_a_search_asked_with_other_filters_or_pages_reads_only_the_token_and_its_rows(client, f):
    """Once its words have been searched since the public data last changed, a search with any other filter, order
    or page reads no match again: the kept catalogue answers it (services/challenges/catalogue.py)."""
    for n in range(30):
        f.Challenge(title=f"Appointments {n}", budget_min=1000 * n)
    assert client.get("/challenges?q=appointments").status_code == 200
    for asked in ("&sort=deadline", "&sort=budget_high&budget_max=20000", "&page=2", "&budget_min=5000&page=2"):
        with Statements() as statements:
            assert client.get("/challenges?q=appointments" + asked).headers["X-Page-Cache"] == "miss"
        assert not [sql for sql in statements.sql if "search_vector" in sql or "challenge_sectors" in sql], asked
        assert statements.count <= 2, (asked, statements.sql)  # the token, the rows not read before


@pytest.mark.parametrize("query", ["?page=abc", "?budget_min=-1&status=draft", "?sort=%27;DROP", "?q=%3Cscript%3E",
                                   "?sector=../../etc", "?page=0", "?q=" + "x" * 3000])
def test_odd_query_strings_never_break_the_list(client, f, query):
    f.Challenge()
    response = client.get("/challenges" + query)
    assert response.status_code == 200
    assert "<script>" not in response.text.split("<main", 1)[1]


def test_the_detail_page_renders_markdown_safely(client, f):
    challenge = f.Challenge(problem_statement="**Bold** <script>alert(1)</script> <a href=\"javascript:x()\">x</a>")
    page = client.get(f"/challenges/{challenge.slug}").text
    assert "<strong>Bold</strong>" in page
    assert "<script>alert(1)</script>" not in page and "javascript:x()" not in page


def test_the_agencys_text_carries_the_language_it_is_written_in(client, f):
    challenge = f.Challenge(language="en", title="Fewer missed appointments")
    page = client.get(f"/challenges/{challenge.slug}", headers={"Accept-Language": "nl-BE"}).text
    assert '<html lang="nl">' in page
    assert '<h1 lang="en">Fewer missed appointments</h1>' in page and 'class="prose" lang="en"' in page
    for listed in ("/challenges", "/"):  # and where the lists show it (the home page's open challenges)
        page = client.get(listed, headers={"Accept-Language": "nl-BE"}).text
        assert 'lang="en"><a href="/challenges/' + challenge.slug in page


def test_the_agencys_criteria_measures_and_reasons_carry_its_language_too(client, f):
    """Screen readers read a criterion, a success measure or a cancellation reason in the language it is written
    in, not in the page's (WCAG 3.1.2, language of parts)."""
    challenge = f.Challenge(language="en", title="Fewer missed appointments", status="cancelled",
                            cancel_reason="The ministry merged two services.")
    page = client.get(f"/challenges/{challenge.slug}", headers={"Accept-Language": "nl-BE"}).text
    assert '<p lang="en">The ministry merged two services.</p>' in page
    criterion = challenge.criteria[0].name
    assert f'<th scope="row" lang="en">{criterion}' in page
    assert challenge.success_measures and '<tbody lang="en">' in page


def test_a_market_consultation_shows_no_criteria_or_pilot_measures_as_its_rules(client, f):
    """A consultation ranks nothing: criteria or success measures it was given (the factory gives both) are not
    shown to companies as if their answers were scored; a call for solutions shows its own."""
    consultation = f.Challenge(kind="market_consultation")
    call = f.Challenge(kind="call_for_solutions")
    assert consultation.criteria and consultation.success_measures
    page = client.get(f"/challenges/{consultation.slug}").text
    assert "Evaluation criteria" not in page and "How a pilot will be judged" not in page
    page = client.get(f"/challenges/{call.slug}").text
    assert "Evaluation criteria" in page and "How a pilot will be judged" in page


def test_unknown_and_draft_challenges_are_not_found(client, f):
    draft = f.Challenge(status="draft")
    assert client.get("/challenges/no-such-thing").status_code == 404
    assert client.get(f"/challenges/{draft.slug}").status_code == 404


def test_anonymous_and_companies_cannot_write(client, login, f):
    assert client.get("/challenges/new").status_code == 302
    login(f.member(f.Company(), "owner"))
    assert client.get("/challenges/new").status_code == 403
    assert client.post("/challenges/new", data=_form()).status_code == 403
    assert db.session.scalar(select(Challenge.id)) is None


def test_write_preview_and_publish(client, login, publisher):
    login(publisher)
    assert client.get("/challenges/new").status_code == 200
    response = client.post("/challenges/new", data=_form())
    assert response.status_code == 302
    challenge = db.session.scalars(select(Challenge)).one()
    assert challenge.sectors == ["90"] and challenge.status == "draft"
    preview = client.get(f"/challenges/{challenge.slug}/preview").text
    assert "Publish the challenge" in preview
    assert client.post(f"/challenges/{challenge.slug}/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).status == "published"


def test_field_errors_are_shown_next_to_fields_with_a_summary(client, login, publisher):
    login(publisher)
    response = client.post("/challenges/new", data=_form(
        title="", budget_min="30000", budget_max="1000", **{"criteria-1-weight": "20"}))
    assert response.status_code == 422
    text = response.text
    assert "<title>Error:" in text and "There is a problem" in text
    assert "Enter a title." in text and 'href="#title"' in text
    assert "The maximum budget must be the same as or more than the minimum." in text
    assert db.session.scalar(select(Challenge.id)) is None
    # What was typed is still there.
    assert "Classrooms are stuffy." in text


def test_domain_errors_land_on_their_fields(client, login, publisher):
    login(publisher)
    response = client.post("/challenges/new", data=_form(**{"criteria-1-weight": "20"}))
    assert response.status_code == 422
    assert "must add up to 100" in response.text


def test_oversized_input_is_refused(client, login, publisher):
    login(publisher)
    response = client.post("/challenges/new", data=_form(title="x" * 201, problem_statement="y" * 20001))
    assert response.status_code == 422
    assert db.session.scalar(select(Challenge.id)) is None


def test_a_stale_edit_is_told_and_keeps_the_typed_text(client, login, publisher, f):
    login(publisher)
    client.post("/challenges/new", data=_form())
    challenge = db.session.scalars(select(Challenge)).one()
    old_version = challenge.version
    challenge.title = "Changed by a colleague"
    db.session.commit()
    response = client.post(f"/challenges/{challenge.slug}/edit",
                           data=_form(title="My new title", version=str(old_version)))
    assert response.status_code == 409
    assert "Someone else saved this draft" in response.text and "My new title" in response.text


def test_cancel_with_a_public_reason(client, login, f):
    challenge = f.Challenge()
    publisher = f.member(challenge.agency, "publisher")
    login(publisher)
    empty = client.post(f"/challenges/{challenge.slug}/cancel", data={"reason": ""})
    assert empty.status_code == 422
    client.post(f"/challenges/{challenge.slug}/cancel", data={"reason": "Budget withdrawn <b>today</b>."})
    page = client.get(f"/challenges/{challenge.slug}").text
    assert "This challenge was cancelled" in page and "Budget withdrawn &lt;b&gt;today&lt;/b&gt;." in page
    login(f.member(f.Agency(), "publisher"))
    assert client.post(f"/challenges/{challenge.slug}/cancel", data={"reason": "x"}).status_code == 403


def test_a_draft_cancelled_before_publication_claims_no_pitches_and_no_told_companies(client, login, f):
    """Found walking the demo: it never went out (lifecycle.ever_published), so no link to pitches it cannot have,
    no seal until a deadline, and the ranked companies were never told of it; one published then cancelled was."""
    never = f.Challenge(status="cancelled", published_at=None, cancel_reason="Done in house.")
    once = f.Challenge(agency=never.agency, status="cancelled", cancel_reason="Budget withdrawn.")
    f.set_sectors(f.Company(name="Remindly"), ["85"])
    for challenge in (never, once):
        f.set_sectors(challenge, ["85"])
    login(f.member(never.agency, "owner"))
    page = client.get(f"/challenges/{never.slug}").text
    assert f'/challenges/{never.slug}/pitches"' not in page and "This challenge was cancelled" in page
    pitches = client.get(f"/challenges/{never.slug}/pitches").text
    assert "cancelled before it was published: no company could pitch" in pitches and "sealed" not in pitches
    matches = client.get(f"/challenges/{never.slug}/matches").text
    assert "Remindly" in matches and "were told about the challenge when it was published" not in matches
    assert "cancelled before it was published: no company was told about it" in matches
    assert f'/challenges/{once.slug}/pitches"' in client.get(f"/challenges/{once.slug}").text
    assert "were told about the challenge when it was published" in client.get(f"/challenges/{once.slug}/matches").text


def test_times_are_shown_in_the_readers_zone(client, login, f):
    from datetime import datetime, timezone

    challenge = f.Challenge(pitch_deadline=datetime(2030, 6, 1, 10, 0, tzinfo=timezone.utc))
    page = client.get(f"/challenges/{challenge.slug}").text
    # Brussels, summer time; the zone is said once, in the footer, not after each value
    assert "1 June 2030, 12:00" in page and "Times are shown in Central European Time (Brussels)." in page
    user = f.member(f.Company(), "owner", timezone="America/New_York")
    login(user)
    page = client.get(f"/challenges/{challenge.slug}").text
    assert "1 June 2030, 06:00" in page and "Times are shown in Eastern Time (New York)." in page


def test_budgets_typed_the_belgian_way_are_read_as_meant(client, login, publisher):
    login(publisher)
    response = client.post("/challenges/new", data=_form(budget_min="5.000", budget_max="20 000,50"))
    assert response.status_code == 302
    challenge = db.session.scalar(select(Challenge))
    assert (challenge.budget_min, challenge.budget_max) == (5000, 20000.50)


def test_a_budget_that_is_not_an_amount_is_refused_on_its_field(client, login, publisher):
    login(publisher)
    response = client.post("/challenges/new", data=_form(budget_min="5.000.50"))
    assert response.status_code == 422
    assert "Enter an amount in figures" in response.text and 'href="#budget_min"' in response.text
    assert db.session.scalar(select(Challenge.id)) is None


def test_the_form_offers_the_four_languages_and_saves_the_one_chosen(client, login, publisher):
    login(publisher)
    form = client.get("/challenges/new").text
    assert all(f'value="{code}">{name}</option>' in form for code, name in LANGUAGE_NAMES.items())
    assert client.post("/challenges/new", data=_form(language="nl", title="Lekken in scholen")).status_code == 302
    assert db.session.scalars(select(Challenge)).one().language == "nl"
    assert client.post("/challenges/new", data=_form(language="xx")).status_code == 422  # refused, shown again
    assert db.session.scalar(select(func.count()).select_from(Challenge)) == 1


def test_a_search_with_very_many_matches_says_more_than_and_offers_best_match_first(client, f, monkeypatch):
    from marketplace.services.challenges import challenges as service
    monkeypatch.setattr(service, "MAX_COUNTED", 1)
    monkeypatch.setitem(client.application.config, "CHALLENGES_PER_PAGE", 1)
    f.Challenge(title="Water leaks"), f.Challenge(title="Leaking water mains")
    page = client.get("/challenges?q=leaks").text
    assert "More than 1 challenges" in page and '<option value="relevance" selected>' in page
    assert "More than" not in client.get("/challenges?q=mains").text


def test_words_typed_on_the_list_are_ranked_by_best_match_unless_another_order_is_chosen(client, f):
    from marketplace.services.challenges.challenges import ChallengeFilters
    f.Challenge(title="Old pipes", summary="Leaks leaks leaks."), f.Challenge(title="New roads", summary="One leak.")
    # The list never searched offers "Best match" selected, so the form sends it with the first words typed.
    assert '<option value="relevance" selected>' in client.get("/challenges").text
    assert ChallengeFilters.from_args({"q": "leaks", "sort": "relevance"}).sort == "relevance"
    # Without words the newest first is the default order, however it was asked for: the same links and feeds.
    assert ChallengeFilters.from_args({"sort": "newest"}).to_args() == {} == ChallengeFilters.from_args({}).to_args()
    assert ChallengeFilters.from_args({"q": "leaks", "sort": "newest"}).to_args() == {"q": "leaks", "sort": "newest"}
    assert 'name="budget_min" inputmode="numeric" value="20000"' in client.get("/challenges?budget_min=20000").text


def test_publishing_under_four_eyes_answers_on_the_preview_with_the_reason(client, login, publisher):
    publisher.membership.organisation.four_eyes_publishing = True
    db.session.commit()
    login(publisher)
    client.post("/challenges/new", data=_form())
    challenge = db.session.scalars(select(Challenge)).one()
    response = client.post(f"/challenges/{challenge.slug}/publish")  # a page opened before four-eyes was set
    assert response.status_code == 409
    start = response.text.index('class="error-summary"')
    assert "Ask for approval instead" in response.text[start:response.text.index("</div>", start)]
    assert "Preview: Cleaner school air" in response.text and "Ask for approval</button>" in response.text
    client.post(f"/challenges/{challenge.slug}/request-approval")
    # The one who asked is not offered the approval, and a post of it is told why on the preview.
    preview = client.get(f"/challenges/{challenge.slug}/preview").text
    assert "Approve and publish" not in preview and "must approve it" in preview
    response = client.post(f"/challenges/{challenge.slug}/approve", data={"version": challenge.version})
    assert response.status_code == 403 and 'class="error-summary"' in response.text
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).status == "draft"


def test_editing_a_challenge_published_meanwhile_keeps_the_typed_text_and_says_why(client, login, publisher):
    login(publisher)
    client.post("/challenges/new", data=_form())
    challenge = db.session.scalars(select(Challenge)).one()
    client.post(f"/challenges/{challenge.slug}/publish")
    response = client.post(f"/challenges/{challenge.slug}/edit", data=_form(title="Fresher school air"))
    assert response.status_code == 409
    start = response.text.index('class="error-summary"')
    assert "Only a draft can be changed" in response.text[start:response.text.index("</div>", start)]
    assert 'value="Fresher school air"' in response.text
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).title == "Cleaner school air"
    assert "Edit the draft" not in client.get(f"/challenges/{challenge.slug}/preview").text


@pytest.mark.parametrize("language,said,link", [("en", "This list has 2 pages; there is no page 999.", "Go to the last page"),
                                                ("fr", "Cette liste compte 2 pages ; il n’y a pas de page 999.",
                                                 "Aller à la dernière page")])
def test_a_page_past_the_end_says_so_and_leads_to_the_last_page(client, f, app, monkeypatch, language, said, link):
    monkeypatch.setitem(app.config, "CHALLENGES_PER_PAGE", 2)
    for n in range(3):
        f.Challenge(title=f"Quieter night buses {n}")
    page = client.get("/challenges?status=published&page=999", headers={"Accept-Language": language})
    assert page.status_code == 200 and said in page.text
    assert f'href="/challenges?status=published&amp;page=2">{link}</a>' in page.text
    assert "page=998" not in page.text and "No challenge matches" not in page.text
    assert "Quieter night buses 0" in client.get("/challenges?status=published&page=2").text


def test_a_budget_limit_that_is_not_an_amount_is_given_back_with_the_reason(client, f):
    # Left out of the search as before, but no longer emptied without a word.
    f.Challenge()
    page = client.get("/challenges?budget_min=abc&budget_max=20000").text
    assert 'value="abc" aria-invalid="true" aria-describedby="budget_min-error"' in page
    assert 'id="budget_min-error"' in page and "Not an amount in euros" in page
    assert 'id="budget_max-error"' not in page and 'name="budget_max" inputmode="numeric" value="20000' in page


def test_a_sector_that_is_no_division_and_words_past_the_limit_are_given_back_with_the_reason(client, f):
    """Searched without, as before, but said beside their fields and kept as typed: the list does not look filtered
    by a sector it was not filtered by, and the box has no maxlength that would cut a pasted text without a word."""
    f.Challenge(title="Leaks in old pipes")
    page = client.get("/challenges?sector=99&q=water").text
    assert 'id="sector-error"' in page and "There is no sector 99: choose sectors from the list." in page
    assert "It is left out of the search." in page and '<option value="99" selected>99</option>' in page
    assert 'aria-invalid="true" aria-describedby="sector-error"' in page
    assert "maxlength" not in page.split('id="q"')[1].split(">")[0]
    words = "water " * 60
    page = client.get("/challenges", query_string={"q": words}).text
    assert "Enter at most 200 characters: only the first 200 were searched for." in page
    assert f'value="{words.strip()}" aria-describedby="q-hint q-error" aria-invalid="true"' in page
    assert 'id="q-error"' not in client.get("/challenges?q=water&sector=45").text


def _ranking_fields(page):
    """(The criteria and measures are offered open, the page says a consultation has none) on the form."""
    details = re.search(r'<details id="ranking-fields"[^>]*>', page).group(0)
    note = re.search(r'<p class="hint" id="ranking-none"[^>]*>', page).group(0)
    return details.endswith(" open>"), "hidden" not in note


def test_a_consultation_is_offered_no_criteria_and_keeps_none_that_were_typed(client, login, publisher):
    """One rule (lifecycle.kind_ranks_pitches): criteria and success measures are offered, checked and kept for a
    call for solutions only. Without JavaScript the fields of a consultation are ignored, unreadable ones too,
    and the page says why; nothing typed is lost while a form is refused or for a call for solutions."""
    login(publisher)
    assert _ranking_fields(client.get("/challenges/new").text) == (True, False)
    typed = {"kind": "market_consultation", "criteria-1-weight": "lots", "criteria-2-name": "Speed",
             "pilot_duration_weeks": "many"}
    refused = client.post("/challenges/new", data=_form(title="", **typed))
    assert refused.status_code == 422 and "Enter a title." in refused.text
    assert "Give a whole-number weight" not in refused.text and "now they add up to" not in refused.text
    assert "Number must be" not in refused.text and "Not a valid integer" not in refused.text  # no pilot to time
    assert 'value="Speed"' in refused.text and 'value="CO2 level"' in refused.text  # kept, should the kind change
    assert _ranking_fields(refused.text) == (False, True)
    assert client.post("/challenges/new", data=_form(**typed)).status_code == 302
    consultation = db.session.scalars(select(Challenge)).one()
    assert (consultation.kind, consultation.criteria, consultation.success_measures,
            consultation.pilot_duration_weeks) == ("market_consultation", [], [], None)
    assert _ranking_fields(client.get(f"/challenges/{consultation.slug}/edit").text) == (False, True)
    assert client.post(f"/challenges/{consultation.slug}/edit", data=_form()).status_code == 302  # a call now
    db.session.expire_all()
    assert [(c.name, c.weight) for c in consultation.criteria] == [("Fit", 70), ("Price", 30)]
    assert [m.target for m in consultation.success_measures] == ["800 ppm"]
    assert consultation.pilot_duration_weeks == 8
    assert _ranking_fields(client.get(f"/challenges/{consultation.slug}/edit").text) == (True, False)


@pytest.mark.parametrize("args, says", [
    ("?q=zebra", "Try fewer words or clear the filters."),
    ("?status=completed", "No challenge matches these filters. Clear some of them to see more."),
    ("?budget_min=500&budget_max=100", "above its “At most”. Change one of them."),
])
def test_an_empty_list_says_why_in_the_words_of_what_was_asked(client, f, args, says):
    """No words typed, no advice about words; a budget range that ends before it starts is named as the reason."""
    f.Challenge(title="Quieter night buses", budget_min=200, budget_max=300)
    page = client.get("/challenges" + args).text
    assert says in page and "Quieter night buses" not in page
    if "q=" not in args:
        assert "fewer words" not in page


def test_a_search_after_a_question_reads_its_matches_again_but_not_the_catalogue_of_the_challenges(client, f):
    """An answered question changes the public data, not the challenges: the next search reads its matches again
    (they are kept per state of the public data) but not the catalogue (kept per state of the challenges)."""
    from marketplace.extensions import db
    from marketplace.models import Question

    challenge = f.Challenge(title="Appointments missed")
    assert "Appointments missed" in client.get("/challenges?q=appointments").text
    db.session.add(Question(challenge_id=challenge.id, organisation_id=f.Company().id, body="Which clinics?"))
    db.session.commit()
    with Statements() as statements:
        assert "Appointments missed" in client.get("/challenges?q=appointments&sort=deadline").text
    assert [sql for sql in statements.sql if "search_vector" in sql], statements.sql
    assert not [sql for sql in statements.sql if "CAST(challenge_sectors.cpv_division AS INTEGER)" in sql]
    with Statements() as statements:
        f.Challenge(title="Appointments kept")
        assert "Appointments kept" in client.get("/challenges?q=appointments").text
    assert [sql for sql in statements.sql if "CAST(challenge_sectors.cpv_division AS INTEGER)" in sql]


def test_a_draft_saved_with_its_title_alone_is_saved_as_a_browser_sends_it(client, login, f):
    """Every other field is optional for a draft, and a browser sends the empty ones as empty strings: an empty
    whole-number field (the pilot's weeks) is no error, only one holding something that is not a number."""
    from sqlalchemy import select

    from marketplace.extensions import db
    from marketplace.models import Challenge
    login(f.member(f.Agency(), "publisher"))
    empty = {"kind": "call_for_solutions", "title": "Find leaking water pipes early", "summary": "",
             "problem_statement": "", "pilot_duration_weeks": "", "budget_min": "", "budget_max": "",
             "pitch_deadline": "", "question_deadline": ""}
    assert client.post("/challenges/new", data=empty).status_code == 302
    assert db.session.scalars(select(Challenge.title)).all() == ["Find leaking water pipes early"]
    refused = client.post("/challenges/new", data=dict(empty, title="Another", pilot_duration_weeks="twelve"))
    assert refused.status_code == 422 and refused.text.count("Enter a whole number of weeks") == 2  # summary, field
