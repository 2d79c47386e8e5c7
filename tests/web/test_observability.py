"""Request ids in the answer and in the tasks a request causes; Prometheus metrics behind a token."""
from marketplace.observability import JSONFormatter, new_request_id


def test_each_answer_has_a_request_id_and_a_good_incoming_one_is_kept(client):
    fresh = client.get("/").headers["X-Request-ID"]
    assert len(fresh) == 32
    assert client.get("/", headers={"X-Request-ID": "lb-1234"}).headers["X-Request-ID"] == "lb-1234"
    assert client.get("/", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"] != "<script>"
    assert new_request_id("x" * 65) != "x" * 65


def test_log_lines_are_json_with_the_request_id():
    import json
    import logging

    record = logging.LogRecord("agora", logging.INFO, __file__, 1, "hello %s", ("there",), None)
    line = json.loads(JSONFormatter().format(record))
    assert line["message"] == "hello there" and line["level"] == "INFO" and "request_id" in line


def test_metrics_count_requests_and_show_the_outbox_backlog(client, app, f):
    client.get("/challenges")
    text = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).text
    assert 'agora_http_requests_total{endpoint="challenges.index",method="GET",status="200"}' in text
    assert "agora_outbox_backlog 0.0" in text


def test_metrics_are_not_public(client, app):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    app.config["METRICS_TOKEN"] = "s3cret"
    try:
        assert client.get("/metrics").status_code == 403
        assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    finally:
        app.config["METRICS_TOKEN"] = None


def test_the_request_id_travels_with_the_dispatched_task(app, client, login, f, monkeypatch):
    sent = []
    celery = app.extensions["celery"]
    monkeypatch.setattr(celery, "send_task", lambda name, args=None, headers=None, **kw: sent.append(headers))
    app.config["OUTBOX_DISPATCH_AFTER_COMMIT"] = True
    try:
        login(f.member(f.Company(), "owner"))
        challenge = f.Challenge()
        response = client.post(f"/challenges/{challenge.slug}/follow", headers={"X-Request-ID": "req-42"})
        assert response.status_code == 302
    finally:
        app.config["OUTBOX_DISPATCH_AFTER_COMMIT"] = False
    assert {"request_id": "req-42"} in sent
