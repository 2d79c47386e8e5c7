"""Per request: a request id, a JSON log line, metrics; and /metrics for Prometheus."""
import logging

from flask import Blueprint, Response, current_app, g, request
from sqlalchemy import func, select

from ..extensions import db, limiter
from ..models import OutboxEvent
from ..services.messaging import mail
from ..observability import (HTTP_LATENCY, HTTP_REQUESTS, RATE_LIMITS_SHARED, RequestTimer, metrics_text,
                             new_request_id, request_id_var)
from ..services.health import rate_limit_state

log = logging.getLogger("agora.requests")
bp = Blueprint("observability", __name__)


def _start():
    g.request_id = new_request_id(request.headers.get("X-Request-ID"))
    g.request_id_token = request_id_var.set(g.request_id)
    g.request_timer = RequestTimer()


def _finish(response):
    elapsed = g.request_timer.elapsed() if "request_timer" in g else 0.0
    endpoint = request.endpoint or "unknown"
    if endpoint != "static":
        record_answer(request.method, endpoint, request.path, response.status_code, elapsed)
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def record_answer(method, endpoint, path, status, elapsed):
    """The metrics and the log line of one answer (also for pages answered before Flask: web/page_cache.py)."""
    HTTP_REQUESTS.labels(method, endpoint, str(status)).inc()
    HTTP_LATENCY.labels(endpoint).observe(elapsed)
    log.info("%s %s %s", method, path, status,
             extra={"method": method, "path": path, "status": status, "duration_ms": round(elapsed * 1000, 1)})


def _reset(exc=None):
    token = g.pop("request_id_token", None)
    if token is not None:
        request_id_var.reset(token)


@bp.get("/metrics")
def metrics():
    """Prometheus metrics; only with the configured bearer token, or from the machine itself without one."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        if request.headers.get("Authorization") != f"Bearer {token}":
            return Response("Forbidden\n", 403, mimetype="text/plain")
    elif request.remote_addr not in ("127.0.0.1", "::1"):
        return Response("Forbidden\n", 403, mimetype="text/plain")
    backlog = db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.processed_at.is_(None)))
    RATE_LIMITS_SHARED.set(1 if rate_limit_state(limiter) == "ok" else 0)
    emails = mail.queue_state()
    values = {"agora_outbox_backlog": backlog, "agora_email_due": emails["due"],
              "agora_email_oldest_due_seconds": emails["oldest_due_seconds"],
              "agora_email_retrying": emails["retrying"], "agora_email_failed": emails["failed"]}
    return Response(metrics_text(values), mimetype="text/plain; version=0.0.4")


def register(app):
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_reset)
