"""The cap on concurrent streamed replies (WEBUI_MAX_STREAMS): beyond it, 503 with Retry-After at once."""

import threading

from flask import current_app

from webui.core.observe import metrics
from webui.errors import ServerBusy
from webui.settings import SPEC, Settings

DEFAULT_MAX_STREAMS = SPEC["max_streams"]["default"]
RETRY_AFTER = 5  # seconds; streams last seconds to minutes, so a short wait usually finds a free slot


class StreamSlots:
    """A counter of open streams in this process (docs/ARCHITECTURE.md: state that lives in one process)."""

    def __init__(self, limit):
        self.limit = limit
        self.open = 0
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, environ):
        """WEBUI_MAX_STREAMS, or 1000 when unset or not a positive integer."""
        return cls(Settings.from_env(environ).max_streams)

    def take(self):
        """A Slot, or ServerBusy without waiting."""
        with self._lock:
            if self.open >= self.limit:
                metrics.rejected("streams")
                raise ServerBusy(f"The server is serving its maximum of {self.limit} streamed replies; "
                                 f"try again in a few seconds.", retry_after=RETRY_AFTER)
            self.open += 1
        metrics.stream_opened()
        return Slot(self)

    def _give(self):
        with self._lock:
            self.open -= 1
        metrics.stream_closed()


class Slot:
    """One taken slot; release() is idempotent (called when the response closes, or on an early error)."""

    def __init__(self, slots):
        self._slots = slots

    def release(self):
        slots, self._slots = self._slots, None
        if slots is not None:
            slots._give()


def install(app, environ):
    """Put this app's StreamSlots on app.extensions."""
    app.extensions["stream_slots"] = StreamSlots.from_env(environ)


def streamed(start):
    """A streamed Response from start() that holds a slot until the response is closed (or start() fails)."""
    slot = current_app.extensions["stream_slots"].take()
    try:
        response = start()
    except BaseException:
        slot.release()
        raise
    # The WSGI server closes every response, even one never iterated (client gone): the slot comes back.
    response.call_on_close(slot.release)
    return response
