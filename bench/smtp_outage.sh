#!/bin/bash
# SMTP down for OUTAGE seconds under a real worker (prefork, 4 processes) and beat, both under worker.supervise,
# with 300 emails queued; then an SMTP sink starts where the server was, and the script reports how many attempts
# the outage cost and how fast everything was sent. docs/ops-notes/worker.md has the figures.
#
#   BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/agora_bench OUTAGE=300 bench/smtp_outage.sh
#
# The database is EMPTIED (drop_all, create_all): give it a scratch one. REDIS_PORT (6391) and SMTP_PORT (6393)
# must be free; a private redis-server is started on REDIS_PORT.
set -u
: "${BENCH_DATABASE_URL:?set BENCH_DATABASE_URL to a scratch PostgreSQL database (it is emptied)}"
cd "$(dirname "$0")/.."
S=$(mktemp -d)
OUTAGE=${OUTAGE:-300} REDIS_PORT=${REDIS_PORT:-6391} SMTP_PORT=${SMTP_PORT:-6393}
export AGORA_ENV=development PYTHONPATH=$PWD JSON_LOGS=0 AGORA_INSTANCE_DIR=$S DATABASE_URL=$BENCH_DATABASE_URL \
  REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0 MAIL_SERVER=127.0.0.1 MAIL_PORT=$SMTP_PORT PATH=$PWD/.venv/bin:$PATH
PSQL_URL=${BENCH_DATABASE_URL/+psycopg/}
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$S/redis.log" 2>&1 &
REDIS=$! WORKER= BEAT= SMTP=
trap 'kill $WORKER $BEAT $SMTP $REDIS 2>/dev/null' EXIT
sleep 0.5
python - <<'PY'
from marketplace import create_app
from marketplace.extensions import db
from marketplace.services.messaging import mail
app = create_app()
with app.app_context():
    db.drop_all(); db.create_all()
    mail.queue_emails([mail.OutgoingEmail("notification", f"bench:{n}", address=f"person{n}@example.org",
                                          context={"title": "Notice", "body": "Body"}) for n in range(300)])
    db.session.commit()
PY
python -m worker.supervise -- celery -A worker.app worker --loglevel=INFO --concurrency=4 >"$S/worker.log" 2>&1 &
WORKER=$!
python -m worker.supervise -- celery -A worker.app beat --loglevel=INFO >"$S/beat.log" 2>&1 &
BEAT=$!
sleep "$OUTAGE"
echo "after $OUTAGE s of outage: $(psql "$PSQL_URL" -tAc "select count(*) filter (where attempts > 0) || ' emails tried, ' || coalesce(sum(attempts), 0) || ' attempts, ' || count(*) filter (where status = 'sent') || ' sent' from email_deliveries")"
echo "outage log lines: $(grep -c 'unreachable since' "$S/worker.log"), send_due runs: $(grep -c 'mail.send_due.*succeeded' "$S/worker.log")"
python -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" >"$S/smtp.log" 2>&1 &
SMTP=$!
BACK=$(date +%s)
for _ in $(seq 1 90); do
  sleep 10
  SENT=$(psql "$PSQL_URL" -tAc "select count(*) from email_deliveries where status = 'sent'")
  echo "$(( $(date +%s) - BACK )) s after SMTP came back: $SENT sent"
  [ "$SENT" = 300 ] && break
done
echo "attempts in all: $(psql "$PSQL_URL" -tAc "select sum(attempts) from email_deliveries")"
echo "messages received: $(grep -c '^Message-ID' "$S/smtp.log"), distinct Message-IDs: $(grep '^Message-ID' "$S/smtp.log" | sort -u | wc -l)"
echo "logs in $S"
