"""Benchmark: searches never asked before, in process — median ms a request, SQL ms and statements per request.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/agora_scale \
        .venv/bin/python bench/new_searches.py [--requests 400] [--new-words]

The URLs are bench/load.py's "every query new" (a word, a sort, a budget ceiling never asked, so no kept page
serves them); the page cache is off. With --new-words, every search is of a word no search asked for before in
this process (words of the data set's texts, each once, in the visitor's default order, best match first), so
its matches are read from the database every time (services/challenges/catalogue.py keeps them per word). Reads
only.
"""
import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import event  # noqa: E402

from load import unique_searches  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/agora_scale"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--new-words", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("AGORA_ENV", "development")
    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app("development", SQLALCHEMY_DATABASE_URI=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
                     PAGE_CACHE_SECONDS=0, RATELIMIT_ENABLED=False)
    sql = {"seconds": 0.0, "statements": 0}
    with app.app_context():
        @event.listens_for(db.engine, "before_cursor_execute")
        def started(conn, *_):
            conn.info["bench_started"] = time.perf_counter()

        @event.listens_for(db.engine, "after_cursor_execute")
        def ended(conn, *_):
            sql["seconds"] += time.perf_counter() - conn.info["bench_started"]
            sql["statements"] += 1

    random.seed(1)
    client, urls = app.test_client(), (new_words(app, db) if args.new_words else unique_searches())
    for _ in range(30):  # warm: templates compiled, each word's tsquery parsed, as in a running server
        client.get(next(urls))
    sql.update(seconds=0.0, statements=0)
    timings = []
    for _ in range(args.requests):
        started_at = time.perf_counter()
        response = client.get(next(urls))
        timings.append(time.perf_counter() - started_at)
        assert response.status_code == 200, response.status_code
    print(f"{args.requests} {'words' if args.new_words else 'searches'} never asked before: median {statistics.median(timings) * 1000:.1f} ms a request, "
          f"SQL {sql['seconds'] / args.requests * 1000:.1f} ms in {sql['statements'] / args.requests:.1f} statements; "
          f"load average {os.getloadavg()[0]:.2f}")


def new_words(app, db):
    """/challenges?q=<a word of the data set's texts>, never the same word twice."""
    from sqlalchemy import text
    with app.app_context():
        texts = db.session.scalars(text("SELECT concat_ws(' ', title, summary, problem_statement) FROM challenges "
                                        "WHERE published_at IS NOT NULL LIMIT 5000")).all()
    words = sorted({word.strip(".,;:()«»\"'’") for t in texts for word in t.lower().split()})
    words = [word for word in words if len(word) >= 5 and word.isalpha()]
    random.shuffle(words)
    for word in words:
        yield f"/challenges?q={word}"
    raise SystemExit(f"only {len(words)} words in the data set's texts")


if __name__ == "__main__":
    main()
