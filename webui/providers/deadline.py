"""Watchdog: one thread per process that cuts a provider connection when its call's total deadline passes.

A socket timeout bounds each read, not a call: a provider sending one byte per read timeout would hold a
request forever. Shutting the socket down wakes whatever read is blocked on it (thread or greenlet).
The watch is armed before the first byte is sent: the connection attaches its socket as soon as it has one
(`armed` + `attach_current`, called by the pooled connections), so dripping headers, HTTP/1.0 and
`Connection: close` answers are cut like any other.
"""

import contextlib
import contextvars
import heapq
import itertools
import os
import socket
import threading
import time


class Watch:
    """One watched connection: `when` (monotonic s) may move later (extend); `expired` once it was cut."""

    def __init__(self, sock, when):
        self.sock = sock
        self.when = when
        self.expired = False
        self.cancelled = False

    def extend(self, seconds):
        """Move the deadline to `seconds` from now (a stream made progress)."""
        self.when = max(self.when, time.monotonic() + seconds)

    def attach(self, sock):
        """The call's socket is known now (connected, or reused from the pool); cut at once if already late."""
        if self.cancelled or sock is None or sock is self.sock:
            return
        self.sock = sock
        if self.expired or time.monotonic() >= self.when:
            self._cut()

    def cancel(self):
        """The call ended: never cut this socket (it may go back to the pool)."""
        self.cancelled = True
        self.sock = None  # the heap may hold this Watch until its time; not the socket

    def _cut(self):
        self.expired = True  # with no socket yet, attach() cuts the one that comes
        sock = self.sock
        if sock is None:
            return
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed: nothing left to wake


class Watchdog:
    """A heap of Watches served by one daemon thread (re-made after a fork)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._heap = []
        self._seq = itertools.count()
        self._pid = None

    def watch(self, sock, when):
        """A Watch that cuts `sock` (or the socket attached later) at `when` unless cancelled first."""
        watch = Watch(sock, when)
        with self._cond:
            if self._pid != os.getpid():
                self._heap, self._pid = [], os.getpid()
                threading.Thread(target=self._run, name="provider-deadline", daemon=True).start()
            heapq.heappush(self._heap, (when, next(self._seq), watch))
            self._cond.notify()
        return watch

    def _run(self):
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                when, _, watch = self._heap[0]
                now = time.monotonic()
                if watch.cancelled:
                    heapq.heappop(self._heap)
                    continue
                if watch.when > when:  # extended: file it again under its new time
                    heapq.heapreplace(self._heap, (watch.when, next(self._seq), watch))
                    continue
                if when > now:
                    self._cond.wait(when - now)
                    continue
                heapq.heappop(self._heap)
            if not watch.cancelled:
                watch._cut()


WATCHDOG = Watchdog()
_CURRENT = contextvars.ContextVar("provider_watch", default=None)  # per thread and per greenlet


@contextlib.contextmanager
def armed(watch):
    """Within this block, a provider connection that gets or reuses a socket attaches it to `watch`."""
    token = _CURRENT.set(watch)
    try:
        yield watch
    finally:
        _CURRENT.reset(token)


def attach_current(sock):
    """Called by the pooled connections: the armed watch (if any) now knows its socket."""
    watch = _CURRENT.get()
    if watch is not None:
        watch.attach(sock)
