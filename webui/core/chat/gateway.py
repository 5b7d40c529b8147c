"""Chat and stream through a profile; on retryable failures (or a spent budget) try its fallback_profile_ids."""

import time
from dataclasses import dataclass, field

from webui import face_params
from webui.errors import (BudgetExceeded, FallbackSkipped, ProviderError, ProviderTimeout, SharedStateDown,
                          Unreachable, WebUIError)
from webui.providers import get_adapter, wait_clock
from webui.providers.results import StreamEnd

# What a fallback must honour to stand in: a reply without them would be another answer than the one asked for.
KEPT = ("response_format", "tools")


CACHE_USAGE = ("cache_read_tokens", "cache_write_tokens")


@dataclass
class GatewayResult:
    """A reply (ChatResult, or StreamEnd at the end of a stream) and which profile produced it."""

    result: object
    used_profile_id: str
    provider: str | None
    fallback_from: str | None = None
    failures: list = field(default_factory=list)
    cost_usd: float | None = None  # USD, when a meter priced it
    upstream_ms: float | None = None  # time waited on upstreams (every attempt), when the request counts it
    request_id: str | None = None  # the request's X-Request-Id, when a meter knew it

    text = property(lambda self: self.result.text)
    usage = property(lambda self: self.result.usage)
    finish_reason = property(lambda self: self.result.finish_reason)
    model = property(lambda self: self.result.model)
    latency_ms = property(lambda self: self.result.latency_ms)
    tool_calls = property(lambda self: self.result.tool_calls)
    wire = property(lambda self: getattr(self.result, "wire", None))
    wire_usage = property(lambda self: self.result.wire_usage)
    system_fingerprint = property(lambda self: getattr(self.result, "system_fingerprint", None))
    reasoning = property(lambda self: getattr(self.result, "reasoning", None))

    def metadata(self, iterations=1):
        """The stored and returned metadata of one AI reply: exactly the SPEC §5 keys (never a secret)."""
        usage = self.usage or {}
        shown = {"prompt_tokens": usage.get("prompt_tokens"), "completion_tokens": usage.get("completion_tokens")}
        shown.update({k: usage[k] for k in CACHE_USAGE if usage.get(k)})  # only when the provider reported some
        meta = {
            "used_profile_id": self.used_profile_id,
            "provider_type": self.provider,
            "model": self.model,
            "latency_ms": self.latency_ms,
            "usage": shown,
            "finish_reason": self.finish_reason,
            "fallback_from": self.fallback_from,
            "tool_calls": list(self.tool_calls or []),
            "iterations": iterations,
            "cost_usd": self.cost_usd,  # USD; None when no price is known
            "request_id": self.request_id,  # the X-Request-Id of the request that produced it
        }
        if self.failures:  # why earlier profiles did not answer (a skipped fallback names what it could not honour)
            meta["fallback_failures"] = list(self.failures)
        return meta


def falls_back(exc):
    """Whether a failure of the first profile should move on to its fallbacks."""
    return isinstance(exc, BudgetExceeded) or isinstance(exc, ProviderError) and (exc.retryable or isinstance(exc, (Unreachable, ProviderTimeout)))


def _order(profile_id, call, profiles):
    """The profile, then its own fallbacks (no recursion), unknown ids and repeats skipped."""
    order = [profile_id]
    for fid in (call.profile or {}).get("fallback_profile_ids") or []:
        if isinstance(fid, str) and fid in profiles and fid not in order:
            order.append(fid)
    return order


def unmet(call):
    """FallbackSkipped for a fallback whose provider cannot honour the caller's response_format or tools (by the
    face_params table, whatever its drop_unsupported says), else None: skipped, never called without them."""
    provider = (call.profile or {}).get("provider")
    for name in KEPT:
        if (call.request or {}).get(name) is not None and provider in face_params.TABLES and \
                face_params.mode(provider, name)[0] == face_params.REFUSED:
            return FallbackSkipped(name, get_adapter(provider).label)
    return None


def _failure(profile_id, exc):
    return {"profile_id": profile_id, "error": exc.code, "message": exc.message}


