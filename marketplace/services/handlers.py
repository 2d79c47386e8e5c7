"""Imports every service module that registers outbox handlers (@handles), so the worker and tests see them all."""
from . import matching  # noqa: F401
