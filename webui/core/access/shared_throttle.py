"""The login throttle's policy (throttle.py) over the shared backend, so every worker and instance counts together.

Storage only: the policy (how long a client waits after how many failures) stays in throttle.wait_seconds. While
Redis does not answer, each process counts on its own (a LoginThrottle): logins go on, still throttled per process.
"""

import hashlib
import logging
import time

from webui.errors import SharedStateDown
from webui.core.access.throttle import FORGET_AFTER_SECONDS, LoginThrottle, run_attempt, verdict, wait_seconds

log = logging.getLogger(__name__)


def throttle_for(shared):
    """The throttle an app uses: in process without Redis, shared with it."""
    return LoginThrottle() if shared.kind == "local" else SharedLoginThrottle(shared)


class SharedLoginThrottle:
    """check / attempt / failure / success like LoginThrottle; one small hash per client {failures, last, pending}."""

    def __init__(self, shared, clock=time.time):
        self.shared, self._clock = shared, clock
        self.local = LoginThrottle()  # counts while the shared state is down

    @staticmethod
    def _key(client):
        return "throttle:" + hashlib.sha256(str(client).encode()).hexdigest()[:32]

    def _wait(self, fields, own_pending=0):
        """Seconds to wait: attempts in flight (other than ours) count as failures made now."""
        now = self._clock()
        failures, last = int(fields.get("failures") or 0), float(fields.get("last") or 0)
        pending = int(fields.get("pending") or 0) - own_pending
        if pending > 0:
            failures, last = failures + pending, now
        return wait_seconds(failures, last, now) if failures else 0

    def check(self, client):
        """(allowed, retry_after_seconds, message) for one login attempt from `client`."""
        try:
            fields = self.shared.fields(self._key(client))
        except SharedStateDown:
            return self.local.check(client)
        return verdict(self._wait(fields))

    def attempt(self, client, verify):
        """Run verify() as one throttled attempt (see LoginThrottle.attempt); counting and checking are one step."""
        key = self._key(client)
        try:
            fields = self.shared.bump(key, "pending", 1, FORGET_AFTER_SECONDS)
        except SharedStateDown:
            return self.local.attempt(client, verify)
        wait = self._wait(fields, own_pending=1)
        if wait > 0:
            self._quietly(key, "pending", -1)
            return (None, *verdict(wait)[1:])
        return run_attempt(verify, lambda: self._quietly(key, "pending", -1), lambda: self.success(client),
                           lambda: self.failure(client))

    def failure(self, client):
        """Count one failed attempt."""
        try:
            self.shared.bump(self._key(client), "failures", 1, FORGET_AFTER_SECONDS, stamp={"last": self._clock()})
        except SharedStateDown:
            self.local.failure(client)

    def success(self, client):
        """A correct login forgets earlier failures (attempts in flight stay counted)."""
        try:
            self.shared.bump(self._key(client), "pending", 0, FORGET_AFTER_SECONDS, stamp={"failures": 0, "last": 0})
        except SharedStateDown:
            self.local.success(client)

    def _quietly(self, key, field, delta):
        try:
            self.shared.bump(key, field, delta, FORGET_AFTER_SECONDS)
        except SharedStateDown:
            log.warning("The login throttle could not update Redis; the count fixes itself within an hour")
