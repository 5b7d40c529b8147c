"""Time spent waiting on upstreams, per request context (a greenlet or thread): what X-Gateway-Overhead-Ms
subtracts from the time a request spent in the gateway."""

import contextvars
import time

_waited = contextvars.ContextVar("upstream_waited_s", default=None)


def start():
    """Begin counting in this context (a request); the counter is a one-item list of seconds."""
    box = [0.0]
    _waited.set(box)
    return box


def total_ms():
    """Milliseconds waited on upstreams since start() in this context (0 when nothing counts)."""
    box = _waited.get()
    return box[0] * 1000 if box else 0.0


def add(seconds):
    """Count one wait (a request's round trip to the headers, a retry pause, a body read)."""
    box = _waited.get()
    if box is not None:
        box[0] += seconds


class Waiting:
    """with Waiting(): ... counts the block's wall time as an upstream wait."""

    def __enter__(self):
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc):
        add(time.monotonic() - self.started)
