"""HTTP for adapters: pooled urllib3 connections, a timeout on every call, bounded retries, status -> error mapping."""

import email.utils
import json
import logging
import os
import random
import time
from urllib.parse import urlsplit

import urllib3

from .. import errors as E
from .deadline import WATCHDOG
from .http_client import PROXY_VARS, Reply, SessionPool  # noqa: F401  (adapters and tests import them from here)
from .redact import redact_headers, redact_url, scrub

log = logging.getLogger("webui.providers")

MAX_MESSAGE = 300  # provider messages are quoted to the user; keep them short
MAX_ERROR_BODY = 64 * 1024

# Anthropic names its errors instead of repeating the status in the body; used for mid-stream errors.
_TYPE_STATUS = {
    "invalid_request_error": 400, "authentication_error": 401, "billing_error": 402,
    "permission_error": 403, "not_found_error": 404, "request_too_large": 413,
    "rate_limit_error": 429, "api_error": 500, "timeout_error": 504, "overloaded_error": 529,
}


def _env_number(name, default, cast=float):
    """A numeric setting from the environment; a bad value falls back to the default."""
    try:
        value = cast(os.environ.get(name, default))
    except (TypeError, ValueError):
        return default
    return value if value >= 0 else default


def timeouts():
    """(connect, read) seconds: WEBUI_PROVIDER_CONNECT_TIMEOUT (5) and WEBUI_PROVIDER_READ_TIMEOUT (60)."""
    return (_env_number("WEBUI_PROVIDER_CONNECT_TIMEOUT", 5.0), _env_number("WEBUI_PROVIDER_READ_TIMEOUT", 60.0))


def max_response_bytes():
    """WEBUI_MAX_RESPONSE_BYTES (8 MiB): the most decoded bytes read from one answer (or one stream line)."""
    return _env_number("WEBUI_MAX_RESPONSE_BYTES", 8 * 1024 * 1024, int) or 8 * 1024 * 1024


def max_reply_chars():
    """WEBUI_MAX_REPLY_CHARS (1,000,000): the most characters of one reply kept; beyond, it ends as `length`."""
    return _env_number("WEBUI_MAX_REPLY_CHARS", 1_000_000, int) or 1_000_000


def total_timeout():
    """WEBUI_PROVIDER_TOTAL_TIMEOUT (120 s): one call's deadline, retries included; a stream's restarts per delta."""
    return _env_number("WEBUI_PROVIDER_TOTAL_TIMEOUT", 120.0) or 120.0


def retry_policy():
    """(max retries, total budget s, first backoff s) from WEBUI_PROVIDER_MAX_RETRIES/_RETRY_BUDGET/_BACKOFF."""
    return (
        _env_number("WEBUI_PROVIDER_MAX_RETRIES", 2, int),
        _env_number("WEBUI_PROVIDER_RETRY_BUDGET", 20.0),
        _env_number("WEBUI_PROVIDER_BACKOFF", 0.5),
    )


def where(url):
    """scheme://host:port of a URL (no credentials, no path) for messages."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def parse_retry_after(headers):
    """Seconds to wait from retry-after-ms / Retry-After (seconds or HTTP date), or None."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def extract_message(body):
    """The provider's own error text from any known body shape (nested, flat, Ollama string, detail)."""
    if isinstance(body, (bytes, str)):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            body = json.loads(text)
        except ValueError:
            text = text.strip()
            # HTML error pages say nothing useful and would flood the message.
            return None if not text or text.lstrip().startswith("<") else text[:MAX_MESSAGE]
    if isinstance(body, list) and body:
        body = body[0]  # Gemini's array-form errors
    if not isinstance(body, dict):
        return None
    err = body.get("error", body)
    if isinstance(err, str):
        return err[:MAX_MESSAGE]
    if isinstance(err, dict):
        for field in ("message", "detail", "error"):
            if isinstance(err.get(field), str) and err[field]:
                return err[field][:MAX_MESSAGE]
    if isinstance(body.get("detail"), str):
        return body["detail"][:MAX_MESSAGE]
    return None


def upstream_fields(text):
    """{"upstream_code", "upstream_param"} from an error body: string codes only (OpenRouter's ints repeat the status)."""
    try:
        body = json.loads(text) if isinstance(text, (str, bytes)) else text
    except ValueError:
        return {}
    err = body.get("error", body) if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return {}
    code = next((err[k] for k in ("code", "status") if isinstance(err.get(k), str) and err[k]), None)
    param = err.get("param") if isinstance(err.get("param"), str) else None
    return {k: v for k, v in (("upstream_code", code), ("upstream_param", param)) if v}


def _is_key_invalid(status, body_text, message):
    """Gemini answers a bad key with 400 INVALID_ARGUMENT / API_KEY_INVALID instead of 401."""
    return status == 400 and ("API_KEY_INVALID" in (body_text or "") or "api key not valid" in (message or "").lower())


