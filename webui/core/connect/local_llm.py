"""Triplo's local-LLM features: the sync key (`llm_key`) and model names from an Ollama or OpenAI-compatible URL."""

import secrets
import string

from webui.core.config.credentials import has_control_chars
from webui.core.config.profiles import URL_RE
from webui.errors import MalformedResponse, ProviderError, Unreachable, ValidationFailed
from webui.providers import transport
from webui.providers.models_cache import clean_models

KEY_ALPHABET = string.ascii_lowercase + string.digits
KEY_GROUPS, KEY_GROUP_LEN = 4, 4
MAX_MODELS = 2000
LABEL = "The local LLM server"


def new_key():
    """A fresh sync key `xxxx-xxxx-xxxx-xxxx` (lowercase letters and digits, from `secrets`)."""
    return "-".join("".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_GROUP_LEN)) for _ in range(KEY_GROUPS))


def check_url(url):
    """The URL without a trailing slash, or ValidationFailed naming `url`."""
    if not isinstance(url, str) or not URL_RE.match(url.strip()):
        raise ValidationFailed({"url": "must be an http:// or https:// URL"})
    return url.strip().rstrip("/")


def candidate_urls(url):
    """The model-list URLs to try for a server URL, most specific first."""
    if url.endswith(("/api/tags", "/v1/models", "/models")):
        return [url]
    if url.endswith("/v1"):
        return [url + "/models"]
    return [url + "/api/tags", url + "/v1/models"]


def names_from(data):
    """Model names from an Ollama /api/tags ({"models": [{"name"}]}) or OpenAI /v1/models ({"data": [{"id"}]}) body."""
    if not isinstance(data, dict):
        return None
    items = data.get("models") if isinstance(data.get("models"), list) else data.get("data")
    if not isinstance(items, list):
        return None
    names = (((item.get("name") or item.get("model") or item.get("id")) if isinstance(item, dict) else item)
             for item in items)
    return clean_models(dict.fromkeys(n for n in names if isinstance(n, str)))[:MAX_MODELS]  # a set, in order


_POOL = transport.SessionPool()


def _get_json(url, token=None):
    """One GET through the provider transport (pooled session, timeouts, error mapping, key scrubbing)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        resp = transport.send(_POOL.get(), "GET", url, label=LABEL, secrets=(token,) if token else (),
                              headers=headers)
    except Unreachable:  # the transport's wording names the label mid-sentence; say it plainly
        raise Unreachable(f"{LABEL} cannot be reached at {transport.where(url)}", provider="local_llm") from None
    return transport.parse_json(resp.content, label=LABEL, what="model list")


def list_models(url, token=None):
    """Model names served at `url` (tries Ollama's /api/tags, then OpenAI-compatible /v1/models)."""
    base = check_url(url)
    token = token.strip() if isinstance(token, str) and token.strip() else None
    if has_control_chars(token):
        raise ValidationFailed({"token": "must not contain control characters (line breaks, tabs, NUL)"})
    failure = None
    for candidate in candidate_urls(base):
        try:
            data = _get_json(candidate, token)
        except ProviderError as exc:
            if exc.upstream_status is None and not isinstance(exc, MalformedResponse):
                raise  # unreachable or timed out: the next path would fail the same way
            failure = exc
            continue
        names = names_from(data)
        if names is not None:
            return clean_models(names, (token,))
        failure = MalformedResponse(f"{LABEL} did not answer with an Ollama or OpenAI-compatible model list",
                                    provider="local_llm")
    raise failure
