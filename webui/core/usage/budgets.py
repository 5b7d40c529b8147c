"""Budgets by reservation: hold a call's worst-case cost before it runs, settle the real cost after, release on failure.

The hold and the check are one atomic step in the shared counter (webui.core.shared), so calls running at the
same time, in any worker or instance, overshoot a budget by at most one call's worst case.
"""

import json
import logging
import math

from webui.errors import BudgetExceeded, SharedStateDown
from webui.core.shared import LocalShared, periods
from webui.core.usage import pricing

log = logging.getLogger(__name__)
CHARS_PER_TOKEN = 3            # a pessimistic tokenizer: real ones average ~4 characters of English per token
TOKENS_PER_MESSAGE = 8         # role markers and separators
DEFAULT_OUTPUT_TOKENS = 8192   # when neither the request nor the profile sets max_tokens


def prompt_tokens(messages):
    """An upper estimate of the prompt's tokens from its characters (no tokenizer: the call must not wait on one)."""
    total = 0
    for message in messages or []:
        content = message.get("content") if isinstance(message, dict) else message
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False, default=str)
        total += math.ceil(len(text or "") / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE
    return total


def output_tokens(profile):
    """The most tokens the reply may have: the call's max_tokens (the request's or the profile's), else 8,192."""
    value = (profile or {}).get("max_tokens")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else DEFAULT_OUTPUT_TOKENS


def worst_case_usd(profile, messages):
    """The most a call can cost: the prompt estimate at the input price + the output limit at the output price."""
    price = pricing.price_of(profile)
    if price is None:
        return 0.0  # no price known: the call costs nothing we could count (the check still refuses a spent budget)
    return pricing.cost_usd(price, {"prompt_tokens": prompt_tokens(messages),
                                    "completion_tokens": output_tokens(profile)}) or 0.0


class BudgetBook:
    """Holds against each profile's monthly budget in a shared counter seeded from the ledger's month so far.

    With Redis unreachable a budgeted call fails closed (SharedStateDown, 503) unless `fail_open`: then this
    process keeps its own counter until Redis answers again (each instance then enforces the budget alone).
    """

    def __init__(self, shared=None, fail_open=False):
        self.shared = shared if shared is not None else LocalShared()
        self.fail_open = fail_open
        self._fallback = LocalShared() if fail_open and self.shared.kind != "local" else None

    def hold(self, profile, budget, messages, ledger):
        """(backend, Hold) for one call on a budgeted profile; BudgetExceeded when the month is spent."""
        pid = profile.get("id")
        key = f"budget:{pid}:{periods.month()}"
        amount = worst_case_usd(profile, messages)
        seed = (lambda: ledger.month_spend(pid)) if ledger is not None else (lambda: 0.0)
        backend = self.shared
        try:
            held, committed = backend.reserve(key, amount, budget, seed)
        except SharedStateDown as exc:
            if self._fallback is None:
                exc.details["profile_id"] = pid
                raise
            log.warning("Budget of profile %s kept in this process while Redis is down (WEBUI_BUDGET_FAIL_OPEN)", pid)
            backend = self._fallback
            held, committed = backend.reserve(key, amount, budget, seed)
        if held is None:
            raise exceeded(profile, committed, budget)
        return backend, held

    @staticmethod
    def settle(entry, cost):
        """The real cost replaces the hold (a lost settle leaves the hold to expire; the ledger keeps the row)."""
        _finish(entry, lambda backend, held: backend.settle(held, cost or 0.0))

    @staticmethod
    def release(entry):
        """The call failed: its hold goes."""
        _finish(entry, lambda backend, held: backend.release(held))


def _finish(entry, step):
    try:
        step(*entry)
    except SharedStateDown:
        log.warning("A budget hold could not be settled (Redis down); it expires by itself")


def exceeded(profile, spent, budget):
    """The BudgetExceeded a spent profile answers (429, or its fallbacks)."""
    name = profile.get("name") or profile.get("id")
    return BudgetExceeded(f"Profile '{name}' reached its monthly budget: {pricing.usd(spent)} spent of "
                          f"{pricing.usd(budget)} this month (UTC). "
                          "Raise its budget, or give it a fallback profile.",
                          profile_id=profile.get("id"), spent_usd=round(spent, 6), budget_usd=budget)

