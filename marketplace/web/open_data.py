"""Open data pages: the challenge list as an Atom feed and CSV, public statistics, the publication policy with
the bulk files, the data catalogue (DCAT-AP), the audit trail's anchors.

Thin: each route parses the query string, calls one service and renders. The
OCDS releases are part of the JSON API (`api/ocds.py`).
"""
import json
import re
from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file, url_for
from flask_babel import format_date, format_percent, get_locale, get_timezone
from flask_babel import lazy_gettext as _l

from ..models.challenge import PUBLIC_STATUSES
from ..services import audit
from ..services.open_data import bulk_files, catalogue, challenge_exports, statistics
from ..services.open_data.licence import open_data_licence
from ..services.open_data.spreadsheets import csv_text
from ..services.challenges import lifecycle
from ..services.challenges.challenges import ChallengeFilters, search_challenges
from ..services.clock import utcnow
from ..services.errors import ValidationFailed
from ..services.organisations.cpv import cpv_code
from .charts import column_chart
from .page_cache import cached_for_visitors

bp = Blueprint("open_data", __name__)

# Characters XML 1.0 does not allow, even escaped: a pasted control character must not break the feed.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# ---- The challenge list as a feed and a file -------------------------------------------------------------

@bp.app_template_filter("xml_text")
def xml_text(value):
    """Plain text (never Markup: it is escaped where it is written) without characters XML forbids."""
    return NOT_XML.sub("", str(value or ""))


# The year in the feed's own tag URI (RFC 4151 asks for a date the authority was held on): never change it.
FEED_TAG_YEAR = "2026"


def _tag_uri(*parts):
    """A permanent Atom id: a tag URI (RFC 4151) under FEED_TAG_AUTHORITY, by default the configured host (never the
    host a request came through)."""
    authority = current_app.config.get("FEED_TAG_AUTHORITY") or urlsplit(current_app.config["BASE_URL"]).hostname
    return f"tag:{authority or 'localhost'},{':'.join(str(p) for p in parts)}"


@bp.get("/feeds/challenges.atom")
@cached_for_visitors  # feed readers poll: the same feed for all until a public challenge changes
def challenges_feed():
    filters = _readable(ChallengeFilters.from_args(request.args))
    page = search_challenges(filters, per_page=current_app.config["CHALLENGES_PER_PAGE"], ids_when_kept=True)
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    entries = _feed_entries(page)
    newest = max((updated for _, updated in entries), default=utcnow())

    def page_url(number, endpoint=".challenges_feed"):  # RFC 5005 paging: the first page has no page number
        return url_for(endpoint, _external=True, **args, **({"page": number} if number > 1 else {}))

    canonical = challenge_exports.canonical_filters(filters)
    body = render_template(
        "open_data/challenges.atom.xml", page=page, entries=[text for text, _ in entries], updated=newest,
        licence=open_data_licence(),
        feed_id=_tag_uri(FEED_TAG_YEAR, f"challenges?{canonical}" if canonical else "challenges"),
        self_url=page_url(page.page), first_url=page_url(1), last_url=page_url(max(page.pages, 1)),
        list_url=page_url(page.page, "challenges.index"),
        next_url=page_url(page.page + 1) if page.page < page.pages else None,
        previous_url=page_url(page.page - 1) if page.page > 1 else None,
    )
    return Response(body, mimetype="application/atom+xml")


def _feed_entries(page):
    """Each challenge's (<entry>, when it was updated: what dates the feed), kept per challenge, host, language
    and zone until the public data change."""
    entry = current_app.jinja_env.get_template("open_data/feed_entry.xml").module.entry
    return challenge_exports.written_per_challenge(
        "feed entry", (request.url_root, str(get_locale()), str(get_timezone())), page,
        lambda challenge, sectors: (entry(challenge, {challenge.id: sectors}, _tag_uri, cpv_code, STATUS_LABELS),
                                    challenge.updated_at))


@bp.get("/challenges.csv")
def challenges_csv():
    text = challenge_exports.challenges_csv(_readable(ChallengeFilters.from_args(request.args)),
                                            base_url=current_app.config["BASE_URL"])
    stamp = utcnow().strftime("%Y%m%d")
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=agora-challenges-{stamp}.csv", "Link": _licence_link()})


def _readable(filters):
    """The filters of a feed or a file, refused (422, saying why) when one cannot be read: left out, the feed or
    the file would hold what was not asked for (every challenge for an unknown sector), which a feed reader or a
    spreadsheet takes as the answer; the list page shows the same reasons beside its filters."""
    problems = filters.problems()
    if problems:
        raise ValidationFailed(problems)
    return filters


def _licence_link():
    return f'<{open_data_licence().url}>; rel="license"'



# ---- Statistics ------------------------------------------------------------------------------------------

STATUS_LABELS = {status: lifecycle.status_label(status) for status in PUBLIC_STATUSES}
SIZE_LABELS = {"micro": _l("Micro"), "small": _l("Small"), "medium": _l("Medium"), "large": _l("Large"),
               "unknown": _l("Size not given")}


def _month_label(key):
    year, month = map(int, key.split("-"))
    return format_date(date(year, month, 1), "MMM yyyy")