def build_error(status, message, *, label, secrets=(), model=None, retry_after=None, known_body=True, body_text=""):
    """The ProviderError subclass for an HTTP status (or an in-stream error mapped onto one)."""
    said = f": {message}" if message else ""
    kw = {"provider": label, "upstream_status": status}
    if status in E.CALLER_STATUSES:  # the caller's mistake: keep the upstream's own words for the answer
        kw.update(upstream_fields(body_text), **({"upstream_message": scrub(message, secrets)} if message else {}))

    def make(cls, text, **extra):
        return cls(scrub(text, secrets), **kw, **extra)

    if status in (401, 403) or _is_key_invalid(status, body_text, message):
        return make(E.AuthFailed, f"{label} rejected the credentials (HTTP {status}){said}. Check the API key.")
    if status == 404:
        if model and known_body:
            return make(E.ModelNotFound, f"{label} does not know the model '{model}' (HTTP 404){said}")
        return make(E.ProviderRequestError, f"{label} answered 404 Not Found{said}. Check the base URL.")
    if status == 429:
        wait = f" Retry after {retry_after:.0f} s." if retry_after is not None else ""
        return make(E.RateLimited, f"{label} rate limit reached (HTTP 429){said}.{wait}", retry_after=retry_after)
    if status == 529 or (status == 503 and "overload" in (message or "").lower()):
        return make(E.Overloaded, f"{label} is overloaded (HTTP {status}){said}. Try again shortly.")
    if status == 408:
        return make(E.ProviderTimeout, f"{label} timed out handling the request (HTTP 408){said}")
    if status is not None and status >= 500:
        return make(E.ProviderServerError, f"{label} server error (HTTP {status}){said}")
    if status is None:
        return make(E.ProviderError, f"{label} reported an error{said}")
    return make(E.ProviderRequestError, f"{label} rejected the request (HTTP {status}){said}")


def error_from_payload(err, *, label, secrets=(), model=None):
    """A ProviderError for an error object sent inside a 200 stream (OpenRouter, Anthropic, Gemini, Ollama)."""
    status = None
    if isinstance(err, dict):
        code = err.get("code")
        status = code if isinstance(code, int) and 400 <= code < 600 else _TYPE_STATUS.get(err.get("type"))
    return build_error(status, extract_message({"error": err}), label=label, secrets=secrets, model=model)


def parse_json(text, *, label, what="response"):
    """JSON from a provider, or MalformedResponse."""
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        raise E.MalformedResponse(f"{label} sent a {what} that is not valid JSON", provider=label) from None


def _log_request(method, url, headers, secrets):
    if log.isEnabledFor(logging.DEBUG):
        log.debug(scrub(f"{method} {redact_url(url)} headers={redact_headers(headers)}", secrets))


def _transport_error(exc, url, label, secrets):
    """Turn a urllib3 exception into our taxonomy; never chained (its text may hold URLs)."""
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        exc = exc.reason  # connect/read retries are 0: the one failure is the reason
    connect, read = timeouts()
    place = where(url)
    log.debug(scrub(f"{label} request failed: {type(exc).__name__}: {exc}", secrets))
    if isinstance(exc, urllib3.exceptions.ProxyError) and exc.args and isinstance(exc.args[-1], Exception):
        exc = exc.args[-1] if isinstance(exc.args[-1], urllib3.exceptions.TimeoutError) else exc
    if isinstance(exc, urllib3.exceptions.NewConnectionError):  # a ConnectTimeoutError subclass, for history
        return E.Unreachable(f"Cannot reach {label} at {place} (connection failed)", provider=label)
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError):
        return E.ProviderTimeout(f"Could not connect to {label} at {place} within {connect:g} s", provider=label)
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return E.ProviderTimeout(f"{label} at {place} did not answer within {read:g} s", provider=label)
    if isinstance(exc, (urllib3.exceptions.LocationValueError, urllib3.exceptions.LocationParseError)):
        return E.ProviderRequestError(f"The base URL for {label} is not a valid http(s) URL", provider=label)
    if isinstance(exc, urllib3.exceptions.SSLError):
        return E.Unreachable(f"TLS handshake with {label} at {place} failed", provider=label)
    return E.Unreachable(f"Cannot reach {label} at {place} (connection failed)", provider=label)


def stream_error(exc, label, secrets=()):
    """Turn a failure while reading a (streamed) body into ProviderTimeout or StreamInterrupted."""
    log.debug(scrub(f"{label} stream broke: {type(exc).__name__}: {exc}", secrets))
    if isinstance(exc, (urllib3.exceptions.ReadTimeoutError, TimeoutError)):
        return E.ProviderTimeout(f"{label} stopped sending for {timeouts()[1]:g} s mid-reply", provider=label)
    return E.StreamInterrupted(f"{label} closed the connection before the reply finished", provider=label)


