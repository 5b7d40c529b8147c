"""The one error taxonomy: every failure the web layer turns into a JSON or HTML answer."""


class WebUIError(Exception):
    """Base: a short user-facing message, a machine code and the HTTP status to answer with."""

    status = 500
    code = "internal_error"
    retryable = False  # whether the same request, repeated unchanged, may succeed (should_retry)

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self):
        """The JSON error body: {"error": code, "message": ..., **details}."""
        body = {"error": self.code, "message": self.message}
        body.update(self.details)
        return body


class ValidationFailed(WebUIError):
    """Input that breaks a rule; `fields` maps field name to message."""

    status = 400
    code = "validation_failed"

    def __init__(self, fields, message="Validation failed"):
        super().__init__(message, fields=dict(fields))
        self.fields = dict(fields)


class BadRequest(WebUIError):
    """Malformed request (bad JSON, wrong types at the top level)."""

    status = 400
    code = "bad_request"


class NotFound(WebUIError):
    """An unknown id; the message names it."""

    status = 404
    code = "not_found"


class UnknownModel(NotFound):
    """An OpenAI-face `model` that is neither a profile id, a profile name nor role:<id>."""

    code = "model_not_found"


class Unauthorized(WebUIError):
    """No or bad credentials."""

    status = 401
    code = "unauthorized"


class CsrfFailed(WebUIError):
    """A cookie-authenticated state change without the CSRF token."""

    status = 403
    code = "csrf_failed"


class InsufficientScope(WebUIError):
    """An API token whose scope does not reach this route."""

    status = 403
    code = "insufficient_scope"


class ProfileNotAllowed(WebUIError):
    """An API token whose profile allowlist does not include the profile asked for."""

    status = 403
    code = "profile_not_allowed"


class TokenRateLimited(WebUIError):
    """An API token over its requests or tokens per minute; `code` names the limit."""

    status = 429
    code = "rate_limited_rpm"

    def __init__(self, code, message, retry_after):
        super().__init__(message, retry_after=max(1, int(retry_after + 0.999)))
        self.code = code


class TokenBudgetExceeded(WebUIError):
    """An API token spent its monthly budget (every profile: no fallback helps)."""

    status = 429
    code = "token_budget_exceeded"

    def __init__(self, message, retry, **details):
        super().__init__(message, retry_after=retry, **details)


class TooManyAttempts(WebUIError):
    """Login throttling."""

    status = 429
    code = "too_many_attempts"


class Conflict(WebUIError):
    """A write that names a stale revision, or a state change that is not allowed now."""

    status = 409
    code = "conflict"


class ConfigCorrupt(WebUIError):
    """config.json cannot be read or parsed; never overwritten by a default.

    503, not 500: the server works, but nothing can be served from the file until someone repairs it
    (the message names the file and a backup to restore).
    """

    status = 503
    code = "config_corrupt"


class StorageError(WebUIError):
    """The config folder cannot take a write; nothing was changed. Subclasses say why."""

    status = 503
    code = "storage_unwritable"


class StoreUnavailable(StorageError):
    """The PostgreSQL store of record cannot be reached in time: 503, retried by the client later."""

    status = 503
    code = "store_unavailable"


class StoreSchemaTooNew(ConfigCorrupt):
    """The database holds a newer schema than this version knows: the instance refuses to start."""

    code = "store_schema_too_new"


class StorageFull(StorageError):
    """No space (or quota) left in the config folder: 507 Insufficient Storage."""

    status = 507
    code = "storage_full"


class StorageUnwritable(StorageError):
    """The config folder is read-only or not writable for this process."""

    status = 503
    code = "storage_unwritable"


class ConfigInvalid(ConfigCorrupt):
    """config.json parses but holds values of the wrong type (hand-edited); named, never guessed at or crashed on."""

    status = 409
    code = "config_invalid"


class DesktopError(WebUIError):
    """The desktop app cannot be driven by this profile or restart failed."""

    status = 400
    code = "desktop_error"


class MissingCredential(WebUIError):
    """A profile has no key (or its env var is unset); says what to do."""

    status = 400
    code = "missing_credential"


# Upstream statuses that say "your request is wrong": answered with the same status, never retried (SPEC §5.1).
CALLER_STATUSES = (400, 404, 413, 422)


class ProviderError(WebUIError):
    """A provider call failed; never carries the key. Subclasses say why."""

    status = 502
    code = "provider_error"
    retryable = False
    keeps_upstream_status = False  # request errors answer with the upstream's own 4xx

    def __init__(self, message, provider=None, upstream_status=None, **details):
        if provider:
            details["provider"] = provider
        if upstream_status is not None:
            details["upstream_status"] = upstream_status
        super().__init__(message, **details)
        self.provider = provider
        self.upstream_status = upstream_status
        if self.keeps_upstream_status and upstream_status in CALLER_STATUSES:
            self.status = upstream_status


class AuthFailed(ProviderError):
    """401/403 (or Gemini's 400 API_KEY_INVALID): the key was refused."""

    code = "provider_auth_failed"


class ModelNotFound(ProviderError):
    """The provider does not know the model."""

    code = "model_not_found"
    keeps_upstream_status = True


