"""One call's meter: budgets before each attempt, cost on the answer, one ledger row per provider call, and the
metrics and trace spans of each attempt: the one place a provider call is observed."""

import time
from contextvars import ContextVar

from webui.core.observe import context, metrics
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
    """Given to the gateway for one request: `admit` holds a budgeted profile's worst case, `started` opens an
    attempt, `succeeded`/`failed` record it (ledger row, metrics, trace span).

    `budgets` is the app's BudgetBook (one shared counter per profile and month); without one the meter keeps its
    own, which still refuses a spent month but cannot see other requests in flight.
    """

    def __init__(self, ledger, profiles, api, role_id=None, session_id=None, budgets=None, scope=None, tracer=None,
                 trace_content=False):
        self.ledger, self.profiles, self.face = ledger, profiles, api
        self.budgets = budgets if budgets is not None else BudgetBook()
        self.scope = scope if scope is not None else context.current()
        self.request_id = self.scope.request_id if self.scope is not None else None
        self.context = {"api": api, "role_id": role_id, "session_id": session_id, "request_id": self.request_id,
                        "token_id": calling_token.get()}
        self._holds = {}  # profile id -> the hold of its call in flight
        self.token = current_limits.get()  # the calling API token's limits (taken here, in the request's context)
        self._token_holds = {}
        self.trace = None
        if tracer is not None:  # tracing off: nothing of OpenTelemetry is touched
            from webui.core.observe.tracing import CallTrace

            self.trace = CallTrace(tracer, api, self.request_id, trace_content)
        self._started = None

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

    def started(self, profile_id, profile, messages=None):
        """A provider attempt begins now."""
        self._started = time.perf_counter()
        if self.trace is not None:
            self.trace.started(profile_id, profile, messages)

    def first_token(self, profile_id, profile):
        """A streamed attempt yielded its first delta."""
        if self._started is not None:
            metrics.first_token(profile_id, (profile or {}).get("provider"), time.perf_counter() - self._started)

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
                  cache_read_tokens=usage.get("cache_read_tokens"), cache_write_tokens=usage.get("cache_write_tokens"),
                  cost_usd=cost, latency_ms=result.latency_ms, outcome="fallback" if fallback_from else "ok",
                  fallback_from=fallback_from)
        if self.trace is not None:
            self.trace.succeeded(result, cost, fallback_from)
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
        if self.trace is not None:
            self.trace.failed(code or getattr(exc, "code", None))

    def finished(self, exc=None):
        """The request's gateway call is over (an answer closes it already; this covers every failure)."""
        if self.trace is not None:
            self.trace.finished(exc)

    def _row(self, profile_id, profile, **fields):
        provider = (profile or {}).get("provider")
        seconds = time.perf_counter() - self._started if self._started is not None else None
        self._started = None
        outcome = "client_closed" if fields.get("error") == "client_closed" else fields["outcome"]
        metrics.record_call(self.face, profile_id, provider, outcome, seconds, fields.get("prompt_tokens"),
                            fields.get("completion_tokens"), fields.get("cost_usd"), fields.get("fallback_from"))
        if self.scope is not None and seconds is not None:
            self.scope.add_upstream(self.face, seconds)
        if self.ledger is None:
            return
        self.ledger.record({**self.context, "profile_id": profile_id, "provider": provider, **fields})
