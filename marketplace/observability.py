"""Structured logs with a request id carried into the tasks a request causes, and Prometheus metrics.

Every log line is one JSON object with the request id (from the X-Request-ID
header, or new). The id travels with the Celery tasks that the request's
outbox events start, so one id follows a change from the click to the email.
"""
import json
import logging
import os
import time
import uuid
from contextvars import ContextVar

from prometheus_client import Gauge, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

request_id_var = ContextVar("request_id", default=None)

REGISTRY = CollectorRegistry(auto_describe=True)
HTTP_REQUESTS = Counter("agora_http_requests_total", "HTTP requests", ["method", "endpoint", "status"],
                        registry=REGISTRY)
HTTP_LATENCY = Histogram("agora_http_request_seconds", "HTTP request duration", ["endpoint"], registry=REGISTRY,
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
TASK_RUNS = Counter("agora_task_runs_total", "Celery task runs", ["task", "state"], registry=REGISTRY)
RATE_LIMITS_SHARED = Gauge("agora_rate_limits_shared", "1 when rate limits are counted in the shared storage "
                           "(Redis), 0 when each process counts alone (no REDIS_URL, or Redis unreachable)",
                           registry=REGISTRY, multiprocess_mode="livemostrecent")
# Read from the database at each scrape (metrics_text), so every process reports the same, current value.
DATABASE_GAUGES = {
    "agora_outbox_backlog": "Outbox events not processed yet",
    "agora_email_due": "Emails due to be sent now (queued, or waiting for a retry whose time has come)",
    "agora_email_oldest_due_seconds": "Seconds since the oldest due email was queued (0 when none is due)",
    "agora_email_retrying": "Emails that failed and wait for their next attempt",
    "agora_email_failed": "Emails given up (re-queue them from /admin/emails or with flask mail requeue)",
}


def new_request_id(incoming=None):
    """The caller's id if it looks like one (so a proxy's id carries through), else a fresh one."""
    if incoming and len(incoming) <= 64 and all(c.isalnum() or c in "-_." for c in incoming):
        return incoming
    return uuid.uuid4().hex


class JSONFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
            "logger": record.name, "message": record.getMessage(), "request_id": request_id_var.get(),
        }
        for key in ("method", "path", "status", "duration_ms", "task", "task_id", "audit_anchor"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level="INFO"):
    handler = logging.StreamHandler()
    handler.setFormatter(JSONFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class _Values:
    """A collector of gauges whose values were just read (DATABASE_GAUGES)."""

    def __init__(self, values):
        self.values = values

    def collect(self):
        for name, value in self.values.items():
            family = GaugeMetricFamily(name, DATABASE_GAUGES[name])
            family.add_metric([], value)
            yield family


def metrics_text(database_values):
    """The Prometheus exposition: this process's counters (across gunicorn workers when PROMETHEUS_MULTIPROC_DIR
    is set) and the gauges read from the database for this scrape."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    now = CollectorRegistry()
    now.register(_Values(database_values))
    return generate_latest(registry) + generate_latest(now)


class RequestTimer:
    def __init__(self):
        self.started = time.perf_counter()

    def elapsed(self):
        return time.perf_counter() - self.started