class RateLimited(ProviderError):
    """429; `retry_after` seconds when the provider said so."""

    status = 429
    code = "rate_limited"
    retryable = True

    def __init__(self, message, retry_after=None, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after
        if retry_after is not None:
            self.details["retry_after"] = retry_after


class Overloaded(ProviderError):
    """Anthropic 529 / Gemini 503 overloaded."""

    code = "provider_overloaded"
    retryable = True


class ProviderServerError(ProviderError):
    """5xx from the provider."""

    code = "provider_server_error"
    retryable = True


class ProviderTimeout(ProviderError):
    """Connect or read timeout."""

    status = 504
    code = "provider_timeout"
    retryable = True


class Unreachable(ProviderError):
    """Connection refused / DNS / reset before an answer."""

    code = "provider_unreachable"
    retryable = True


class MalformedResponse(ProviderError):
    """The provider answered something we cannot parse."""

    code = "provider_malformed_response"


class ResponseTooLarge(ProviderError):
    """The provider's answer (or one line of a stream) passed WEBUI_MAX_RESPONSE_BYTES; reading stopped."""

    code = "provider_response_too_large"


class StreamInterrupted(ProviderError):
    """The provider closed or broke a stream before it finished."""

    code = "provider_stream_interrupted"
    retryable = True


class ProviderRequestError(ProviderError):
    """Other 4xx: the provider rejected the request (message from its body); 400/404/413/422 keep their status."""

    code = "provider_bad_request"
    keeps_upstream_status = True


class UnsupportedParameter(WebUIError):
    """A request parameter the profile's provider cannot honour (and the profile does not drop)."""

    status = 400
    code = "unsupported_parameter"

    def __init__(self, param, provider, why="is not supported"):
        super().__init__(f"'{param}' {why} by {provider} (set options.drop_unsupported on the profile to drop it)",
                         param=param, provider=provider)
        self.param = param


class Untranslatable(UnsupportedParameter):
    """A field of a gateway face's request with no counterpart upstream (a built-in tool, an unknown item type)."""

    def __init__(self, param, why):
        WebUIError.__init__(self, f"'{param}' cannot be honoured by this gateway: {why}.", param=param)
        self.param = param


class FallbackSkipped(WebUIError):
    """A fallback profile whose provider cannot honour what the caller asked for (response_format, tools): it is
    skipped (the reason goes in the metadata's fallback_failures), never called without them."""

    status = 400
    code = "fallback_skipped"

    def __init__(self, param, provider):
        super().__init__(f"Skipped: {provider} cannot honour '{param}', and a fallback never drops what was asked",
                         param=param, provider=provider)
        self.param = param


class SecretUnreadable(WebUIError):
    """A stored secret the current key cannot decrypt: it needs re-entry."""

    status = 409
    code = "needs_reentry"


class BudgetExceeded(WebUIError):
    """A profile spent its monthly budget: its calls go to its fallbacks, or answer 429 without any."""

    status = 429
    code = "budget_exceeded"


class UnsupportedMediaType(WebUIError):
    """A JSON endpoint got another content type."""

    status = 415
    code = "unsupported_media_type"


class ServerBusy(WebUIError):
    """503: every stream slot is taken."""

    status = 503
    code = "server_busy"
    retryable = True


class RequestTimeout(WebUIError):
    """408: the request body stopped arriving, or arrives slower than WEBUI_BODY_MIN_RATE."""

    status = 408
    code = "request_timeout"
    retryable = True  # the body stopped arriving: sent again, it may arrive whole


class TooManyPulls(WebUIError):
    """429: WEBUI_MAX_PULLS model pulls are running already."""

    status = 429
    code = "too_many_pulls"


class PayloadTooLarge(WebUIError):
    """413: a body larger than this route takes (before login: WEBUI_PUBLIC_BODY_MAX)."""

    status = 413
    code = "payload_too_large"


class RestartFailed(WebUIError):
    """POST /api/restart: supervisord could not restart the desktop app."""

    status = 502
    code = "restart_failed"


class InputRefused(ValueError):
    """Input past a bound; `field` names where, the message says which bound."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class SeedError(Exception):
    """Bad input: {where: problem}, printed to stderr; seeding writes nothing."""

    def __init__(self, problems):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


class StreamFailed(WebUIError):
    """Something unexpected broke the stream after it started (details only in the server log)."""

    status = 500
    code = "internal_error"


class SecretKeyUnusable(WebUIError):
    """The configured key material is unusable."""

    code = "bad_secret_key"


class SharedStateDown(WebUIError):
    """WEBUI_REDIS_URL is set but Redis does not answer: what every instance must agree on cannot be checked."""

    status = 503
    code = "shared_state_unavailable"
    retryable = True  # the same request succeeds once Redis answers again

    def __init__(self, message="The shared state (Redis, WEBUI_REDIS_URL) is not answering; try again shortly.",
                 **details):
        super().__init__(message, retry_after=2, **details)


def should_retry(exc):
    """Whether a client should repeat the same request unchanged: the one answer every gateway face gives in
    `x-should-retry` (the openai and anthropic SDKs honour it). Rate limits, overload, 5xx, timeouts, broken
    streams and a busy server: yes; a refused key, a bad request, a spent budget, a reply we cannot parse: no."""
    return bool(getattr(exc, "retryable", False))


class UntranslatableField(WebUIError):
    """A field of a face's request (Anthropic Messages) with no equivalent in the profile's wire format: 400."""

    status = 400
    code = "untranslatable_field"

    def __init__(self, field, why, target="OpenAI-format, Gemini and Ollama profiles"):
        super().__init__(f"{field}: {why}; it cannot be translated for {target} (use an Anthropic profile)",
                         param=field)
        self.param, self.why = field, why

    def toward(self, target):
        """The same refusal naming the profile it was refused for."""
        return UntranslatableField(self.param, self.why, target)
