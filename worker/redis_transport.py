"""Kombu's Redis transport, with a channel that survives being closed after its connection was collected.

Celery 5.7 / kombu 5.7 (with redis-py 8.1): when the broker connection is lost,
the worker first `collect()`s the connection, which detaches the transport from
it (`transport.client = None`), then `close()`s it. If the channel was not
closed by the first pass (Redis was already gone while it was reading), the
second pass restores the unacknowledged messages, needs the connection's
parameters to open a client, finds `None`, and the AttributeError ends the
worker for good ("Unrecoverable error: AttributeError("'NoneType' object has no
attribute 'hostname'")", seen on the second of three Redis restarts).

Each channel keeps the connection it was opened with, and reads its parameters
from it when the transport has been detached: the restore then either succeeds
(Redis is back) or fails with a connection error, which the worker expects and
recovers from. Selected by `broker_transport` in config.py for redis:// brokers.
"""
from kombu.transport import redis


class Channel(redis.Channel):
    def __init__(self, connection, *args, **kwargs):
        self._opened_by = connection.client  # the kombu Connection this channel belongs to
        super().__init__(connection, *args, **kwargs)

    def _connparams(self, asynchronous=False):
        transport = self.connection
        if transport.client is not None or self._opened_by is None:
            return super()._connparams(asynchronous=asynchronous)
        transport.client = self._opened_by  # only while the parameters are read
        try:
            return super()._connparams(asynchronous=asynchronous)
        finally:
            transport.client = None


class Transport(redis.Transport):
    Channel = Channel
