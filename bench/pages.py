"""Benchmark: every page and API list, in process — median milliseconds and SQL statements per request.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/agora_scale \
        .venv/bin/python bench/pages.py [--runs 15] [--only /stats] [--nothing-kept]

Point it at a database built by `flask seed-demo` or `flask seed-scale`. The page cache is off, so each
request renders. With --nothing-kept, what the process keeps per state of the public data (totals, a page's ids,
rows and HTML of listed challenges, a search's matches) and of the challenges (the search catalogue) is forgotten
before each request: a page as its first visitor after a change of the challenges finds it. The signed-in pages are taken as the first company owner with a submitted pitch and as a
publisher of that challenge's agency. Prints one line per page and the load average; reads only.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select, text  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/agora_scale"


def pages(slug):
    public = [
        ("home", "/", None),
        ("challenge list", "/challenges", None),
        ("list, page 100", "/challenges?page=100", None),
        ("list by deadline, page 2,000", "/challenges?sort=deadline&page=2000", None),
        ("search q=water", "/challenges?q=water", None),
        ("search q=leaks (9,500 matches at 50k)", "/challenges?q=leaks", None),
        ("search q=fuites, status=published", "/challenges?q=fuites&status=published", None),
        ("challenge page, visitor", f"/challenges/{slug}", None),
        ("statistics", "/stats", None),
        ("atom feed", "/feeds/challenges.atom", None),
        ("API challenges", "/api/v1/challenges", None),
        ("API challenges, page 100", "/api/v1/challenges?page=100", None),
        ("API OCDS releases", "/api/v1/ocds/releases", None),
        ("API OCDS releases, deep", "/api/v1/ocds/releases?page=400", None),
    ]
    signed_in = [
        ("challenge page, company", f"/challenges/{slug}", "company"),
        ("dashboard, company", "/dashboard", "company"),
        ("pitch step, company", f"/challenges/{slug}/pitch/about", "company"),
        ("challenge page, publisher", f"/challenges/{slug}", "publisher"),
        ("dashboard, publisher", "/dashboard", "publisher"),
    ]
    return public + signed_in


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--only", default="")
    parser.add_argument("--nothing-kept", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("AGORA_ENV", "development")
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.models import Challenge, Membership, Pitch, User
    from marketplace.services.open_data.public_data import forget_kept

    app = create_app("development", SQLALCHEMY_DATABASE_URI=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
                     PAGE_CACHE_SECONDS=0, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False)
    with app.app_context():
        challenges = db.session.scalar(text("SELECT count(*) FROM challenges"))
        companies = db.session.scalar(text("SELECT count(*) FROM organisations WHERE kind = 'company'"))
        # A submitted pitch on an open challenge whose company has people (the scale set has people for some).
        pitch = db.session.scalars(select(Pitch).join(Challenge).where(
            Pitch.submitted_at.is_not(None), Challenge.status == "published",
            Pitch.company_id.in_(select(Membership.organisation_id))).order_by(Pitch.id)).first()
        challenge = pitch.challenge
        slug = challenge.slug
        company_user = db.session.scalars(select(User).join(Membership).where(
            Membership.organisation_id == pitch.company_id)).first()
        officer = db.session.scalars(select(User).join(Membership).where(
            Membership.organisation_id == challenge.agency_id)).first()
        users = {"company": company_user, "publisher": officer}
        ids = {key: user.get_id() for key, user in users.items() if user is not None}
        db.session.rollback()
    print(f"{challenges:,} challenges, {companies:,} companies; load average {os.getloadavg()[0]:.2f}")
    print(f"{'page':36} {'median ms':>10} {'min ms':>8} {'statements':>10}  status")

    count = {"n": 0}

    def seen(*_):
        count["n"] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", seen)
    for label, path, who in pages(slug):
        if args.only and args.only not in path:
            continue
        client = app.test_client()
        if who:
            if who not in ids:
                continue
            with client.session_transaction() as session:
                session["_user_id"] = ids[who]
                session["_fresh"] = True
        client.get(path)  # warm: templates compiled, caches of the process filled as in a running server
        timings, statements = [], []
        for _ in range(args.runs):
            if args.nothing_kept:
                forget_kept()
            count["n"] = 0
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            statements.append(count["n"])
        print(f"{label:36} {statistics.median(timings):10.1f} {min(timings):8.1f} {statistics.median(statements):10.0f}"
              f"  {response.status_code}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
