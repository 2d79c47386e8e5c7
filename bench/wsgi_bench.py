"""Agora plus a minimal Flask endpoint at /minimal, in one WSGI app, so one gunicorn serves both (bench/load.py)."""
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from marketplace import create_app, settle_for_serving

minimal = Flask("minimal")


@minimal.get("/")
def hello():
    return "ok"


app = DispatcherMiddleware(create_app(), {"/minimal": minimal})
settle_for_serving()  # as wsgi.py; it applies to the process, so to the minimal endpoint too
