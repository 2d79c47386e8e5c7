"""The pages: Challenges for you, saving a search from the list, the alerts page, the calendar feed, own questions."""
import re

import icalendar
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Follow, Question, SavedSearch


def test_company_members_find_the_page_in_the_menu_and_see_their_matches(client, login, f):
    company = f.Company(capability_statement="Outpatient appointment reminders.")
    f.set_sectors(company, ["85"])
    match = f.Challenge(title="Fewer missed hospital appointments")
    f.set_sectors(match, ["85"])
    f.Challenge(title="Bridges that last", summary="Concrete.", problem_statement="Cracks.", desired_outcomes="")
    login(f.member(company, "member"))

    home = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/for-you"' in home
    page = client.get("/for-you").get_data(as_text=True)
    assert "Fewer missed hospital appointments" in page and "Bridges that last" not in page
    assert "Works in sector 85" in page and "Deadline:" in page
    assert f'<h2 lang="{match.language}">' in page  # the agency's words in their own language, for screen readers


def test_agency_members_have_no_such_page_nor_link(client, login, f):
    login(f.member(f.Agency(), "publisher"))
    assert 'href="/for-you"' not in client.get("/dashboard").get_data(as_text=True)
    assert client.get("/for-you").status_code == 403


def test_saving_the_lists_filters_then_deleting_the_search(client, login, f):
    person = login(f.member(f.Company(), "owner"))
    listing = client.get("/challenges?q=leaks&sector=65").get_data(as_text=True)
    assert 'href="/saved-searches/new?q=leaks&amp;sector=65"' in listing

    form = client.get("/saved-searches/new?q=leaks&sector=65").get_data(as_text=True)
    assert "words “leaks”" in form and "sector 65" in form
    refused = client.post("/saved-searches/new?q=leaks&sector=65", data={"name": "", "alerts": "immediate"})
    assert refused.status_code == 422 and "Give the search a name" in refused.get_data(as_text=True)

    saved = client.post("/saved-searches/new?q=leaks&sector=65", data={"name": "Leaks", "alerts": "daily"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/account/alerts")
    search = db.session.scalars(select(SavedSearch)).one()
    assert (search.user_id, search.filters, search.alerts) == (person.id, {"q": "leaks", "sector": ["65"]}, "daily")
    alerts = client.get("/account/alerts").get_data(as_text=True)
    assert 'href="/challenges?q=leaks&amp;sector=65"' in alerts and "In my daily digest" in alerts

    assert client.post(f"/saved-searches/{search.id}/delete").status_code == 302
    assert db.session.scalars(select(SavedSearch)).all() == []


def test_a_search_with_a_filter_that_cannot_be_read_is_not_saved_and_the_form_is_kept(client, login, f):
    """The list's link keeps the unknown sector and the unread budget; the page says at once what is wrong, and
    saving is refused with the name typed kept, instead of an alert on every new challenge."""
    login(f.member(f.Company(), "owner"))
    listing = client.get("/challenges?sector=99&q=water&budget_min=20k").get_data(as_text=True)
    assert 'href="/saved-searches/new?q=water&amp;sector=99&amp;budget_min=20k"' in listing
    form = client.get("/saved-searches/new?q=water&sector=99&budget_min=20k").get_data(as_text=True)
    assert "There is no sector 99: choose sectors from the list." in form and "“20k” is not an amount in euros." in form
    assert 'action="/saved-searches/new?q=water&amp;sector=99&amp;budget_min=20k"' in form
    refused = client.post("/saved-searches/new?q=water&sector=99&budget_min=20k",
                          data={"name": "Water works", "alerts": "daily"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and page.count("There is no sector 99: choose sectors from the list.") == 1
    assert 'value="Water works"' in page
    assert db.session.scalars(select(SavedSearch)).all() == []

def test_with_emails_off_the_alerts_page_says_its_alerts_are_not_emailed(client, login, f):
    """A person who unsubscribed still has searches saying “Email me at once”: the page says no email goes out,
    where the alerts still arrive, and where to turn emails back on."""
    person = login(f.member(f.Company(), "owner"))
    db.session.add(SavedSearch(user_id=person.id, name="Leaks", filters={"q": "leaks"}, alerts="immediate"))
    db.session.commit()
    assert "Your emails are off" not in client.get("/account/alerts").get_data(as_text=True)
    person.notification_preference = "off"
    db.session.commit()
    page = client.get("/account/alerts").get_data(as_text=True)
    assert "Your emails are off" in page and 'href="/notifications"' in page and 'href="/account"' in page


def test_the_alerts_page_says_each_heading_once(client, login, f):
    login(f.member(f.Company(), "owner"))
    page = client.get("/account/alerts").get_data(as_text=True)
    assert re.findall(r"<h[1-6][^>]*>([^<]*)</h[1-6]>", page) == ["Saved searches and calendar", "Calendar of deadlines"]

def test_visitors_are_not_offered_to_save_a_search(client):
    assert "/saved-searches/new" not in client.get("/challenges").get_data(as_text=True)


def test_the_calendar_address_is_made_shown_renewed_and_read_without_signing_in(client, login, f):
    company = f.Company()
    person = login(f.member(company, "owner"))
    challenge = f.Challenge(title="Leaking pipes")
    db.session.add(Follow(organisation_id=company.id, challenge_id=challenge.id))
    db.session.commit()

    assert "Make my calendar address" in client.get("/account/alerts").get_data(as_text=True)
    made = client.post("/account/calendar", follow_redirects=True).get_data(as_text=True)
    assert "Your calendar has a private address" in made and "previous address" not in made
    renewed = client.post("/account/calendar", follow_redirects=True).get_data(as_text=True)
    assert "The previous address no longer works" in renewed
    db.session.refresh(person)
    token = person.calendar_token
    assert f"/calendar/{token}.ics" in client.get("/account/alerts").get_data(as_text=True)

    client.post("/auth/logout")
    answer = client.get(f"/calendar/{token}.ics")
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    assert "no-store" in answer.headers["Cache-Control"]
    summaries = {str(e["summary"]) for e in icalendar.Calendar.from_ical(answer.data).walk("VEVENT")}
    assert summaries == {"Pitch deadline: Leaking pipes", "Questions close: Leaking pipes"}

    login(person)
    client.post("/account/calendar/off")
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_the_company_dashboard_lists_its_questions_answered_or_not(client, login, f):
    company = f.Company()
    person = login(f.member(company, "member"))
    challenge = f.Challenge(title="Leaking pipes")
    other_company = f.Company()
    db.session.add_all([
        Question(challenge_id=challenge.id, organisation_id=company.id, asked_by_id=person.id,
                 body="Can the pilot start in spring?"),
        Question(challenge_id=challenge.id, organisation_id=company.id, asked_by_id=person.id,
                 body="Which pipes?", answer="Cast iron ones."),
        Question(challenge_id=challenge.id, organisation_id=other_company.id, body="Someone else's question"),
    ])
    db.session.commit()
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Can the pilot start in spring?" in page and "Not answered yet" in page
    assert "Which pipes?" in page and "Cast iron ones." in page
    assert "Someone else&#39;s question" not in page and "Someone else's question" not in page
    assert f'href="/challenges/{challenge.slug}#questions"' in page


def test_a_saved_search_names_its_agency(client, login, f):
    water = f.Agency(name="Flemish Water Board", slug="water-board")
    f.Challenge(agency=water)
    login(f.member(f.Company(), "owner"))
    assert "agency Flemish Water Board" in client.get("/saved-searches/new?agency=water-board").get_data(as_text=True)
