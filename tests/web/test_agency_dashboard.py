"""The agency dashboard: the work list whole, then the agency's challenges a page at a time, filterable by status."""
import html
import re
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import Challenge, Question
from marketplace.services.clock import utcnow


def _titles(page):
    """The challenges of the agency's table, in order."""
    table = page.split('id="agency-challenges"', 1)[1]
    return re.findall(r'<th scope="row"><a href="/challenges/[^"]+"[^>]*>([^<]+)</a>', table)


def _links(page):
    nav = re.search(r'<nav class="pagination".*?</nav>', page, re.S)
    return {rel: html.unescape(href) for rel, href in re.findall(r'<a rel="(prev|next)" href="([^"]+)"', nav.group(0))
            } if nav else {}


@pytest.fixture
def agency_with_five(f, app, monkeypatch):
    """An agency with five challenges (C1 newest … C5 oldest), two of them drafts, shown two a page; a question
    waits on the oldest."""
    monkeypatch.setitem(app.config, "DASHBOARD_CHALLENGES_PER_PAGE", 2)
    agency = f.Agency()
    now = utcnow()
    challenges = [f.Challenge(agency=agency, title=f"C{n}", created_at=now - timedelta(days=n),
                              **({"status": "draft", "published_at": None} if n in (2, 4) else {}))
                  for n in range(1, 6)]
    asker = f.member(f.Company(), "owner")
    db.session.add(Question(challenge_id=challenges[-1].id, organisation_id=asker.organisation.id,
                            asked_by_id=asker.id, body="When?"))
    db.session.commit()
    return agency


def test_the_agency_challenges_come_a_page_at_a_time_newest_first_and_the_work_list_whole(client, login, f,
                                                                                            agency_with_five):
    login(f.member(agency_with_five, "publisher"))
    page = client.get("/dashboard").text
    assert _titles(page) == ["C1", "C2"] and "5 challenges" in page and "Page 1 of 3" in page
    # The question on the oldest challenge waits in the work list, above, whatever page of the list is shown.
    assert page.index('id="work-answer"') < page.index('id="agency-challenges"') and "C5</a> – 1 question" in page
    assert _links(page) == {"next": "/dashboard?page=2#agency-challenges"}
    page = client.get(_links(page)["next"]).text
    assert _titles(page) == ["C3", "C4"] and "Page 2 of 3" in page and "C5</a> – 1 question" in page
    assert _links(page) == {"prev": "/dashboard?page=1#agency-challenges", "next": "/dashboard?page=3#agency-challenges"}
    page = client.get(_links(page)["next"]).text
    assert _titles(page) == ["C5"] and _links(page) == {"prev": "/dashboard?page=2#agency-challenges"}


@pytest.mark.parametrize("asked, shown", [("?page=999", ["C5"]), ("?page=99999999999999999999", ["C5"]),
                                          ("?page=0", ["C1", "C2"]), ("?page=-3", ["C1", "C2"]),
                                          ("?page=abc", ["C1", "C2"]), ("?status=nonsense", ["C1", "C2"]),
                                          ("?status=draft&page=7", ["C2", "C4"])])
def test_a_page_out_of_range_or_an_unknown_status_shows_a_page_never_an_error(client, login, f, agency_with_five,
                                                                              asked, shown):
    login(f.member(agency_with_five, "procurement_officer"))
    response = client.get(f"/dashboard{asked}")
    assert response.status_code == 200 and _titles(response.text) == shown


def test_the_status_filter_keeps_one_status_across_pages_and_says_when_none_has_it(client, login, f,
                                                                                   agency_with_five):
    login(f.member(agency_with_five, "owner"))
    page = client.get("/dashboard?status=published").text
    assert _titles(page) == ["C1", "C3"] and "3 challenges" in page
    assert '<option value="published" selected>' in page and '<label class="label" for="status">' in page
    assert _links(page) == {"next": "/dashboard?status=published&page=2#agency-challenges"}
    assert _titles(client.get(_links(page)["next"]).text) == ["C5"]
    page = client.get("/dashboard?status=cancelled").text
    assert _titles(page) == [] and "0 challenges" in page and "None of your agency’s challenges has this status." in page
    assert _links(page) == {} and '<option value="cancelled" selected>' in page


