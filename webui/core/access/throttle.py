"""Login throttling per client: growing delays after repeated failures, then a lock-out."""

import math
import threading
import time
from collections import OrderedDict

FREE_FAILURES = 5          # failures allowed before any delay
LOCK_AFTER = 10            # failures that lock the client out
LOCK_SECONDS = 15 * 60
MAX_DELAY_SECONDS = 60
FORGET_AFTER_SECONDS = 60 * 60   # an idle client starts over (bounded memory, no life sentence)
MAX_CLIENTS = 10_000


def verdict(wait):
    """(allowed, retry_after, message) for a wait in seconds."""
    if wait <= 0:
        return True, 0, ""
    return False, wait, f"Too many failed logins. Try again in {_wait_text(wait)}."


def wait_seconds(failures, last, now):
    """The policy: seconds a client with `failures` (the last at `last`) must still wait at `now` (0: try now)."""
    if failures >= LOCK_AFTER:
        until = last + LOCK_SECONDS
    elif failures >= FREE_FAILURES:
        until = last + min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)
    else:
        return 0
    return max(0, math.ceil(until - now))


def run_attempt(verify, settle, success, failure):
    """verify() as one attempt: settle() the in-flight count whatever happens, then count its answer; (ok, 0, "")."""
    ok = None
    try:
        ok = bool(verify())
    finally:
        settle()
        if ok is True:
            success()
        elif ok is False:
            failure()
    return ok, 0, ""


def _wait_text(seconds):
    """'4 seconds' below two minutes, else whole minutes, rounded up so the client never retries too early."""
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"


class LoginThrottle:
    """Thread-safe, in-memory failure counter per client key (usually the IP); clock is injectable."""

    def __init__(self, clock=time.monotonic, max_clients=MAX_CLIENTS):
        self._clock = clock
        self._max = max_clients
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)  # attempts waiting for the ones in flight to settle
        # key -> (consecutive failures, time of the last failure); ordered oldest failure first
        self._entries = OrderedDict()
        self._pending = {}  # key -> attempts being checked right now

    def _wait(self, failures, last):
        """Seconds this client must still wait (0 when it may try now)."""
        return wait_seconds(failures, last, self._clock())

    def check(self, key):
        """(allowed, retry_after_seconds, message) for one login attempt from `key`."""
        with self._lock:
            wait = self._wait_locked(key)
        return verdict(wait)

    def attempt(self, key, verify, settle_wait=10.0):
        """Run verify() as one throttled attempt: (True/False, 0, "") or (None, retry_after, message) when refused.

        Only settled failures refuse an attempt. Attempts in flight are not failures: a correct password is never
        refused for being early. They are not free either: when the settled failures plus those in flight would
        reach the delay, the attempt waits (at most `settle_wait` s) for the ones in flight to settle and is then
        judged on the settled count, so parallel guesses are checked one after the other, never all at once.
        """
        waited_until = time.monotonic() + settle_wait  # real time: the wait is real
        with self._cond:
            while True:
                wait = self._wait_locked(key)
                if wait > 0:
                    return (None, *verdict(wait)[1:])
                pending = self._pending.get(key, 0)
                if not pending or self._wait_locked(key, pending + 1) == 0:
                    break
                left = waited_until - time.monotonic()
                if left <= 0:
                    return (None, *verdict(1)[1:])  # still unsettled after the wait: a busy server, try again
                self._cond.wait(min(left, 0.5))
            self._pending[key] = self._pending.get(key, 0) + 1
        ok = None
        try:
            ok = bool(verify())
        finally:
            if ok is True:
                self.success(key)
            elif ok is False:
                self.failure(key)
            with self._cond:
                left = self._pending.pop(key) - 1
                if left:
                    self._pending[key] = left
                self._cond.notify_all()
        return ok, 0, ""

    def _wait_locked(self, key, assumed_failures=0):
        """Seconds `key` must wait after its settled failures, plus `assumed_failures` counted as made now (the
        caller holds the lock)."""
        failures, last = self._entries.get(key, (0, None))
        if last is not None and self._clock() - last > FORGET_AFTER_SECONDS:
            del self._entries[key]
            failures, last = 0, None
        if assumed_failures:
            failures, last = failures + assumed_failures, self._clock()
        return self._wait(failures, last) if failures else 0

    def failure(self, key):
        """Count one failed attempt."""
        now = self._clock()
        with self._lock:
            failures, last = self._entries.pop(key, (0, now))
            if now - last > FORGET_AFTER_SECONDS:
                failures = 0
            self._entries[key] = (failures + 1, now)
            self._evict(now)

    def success(self, key):
        """A correct login forgets earlier failures."""
        with self._lock:
            self._entries.pop(key, None)

    def _evict(self, now):
        """Drop forgotten clients (oldest first), then the oldest ones beyond the size cap."""
        while self._entries:
            key, (_failures, last) = next(iter(self._entries.items()))
            if now - last <= FORGET_AFTER_SECONDS and len(self._entries) <= self._max:
                break
            del self._entries[key]

    def __len__(self):
        with self._lock:
            return len(self._entries)
