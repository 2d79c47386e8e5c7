"""Two-factor set-up and recovery: the QR code, one-time recovery codes, and the admin-assisted reset."""
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AuditEvent, EmailDelivery, RecoveryCode, User
from marketplace.services.accounts import two_factor
from marketplace.services.errors import InvalidTransition, NotFound, ValidationFailed
from marketplace.services.messaging.outbox import process_pending
from tests.factories import PASSWORD


def _enrolled(f, role="procurement_officer"):
    user = f.member(f.Agency(), role, totp_secret=None)
    secret = two_factor.pending_secret(user)
    return user, two_factor.enrol(user, pyotp.TOTP(secret).now())


def test_the_qr_code_draws_the_otpauth_address_of_the_secret_being_enrolled(f):
    user = f.member(f.Agency(), "procurement_officer", totp_secret=None)
    secret = two_factor.pending_secret(user)
    uri = two_factor.provisioning_uri(user, secret)
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert parse_qs(parts.query) == {"secret": [secret], "issuer": ["Agora"]}
    assert pyotp.parse_uri(uri).now() == pyotp.TOTP(secret).now()  # what an app reads from it gives the same codes
    qr = two_factor.qr_code(uri)
    assert qr.error == "M" and qr.mode == "byte"
    # The drawn modules are those of that address: another secret draws another code.
    other = two_factor.qr_code(two_factor.provisioning_uri(user, two_factor.new_secret()))
    assert list(qr.matrix) != list(other.matrix)
    svg = two_factor.qr_code_svg(uri)
    assert svg.startswith('<svg role="img" aria-label="QR code to add Agora to your authenticator app"')
    assert "<title>QR code to add Agora to your authenticator app</title>" in svg and "<script" not in svg


def test_turning_it_on_gives_ten_recovery_codes_kept_only_as_hashes(f):
    user, codes = _enrolled(f)
    assert len(codes) == two_factor.RECOVERY_CODE_COUNT == len(set(codes)) == 10
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not any(code in h or code.replace("-", "") in h for code in codes for h in stored)
    assert all(h.startswith("$argon2id$") for h in stored)
    assert two_factor.recovery_codes_left(user) == 10
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.two_factor_enabled")).one()
    assert event.after == {"recovery_codes": 10, "new_app": False}


def test_a_recovery_code_signs_in_once_audited_and_the_person_is_emailed(f, smtp_sink):
    user, codes = _enrolled(f)
    typed = codes[3].upper().replace("-", " ")  # however it is typed
    assert two_factor.use_recovery_code(user, typed)
    assert not two_factor.use_recovery_code(user, codes[3])  # spent
    assert not two_factor.use_recovery_code(user, "aaaaa-bbbbb")
    assert two_factor.recovery_codes_left(user) == 9
    used = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.recovery_code_used")).all()
    assert [(e.actor_id, e.object_id, e.after) for e in used] == [(user.id, user.id, {"remaining": 9})]
    process_pending()
    email = db.session.scalars(select(EmailDelivery).where(EmailDelivery.dedupe_key.startswith("recovery-code-used:"))).one()
    assert email.to_address == user.email and "9 recovery codes left" in email.body_text
    assert "/account/two-factor" in email.body_text


def test_new_recovery_codes_need_the_password_and_replace_every_old_one(f):
    user, old = _enrolled(f)
    two_factor.use_recovery_code(user, old[0])
    with pytest.raises(ValidationFailed) as refused:
        two_factor.renew_recovery_codes(user, "not my password")
    assert "password" in refused.value.errors
    new = two_factor.renew_recovery_codes(user, PASSWORD)
    assert two_factor.recovery_codes_left(user) == 10 and not set(new) & set(old)
    assert not two_factor.use_recovery_code(user, old[1])
    assert two_factor.use_recovery_code(user, new[1])
    with pytest.raises(InvalidTransition):
        two_factor.renew_recovery_codes(f.member(f.Company(), "owner", totp_secret=None), PASSWORD)


def test_an_admin_removes_a_persons_two_factor_with_a_reason_audited_and_emailed(f, smtp_sink):
    officer, codes = _enrolled(f)
    admin = f.admin()
    version = officer.session_version
    with pytest.raises(ValidationFailed) as refused:
        two_factor.reset_by_admin(admin, officer.id, "  ")
    assert "reason" in refused.value.errors
    two_factor.reset_by_admin(admin, officer.id, "Lost phone; called back on the agency's number")
    db.session.expire_all()
    officer = db.session.get(User, officer.id)
    assert officer.totp_secret is None and officer.pending_totp_secret is None
    assert officer.session_version == version + 1  # signed out everywhere
    assert two_factor.missing_for(officer)  # an officer sets it up again before anything else
    assert not two_factor.use_recovery_code(officer, codes[0]) and two_factor.recovery_codes_left(officer) == 0
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.two_factor_reset")).one()
    assert (event.actor_id, event.object_id) == (admin.id, officer.id)
    assert event.after == {"reason": "Lost phone; called back on the agency's number"}
    process_pending()
    email = db.session.scalars(select(EmailDelivery).where(EmailDelivery.dedupe_key.startswith("two-factor-reset:"))).one()
    assert email.to_address == officer.email and "called back on the agency's number" in email.body_text
    assert "set it up again when you next sign in" in email.body_text
    assert "API tokens" not in email.body_text  # they had none
    with pytest.raises(InvalidTransition):  # nothing left to remove
        two_factor.reset_by_admin(admin, officer.id, "again")


def test_only_an_admin_resets_and_never_their_own(f):
    officer, _ = _enrolled(f)
    admin = f.admin()
    for someone in (f.member(officer.organisation, "owner"), officer):
        with pytest.raises(NotFound):
            two_factor.reset_by_admin(someone, officer.id, "please")
    with pytest.raises(NotFound):
        two_factor.reset_by_admin(admin, admin.id, "my own")
    with pytest.raises(NotFound):
        two_factor.reset_by_admin(admin, officer.id + 1000, "nobody")
    assert two_factor.enabled_for(officer)
    rows = two_factor.people_for_admin(admin, officer.email.upper())
    assert [(r.user.id, r.enabled, r.refusal) for r in rows] == [(officer.id, True, None)]
    own = two_factor.people_for_admin(admin, admin.email)
    assert own[0].refusal == two_factor.OWN_ACCOUNT
    with pytest.raises(NotFound):
        two_factor.people_for_admin(officer)
