"""What verifying an organisation means and how long it takes, said wherever someone waits for it."""
from flask import current_app
from flask_babel import ngettext


def verification_notice():
    """One short paragraph in the reader's language; the delay is VERIFICATION_DAYS working days."""
    return ngettext(
        "Verification means that someone from the Agora team checks that your organisation exists, in public "
        "registers such as the company register, and that you may act for it. It usually takes %(num)s working "
        "day; until then your organisation is not shown as verified.",
        "Verification means that someone from the Agora team checks that your organisation exists, in public "
        "registers such as the company register, and that you may act for it. It usually takes %(num)s working "
        "days; until then your organisation is not shown as verified.",
        current_app.config["VERIFICATION_DAYS"])
