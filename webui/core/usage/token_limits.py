"""Per-token limits: requests and tokens per minute, a monthly budget by reservation, a profile allowlist.

The counters live in the shared state (in process, or Redis with WEBUI_REDIS_URL), so every worker and
instance sees one count. Tokens per minute and the budget are both held before a call (its worst case: the
prompt estimate + its output limit) and settled to the real count after, so concurrent calls overshoot either
by at most one call's worst case, as a profile budget does.
"""

import time
from contextvars import ContextVar
from datetime import datetime, timezone

from webui.core.shared import periods
from webui.core.usage import pricing
from webui.core.usage.budgets import _finish, output_tokens, prompt_tokens, worst_case_usd
from webui.errors import ProfileNotAllowed, TokenBudgetExceeded, TokenRateLimited

WINDOW = 60  # seconds: requests and tokens are counted per minute
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
        """True when admitting a call needs its profile and messages (a budget or a TPM limit holds the worst
        case)."""
        return self.budget is not None or self.tpm is not None

    def check_rate(self):
        """Count this request against the token's RPM (TPM is held per call, in admit)."""
        if self.rpm is not None:
            allowed, retry = self.shared.hit(f"token-rpm:{self.token_id}", self.rpm, WINDOW)
            if not allowed:
                raise TokenRateLimited("rate_limited_rpm", f"API token '{self.name}' made its {self.rpm} requests "
                                       "this minute; try again after Retry-After seconds.", retry)

    def admit(self, profile_id, profile, messages):
        """(error or None, holds or None) for one call on `profile_id`; holds = {"tpm"/"budget": (backend, Hold)}."""
        if self.profiles is not None and profile_id not in self.profiles:
            return ProfileNotAllowed(f"API token '{self.name}' may not use profile '{profile_id}'.",
                                     profile_id=profile_id), None
        holds = {}
        if self.tpm is not None:
            # An embedding call has no messages here: it holds one token (refused while the minute is spent) and
            # counts its real tokens when it answers.
            worst = prompt_tokens(messages) + output_tokens(profile) if messages is not None else 1
            minute = int(time.time() // WINDOW)
            held, used = self.shared.reserve(f"token-tpm:{self.token_id}:{minute}", worst, self.tpm,
                                             lambda: 0.0, hold_seconds=2 * WINDOW, keep=2 * WINDOW)
            if held is None:
                return TokenRateLimited("rate_limited_tpm", f"API token '{self.name}' used its {self.tpm} tokens "
                                        "this minute; try again after Retry-After seconds.",
                                        max(1, int((minute + 1) * WINDOW - time.time() + 0.999))), None
            holds["tpm"] = (self.shared, held)
        if self.budget is not None:
            amount = worst_case_usd(dict(profile or {}, id=profile_id), messages)
            seed = ((lambda: self.ledger.token_month_spend(self.token_id)) if self.ledger is not None
                    else (lambda: 0.0))
            held, committed = self.shared.reserve(f"token-budget:{self.token_id}:{periods.month()}", amount,
                                                  self.budget, seed)
            if held is None:
                self.release(holds)
                return TokenBudgetExceeded(
                    f"API token '{self.name}' reached its monthly budget: {pricing.usd(committed)} spent of "
                    f"{pricing.usd(self.budget)} this month (UTC).", retry=_seconds_to_next_month(),
                    spent_usd=round(committed, 6), budget_usd=self.budget), None
            holds["budget"] = (self.shared, held)
        return None, holds or None

    def settle(self, holds, cost, tokens):
        """The call answered: its real cost and tokens replace the holds. A reply whose usage is unknown keeps its
        worst case against the minute (never an undercount)."""
        holds = holds or {}
        if "budget" in holds:
            _finish(holds["budget"], lambda backend, held: backend.settle(held, cost or 0.0))
        if "tpm" in holds:
            _finish(holds["tpm"], lambda backend, held: backend.settle(held, tokens if tokens else held.amount))

    @staticmethod
    def release(holds):
        """The call failed: its holds go."""
        for entry in (holds or {}).values():
            _finish(entry, lambda backend, held: backend.release(held))