def test_the_paging_speaks_the_person_s_language(client, login, f, agency_with_five):
    login(f.member(agency_with_five, "publisher"))
    page = client.get("/dashboard?status=nonsense", headers={"Accept-Language": "fr"}).text
    assert "Page 1 sur 3" in page and "5 défis" in page and ">Suivant</a>" in page
    assert "Tous les statuts" in client.get("/dashboard?lang=fr", headers={"Accept-Language": "fr"}).text


def test_an_agency_without_challenges_is_told_so_without_a_filter(client, login, f):
    login(f.member(f.Agency(), "publisher"))
    page = client.get("/dashboard").text
    assert "No challenges yet." in page and 'id="status"' not in page and 'class="pagination"' not in page


def test_drafts_wait_in_the_work_list_for_those_who_may_finish_them_whatever_page_shows_them(client, login, f,
                                                                                             agency_with_five):
    login(f.member(agency_with_five, "publisher"))
    page = client.get("/dashboard?page=3").text  # C2 and C4 are on page 1 and 2 of the list; neither is here
    finish = re.search(r'<h3 id="work-finish">.*?</ul>', page, re.S).group(0)
    drafts = {c.title: c for c in Challenge.query.filter_by(agency_id=agency_with_five.id, status="draft")}
    assert re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', finish) == [
        (f"/challenges/{drafts[title].slug}/preview", title) for title in ("C4", "C2")]  # oldest first
    assert "see what it still needs before it goes live" in finish and "Drafts to finish <span" in finish
    login(f.member(agency_with_five, "procurement_officer"))  # may not edit challenges: nothing to finish
    assert 'id="work-finish"' not in client.get("/dashboard").text
    drafts["C4"].approval_requested_at = utcnow()  # sent for approval: it waits for someone else now
    db.session.commit()
    login(f.member(agency_with_five, "owner"))
    finish = re.search(r'<h3 id="work-finish">.*?</ul>', client.get("/dashboard").text, re.S).group(0)
    assert ">C2</a>" in finish and ">C4</a>" not in finish


def _pilot_titles(page):
    """The pilots of the dashboard's list, in order."""
    section = page.split('id="pilots"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a href="/pilots/\d+">([^<]+)</a>', section)


def _waits_in_work_list(page, pitch_title):
    """Whether the pilot of this pitch waits among the stages due of the work list."""
    from marketplace.models import Pilot, Pitch

    pilot_id = db.session.scalar(db.select(Pilot.id).join(Pitch, Pitch.id == Pilot.pitch_id)
                                 .where(Pitch.title == pitch_title))
    section = re.search(r'<h3 id="work-stages">.*?</ul>', page, re.S)
    return section is not None and f'href="/pilots/{pilot_id}"' in section.group(0)


def _nav(page, anchor):
    """The prev/next links of the list whose links end with `#anchor`."""
    return {rel: html.unescape(href) for rel, href in re.findall(r'<a rel="(prev|next)" href="([^"]+)"', page)
            if href.endswith("#" + anchor)}


@pytest.fixture
def agency_with_pilots(f, app, monkeypatch, agency_with_five):
    """The agency above with five pilots (P1 newest … P5 oldest), two a page: P2 adopted and P4 stopped, P5's stage
    overdue, which waits in the work list whatever page of the pilots is shown."""
    from decimal import Decimal

    from marketplace.models import Pilot

    monkeypatch.setitem(app.config, "DASHBOARD_PILOTS_PER_PAGE", 2)
    challenge = f.Challenge(agency=agency_with_five, title="Piloted", status="piloting",
                            created_at=utcnow() - timedelta(days=30))
    today = utcnow().date()
    stages = {1: "running", 2: "adopted", 3: "agreement", 4: "stopped", 5: "running"}
    for n, stage in stages.items():
        pitch = f.Pitch(challenge=challenge, title=f"P{n}", status="selected")
        db.session.add(Pilot(challenge_id=challenge.id, pitch_id=pitch.id, agency_id=agency_with_five.id,
                             company_id=pitch.company_id, stage=stage, budget=Decimal("20000"),
                             created_at=utcnow() - timedelta(days=n), starts_on=today, ends_on=today + timedelta(days=90),
                             stage_due_on=today - timedelta(days=3) if n == 5 else None))
    db.session.commit()
    return agency_with_five


