"""HTTP for adapters: pooled urllib3 connections, a timeout on every call, bounded retries; errors mapped by upstream_errors."""

import json
import logging
import random
import time
from urllib.parse import urlsplit

import urllib3

from webui import errors as E
from webui import settings
from webui.providers.deadline import WATCHDOG, armed
from webui.providers.http_client import (  # noqa: F401  (adapters and tests import them from here)
    PROXY_VARS,
    Reply,
    SessionPool,
)
from webui.providers.redact import redact_headers, redact_url, scrub
from webui.providers.upstream_errors import build_error, extract_message, parse_retry_after
from webui.providers.wait_clock import Waiting

log = logging.getLogger("webui.providers")

MAX_ERROR_BODY = 64 * 1024

def timeouts():
    """(connect, read) seconds: WEBUI_PROVIDER_CONNECT_TIMEOUT (5) and WEBUI_PROVIDER_READ_TIMEOUT (60)."""
    config = settings.current()
    return (config.provider_connect_timeout, config.provider_read_timeout)


def max_response_bytes():
    """WEBUI_MAX_RESPONSE_BYTES (8 MiB): the most decoded bytes read from one answer (or one stream line)."""
    return settings.current().max_response_bytes


def max_reply_chars():
    """WEBUI_MAX_REPLY_CHARS (1,000,000): the most characters of one reply kept; beyond, it ends as `length`."""
    return settings.current().max_reply_chars


def total_timeout():
    """WEBUI_PROVIDER_TOTAL_TIMEOUT (120 s): one call's deadline, retries included; a stream's restarts per delta."""
    return settings.current().provider_total_timeout


def retry_policy():
    """(max retries, total budget s, first backoff s) from WEBUI_PROVIDER_MAX_RETRIES/_RETRY_BUDGET/_BACKOFF."""
    config = settings.current()
    return (config.provider_max_retries, config.provider_retry_budget, config.provider_backoff)


def where(url):
    """scheme://host:port of a URL (no credentials, no path) for messages."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


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
    """The socket under a urllib3 response (None when there is none to cut); an HTTP/1.0 or `Connection: close`
    answer has left its connection, its body file still holds the socket."""
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is None:
        body = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(body, "raw", None), "_sock", None)
    return sock


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
        # From the first byte sent to the last byte read, the watchdog cuts the connection at the deadline,
        # however slowly the headers or the body trickle (the connection attaches its socket when it has one).
        watch = WATCHDOG.watch(None, call_deadline)
        try:
            with Waiting(), armed(watch):  # the upstream's time counts for X-Gateway-Overhead-Ms
                raw = session.request(method, url, headers=headers, json_body=json_body, params=params,
                                      stream=stream, timeout=(min(connect, left), min(read, left)))
        except ValueError:  # NaN or infinity in the body: not JSON
            watch.cancel()
            raise E.ProviderRequestError(f"The request for {label} is not valid JSON", provider=label) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            watch.cancel()
            if time.monotonic() >= call_deadline:
                raise errors.timed_out() from None
            raise _transport_error(exc, url, label, secrets) from None
        watch.attach(_socket_of(raw))  # only when the connection did not (the response holds the socket)
        resp = Reply(raw, errors, errors.max_bytes, watch)
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
        with Waiting():
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
