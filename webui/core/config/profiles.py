"""Profiles: normalization (aliases, types), validation from the catalog table, and list operations."""

import math
import re
import uuid

from webui.catalog import PARAMS, PROVIDERS, canonical_provider, route_model
from webui.errors import Conflict, NotFound, ValidationFailed

FIELD_ORDER = (
    "id", "name", "provider", "model", "credential_id", "api_key_ref", "base_url",
    *PARAMS, "options", "extra_params", "fallback_profile_ids",
)
# Inputs that belong to the provider's credential, not the profile: stored encrypted elsewhere.
CREDENTIAL_INPUTS = ("api_key", "token", "url")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
URL_RE = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
DEFAULT_OPTIONS = {"json_mode": False, "stream": True}
LOCAL_OPTIONS = ("num_ctx", "keep_alive", "num_gpu")  # Ollama's, kept in options and sent on the wire
KEEP_ALIVE_RE = re.compile(r"^-?\d+(\.\d+)?(ms|s|m|h)?$")
# Optional money fields (SPEC §3): {field: (its keys, the largest value accepted)}.
MONEY = {"pricing": (("input_per_mtok", "output_per_mtok"), 100_000), "budget": (("monthly_usd",), 1_000_000_000)}
# Money keys that may be left out or null (prompt-cache prices: without them cached input is priced as input).
MONEY_OPTIONAL = {"pricing": ("cache_read_per_mtok", "cache_write_per_mtok"), "budget": ()}


def new_id():
    """A fresh profile id."""
    return uuid.uuid4().hex


def profiles_of(settings):
    """The profile list inside settings (created when missing)."""
    profiles = settings.get("llm_profiles")
    if not isinstance(profiles, list):
        profiles = settings["llm_profiles"] = []
    return profiles


def multi_provider_default(settings, count_before):
    """Multi-provider mode switches on when a change brings the profile count from under two to two or more.

    The config template ships `false`, so "unset" cannot be told from "off": every path that adds profiles
    (one form, bulk replace, import) applies this one rule; a user who turns it off later keeps it off.
    """
    count = len(profiles_of(settings))
    current = settings.get("multi_provider_enabled")
    if count >= 2 and (current is None or (count_before < 2 and not current)):
        settings["multi_provider_enabled"] = True


def find(settings, profile_id):
    """The profile with this id, or NotFound naming it."""
    for profile in profiles_of(settings):
        if profile.get("id") == profile_id:
            return profile
    raise NotFound(f"No profile with id '{profile_id}'", id=profile_id)


def defaults_for(provider):
    """A new profile's values for a provider, from the catalog."""
    spec = PROVIDERS[provider]
    profile = {name: None for name in FIELD_ORDER}
    profile.update(provider=provider, presence_penalty=None, options=dict(DEFAULT_OPTIONS),
                   extra_params={}, fallback_profile_ids=[])
    profile.update({k: v for k, v in spec["defaults"].items() if k != "model"})
    return profile


def normalize(payload, base=None):
    """Merge an input dict over `base` (or defaults): (profile, credential_inputs, field_errors).

    Accepts the aliases of SPEC §3 (provider_type, provider names) and form strings for numbers.
    """
    if not isinstance(payload, dict):
        raise ValidationFailed({"profile": "must be a JSON object"})
    payload = dict(payload)
    errors = {}
    if "provider_type" in payload and "provider" not in payload:
        payload["provider"] = payload.pop("provider_type")
    payload.pop("provider_type", None)
    secrets = {k: payload.pop(k) for k in CREDENTIAL_INPUTS if k in payload}

    raw_provider = payload.get("provider", (base or {}).get("provider"))
    provider = canonical_provider(raw_provider)
    if provider is None:
        errors["provider"] = f"Unknown provider {raw_provider!r}; choose one of {', '.join(PROVIDERS)}"
        provider = "open_ai"
    if base is not None and base.get("provider") == provider:
        profile = dict(base)
    else:
        profile = defaults_for(provider)
        if base is not None:  # provider changed: keep identity and shared settings
            for keep in ("id", "name", "model", "api_key_ref", "options", "extra_params", "fallback_profile_ids"):
                if keep in base:
                    profile[keep] = base[keep]
    for key, value in payload.items():
        profile[key] = value
    profile["provider"] = provider
    _coerce(profile, errors)
    ordered = {k: profile.get(k) for k in FIELD_ORDER}
    ordered.update({k: v for k, v in profile.items() if k not in ordered})  # unknown keys round-trip
    return ordered, secrets, errors