def _histogram(distribution, css):
    categories = [(b.key, str(b.label)) for b in distribution.buckets]
    return column_chart(categories, [(css, "", {b.key: b.count for b in distribution.buckets})])


def _charts(stats):
    """Each figure's chart geometry; the tables beside them read the statistics directly."""
    months = [(key, _month_label(key)) for key, _ in stats.months]
    by_month = [(f"chart-{status}", str(STATUS_LABELS[status]), {key: counts[status] for key, counts in stats.months})
                for status in PUBLIC_STATUSES]
    sizes = [(size, str(SIZE_LABELS[size])) for size, _ in stats.pitches_by_size]
    return {
        "by_month": column_chart(months, by_month),
        "pitches": _histogram(stats.pitches_per_challenge, "chart-bar"),
        "sizes": column_chart(sizes, [("chart-bar", "", dict(stats.pitches_by_size))]),
        "days_to_pilot": _histogram(stats.days_to_pilot, "chart-bar"),
        "adoption": column_chart([("adopted", str(_l("Adopted"))), ("stopped", str(_l("Stopped")))],
                                 [("chart-completed", "", {"adopted": stats.adopted}),
                                  ("chart-cancelled", "", {"stopped": stats.stopped})]),
        "answers": _histogram(stats.answer_hours, "chart-bar"),
    }


# {language: (figures, their charts and tables drawn)}: for the latest figures (statistics.public_statistics keeps
# them until what they show changes), so that ~1,600 escaped values are written once per language, not per request.
_drawn = {}


def _figures_drawn(figures):
    locale = str(get_locale())
    drawn = _drawn.get(locale)
    if drawn is None or drawn[0] is not figures:
        section = current_app.jinja_env.get_template("open_data/stats_figures.html").module.figures
        drawn = _drawn[locale] = (figures, section(figures, _charts(figures), STATUS_LABELS, SIZE_LABELS,
                                                  _month_label, format_percent))
    return drawn[1]


@bp.get("/stats")
@cached_for_visitors  # a deadline passing shows within PAGE_CACHE_SECONDS, as on the home page
def stats():
    return render_template("open_data/stats.html", figures=_figures_drawn(statistics.public_statistics()))


@bp.get("/stats.json")
def stats_json():
    licence = open_data_licence()
    return {"license": licence.url, "statistics": statistics.statistics_data(statistics.public_statistics())}


@bp.get("/stats.csv")
def stats_csv():
    text = csv_text(statistics.STATISTICS_CSV_COLUMNS, statistics.statistics_rows(statistics.public_statistics()),
                    byte_order_mark=True)
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=agora-statistics.csv", "Link": _licence_link()})


@bp.get("/open-data")
def policy():
    return render_template("open_data/policy.html", ocid_prefix=current_app.config["OCDS_OCID_PREFIX"],
                           licence=open_data_licence(), bulk_files=bulk_files.files())


@bp.get(bulk_files.DOWNLOAD_PATH + "<name>")
def bulk_file(name):
    """A bulk file as the file it is (application/gzip, not a Content-Encoding), with its sha256 as ETag."""
    found, path = bulk_files.find(name)
    if found is None or not path.is_file():
        abort(404)
    download_name = name.replace(".jsonl.gz", f"-{found.generated_at:%Y%m%d}.jsonl.gz")
    response = send_file(path, mimetype=bulk_files.MEDIA_TYPE, as_attachment=True, download_name=f"agora-{download_name}",
                         etag=found.sha256, last_modified=found.generated_at, conditional=True, max_age=3600)
    response.headers["Link"] = _licence_link()
    return response


@bp.get("/open-data/catalogue.jsonld")
def data_catalogue():
    paths = {
        "catalogue": url_for(".data_catalogue"), "policy": url_for(".policy"), "contact": url_for("about.contact"),
        "releases_api": url_for("api.ocds_releases"), "records_api": url_for("api.ocds_records"),
        "challenges_csv": url_for(".challenges_csv"), "challenges_feed": url_for(".challenges_feed"),
        "challenge_columns": url_for(".challenge_columns_json"), "stats_csv": url_for(".stats_csv"),
        "stats_json": url_for(".stats_json"), "stats": url_for(".stats"),
    }
    return Response(json.dumps(catalogue.catalogue(paths), ensure_ascii=False, indent=1),
                    mimetype="application/ld+json")


@bp.get("/open-data/challenges-columns")
def challenge_columns():
    return render_template("open_data/challenge_columns.html", columns=challenge_exports.column_dictionary())


@bp.get("/open-data/challenges-columns.json")
def challenge_columns_json():
    return {"columns": challenge_exports.column_dictionary()}


@bp.get("/open-data/audit-anchors")
def audit_anchors():
    page = min(max(request.args.get("page", 1, type=int), 1), 100000)
    return render_template("open_data/audit_anchors.html", page=audit.anchors_page(page, 50),
                           kind_labels=ANCHOR_KINDS)


ANCHOR_KINDS = {"scheduled": _l("Daily"), "manual": _l("By an operator"),
                "unkeyed": _l("At the upgrade to keyed digests")}
