"""The platform's trail as sentences: the kinds of no challenge name the organisation or the person they are
about, and every event names its own challenge."""
from marketplace.extensions import db
from marketplace.services import audit
from marketplace.services.audit_trail import PLATFORM_SENTENCES
from marketplace.services.messaging.events import record_change


def test_every_platform_kind_reads_as_a_sentence(f):
    company = f.Company(name="Rogue Sensors BV")
    person = f.member(company, "owner", name="Lea Muller")
    admin = f.admin(name="Ada Admin")
    challenge = f.Challenge(title="Cleaner canals")
    cases = [
        (person, "organisation.registered", company, None, "Lea Muller registered Rogue Sensors BV."),
        (admin, "organisation.verified", company, None, "Ada Admin verified Rogue Sensors BV."),
        (admin, "organisation.suspended", company, {"reason": "Spam"},
         "Ada Admin suspended Rogue Sensors BV. Reason: Spam"),
        (admin, "organisation.unsuspended", company, None, "Ada Admin lifted the suspension of Rogue Sensors BV."),
        (person, "organisation.updated", company, None, "Lea Muller changed the settings of Rogue Sensors BV."),
        (person, "organisation.profile_updated", company, None,
         "Lea Muller updated the profile of Rogue Sensors BV."),
        (admin, "user.two_factor_reset", person, {"reason": "Lost phone"},
         "Ada Admin removed the two-factor sign-in of Lea Muller. Reason: Lost phone"),
        (person, "user.password_changed", person, None, "Lea Muller changed their password."),
        (person, "user.password_reset", person, None, "Lea Muller chose a new password with a reset link."),
        (None, "user.sign_in_failures", person, None, "Sign-in to the account of Lea Muller failed several times."),
        (person, "user.settings_changed", person, None, "Lea Muller changed their settings."),
        (person, "user.email_confirmed", person, None, "Lea Muller confirmed their email address."),
        (person, "user.two_factor_enabled", person, None, "Lea Muller turned on two-factor sign-in."),
        (person, "user.signed_out_everywhere", person, None, "Lea Muller signed out on every device."),
        (person, "api_token.created", company, None, "Lea Muller created an API token."),
        (person, "api_token.revoked", company, None, "Lea Muller revoked an API token."),
        (person, "user.calendar_feed_renewed", person, None, "Lea Muller recorded “calendar feed renewed”."),
        (person, "challenge.followed", challenge, None, "Lea Muller followed “Cleaner canals”."),
    ]
    assert {action for _, action, *_ in cases} >= set(PLATFORM_SENTENCES)  # no kind left without its case here
    for actor, action, obj, after, _ in cases:
        record_change(actor, action, obj, after=after,
                      challenge_id=challenge.id if action.startswith("challenge.") else None)
    db.session.commit()
    trail = audit.platform_trail(admin, {})
    assert [entry.sentence for entry in reversed(trail.entries)] == [case[-1] for case in cases]