def _coerce(profile, errors):
    """Turn form strings into numbers/bools in place; record type errors."""
    for name, meta in PARAMS.items():
        value = profile.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            profile[name] = None
            continue
        number = _number(value)
        if number is None:
            errors[name] = "must be a number"
        elif meta["type"] == "integer":
            if float(number).is_integer():
                profile[name] = int(number)
            else:
                errors[name] = "must be a whole number"
        else:
            profile[name] = number
    for name in ("credential_id", "api_key_ref", "base_url"):
        value = profile.get(name)
        if isinstance(value, str):
            profile[name] = value.strip() or None
        elif value is not None:
            errors[name] = "must be a string"
    options = profile.get("options")
    if options is None:
        profile["options"] = dict(DEFAULT_OPTIONS)
    elif isinstance(options, dict):
        profile["options"] = {**DEFAULT_OPTIONS, **options}
    else:
        errors["options"] = "must be an object"
    if profile.get("extra_params") is None:
        profile["extra_params"] = {}
    if profile.get("fallback_profile_ids") is None:
        profile["fallback_profile_ids"] = []
    for name, (keys, _) in MONEY.items():
        value = profile.get(name)
        if isinstance(value, dict):  # form strings become numbers; an all-empty object means "not set"
            value = {k: _money_input(v) for k, v in value.items()}
            known = (*keys, *MONEY_OPTIONAL[name])
            value = {k: v for k, v in value.items() if not (k in MONEY_OPTIONAL[name] and v is None)}
            profile[name] = None if all(value.get(k) is None for k in known) and set(value) <= set(known) else value


