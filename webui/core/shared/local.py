"""The in-process backend: one lock over plain dicts; right for one worker, and the default."""

import threading
import time
import uuid
from dataclasses import dataclass

from webui.core.shared import periods

HOLD_SECONDS = 3600   # a hold nobody settles (a crashed call) stops counting after an hour
MONTH_KEEP = periods.MONTH_KEEP_SECONDS
MAX_KEYS = 100_000    # values and counters beyond this: the expired ones go first, then the oldest


@dataclass(frozen=True)
class Hold:
    """One reservation against a counter: settle() it with the real amount, or release() it."""

    key: str
    token: str
    amount: float


class LocalShared:
    """Every primitive of webui.core.shared under one lock; `clock` is wall time (holds and values expire)."""

    kind = "local"

    def __init__(self, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._counters = {}  # key -> {"spent": float, "holds": {token: (amount, expires)}, "expires": when}
        self._values = {}    # key -> (value, expires)  for get/put and bump/fields (value: dict)
        self._windows = {}   # (key, slot) -> count

    def health(self):
        """'off': nothing to reach."""
        return "off"

    # ---- budgets: reserve / settle / release -------------------------------------------------

    def reserve(self, key, amount, limit, seed, hold_seconds=HOLD_SECONDS, keep=MONTH_KEEP):
        """(Hold, committed) when spent + holds < limit before this one, else (None, committed).

        `seed()` gives the spend to start from the first time the key is used (the ledger's month so far); the
        counter is forgotten `keep` seconds after that (per-minute counters must not pile up).
        """
        now = self._clock()
        with self._lock:
            counter = self._counters.get(key)
        if counter is None:
            start = float(seed())  # outside the lock: the ledger may read its database
            with self._lock:
                for old in [k for k, c in self._counters.items() if c["expires"] < now]:
                    del self._counters[old]
                counter = self._counters.setdefault(key, {"spent": start, "holds": {}, "expires": now + keep})
        with self._lock:
            holds = counter["holds"]
            for token in [t for t, (_a, expires) in holds.items() if expires < now]:
                del holds[token]
            committed = counter["spent"] + sum(a for a, _e in holds.values())
            if committed >= limit:
                return None, committed
            token = uuid.uuid4().hex
            holds[token] = (float(amount), now + hold_seconds)
        return Hold(key, token, float(amount)), committed

    def settle(self, hold, actual):
        """The hold becomes the real amount spent."""
        with self._lock:
            counter = self._counters.get(hold.key)
            if counter is not None:
                counter["holds"].pop(hold.token, None)
                counter["spent"] += float(actual or 0.0)

    def release(self, hold):
        """The call cost nothing (it failed): the hold goes."""
        with self._lock:
            counter = self._counters.get(hold.key)
            if counter is not None:
                counter["holds"].pop(hold.token, None)

    def committed(self, key):
        """Spent + live holds of a counter (None before its first use)."""
        with self._lock:
            counter = self._counters.get(key)
            if counter is None:
                return None
            now = self._clock()
            return counter["spent"] + sum(a for a, e in counter["holds"].values() if e >= now)

    # ---- rate: a sliding window --------------------------------------------------------------

    def hit(self, key, limit, window, cost=1):
        """(allowed, retry_after): count `cost` against `limit` per `window` seconds unless that goes over."""
        now = self._clock()
        slot, prev, elapsed = periods.window_slots(now, window)
        with self._lock:
            for old in [k for k in self._windows if k[0] == key and k[1] < prev]:
                del self._windows[old]
            current = self._windows.get((key, slot), 0)
            allowed, retry = periods.sliding_verdict(self._windows.get((key, prev), 0), current, elapsed,
                                                     window, limit, cost)
            if allowed:
                self._windows[(key, slot)] = current + cost
        return allowed, retry

    # ---- values with a time to live ----------------------------------------------------------

    def get(self, key):
        with self._lock:
            return self._live(key)

    def put(self, key, value, ttl):
        with self._lock:
            self._values[key] = (value, self._clock() + ttl)
            self._bound()

    def delete(self, key):
        with self._lock:
            self._values.pop(key, None)

    # ---- small counters per key --------------------------------------------------------------

    def bump(self, key, field, delta, ttl, stamp=None):
        """Add `delta` to a field (and set `stamp` = {field: value} too); all fields after. The key lives `ttl`."""
        with self._lock:
            fields = dict(self._live(key) or {})
            fields[field] = fields.get(field, 0) + delta
            fields.update(stamp or {})
            self._values[key] = (fields, self._clock() + ttl)
            self._bound()
            return dict(fields)

    def fields(self, key):
        """The counters of a key ({} when none)."""
        with self._lock:
            return dict(self._live(key) or {})

    def _live(self, key):
        hit = self._values.get(key)
        if hit is None:
            return None
        if hit[1] < self._clock():
            del self._values[key]
            return None
        return hit[0]

    def _bound(self):
        if len(self._values) <= MAX_KEYS:
            return
        now = self._clock()
        for key in [k for k, (_v, e) in self._values.items() if e < now]:
            del self._values[key]
        while len(self._values) > MAX_KEYS:
            del self._values[min(self._values, key=lambda k: self._values[k][1])]
