"""ReplyStream: a provider stream pumped by a background thread, so the reply is finished and stored
even when the HTTP client goes away mid-stream."""

import logging
import queue
import threading

from webui.errors import StreamFailed, WebUIError
from webui.providers.results import Delta

log = logging.getLogger("webui.chat")

# How long a reader waits for the next piece; adapters have their own (shorter) read timeouts.
IDLE_TIMEOUT = 600


class ReplyStream:
    """Iterate for text deltas (str), then one final value: whatever `finish(last item)` returned.

    `source` yields str deltas and ends with one non-str item (the gateway's result). A failure
    before the first delta is raised by start(), so the web layer can still answer with an error
    status; a later one is raised from the iterator.
    """

    def __init__(self, source, finish):
        self._source = source
        self._finish = finish
        self._queue = queue.Queue()
        self._first = None
        self.result = None
        self.done = threading.Event()

    def start(self):
        """Start pumping and wait for the first piece; raises the error if the stream fails at once."""
        threading.Thread(target=self._pump, name="reply-stream", daemon=True).start()
        self._first = self._next()
        if self._first[0] == "error":
            raise self._first[1]
        return self

    def _pump(self):
        try:
            last = None
            for item in self._source:
                if isinstance(item, str):
                    self._queue.put(("delta", item))
                elif isinstance(item, Delta):  # tool calls and the like: only their text is a reply delta
                    if item.text and item.index == 0:
                        self._queue.put(("delta", item.text))
                else:
                    last = item
            if last is None:
                raise StreamFailed("The provider stream ended without a result.")
            self.result = self._finish(last)
            self._queue.put(("done", self.result))
        except WebUIError as exc:
            self._queue.put(("error", exc))
        except Exception:  # the reader must hear about it, whatever broke
            log.exception("Reply stream failed")
            self._queue.put(("error", StreamFailed("The reply stream failed on the server; see its log.")))
        finally:
            self.done.set()

    def _next(self):
        try:
            return self._queue.get(timeout=IDLE_TIMEOUT)
        except queue.Empty:
            return "error", StreamFailed("The provider sent nothing for too long.")

    def __iter__(self):
        item, self._first = self._first, None
        while True:
            item = item or self._next()
            kind, value = item
            if kind == "error":
                raise value
            yield value
            if kind == "done":
                return
            item = None

    def wait(self, timeout=None):
        """Block until the pump thread has finished (tests, shutdown)."""
        return self.done.wait(timeout)