def test_the_pilots_come_a_page_at_a_time_and_the_work_list_keeps_every_unfinished_one(client, login, f,
                                                                                       agency_with_pilots):
    login(f.member(agency_with_pilots, "procurement_officer"))
    page = client.get("/dashboard").text
    assert _pilot_titles(page) == ["P1", "P2"] and "5 pilots" in page and page.count("Page 1 of 3") == 2
    assert 'aria-label="Pages of pilots"' in page
    # P5, on the last page of the list, is overdue: it waits in the work list on every page.
    assert _waits_in_work_list(page, "P5") and not _waits_in_work_list(page, "P1")
    assert _nav(page, "pilots") == {"next": "/dashboard?pilots_page=2#pilots"}
    page = client.get(_nav(page, "pilots")["next"]).text
    assert _pilot_titles(page) == ["P3", "P4"] and _waits_in_work_list(page, "P5")
    assert _nav(page, "pilots") == {"prev": "/dashboard?pilots_page=1#pilots", "next": "/dashboard?pilots_page=3#pilots"}
    assert _titles(page) == ["C1", "C2"]  # the challenges stay on their first page
    assert _nav(page, "agency-challenges") == {"next": "/dashboard?pilots_page=2&page=2#agency-challenges"}
    page = client.get(_nav(page, "pilots")["next"]).text
    assert _pilot_titles(page) == ["P5"] and _nav(page, "pilots") == {"prev": "/dashboard?pilots_page=2#pilots"}


def test_each_list_keeps_the_other_s_page_and_filter(client, login, f, agency_with_pilots):
    login(f.member(agency_with_pilots, "publisher"))
    page = client.get("/dashboard?status=published&page=2&pilots_page=2").text
    assert _titles(page) == ["C5"] and _pilot_titles(page) == ["P3", "P4"]
    assert _nav(page, "pilots") == {"prev": "/dashboard?page=2&status=published&pilots_page=1#pilots",
                                    "next": "/dashboard?page=2&status=published&pilots_page=3#pilots"}
    assert _nav(page, "agency-challenges") == {"prev": "/dashboard?status=published&pilots_page=2&page=1#agency-challenges"}


@pytest.mark.parametrize("asked, shown", [("?pilots_page=999", ["P5"]), ("?pilots_page=99999999999999999999", ["P5"]),
                                          ("?pilots_page=0", ["P1", "P2"]), ("?pilots_page=-3", ["P1", "P2"]),
                                          ("?pilots_page=abc", ["P1", "P2"])])
def test_a_pilots_page_out_of_range_shows_a_page_never_an_error(client, login, f, agency_with_pilots, asked, shown):
    login(f.member(agency_with_pilots, "owner"))
    response = client.get(f"/dashboard{asked}")
    assert response.status_code == 200 and _pilot_titles(response.text) == shown


def test_the_company_s_pilots_come_a_page_at_a_time_too(client, login, f, app, monkeypatch):
    from decimal import Decimal

    from marketplace.models import Pilot

    monkeypatch.setitem(app.config, "DASHBOARD_PILOTS_PER_PAGE", 2)
    company = f.Company()
    today = utcnow().date()
    for n in range(1, 4):
        challenge = f.Challenge(status="piloting")
        pitch = f.Pitch(challenge=challenge, company=company, title=f"P{n}", status="selected")
        db.session.add(Pilot(challenge_id=challenge.id, pitch_id=pitch.id, agency_id=challenge.agency_id,
                             company_id=company.id, stage="running", budget=Decimal("1000"), starts_on=today,
                             ends_on=today, created_at=utcnow() - timedelta(days=n)))
    db.session.commit()
    login(f.member(company, "owner"))
    page = client.get("/dashboard").text
    assert _pilot_titles(page) == ["P1", "P2"] and "3 pilots" in page
    assert _pilot_titles(client.get(_nav(page, "pilots")["next"]).text) == ["P3"]


def test_a_dashboard_without_pilots_shows_no_pilots_list(client, login, f, agency_with_five):
    login(f.member(agency_with_five, "owner"))
    page = client.get("/dashboard?pilots_page=4").text
    assert 'id="pilots"' not in page and "Pages of pilots" not in page
