"""Benchmark: match one challenge against 200,000 company profiles (by default) on PostgreSQL.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/agora_bench \
        .venv/bin/python bench/match_100k.py [--companies 200000] [--runs 7] [--keep] [--no-vacuum]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/agora_scale \
        .venv/bin/python bench/match_100k.py --existing [--challenge ID] [--runs 7]

Builds the schema in a dedicated database (dropped and recreated: never point
it at real data), bulk-loads the companies, their sectors and their indexed
profile terms with COPY (the index's triggers count each term's companies),
vacuums and analyses them (as autovacuum would), then
times `matching.match_challenge` (TF-IDF weights, sector overlap, weighted word
overlap, reasons) and prints the median and a SUMMARY line. With `--existing`
it loads nothing and writes nothing: it times the matching of a published
challenge of the database as it is (a `flask seed-scale` data set, say).
The CPU time of this process and of the PostgreSQL backend (when the server
runs on this machine) are printed too: on a shared machine the wall time
also counts waiting for a core.
"""
import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/agora_bench"

# Words companies describe themselves with; the first ones are the most used (Zipf).
DOMAIN_WORDS = """
software data platform cloud services digital consulting analytics management public citizen health
hospital patient appointment reminder sms mobile app web portal integration api security privacy gdpr
machine learning artificial intelligence sensor iot energy efficiency building heating solar battery
mobility transport traffic parking bicycle logistics warehouse route planning fleet electric charging
water leak detection waste recycling circular construction road bridge maintenance inspection drone
satellite mapping geospatial environment air quality noise monitoring dashboard reporting workflow
document archive records scanning translation accessibility training education school learning
elderly care home nursing social welfare employment recruitment payroll finance accounting invoice
procurement tender contract legal compliance audit risk fraud identity authentication blockchain
chatbot voice telephony contact centre customer experience survey feedback participation democracy
tourism culture museum library event ticketing sport food agriculture farming forestry biodiversity
flood climate adaptation emergency police fire safety camera video privacy-friendly forecasting
optimisation simulation digital-twin robotics automation cleaning facility lighting smart city
""".split()


def zipf_words(rng, vocabulary, count, exponent=1.1):
    weights = [1 / (rank + 1) ** exponent for rank in range(len(vocabulary))]
    return rng.choices(vocabulary, weights=weights, k=count)


def build_vocabulary(size=5000):
    # Real words first, then a long tail of rare specialist terms.
    tail = [f"term{n:04d}" for n in range(size - len(DOMAIN_WORDS))]
    return DOMAIN_WORDS + tail


SECTORS = ["72", "48", "79", "71", "73", "90", "85", "45", "34", "50", "80", "31", "32", "33", "38",
           "09", "15", "30", "35", "39", "42", "44", "51", "55", "60", "63", "64", "65", "66", "70",
           "75", "76", "77", "92", "98", "03", "14", "16", "18", "19", "22", "24", "37", "41", "43"]


def ensure_database(url):
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}):
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def load_companies(db, matching, count, seed=42, vacuum=True):
    """COPY `count` companies with sectors and indexed terms; returns seconds taken."""
    from marketplace.services.organisations.cpv import cpv_divisions

    known = set(cpv_divisions())
    sectors = [s for s in SECTORS if s in known]
    rng = random.Random(seed)
    vocabulary = build_vocabulary()
    sizes = ["micro", "small", "medium", "large"]
    size_weights = [45, 30, 18, 7]
    now = datetime.now(timezone.utc)
    started = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SELECT coalesce(max(id), 0) FROM organisations")
        first_id = cur.fetchone()[0] + 1
        profiles = []
        with cur.copy(
            "COPY organisations (id, kind, name, slug, verified, suspended, size, capability_statement, keywords,"
            " four_eyes_publishing, created_at, updated_at) FROM STDIN"
        ) as copy:
            for n in range(count):
                org_id = first_id + n
                statement = " ".join(zipf_words(rng, vocabulary, rng.randint(15, 45)))
                keywords = ", ".join(zipf_words(rng, vocabulary, rng.randint(3, 8)))
                suspended = rng.random() < 0.01
                copy.write_row((org_id, "company", f"Bench company {n}", f"bench-company-{n}", True, suspended,
                                rng.choices(sizes, size_weights)[0], statement, keywords, False, now, now))
                profiles.append((org_id, statement, keywords))
        with cur.copy("COPY organisation_sectors (organisation_id, cpv_division) FROM STDIN") as copy:
            for org_id, _, _ in profiles:
                for code in rng.sample(sectors[:12] if rng.random() < 0.7 else sectors, rng.randint(1, 3)):
                    copy.write_row((org_id, code))
        with cur.copy("COPY organisation_terms (organisation_id, term) FROM STDIN") as copy:
            for org_id, statement, keywords in profiles:
                for term in matching.profile_terms(statement, keywords):
                    copy.write_row((org_id, term))
        cur.execute("SELECT setval(pg_get_serial_sequence('organisations', 'id'), (SELECT max(id) FROM organisations))")
        raw.commit()
        raw.driver_connection.autocommit = True  # VACUUM runs outside a transaction
        # What autovacuum does to tables that grew by inserts (PostgreSQL 13 and later): statistics for the
        # planner, and the visibility map that lets the term index answer alone (index-only scans).
        for table in ("organisations", "organisation_sectors", "organisation_terms", "organisation_term_counts"):
            cur.execute(f"VACUUM ANALYZE {table}" if vacuum else f"ANALYZE {table}")
    finally:
        raw.close()
    return time.perf_counter() - started


