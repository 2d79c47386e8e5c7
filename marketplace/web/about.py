"""The pages a public service owes everyone: accessibility statement, privacy notice, terms of use, contact and
help; the favicon. Who runs the service (name, address, email, data protection officer) and the optional phase
banner come from the configuration, for every page."""
from datetime import date

from flask import Blueprint, current_app, render_template, send_from_directory
from flask_babel import lazy_gettext as _l

from .page_cache import cached_for_visitors

bp = Blueprint("about", __name__)

# The day these texts were last checked against the service; change it with them.
ACCESSIBILITY_STATEMENT_DATE = date(2026, 12, 3)
PRIVACY_NOTICE_DATE = date(2026, 12, 3)
TERMS_DATE = date(2026, 12, 3)

PHASE_LABELS = {"alpha": _l("Alpha"), "beta": _l("Beta")}


@bp.app_context_processor
def service_operator():
    """The operator and the phase banner, for the footer, the banner and the pages below (config only: no request
    is needed, so emails rendered by the worker get it too)."""
    config = current_app.config
    phase = config.get("PHASE_BANNER")
    return {
        "operator": {
            "name": config.get("OPERATOR_NAME") or config.get("OCDS_PUBLISHER_NAME") or "Agora",
            "address": config.get("OPERATOR_ADDRESS"),
            "email": config.get("CONTACT_EMAIL"),
            "dpo_email": config.get("DPO_EMAIL") or config.get("CONTACT_EMAIL"),
        },
        "phase_label": PHASE_LABELS.get(phase.strip().lower(), phase) if phase else None,
        "phase_feedback_url": config.get("PHASE_FEEDBACK_URL"),
    }


@bp.get("/accessibility")
@cached_for_visitors
def accessibility():
    return render_template("about/accessibility.html", statement_date=ACCESSIBILITY_STATEMENT_DATE)


@bp.get("/privacy")
@cached_for_visitors
def privacy():
    return render_template("about/privacy.html", updated=PRIVACY_NOTICE_DATE)


@bp.get("/terms")
@cached_for_visitors
def terms():
    return render_template("about/terms.html", updated=TERMS_DATE)


@bp.get("/contact")
@cached_for_visitors
def contact():
    return render_template("about/contact.html")


@bp.get("/help", endpoint="help")
@cached_for_visitors
def help_overview():
    return render_template("about/help.html")


@bp.get("/help/companies")
@cached_for_visitors
def help_companies():
    return render_template("about/help_companies.html")


@bp.get("/help/agencies")
@cached_for_visitors
def help_agencies():
    return render_template("about/help_agencies.html")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links to."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=7 * 24 * 3600)
