"""Triplo's local-LLM features: the sync key (`llm_key`) and model names from an Ollama or OpenAI-compatible URL."""

import secrets
import string

import requests

from ..errors import MalformedResponse, ProviderRequestError, ProviderTimeout, Unreachable, ValidationFailed
from .profiles import URL_RE

KEY_ALPHABET = string.ascii_lowercase + string.digits
KEY_GROUPS, KEY_GROUP_LEN = 4, 4
TIMEOUT = (5, 15)  # (connect, read) seconds: a model list is small; a hung server must not hang the page
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
    names = []
    for item in items:
        name = (item.get("name") or item.get("model") or item.get("id")) if isinstance(item, dict) else item
        if isinstance(name, str) and name and name not in names:
            names.append(name)
    return names[:MAX_MODELS]


def _get(url, token=None):
    """One GET with timeouts; transport failures become ProviderError subclasses (no URL credentials echoed)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        return requests.get(url, headers=headers, timeout=TIMEOUT, allow_redirects=False)
    except requests.exceptions.Timeout:
        raise ProviderTimeout(f"{LABEL} did not answer within {TIMEOUT[1]} s", provider="local_llm") from None
    except requests.exceptions.RequestException as exc:
        raise Unreachable(f"{LABEL} cannot be reached ({type(exc).__name__})", provider="local_llm") from None


def list_models(url, token=None):
    """Model names served at `url` (tries Ollama's /api/tags, then OpenAI-compatible /v1/models)."""
    base = check_url(url)
    token = token.strip() if isinstance(token, str) and token.strip() else None
    failure = None
    for candidate in candidate_urls(base):
        resp = _get(candidate, token)
        if resp.status_code >= 400:
            failure = ProviderRequestError(f"{LABEL} answered HTTP {resp.status_code} for its model list",
                                           provider="local_llm", upstream_status=resp.status_code)
            continue
        try:
            names = names_from(resp.json())
        except ValueError:
            names = None
        if names is not None:
            return names
        failure = MalformedResponse(f"{LABEL} did not answer with an Ollama or OpenAI-compatible model list",
                                    provider="local_llm")
    raise failure