def _money_input(value):
    """A money input: empty text is unset, number text a number, anything else stays (validation names it)."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    number = _number(value)
    return value if number is None else number


def _number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            return None
        if not math.isfinite(parsed):
            return None
        return int(parsed) if parsed.is_integer() and "." not in value else parsed
    return None


def validate(profile, settings, has_credential):
    """Field errors {field: message} for one profile; has_credential(profile, field) answers key/url presence."""
    errors = {}
    provider = profile.get("provider")
    if provider not in PROVIDERS:
        return {"provider": f"Unknown provider {provider!r}"}
    # A LiteLLM prefix (`anthropic/…`, `azure/…`) makes the provider it routes to the one whose rules apply.
    model = profile.get("model") if isinstance(profile.get("model"), str) else None  # else: a field error below
    routed = route_model(provider, model)[0]
    spec = PROVIDERS[routed]
    if routed != provider:
        has_credential = _for_provider(has_credential, routed)
    others = [p for p in profiles_of(settings) if p.get("id") != profile.get("id")]
    pid = profile.get("id")
    if not isinstance(pid, str) or not ID_RE.match(pid):
        errors["id"] = "must be 1-64 letters, digits, '.', '_' or '-'"
    name = profile.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = "is required"
    elif len(name) > 80:
        errors["name"] = "must be at most 80 characters"
    elif any(str(p.get("name", "")).casefold() == name.strip().casefold() for p in others):
        errors["name"] = f"another profile is already named '{name.strip()}'"
    model = profile.get("model")
    if not isinstance(model, str) or not model.strip():
        errors["model"] = "is required"
    elif len(model) > 200:
        errors["model"] = "must be at most 200 characters"
    ref = profile.get("api_key_ref")
    if ref is not None and not ENV_NAME_RE.match(ref):
        errors["api_key_ref"] = "must be an environment variable name like MY_API_KEY"
    cred = profile.get("credential_id")
    if cred is not None and not ID_RE.match(cred):
        errors["credential_id"] = "must be 1-64 letters, digits, '.', '_' or '-'"
    base_url = profile.get("base_url")
    if base_url is not None and not URL_RE.match(base_url):
        errors["base_url"] = "must be an http:// or https:// URL"
    if "base_url" in spec["requires"] and not base_url:
        errors["base_url"] = f"is required for {spec['label']}"
    if "api_key" in spec["requires"] and not ref and not has_credential(profile, "api_key"):
        errors["api_key"] = f"{spec['label']} needs an API key (or an environment variable name in api_key_ref)"
    if "url" in spec["requires"] and not base_url and not has_credential(profile, "url"):
        errors["url"] = f"{spec['label']} needs a server URL"
    _validate_params(profile, spec, errors)
    _validate_structure(profile, others, errors)
    return errors


def _for_provider(has_credential, provider):
    """has_credential asking about the credential of another provider (unless the profile names its own)."""
    return lambda profile, field: has_credential(dict(profile, provider=provider), field)


def _validate_params(profile, spec, errors):
    for name, meta in PARAMS.items():
        value = profile.get(name)
        if name in errors or value is None:
            continue
        if name in spec["unsupported"]:
            if value != 0:
                errors[name] = f"{spec['label']} does not support {name}; leave it empty"
            continue
        low, high = spec["limits"].get(name, (meta.get("min"), meta.get("max")))
        if low is not None and value < low or high is not None and value > high:
            errors[name] = f"must be between {low} and {high} for {spec['label']}"


def _validate_structure(profile, others, errors):
    options = profile.get("options")
    if isinstance(options, dict):
        for flag in ("json_mode", "stream"):
            if not isinstance(options.get(flag), bool):
                errors[f"options.{flag}"] = "must be true or false"
        _validate_local(options, errors)
    if not isinstance(profile.get("extra_params"), dict):
        errors["extra_params"] = "must be a JSON object"
    _validate_money(profile, errors)
    fallbacks = profile.get("fallback_profile_ids")
    known = {p.get("id") for p in others}
    if not isinstance(fallbacks, list) or not all(isinstance(f, str) for f in fallbacks):
        errors["fallback_profile_ids"] = "must be a list of profile ids"
    elif profile.get("id") in fallbacks:
        errors["fallback_profile_ids"] = "a profile cannot fall back to itself"
    elif len(set(fallbacks)) != len(fallbacks):
        errors["fallback_profile_ids"] = "lists a profile twice"
    else:
        unknown = [f for f in fallbacks if f not in known]
        if unknown:
            errors["fallback_profile_ids"] = f"unknown profile id '{unknown[0]}'"


def _validate_local(options, errors):
    """Ollama's local parameters in `options` (absent or null: the server's default)."""
    for name, low, high in (("num_ctx", 1, 10_000_000), ("num_gpu", -1, 10_000)):
        value = options.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
            errors[f"options.{name}"] = f"must be a whole number from {low} to {high}"
    keep = options.get("keep_alive")
    if keep is not None and not (isinstance(keep, int) and not isinstance(keep, bool)
                                 or isinstance(keep, str) and KEEP_ALIVE_RE.match(keep)):
        errors["options.keep_alive"] = 'must be a duration like "5m", "1h" or "-1" (keep loaded), or seconds'


def _validate_money(profile, errors):
    """`pricing` and `budget`: absent/null, or an object of exactly their non-negative USD numbers."""
    for name, (keys, top) in MONEY.items():
        value = profile.get(name)
        if value is None:
            continue
        optional = MONEY_OPTIONAL[name]
        if not isinstance(value, dict) or set(value) - set(keys) - set(optional):
            also = f" (and optionally {' and '.join(optional)})" if optional else ""
            errors[name] = f"must be null or an object with {' and '.join(keys)}{also}"
            continue
        for key in (*keys, *(k for k in optional if value.get(k) is not None)):
            number = value.get(key)
            if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
                errors[f"{name}.{key}"] = "must be a number of US dollars"
            elif not 0 <= number <= top:
                errors[f"{name}.{key}"] = f"must be between 0 and {top}"


def unique_name(settings, wanted):
    """`wanted`, or `wanted (2)`, `(3)`… so it does not clash with an existing name."""
    names = {str(p.get("name", "")).casefold() for p in profiles_of(settings)}
    candidate, n = wanted[:80], 2
    while candidate.casefold() in names:
        suffix = f" ({n})"
        candidate = wanted[: 80 - len(suffix)] + suffix
        n += 1
    return candidate


def reorder(settings, order):
    """Put profiles in the given id order; the list must name every profile exactly once."""
    profiles = profiles_of(settings)
    if not isinstance(order, list) or not all(isinstance(i, str) for i in order):
        raise ValidationFailed({"order": "must be a list of profile ids"})
    by_id = {p["id"]: p for p in profiles}
    unknown = [i for i in order if i not in by_id]
    if unknown:
        raise NotFound(f"No profile with id '{unknown[0]}'", id=unknown[0])
    if len(order) != len(set(order)) or set(order) != set(by_id):
        raise ValidationFailed({"order": "must list every profile id exactly once"})
    profiles[:] = [by_id[i] for i in order]


def remove(settings, profile_id, new_active=None):
    """Delete a profile; the active one only when another is named active. Cleans references."""
    profile = find(settings, profile_id)
    if settings.get("active_llm_profile") == profile_id:
        if not new_active:
            raise Conflict(
                f"Profile '{profile.get('name')}' is active; activate another profile first "
                "or name one with 'new_active_id'."
            )
        if new_active == profile_id:
            raise ValidationFailed({"new_active_id": "must name another profile"})
        find(settings, new_active)
        settings["active_llm_profile"] = new_active
    profiles_of(settings).remove(profile)
    for other in profiles_of(settings):
        if profile_id in (other.get("fallback_profile_ids") or []):
            other["fallback_profile_ids"] = [f for f in other["fallback_profile_ids"] if f != profile_id]
    for role in settings.get("llm_roles") or []:
        ai = role.get("ai_config") if isinstance(role, dict) else None
        if isinstance(ai, dict) and ai.get("profile_id") == profile_id:
            ai["profile_id"] = None  # the role falls back to the active profile
    return profile