def process_cpu(pid):
    """CPU seconds (user + system) of a local process, or None when it cannot be read (a remote server)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def make_challenge(db):
    from decimal import Decimal

    from marketplace.models import Challenge, Organisation, challenge_sectors

    agency = Organisation(kind="agency", name="Bench agency", slug="bench-agency", verified=True)
    db.session.add(agency)
    db.session.flush()
    challenge = Challenge(
        agency_id=agency.id, title="Fewer missed hospital appointments with SMS reminders",
        slug="bench-challenge", status="published",
        summary="Patients miss outpatient appointments; we want a reminder service and fewer empty slots.",
        problem_statement=(
            "About 12 % of appointments are missed. Letters arrive late, the contact centre cannot call "
            "everyone, and patient data must stay private (GDPR). We look for a mobile or SMS based "
            "reminder platform with integration into the hospital planning software and a dashboard."),
        desired_outcomes="Half as many missed appointments; reporting on no-shows per clinic.",
        budget_min=Decimal("20000"), budget_max=Decimal("60000"),
        pitch_deadline=datetime.now(timezone.utc) + timedelta(days=30),
        published_at=datetime.now(timezone.utc),
    )
    db.session.add(challenge)
    db.session.flush()
    for code in ("85", "72"):
        db.session.execute(challenge_sectors.insert().values(challenge_id=challenge.id, cpv_division=code))
    db.session.commit()
    return challenge


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=200_000)  # issue 17: a national platform's size
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="reuse the loaded data if present")
    parser.add_argument("--no-vacuum", action="store_true",
                        help="only ANALYZE after the bulk load, as right after an import before autovacuum ran")
    parser.add_argument("--existing", action="store_true",
                        help="time an existing data set (flask seed-scale): no loading, nothing written")
    parser.add_argument("--challenge", type=int, help="with --existing: the challenge (default: the first published)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgresql"):
        sys.exit("BENCH_DATABASE_URL must point at PostgreSQL")
    if not args.existing:
        ensure_database(url)

    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.models import Challenge, Organisation
    from marketplace.services.matching import matching
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, OUTBOX_DISPATCH_AFTER_COMMIT=False)
    with app.app_context():
        existing = 0
        if args.existing:
            existing = args.companies = db.session.query(Organisation).filter_by(kind="company").count()
        elif args.keep:
            try:
                existing = db.session.query(Organisation).filter_by(kind="company").count()
            except Exception:
                db.session.rollback()
        if existing != args.companies:
            db.drop_all()  # the schema comes from the migrations, as in production
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            upgrade()
            load_seconds = load_companies(db, matching, args.companies, vacuum=not args.no_vacuum)
            print(f"loaded {args.companies:,} companies in {load_seconds:.1f} s")
            make_challenge(db)
            # Fresh statistics for every table, as autovacuum would give a database that grew over time;
            # without them the planner picks nested loops over 2.6 million rows and takes minutes.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        if not args.existing:
            challenge = db.session.query(Challenge).filter_by(slug="bench-challenge").one()
        elif args.challenge:
            challenge = db.session.get(Challenge, args.challenge)
        else:
            challenge = db.session.query(Challenge).filter_by(status="published").order_by(Challenge.id).first()
        terms = db.session.execute(text("SELECT count(*) FROM organisation_terms")).scalar()
        print(f"companies: {args.companies:,}; indexed (company, term) rows: {terms:,}")
        print(f"challenge {challenge.id}: {challenge.title!r}, sectors {challenge.sectors}")

        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        load_before = os.getloadavg()[0]
        timings, profile_timings, cpu, backend_cpu = [], [], [], []
        results = []
        for _ in range(args.runs):
            db.session.rollback()  # a fresh transaction, as the notification handler has: same backend
            started, cpu_started, backend_started = time.perf_counter(), time.process_time(), process_cpu(backend)
            profile = matching.challenge_profile(challenge)
            middle = time.perf_counter()
            results = matching.match_challenge(challenge, profile=profile)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            if backend_started is not None:
                backend_cpu.append(process_cpu(backend) - backend_started)
            profile_timings.append(middle - started)
        top_timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            top = matching.match_challenge(challenge, limit=50)
            top_timings.append(time.perf_counter() - started)
        load_after = os.getloadavg()[0]
        full, top_median = statistics.median(timings) * 1000, statistics.median(top_timings) * 1000
        print(f"matched above threshold {matching.threshold():.0f}: {len(results):,} companies")
        print(f"match_challenge (all matches, with reasons): median {full:.0f} ms, "
              f"min {min(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms over {args.runs} runs")
        print("  of which TF-IDF weights (challenge_profile): "
              f"median {statistics.median(profile_timings) * 1000:.0f} ms; "
              f"CPU time in this process: median {statistics.median(cpu) * 1000:.0f} ms"
              + (f"; in the PostgreSQL backend: median {statistics.median(backend_cpu) * 1000:.0f} ms"
                 " (parallel workers not counted)" if backend_cpu else ""))
        print(f"publisher's top 50: median {top_median:.0f} ms over {args.runs} runs")
        if top:
            print("best match:", top[0].name, top[0].score, [str(r) for r in top[0].reasons])
        print(f"1-minute load average {load_before:.1f} before, {load_after:.1f} after")
        print(f"SUMMARY match_100k: {args.companies:,} profiles, all {len(results):,} matches with reasons in "
              f"{full:.0f} ms (median; aim < 1000 ms: {'met' if full < 1000 else 'NOT met'}), "
              f"top 50 in {top_median:.0f} ms")


if __name__ == "__main__":
    main()
