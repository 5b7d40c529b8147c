"""The Redis backend (WEBUI_REDIS_URL): the same primitives as LocalShared, each one Redis command or Lua script.

redis-py talks through the socket module, which the gevent worker has patched: a slow Redis call waits on the
event loop, not the process. Short socket timeouts and a one-second circuit make an unreachable Redis answer
SharedStateDown within a second or two, and the next call after it returns simply works again.
"""

import logging
import threading
import time
import uuid

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from webui.errors import SharedStateDown
from webui.core.shared import periods, scripts
from webui.core.shared.local import HOLD_SECONDS, MONTH_KEEP, Hold

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 1.0
SOCKET_TIMEOUT = 1.0
HEALTH_EVERY = 0.5       # /healthz pings Redis at most this often
RETRY_AFTER_DOWN = 1.0  # after a failure, calls fail at once for this long (no pile-up of timeouts)
_FAILURES = (redis.ConnectionError, redis.TimeoutError, OSError)


class RedisShared:
    """Every primitive of webui.core.shared in Redis, keys under `prefix`; SharedStateDown when unreachable."""

    kind = "redis"

    def __init__(self, url, prefix="triplo:", clock=time.time):
        self.prefix = prefix
        self._clock = clock
        self._client = redis.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=CONNECT_TIMEOUT,
            retry=Retry(NoBackoff(), 1), health_check_interval=5, decode_responses=True)
        self._reserve = self._client.register_script(scripts.RESERVE)
        self._settle = self._client.register_script(scripts.SETTLE)
        self._hit = self._client.register_script(scripts.HIT)
        self._down_until = 0.0
        self._said_down = False
        self._health = ("ok", float("-inf"))  # (last answer, when)
        self._probing = threading.Lock()

    def _run(self, action):
        """action(client) with Redis failures turned into SharedStateDown (logged once per outage)."""
        if time.monotonic() < self._down_until:
            raise SharedStateDown()
        try:
            result = action(self._client)
        except _FAILURES as exc:
            self._down_until = time.monotonic() + RETRY_AFTER_DOWN
            self._health = ("down", time.monotonic())
            if not self._said_down:
                log.warning("Redis (WEBUI_REDIS_URL) is not answering: %s", type(exc).__name__)
                self._said_down = True
            raise SharedStateDown() from None
        if self._said_down:
            log.warning("Redis (WEBUI_REDIS_URL) answers again")
            self._said_down = False
        self._health = ("ok", time.monotonic())
        return result

    def health(self):
        """'ok' or 'down' without waiting on Redis: the last answer of any call; a stale one starts a PING in the
        background (a greenlet under the gevent worker) and only the very first call waits for one."""
        state, when = self._health
        if time.monotonic() - when >= HEALTH_EVERY and self._probing.acquire(blocking=False):
            if when == float("-inf"):
                self._probe()
            else:
                threading.Thread(target=self._probe, name="redis-health", daemon=True).start()
        return self._health[0]

    def _probe(self):
        try:
            self._run(lambda c: c.ping())
        except SharedStateDown:
            pass
        finally:
            self._probing.release()

    # ---- budgets -----------------------------------------------------------------------------

    def reserve(self, key, amount, limit, seed, hold_seconds=HOLD_SECONDS, keep=MONTH_KEEP):
        """(Hold, committed) or (None, committed): see LocalShared.reserve; one Lua script, atomic."""
        full, token = self.prefix + key, uuid.uuid4().hex
        args = [repr(float(amount)), repr(float(limit)), int(hold_seconds), token, int(keep)]
        answer = self._run(lambda c: self._reserve(keys=[full], args=[*args, ""], client=c))
        if answer[0] == "seed":
            start = float(seed())
            answer = self._run(lambda c: self._reserve(keys=[full], args=[*args, repr(start)], client=c))
        committed = float(answer[1])
        return (Hold(key, token, float(amount)) if answer[0] == "ok" else None), committed

    def settle(self, hold, actual):
        self._run(lambda c: self._settle(keys=[self.prefix + hold.key], args=[hold.token, repr(float(actual or 0))],
                                         client=c))

    def release(self, hold):
        self._run(lambda c: c.hdel(self.prefix + hold.key, "h:" + hold.token))

    def committed(self, key):
        fields = self._run(lambda c: c.hgetall(self.prefix + key))
        if "spent" not in fields:
            return None
        now = self._clock()
        held = 0.0
        for name, value in fields.items():
            if name.startswith("h:"):
                amount, _, expires = value.partition("|")
                held += float(amount) if float(expires) >= now else 0.0
        return float(fields["spent"]) + held

    # ---- rate --------------------------------------------------------------------------------

    def hit(self, key, limit, window, cost=1):
        slot, prev, elapsed = periods.window_slots(self._clock(), window)
        base = f"{self.prefix}rate:{key}:"
        allowed, retry = self._run(lambda c: self._hit(keys=[f"{base}{slot}", f"{base}{prev}"],
                                                       args=[limit, window, cost, repr(elapsed)], client=c))
        return bool(allowed), int(retry)

    # ---- values ------------------------------------------------------------------------------

    def get(self, key):
        return self._run(lambda c: c.get(self.prefix + key))

    def put(self, key, value, ttl):
        self._run(lambda c: c.set(self.prefix + key, value, ex=max(1, int(ttl))))

    def delete(self, key):
        self._run(lambda c: c.delete(self.prefix + key))

    # ---- small counters ----------------------------------------------------------------------

    def bump(self, key, field, delta, ttl, stamp=None):
        full = self.prefix + key

        def step(c):
            pipe = c.pipeline(transaction=True)
            pipe.hincrby(full, field, delta)
            if stamp:
                pipe.hset(full, mapping={k: repr(v) if isinstance(v, float) else v for k, v in stamp.items()})
            pipe.expire(full, max(1, int(ttl)))
            pipe.hgetall(full)
            return pipe.execute()[-1]

        return {k: float(v) for k, v in self._run(step).items()}

    def fields(self, key):
        raw = self._run(lambda c: c.hgetall(self.prefix + key))
        return {k: float(v) for k, v in raw.items()}
