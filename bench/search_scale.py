"""Benchmark: the challenge search (`search_challenges`) on the scale data set, in process.

    flask --app wsgi seed-scale --challenges 50000 --companies 200000     # once, on its own database
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/agora_scale \
        .venv/bin/python bench/search_scale.py [--runs 15] [--explain]

Times what /challenges?q=… asks of the database (page of 20 ranked matches and the bounded count) for a few
queries in the four languages, a filtered search, deep pages and rare words sorted by deadline or budget, prints the median milliseconds of each and,
with --explain, the plan of a query's page (--explain-query, default water). Reads only: point it at the scale data set.
Each run forgets what the process kept per state of the public data (a search's page ids, its count), so each is
the search as asked for the first time; --kept times a search asked again instead.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from marketplace.scale import district_name  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/agora_scale"
CASES = [
    ("q=water", {"q": "water"}),
    ("q=leaks", {"q": "leaks"}),
    ("q=fuites", {"q": "fuites"}),
    ("q=lekken", {"q": "lekken"}),
    ("q=Wasserlecks", {"q": "Wasserlecks"}),
    ("q=schools water (2 words)", {"q": "schools water"}),
    ("q=water&status=published", {"q": "water", "status": "published"}),
    ("q=water, page 50 (deepest)", {"q": "water", "page": "50"}),
    ("q=zzzz (no match)", {"q": "zzzz"}),
    ("no q (the plain list)", {}),
    ("q=water, by deadline", {"q": "water", "sort": "deadline"}),
    ("q=water, by deadline, page 50", {"q": "water", "sort": "deadline", "page": "50"}),
    # The scale data set's rare words (marketplace/scale.py): the district of rank 300 is named by about 12
    # challenges, that of rank 2,000 by four; sorted otherwise than by relevance, they were the slow searches.
    ("rare word (rank 300), by deadline", {"q": district_name(300), "sort": "deadline"}),
    ("rare word (rank 2000), by budget", {"q": district_name(2000), "sort": "budget_high"}),
    ("rare word (rank 300), best match", {"q": district_name(300)}),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--kept", action="store_true", help="keep the page ids and counts between runs")
    parser.add_argument("--explain-query", default="water")
    args = parser.parse_args()
    os.environ.setdefault("AGORA_ENV", "development")
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.services.challenges import challenges
    from marketplace.services.challenges.challenges import ChallengeFilters
    from marketplace.services.open_data.public_data import forget_kept

    app = create_app("development", SQLALCHEMY_DATABASE_URI=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    with app.app_context():
        total = db.session.scalar(text("SELECT count(*) FROM challenges"))
        print(f"{total} challenges, load average {os.getloadavg()[0]:.1f}")
        for label, query in CASES:
            filters = ChallengeFilters.from_args(MultiDict(query))
            timings = []
            for _ in range(args.runs):
                if not args.kept:
                    forget_kept()
                started = time.perf_counter()
                page = challenges.search_challenges(filters, per_page=20, language="en")
                timings.append((time.perf_counter() - started) * 1000)
                db.session.rollback()  # a fresh transaction each time, as each request has
            shown = f"more than {page.total}" if page.more else str(page.total)
            print(f"{label:32} median {statistics.median(timings):7.1f} ms  (min {min(timings):6.1f})  "
                  f"total {shown}, {len(page.items)} on the page")
        if args.explain:
            statements = []
            from sqlalchemy import event

            @event.listens_for(db.engine, "before_cursor_execute")
            def keep(conn, cursor, statement, parameters, context, executemany):
                statements.append((statement, parameters))

            challenges.search_challenges(ChallengeFilters.from_args(MultiDict({"q": args.explain_query})), language="en")
            event.remove(db.engine, "before_cursor_execute", keep)
            for statement, parameters in statements:
                cursor = db.session.connection().connection.driver_connection.cursor()
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                print("\n".join(row[0] for row in cursor.fetchall()))
                print()


if __name__ == "__main__":
    main()
