"""Security headers on every answer (a strict Content-Security-Policy, no framing, no sniffing); NUL bytes refused."""
from flask import abort, current_app, request
from flask_login import current_user

from ..services.permissions import signed_in

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


SECURITY_HEADERS = [
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]


def add_security_headers(response):
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}  # a view's own header wins
    headers.extend([(name, value) for name, value in SECURITY_HEADERS if name.lower() not in present])
    # HSTS only behind TLS: on plain http it would be ignored, and on a laptop it would lock localhost to https.
    if request.is_secure or current_app.config.get("PREFERRED_URL_SCHEME") == "https":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint and not request.endpoint.startswith("static") and "cache-control" not in present:
        # Pages may hold sealed pitches or personal data: never in a shared cache.
        headers["Cache-Control"] = "no-store" if signed_in(current_user) else "no-cache"
    return response


def refuse_nul_bytes():
    """No text we keep or look up may hold a NUL byte: PostgreSQL refuses it, which would be a 500, not a 400."""
    if "\x00" in request.path or _holds_nul(request.args):
        abort(400)
    if request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if _holds_nul(request.form):
            abort(400)


def _holds_nul(multidict):
    return any("\x00" in value for values in multidict.listvalues() for value in values)


def trust_proxy_headers(app):
    """Take the client's address, scheme, host, port and prefix from the X-Forwarded-* headers, but only as many
    hops as PROXY_FIX_* say are ours: a header a client wrote itself is never believed."""
    hops = {name: app.config.get(f"PROXY_FIX_{name.upper()}", 0) for name in ("x_for", "x_proto", "x_host",
                                                                              "x_port", "x_prefix")}
    if any(hops.values()):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)


def register(app):
    trust_proxy_headers(app)
    app.before_request(refuse_nul_bytes)
    app.after_request(add_security_headers)
