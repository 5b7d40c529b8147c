"""One call's meter: budgets before each attempt, cost on the answer, one ledger row per provider call."""

from contextvars import ContextVar

from webui.core.usage import pricing
from webui.core.usage.budgets import BudgetBook
from webui.core.usage.token_limits import current_limits
from webui.errors import ProviderError, WebUIError

usd = pricing.usd  # the pages format money with it
# The id of the API token making the current request (None: a login or Basic); the web layer sets it per request.
calling_token = ContextVar("calling_token", default=None)


def budget_of(profile):
    """A profile's monthly budget in USD, or None."""
    budget = (profile or {}).get("budget")
    value = budget.get("monthly_usd") if isinstance(budget, dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class Meter:
    """Given to the gateway for one request: `admit` holds a budgeted profile's worst case, `attempt` records a call.

    `budgets` is the app's BudgetBook (one shared counter per profile and month); without one the meter keeps its
    own, which still refuses a spent month but cannot see other requests in flight.
    """

    def __init__(self, ledger, profiles, api, role_id=None, session_id=None, budgets=None):
        self.ledger, self.profiles = ledger, profiles
        self.budgets = budgets if budgets is not None else BudgetBook()
        self.context = {"api": api, "role_id": role_id, "session_id": session_id, "token_id": calling_token.get()}
        self._holds = {}  # profile id -> the hold of its call in flight
        self.token = current_limits.get()  # the calling API token's limits (taken here, in the request's context)
        self._token_holds = {}

    @property
    def wants_call(self):
        """True when admitting any profile needs the call as it will run (the calling token has a budget)."""
        return self.token is not None and self.token.wants_call

    def admit(self, profile_id, call_profile=None, messages=None):
        """None, or the error that makes the gateway skip this profile (BudgetExceeded, or SharedStateDown).

        `call_profile` is the profile as the call will use it (the request's max_tokens applied); it prices the hold.
        """
        profile = self.profiles.get(profile_id)
        budget = budget_of(profile)
        if budget is not None:
            priced = dict(call_profile or profile, id=profile_id)
            try:
                self._holds[profile_id] = self.budgets.hold(priced, budget, messages, self.ledger)
            except WebUIError as exc:
                return exc
        if self.token is not None:
            try:
                refusal, held = self.token.admit(profile_id, call_profile or profile, messages)
            except WebUIError as exc:  # the shared state is down
                refusal, held = exc, None
            if refusal is not None:
                if profile_id in self._holds:
                    self.budgets.release(self._holds.pop(profile_id))
                return refusal
            self._token_holds[profile_id] = held
        return None

    def succeeded(self, profile_id, profile, result, fallback_from=None):
        """Record an answered call; its cost in USD (None when no price is known)."""
        usage = result.usage or {}
        cost = pricing.cost_usd(pricing.price_of(profile, result.model), usage)
        held = self._holds.pop(profile_id, None)
        if held is not None:
            self.budgets.settle(held, cost)
        if self.token is not None:
            self.token.settle(self._token_holds.pop(profile_id, None), cost,
                              (usage.get("prompt_tokens") or 0) + (usage.get("completion_tokens") or 0))
        self._row(profile_id, profile, model=result.model or (profile or {}).get("model"),
                  prompt_tokens=usage.get("prompt_tokens"), completion_tokens=usage.get("completion_tokens"),
                  cost_usd=cost, latency_ms=result.latency_ms, outcome="fallback" if fallback_from else "ok",
                  fallback_from=fallback_from)
        return cost

    def failed(self, profile_id, profile, exc, latency_ms=None, code=None):
        """Record a call the provider refused or never answered (errors before any call are not calls)."""
        held = self._holds.pop(profile_id, None)
        if held is not None:
            self.budgets.release(held)
        if self.token is not None:
            self.token.release(self._token_holds.pop(profile_id, None))
        if isinstance(exc, ProviderError) or code:
            self._row(profile_id, profile, model=(profile or {}).get("model"), latency_ms=latency_ms,
                      outcome="error", error=code or exc.code)

    def _row(self, profile_id, profile, **fields):
        if self.ledger is None:
            return
        self.ledger.record({**self.context, "profile_id": profile_id, "provider": (profile or {}).get("provider"),
                            **fields})
