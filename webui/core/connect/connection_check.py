"""Test connection: does the server answer with these credentials, and does it have the chosen model?

The model list decides where it is complete; where it proves nothing (the provider lists no models, or its list is
partial: OpenAI-compatible servers, Azure deployments) a 1-token call decides instead.
"""

import logging
import time

from webui.catalog import PROVIDERS
from webui.core.config import credentials, profiles
from webui.core.connect.model_lists import check_form, form_connection
from webui.errors import MissingCredential, SecretUnreadable, ValidationFailed, WebUIError

log = logging.getLogger(__name__)
# Providers whose model list names every model the key can call: a model missing from it does not exist there.
COMPLETE_LISTS = {pid for pid, spec in PROVIDERS.items() if spec["complete_model_list"]}
# Listed without the key: the list says nothing about the key, a 1-token call does.
PUBLIC_LISTS = {pid for pid, spec in PROVIDERS.items() if spec["public_model_list"]}
TEST_FIELDS = ("model", "api_key_ref", "profile_id")


def test_profile(svc, profile_id):
    """The test of a saved profile as stored."""
    settings, _ = svc.settings()
    profile = profiles.find(settings, profile_id)
    return _outcome(profile, lambda: credentials.resolve_call(settings, profile, svc.vault, svc.environ))


def test_form(svc, form):
    """The test of the editor's values as they stand (saved or not); stored secrets only go where they belong."""
    provider, errors = check_form(form)
    model = form.get("model")
    if not isinstance(model, str) or not model.strip():
        errors["model"] = "enter the model to test"
    base_url = form.get("base_url")
    if provider and "base_url" in PROVIDERS[provider]["requires"] and not (isinstance(base_url, str) and base_url.strip()):
        errors["base_url"] = "enter the server's address to test"  # not a guess at a default address
    if errors:
        raise ValidationFailed(errors)
    settings, _ = svc.settings()
    profile = {"provider": provider, "model": model.strip(), "options": {}}
    saved = _saved_twin(settings, form, provider)
    if saved is not None:  # the saved connection, untouched: its env-var key works too
        profile = dict(saved, model=profile["model"])
        return _outcome(profile, lambda: credentials.resolve_call(settings, profile, svc.vault, svc.environ))

    def call():
        from webui.providers.base import Call

        base_url, api_key, token = form_connection(svc, form, provider, settings)
        return Call(dict(profile, base_url=base_url), api_key, base_url, token)

    return _outcome(profile, call)


def _saved_twin(settings, form, provider):
    """The saved profile the form edits when its connection inputs are untouched (no key typed, same URL)."""
    pid = form.get("profile_id")
    if not isinstance(pid, str) or not pid or any((form.get(k) or "").strip() for k in ("api_key", "token")):
        return None
    saved = next((p for p in profiles.profiles_of(settings) if p.get("id") == pid), None)
    if saved is None or saved.get("provider") != provider:
        return None
    def same(field):
        return (form.get(field) or "").strip().rstrip("/") == (saved.get(field) or "").strip().rstrip("/")

    return saved if same("base_url") and same("api_key_ref") and same("credential_id") else None


def _outcome(profile, make_call):
    """{"ok", "latency_ms", "model", "model_found", "checked", "error"}; never raises for a provider failure."""
    from webui.providers import get_adapter
    from webui.providers.redact import scrub

    started, model = time.monotonic(), profile.get("model")
    result = {"ok": False, "latency_ms": 0, "model": model, "model_found": None, "checked": None, "error": None}
    try:
        call = make_call()
    except (MissingCredential, SecretUnreadable) as exc:
        return dict(result, error=exc.message)
    adapter = get_adapter(profile["provider"])
    try:
        result.update(_probe(adapter, call, profile["provider"], model))
    except WebUIError as exc:
        result["error"] = scrub(exc.message, adapter.secrets(call.api_key, call.token))
    except Exception as exc:  # a test must answer, whatever broke
        log.warning(scrub(f"connection test failed unexpectedly: {exc!r}", adapter.secrets(call.api_key, call.token)))
        result["error"] = f"Unexpected error while testing {adapter.label} ({type(exc).__name__})"
    result["latency_ms"] = int((time.monotonic() - started) * 1000)
    return result


def _probe(adapter, call, provider, model):
    from webui.providers import models_cache

    try:
        names = models_cache.CACHE.get(adapter, call.api_key, call.base_url, call.token, refresh=True)
    except WebUIError:
        if provider in COMPLETE_LISTS:
            raise  # its list endpoint is the provider's own: a failure there is the connection failing
        names = []  # many OpenAI-compatible servers have no model list: the call decides
    if names and _listed(model, names):
        if provider in PUBLIC_LISTS:
            one_token(adapter, call)
            return {"ok": True, "model_found": True, "checked": "one_token_call"}
        return {"ok": True, "model_found": True, "checked": "model_list"}
    if names and provider in COMPLETE_LISTS:
        return {"ok": False, "model_found": False, "checked": "model_list",
                "error": f"The server answered, but it has no model '{model}' ({len(names)} models listed)."}
    one_token(adapter, call)
    return {"ok": True, "model_found": None, "checked": "one_token_call"}


def one_token(adapter, call):
    """A real 1-token completion with the chosen model (max_tokens 1)."""
    from webui.providers.base import TEST_PROMPT, Call

    profile = dict(call.profile, max_tokens=1, options=dict(call.profile.get("options") or {}, json_mode=False))
    return adapter.chat(Call(profile, call.api_key, call.base_url, call.token, call.key_hint), TEST_PROMPT)


def _listed(model, names):
    """Whether the list names the model (an Ollama name without a tag means :latest)."""
    def bare(name):
        name = str(name or "")
        return name if ":" in name else name + ":latest"

    return model in names or bare(model) in {bare(n) for n in names}
