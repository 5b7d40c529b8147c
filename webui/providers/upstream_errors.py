"""What a provider's error answer means: status, body and headers -> the ProviderError we raise (scrubbed)."""

import email.utils
import json
import re
import time

from webui import errors as E
from webui.providers.redact import scrub

MAX_MESSAGE = 300  # provider messages are quoted to the user; keep them short

# Anthropic names its errors instead of repeating the status in the body; used for mid-stream errors.
_TYPE_STATUS = {
    "invalid_request_error": 400, "authentication_error": 401, "billing_error": 402,
    "permission_error": 403, "not_found_error": 404, "request_too_large": 413,
    "rate_limit_error": 429, "api_error": 500, "timeout_error": 504, "overloaded_error": 529,
}


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


# How servers word a prompt longer than the model's context (OpenAI's code, llama.cpp's type, vLLM's and others' text).
_CONTEXT_OVERFLOW = re.compile(r"context_length_exceeded|exceed_context_size|maximum context length|context (length|size|"
                               r"window)[^.]{0,40}exceed|exceeds? the (available )?context|prompt is too long", re.I)


def is_context_overflow(status, body_text, message):
    """Whether a 400 says the prompt does not fit the model's context (answered as context_length_exceeded)."""
    return status == 400 and bool(_CONTEXT_OVERFLOW.search(f"{body_text or ''} {message or ''}"))


def _is_key_invalid(status, body_text, message):
    """Gemini answers a bad key with 400 INVALID_ARGUMENT / API_KEY_INVALID instead of 401."""
    return status == 400 and ("API_KEY_INVALID" in (body_text or "") or "api key not valid" in (message or "").lower())


def build_error(status, message, *, label, secrets=(), model=None, retry_after=None, known_body=True, body_text=""):
    """The ProviderError subclass for an HTTP status (or an in-stream error mapped onto one)."""
    said = f": {message}" if message else ""
    kw = {"provider": label, "upstream_status": status}
    if status in E.CALLER_STATUSES:  # the caller's mistake: keep the upstream's own words for the answer
        kw.update(upstream_fields(body_text), **({"upstream_message": scrub(message, secrets)} if message else {}))
        if is_context_overflow(status, body_text, message):
            kw["upstream_code"] = "context_length_exceeded"  # one code, streamed or not, whatever the server said

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
    return build_error(status, extract_message({"error": err}), label=label, secrets=secrets, model=model,
                       body_text=json.dumps({"error": err}) if isinstance(err, dict) else "")
