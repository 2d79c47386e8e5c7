"""Pitch pages: writing and submitting, the receipt, the seal seen through URLs, attachments."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, Pitch
from marketplace.services import pitches
from marketplace.services.clock import utcnow

FORM = {"title": "Two-way text reminders", "summary": "Patients answer by text.", "approach": "We send texts.",
        "trl": "7", "pilot_price": "25000", "pilot_duration_weeks": "10", "team": "Three people."}


@pytest.fixture
def world(f):
    challenge = f.Challenge()
    company = f.Company()
    return challenge, f.member(company, "member"), f.member(f.Company(), "owner"), \
        f.member(challenge.agency, "procurement_officer")


def test_save_a_draft_then_submit_and_see_the_receipt(client, login, world):
    challenge, member, _, _ = world
    login(member)
    assert client.get(f"/challenges/{challenge.slug}/pitch").status_code == 200
    assert client.post(f"/challenges/{challenge.slug}/pitch", data=dict(FORM, action="save")).status_code == 302
    assert db.session.scalars(select(Pitch)).one().status == "draft"
    response = client.post(f"/challenges/{challenge.slug}/pitch", data=dict(FORM, action="submit"))
    assert response.status_code == 302 and "/receipt" in response.headers["Location"]
    pitch = db.session.scalars(select(Pitch)).one()
    receipt = client.get(f"/pitches/{pitch.id}/receipt").text
    assert pitch.receipt_digest in receipt and "UTC" in receipt
    page = client.get(f"/challenges/{challenge.slug}").text
    assert "Your pitch was received" in page


def test_errors_are_shown_and_the_typed_text_is_kept(client, login, world):
    challenge, member, _, _ = world
    login(member)
    response = client.post(f"/challenges/{challenge.slug}/pitch",
                           data=dict(FORM, approach="", summary="Kept text", action="submit"))
    assert response.status_code == 422
    assert "Describe your approach." in response.text and "Kept text" in response.text
    assert "<title>Error:" in response.text
    response = client.post(f"/challenges/{challenge.slug}/pitch", data=dict(FORM, trl="12", title="x" * 300))
    assert response.status_code == 422


def test_submitting_after_the_deadline_is_refused_with_a_message(client, login, world):
    challenge, member, _, _ = world
    pitch = pitches.save_draft(member, challenge.slug, FORM)
    challenge.pitch_deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    login(member)
    response = client.post(f"/pitches/{pitch.id}/submit")
    assert response.status_code == 409 and "deadline has passed" in response.text
    assert db.session.get(Pitch, pitch.id).status == "draft"


def test_guessed_urls_get_404_and_are_audited(client, login, world):
    challenge, member, rival, officer = world
    pitch = pitches.save_draft(member, challenge.slug, FORM)
    pitches.submit_pitch(member, pitch.id)
    for who in (rival, officer):
        login(who)
        for url in (f"/pitches/{pitch.id}", f"/pitches/{pitch.id}/receipt", f"/pitches/{pitch.id}/attachments/1"):
            assert client.get(url).status_code == 404
        assert client.post(f"/pitches/{pitch.id}/withdraw").status_code == 404
    assert client.get(f"/pitches/{pitch.id + 99}").status_code == 404
    refusals = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pitch.access_refused")).all()
    assert {r.actor_id for r in refusals} == {rival.id, officer.id} and len(refusals) == 8
    assert db.session.get(Pitch, pitch.id).status == "submitted"


def test_the_agency_list_is_sealed_until_the_deadline(client, login, world):
    challenge, member, _, officer = world
    pitch = pitches.save_draft(member, challenge.slug, FORM)
    pitches.submit_pitch(member, pitch.id)
    login(officer)
    sealed = client.get(f"/challenges/{challenge.slug}/pitches").text
    assert "sealed until the deadline" in sealed and FORM["title"] not in sealed
    challenge.pitch_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(f"/challenges/{challenge.slug}/pitches").text
    assert FORM["title"] in page
    assert client.get(f"/pitches/{pitch.id}").status_code == 200


def test_attachments_through_the_page(client, login, world):
    challenge, member, rival, _ = world
    pitch = pitches.save_draft(member, challenge.slug, FORM)
    login(member)
    bad = client.post(f"/pitches/{pitch.id}/attachments", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(b"MZ" + bytes(100)), "invoice.pdf")})
    assert bad.status_code == 422 and "must be a PDF" in bad.text
    good = client.post(f"/pitches/{pitch.id}/attachments", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"%PDF-1.4 test"), "../../../etc/passwd.pdf")})
    assert good.status_code == 302
    attachment = db.session.get(Pitch, pitch.id).attachments[0]
    assert attachment.filename == "passwd.pdf"
    download = client.get(f"/pitches/{pitch.id}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 test"
    login(rival)
    assert client.get(f"/pitches/{pitch.id}/attachments/{attachment.id}").status_code == 404


def test_anonymous_and_agencies_cannot_pitch(client, login, world, f):
    challenge, _, _, officer = world
    assert client.get(f"/challenges/{challenge.slug}/pitch").status_code == 302
    login(officer)
    assert client.post(f"/challenges/{challenge.slug}/pitch", data=FORM).status_code == 403
    assert db.session.query(Pitch).count() == 0
