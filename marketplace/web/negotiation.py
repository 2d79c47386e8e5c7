"""Whether the caller asked for JSON (the pitch steps' autosave) rather than a page."""
from flask import request

from .http_cache import vary_on_accept


def wants_json():
    vary_on_accept()  # the answer follows Accept: caches must know
    return request.accept_mimetypes.best == "application/json"
