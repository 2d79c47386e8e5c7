"""Signed, dated tokens made with the app's secret: password resets, invitations, pitch draft keys.

Each use has its own salt, so a token made for one can never pass for another.
"""
from flask import current_app
from itsdangerous import URLSafeTimedSerializer


def timed_serializer(salt):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)