class _Attempts:
    """Bookkeeping shared by chat and stream: who failed, and the first error to raise at the end."""

    def __init__(self, profile_id, first_call, resolve, meter=None, messages=None):
        self.profile_id, self.first_call, self.resolve = profile_id, first_call, resolve
        self.failures, self.first_error = [], None
        self.meter, self.started, self.messages = meter, None, messages
        self._calls = {profile_id: first_call}

    def admit(self, pid, profiles):
        """Whether to call this profile: a meter may refuse it (its budget is spent, or the shared state is down),
        which counts as a failure. A budgeted profile's worst case is held here, priced by the call as it will run."""
        refusal = None
        if self.meter and ((profiles.get(pid) or {}).get("budget") or getattr(self.meter, "wants_call", False)):
            try:
                call = self.call_for(pid)
            except WebUIError as exc:
                refusal = exc
            else:
                refusal = self.meter.admit(pid, call.profile, self.messages)
        elif self.meter:
            refusal = self.meter.admit(pid)
        if refusal is not None:
            self.failed(pid, refusal, call=None, profile=profiles.get(pid))
            return False
        self.started = time.monotonic()
        if self.meter:
            self.meter.started(pid, profiles.get(pid), self.messages)
        return True

    def _elapsed_ms(self):
        return int((time.monotonic() - self.started) * 1000) if self.started else None

    def call_for(self, pid):
        """The profile's Call (resolved once); a fallback that cannot honour what was asked raises FallbackSkipped."""
        if pid not in self._calls:
            call = self.resolve(pid)
            refusal = unmet(call)
            if refusal is not None:
                raise refusal
            self._calls[pid] = call
        return self._calls[pid]

    def failed(self, pid, exc, call=None, profile=None):
        """Record a failure; re-raise when the first profile failed in a way fallbacks cannot help."""
        if self.meter and not isinstance(exc, (BudgetExceeded, SharedStateDown, FallbackSkipped)):  # no provider call
            self.meter.failed(pid, (call.profile if call else profile), exc, self._elapsed_ms())
        if pid == self.profile_id:
            if not falls_back(exc):
                raise exc
            self.first_error = exc
        self.failures.append(_failure(pid, exc))

    def result(self, item, pid, call):
        fallback_from = self.profile_id if self.failures else None
        answer = GatewayResult(item, pid, (call.profile or {}).get("provider"), fallback_from, list(self.failures))
        if self.meter:
            answer.cost_usd = self.meter.succeeded(pid, call.profile, item, fallback_from)
            answer.request_id = self.meter.request_id
        return answer

    def give_up(self):
        """Every candidate failed: the first profile's error, with the fallbacks' failures attached."""
        err = self.first_error
        if len(self.failures) > 1:
            err.details["fallback_failures"] = list(self.failures)
        raise err


def chat(profile_id, messages, resolve, profiles, meter=None):
    """A complete reply as a GatewayResult; `resolve(id) -> Call`, `profiles` maps id -> profile dict.

    `meter` (core/metering.Meter), when given, refuses profiles over budget and records every provider call.
    """
    waited = wait_clock.total_ms()
    first = resolve(profile_id)
    attempts = _Attempts(profile_id, first, resolve, meter, messages)
    try:
        for pid in _order(profile_id, first, profiles):
            if not attempts.admit(pid, profiles):
                continue
            call = None
            try:
                call = attempts.call_for(pid)
                result = get_adapter((call.profile or {}).get("provider")).chat(call, messages)
            except WebUIError as exc:
                attempts.failed(pid, exc, call, profiles.get(pid))
                continue
            answer = attempts.result(result, pid, call)
            answer.upstream_ms = wait_clock.total_ms() - waited
            return answer
        attempts.give_up()
    except BaseException as exc:
        if meter:
            meter.finished(exc)
        raise


def stream(profile_id, messages, resolve, profiles, meter=None):
    """Text deltas, then one GatewayResult wrapping the StreamEnd.

    The first profile is resolved now (so MissingCredential is raised before any streaming starts); the
    provider is called on first iteration. Fallback happens only before the first delta was yielded.
    """
    first = resolve(profile_id)
    attempts = _Attempts(profile_id, first, resolve, meter, messages)
    return _stream(_order(profile_id, first, profiles), attempts, messages, profiles)


def _stream(order, attempts, messages, profiles):
    try:
        yield from _attempt_streams(order, attempts, messages, profiles)
    except BaseException as exc:
        if attempts.meter:
            attempts.meter.finished(exc)
        raise


def _attempt_streams(order, attempts, messages, profiles):
    for pid in order:
        if not attempts.admit(pid, profiles):
            continue
        started, finished, call = False, False, None
        try:
            call = attempts.call_for(pid)
            inner = get_adapter((call.profile or {}).get("provider")).stream(call, messages)
            try:
                for item in inner:
                    if isinstance(item, StreamEnd):
                        answer, finished = attempts.result(item, pid, call), True
                        yield answer
                        return
                    if not started and attempts.meter:
                        attempts.meter.first_token(pid, call.profile)
                    started = True
                    yield item
            finally:
                inner.close()  # releases the HTTP connection when the consumer stops early
            return
        except GeneratorExit:
            if attempts.meter and not finished:  # the reader left mid-stream: the call still happened
                attempts.meter.failed(pid, call.profile if call else None, None, attempts._elapsed_ms(),
                                      code="client_closed")
            raise
        except WebUIError as exc:
            if started:
                if attempts.meter:
                    attempts.meter.failed(pid, call.profile if call else None, exc, attempts._elapsed_ms())
                raise  # text already went out: switching profiles would splice two answers
            attempts.failed(pid, exc, call, profiles.get(pid))
    attempts.give_up()
