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

    def __init__(self, source, finish, on_stop=None):
        self._source = source
        self._finish = finish
        self._on_stop = on_stop  # on_stop(text so far): stores the partial reply when a person presses Stop
        self._queue = queue.Queue()
        self._first = None
        self._text = []
        self._claim = threading.Lock()  # whoever ends the reply first (the stream's end or stop()) stores it
        self._ended = False
        self.stopped = threading.Event()
        self.result = None
        self.done = threading.Event()
        self.on_done = None  # on_done(stream) once the pump has ended

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
                if self.stopped.is_set():
                    break
                text = item if isinstance(item, str) else (
                    item.text if isinstance(item, Delta) and item.index == 0 else None)  # tool calls: not reply text
                if text:
                    self._text.append(text)
                    self._queue.put(("delta", text))
                elif not isinstance(item, (str, Delta)):
                    last = item
            if self.stopped.is_set():
                close = getattr(self._source, "close", None)
                if close:
                    close()  # ends the upstream call (the adapter's response closes with its generator)
                return
            if last is None:
                raise StreamFailed("The provider stream ended without a result.")
            if not self._end():
                return
            self.result = self._finish(last)
            self._queue.put(("done", self.result))
        except WebUIError as exc:
            self._queue.put(("error", exc))
        except Exception:  # the reader must hear about it, whatever broke
            log.exception("Reply stream failed")
            self._queue.put(("error", StreamFailed("The reply stream failed on the server; see its log.")))
        finally:
            self.done.set()
            if self.on_done:
                self.on_done(self)

    def _end(self):
        """Claim the end of the reply; False when stop() already did."""
        with self._claim:
            ended, self._ended = self._ended, True
            return not ended

    def stop(self):
        """Stop: what arrived is stored (on_stop) and the reader gets it as the final value at once; the upstream
        call ends at its next piece. False when the reply had already ended."""
        if self._on_stop is None or not self._end():
            return False
        self.stopped.set()
        try:
            self.result = self._on_stop("".join(self._text))
            self._queue.put(("done", self.result))
        except WebUIError as exc:
            self._queue.put(("error", exc))
        return True

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
