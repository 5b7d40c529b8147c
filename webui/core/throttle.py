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
        # key -> (consecutive failures, time of the last failure); ordered oldest failure first
        self._entries = OrderedDict()

    def _wait(self, failures, last):
        """Seconds this client must still wait (0 when it may try now)."""
        if failures >= LOCK_AFTER:
            until = last + LOCK_SECONDS
        elif failures >= FREE_FAILURES:
            until = last + min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)
        else:
            return 0
        return max(0, math.ceil(until - self._clock()))

    def check(self, key):
        """(allowed, retry_after_seconds, message) for one login attempt from `key`."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return True, 0, ""
            if self._clock() - entry[1] > FORGET_AFTER_SECONDS:
                del self._entries[key]
                return True, 0, ""
            wait = self._wait(*entry)
        if wait <= 0:
            return True, 0, ""
        return False, wait, f"Too many failed logins. Try again in {_wait_text(wait)}."

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