class CallErrors:
    """The errors one call's body reads can end in (Reply and the stream readers ask for them)."""

    def __init__(self, label, secrets, total, max_bytes):
        self.label, self.secrets, self.total, self.max_bytes = label, secrets, total, max_bytes

    def read_error(self, exc):
        return stream_error(exc, self.label, self.secrets)

    def too_large(self):
        return too_large(self.label, self.max_bytes)

    def timed_out(self):
        return deadline_error(self.label, self.total)


def too_large(label, limit):
    """ResponseTooLarge naming the bound and its variable."""
    return E.ResponseTooLarge(f"{label} sent more than {limit} bytes; reading stopped (WEBUI_MAX_RESPONSE_BYTES)",
                              provider=label)


def deadline_error(label, total):
    """ProviderTimeout for a call that passed WEBUI_PROVIDER_TOTAL_TIMEOUT."""
    return E.ProviderTimeout(f"{label} did not finish within {total:g} s (WEBUI_PROVIDER_TOTAL_TIMEOUT)",
                             provider=label)


def redirect_error(status, location, url, label, secrets):
    """A 3xx is never followed (the key would go along): an error naming where it pointed."""
    try:
        parts = urlsplit(location or "")
        host = parts.hostname or urlsplit(url).hostname or "?"
        host += f":{parts.port}" if parts.hostname and parts.port else ""
    except ValueError:
        host = "an invalid location"
    return E.ProviderRequestError(
        scrub(f"{label} answered a redirect (HTTP {status}) to {host[:100]}; provider calls never follow "
              f"redirects. Check the base URL.", secrets), provider=label, upstream_status=status)


def _socket_of(raw):
    """The socket under a urllib3 response (None when there is none to cut)."""
    return getattr(getattr(raw, "connection", None), "sock", None)


def _valid_url(url):
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False


def send(session, method, url, *, label, secrets=(), headers=None, json_body=None, params=None,
         stream=False, model=None):
    """One HTTP exchange with retries for 429/5xx/529; returns a <400 response or raises a ProviderError."""
    if not _valid_url(url):
        raise E.ProviderRequestError(f"The base URL for {label} is not a valid http(s) URL", provider=label)
    max_retries, budget, backoff = retry_policy()
    total = total_timeout()
    errors = CallErrors(label, secrets, total, max_response_bytes())
    call_deadline = time.monotonic() + total
    deadline = min(time.monotonic() + budget, call_deadline)
    for attempt in range(max_retries + 1):
        _log_request(method, url, headers or {}, secrets)
        started = time.monotonic()
        left = call_deadline - started
        if left <= 0:
            raise errors.timed_out()
        connect, read = timeouts()
        try:
            raw = session.request(method, url, headers=headers, json_body=json_body, params=params,
                                  stream=stream, timeout=(min(connect, left), min(read, left)))
        except ValueError:  # NaN or infinity in the body: not JSON
            raise E.ProviderRequestError(f"The request for {label} is not valid JSON", provider=label) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if time.monotonic() >= call_deadline:
                raise errors.timed_out() from None
            raise _transport_error(exc, url, label, secrets) from None
        # From here on the watchdog cuts the connection at the deadline, however slowly the body trickles.
        resp = Reply(raw, errors, errors.max_bytes, WATCHDOG.watch(_socket_of(raw), call_deadline))
        log.debug("%s answered %s in %d ms", label, resp.status_code, (time.monotonic() - started) * 1000)
        if 300 <= resp.status_code < 400:
            resp.close()
            raise redirect_error(resp.status_code, resp.headers.get("location"), url, label, secrets)
        if resp.status_code < 400:
            return resp
        err = _error_of(resp, stream, label=label, secrets=secrets, model=model)
        retryable = resp.status_code == 429 or resp.status_code >= 500
        if not retryable or attempt == max_retries:
            raise err
        retry_after = parse_retry_after(resp.headers)
        delay = retry_after if retry_after is not None else backoff * (2 ** attempt) * (1 + random.random() / 10)
        if delay > deadline - time.monotonic():
            raise err  # waiting would overrun the budget: fail now, RateLimited still says when to retry
        log.info("%s answered %s; retry %d/%d in %.1f s", label, resp.status_code, attempt + 1, max_retries, delay)
        time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _error_of(resp, streamed, *, label, secrets, model):
    """Read a (small) error body and map it; the connection goes back to the pool."""
    try:
        body = resp.raw.read(MAX_ERROR_BODY, decode_content=True)
    except Exception:  # a broken error body still deserves the status-based error
        body = b""
    finally:
        resp.close()
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    message = extract_message(text)
    known = message is not None and text.lstrip().startswith(("{", "["))
    log.debug(scrub(f"{label} error body: {text[:500]}", secrets))
    return build_error(resp.status_code, message, label=label, secrets=secrets, model=model,
                       retry_after=parse_retry_after(resp.headers), known_body=known, body_text=text)
