"""Per-token limits: requests and tokens per minute, a monthly budget by reservation, a profile allowlist.

The counters live in the shared state (in process, or Redis with WEBUI_REDIS_URL), so every worker and
instance sees one count; a budget overshoots by at most one call's worst case, as a profile budget does.
"""

from contextvars import ContextVar
from datetime import datetime, timezone

from webui.core.shared import periods
from webui.core.usage import pricing
from webui.core.usage.budgets import _finish, worst_case_usd
from webui.errors import ProfileNotAllowed, TokenBudgetExceeded, TokenRateLimited

WINDOW = 60  # seconds: requests and tokens are counted per minute
UNBOUNDED = 10**15
# The limits of the API token making the current request (None: no token, or one without limits).
current_limits = ContextVar("current_limits", default=None)


def _seconds_to_next_month(now=None):
    now = now or datetime.now(timezone.utc)
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return max(1, int((datetime(year, month, 1, tzinfo=timezone.utc) - now).total_seconds()))


class TokenLimits:
    """One request's view of its token's limits (`limits` as stored on the token record)."""

    def __init__(self, token, shared, ledger=None):
        self.token_id, self.name = token["id"], token.get("name") or token["id"]
        limits = token.get("limits") or {}
        self.rpm, self.tpm = limits.get("rpm"), limits.get("tpm")
        self.budget, self.profiles = limits.get("budget_usd"), limits.get("profiles")
        self.shared, self.ledger = shared, ledger

    @property
    def wants_call(self):
        """True when admitting a call needs its priced profile and messages (a budget holds the worst case)."""
        return self.budget is not None

    def check_rate(self):
        """Count this request against the token's RPM, and refuse it while the minute's tokens are spent."""
        if self.rpm is not None:
            allowed, retry = self.shared.hit(f"token-rpm:{self.token_id}", self.rpm, WINDOW)
            if not allowed:
                raise TokenRateLimited("rate_limited_rpm", f"API token '{self.name}' made its {self.rpm} requests "
                                       "this minute; try again after Retry-After seconds.", retry)
        if self.tpm is not None:
            allowed, retry = self.shared.hit(f"token-tpm:{self.token_id}", self.tpm, WINDOW, cost=1)
            if not allowed:
                raise TokenRateLimited("rate_limited_tpm", f"API token '{self.name}' used its {self.tpm} tokens "
                                       "this minute; try again after Retry-After seconds.", retry)

    def admit(self, profile_id, profile, messages):
        """(error or None, hold or None) for one call on `profile_id`."""
        if self.profiles is not None and profile_id not in self.profiles:
            return ProfileNotAllowed(f"API token '{self.name}' may not use profile '{profile_id}'.",
                                     profile_id=profile_id), None
        if self.budget is None:
            return None, None
        amount = worst_case_usd(dict(profile or {}, id=profile_id), messages)
        seed = (lambda: self.ledger.token_month_spend(self.token_id)) if self.ledger is not None else (lambda: 0.0)
        held, committed = self.shared.reserve(f"token-budget:{self.token_id}:{periods.month()}", amount,
                                              self.budget, seed)
        if held is None:
            return TokenBudgetExceeded(
                f"API token '{self.name}' reached its monthly budget: {pricing.usd(committed)} spent of "
                f"{pricing.usd(self.budget)} this month (UTC).", retry=_seconds_to_next_month(),
                spent_usd=round(committed, 6), budget_usd=self.budget), None
        return None, (self.shared, held)

    def settle(self, hold, cost, tokens):
        """The call answered: its real cost replaces the hold; its tokens count against the minute."""
        if hold is not None:
            _finish(hold, lambda backend, held: backend.settle(held, cost or 0.0))
        if self.tpm is not None and tokens:
            self.shared.hit(f"token-tpm:{self.token_id}", UNBOUNDED, WINDOW, cost=int(tokens))

    @staticmethod
    def release(hold):
        """The call failed: its hold goes."""
        if hold is not None:
            _finish(hold, lambda backend, held: backend.release(held))
