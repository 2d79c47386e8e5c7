"""Whether the caller asked for JSON (the pitch steps' autosave) rather than a page."""
from flask import request


def wants_json():
    return request.accept_mimetypes.best == "application/json"
