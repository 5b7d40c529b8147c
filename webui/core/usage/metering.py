"""One call's meter: budgets before each attempt, cost on the answer, one ledger row per provider call."""

import math

from webui.core.usage import pricing
from webui.errors import BudgetExceeded, ProviderError


def usd(value):
    """$12.34, or three significant digits of a fraction of a cent ($0.000195, $0.0000975)."""
    if value == 0 or value >= 0.01:
        return f"${value:,.2f}"
    decimals = min(12, 2 - math.floor(math.log10(value)))
    return "$" + f"{value:.{decimals}f}".rstrip("0")


def budget_of(profile):
    """A profile's monthly budget in USD, or None."""
    budget = (profile or {}).get("budget")
    value = budget.get("monthly_usd") if isinstance(budget, dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def over_budget(ledger, profile):
    """BudgetExceeded when the profile's spend this calendar month reached its budget; else None."""
    budget = budget_of(profile)
    if budget is None or ledger is None:
        return None
    spent = ledger.month_spend(profile.get("id"))
    if spent < budget:
        return None
    name = profile.get("name") or profile.get("id")
    return BudgetExceeded(f"Profile '{name}' reached its monthly budget: {usd(spent)} spent of {usd(budget)} "
                          "this month (UTC). Raise its budget, or give it a fallback profile.",
                          profile_id=profile.get("id"), spent_usd=round(spent, 6), budget_usd=budget)


class Meter:
    """Given to the gateway for one request: `admit` checks a profile's budget, `attempt` records a call."""

    def __init__(self, ledger, profiles, api, role_id=None, session_id=None):
        self.ledger, self.profiles = ledger, profiles
        self.context = {"api": api, "role_id": role_id, "session_id": session_id}

    def admit(self, profile_id):
        """None, or the BudgetExceeded that makes the gateway skip this profile."""
        return over_budget(self.ledger, self.profiles.get(profile_id))

    def succeeded(self, profile_id, profile, result, fallback_from=None):
        """Record an answered call; its cost in USD (None when no price is known)."""
        usage = result.usage or {}
        cost = pricing.cost_usd(pricing.price_of(profile, result.model), usage)
        self._row(profile_id, profile, model=result.model or (profile or {}).get("model"),
                  prompt_tokens=usage.get("prompt_tokens"), completion_tokens=usage.get("completion_tokens"),
                  cost_usd=cost, latency_ms=result.latency_ms, outcome="fallback" if fallback_from else "ok",
                  fallback_from=fallback_from)
        return cost

    def failed(self, profile_id, profile, exc, latency_ms=None, code=None):
        """Record a call the provider refused or never answered (errors before any call are not calls)."""
        if isinstance(exc, ProviderError) or code:
            self._row(profile_id, profile, model=(profile or {}).get("model"), latency_ms=latency_ms,
                      outcome="error", error=code or exc.code)

    def _row(self, profile_id, profile, **fields):
        if self.ledger is None:
            return
        self.ledger.record({**self.context, "profile_id": profile_id, "provider": (profile or {}).get("provider"),
                            **fields})
