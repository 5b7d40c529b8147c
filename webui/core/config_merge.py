"""Merge a posted `settings` object (partial or whole, maybe a masked GET round-trip) into the stored settings."""

import copy

from . import credentials, profiles
from ..errors import ValidationFailed
from .service import LEGACY_SECRET_FIELDS, OTHER_SECRET_FIELDS
from .vault import is_secret_obj

VIEW_ONLY_PROFILE_KEYS = ("active", "set_active", "credential")
TYPES = {"multi_provider_enabled": (bool,), "active_llm_profile": (str, type(None)), "llm_roles": (list,),
         "llm_profiles": (list,), "provider_credentials": (dict,)}


def is_masked(value):
    """A secret as the API shows it ({"set", "hint"}): sending it back means "keep the stored one"."""
    return isinstance(value, dict) and "set" in value and not is_secret_obj(value)


def merge(settings, incoming, vault):
    """Apply `incoming` to `settings` in place; ValidationFailed lists every bad field."""
    if not isinstance(incoming, dict):
        raise ValidationFailed({"settings": "must be a JSON object"})
    errors = {k: "has the wrong type" for k, types in TYPES.items()
              if k in incoming and not isinstance(incoming[k], types)}
    if errors:
        raise ValidationFailed(errors)
    for key, value in incoming.items():
        if key in LEGACY_SECRET_FIELDS:
            # The desktop field is written by projection; the key itself belongs to the provider credential.
            if isinstance(value, str) and value.strip():
                credentials.apply(settings, LEGACY_SECRET_FIELDS[key], {"api_key": value}, vault)
        elif key in OTHER_SECRET_FIELDS:
            if isinstance(value, str) and value.strip():
                settings[key] = value.strip()
            elif value is None:
                settings[key] = ""
        elif key == "provider_credentials":
            _merge_credentials(settings, value, vault)
        elif key == "llm_profiles":
            _merge_profiles(settings, value, vault)
        else:
            settings[key] = value


def _merge_credentials(settings, incoming, vault):
    errors = {}
    for cid, payload in incoming.items():
        if not isinstance(payload, dict):
            errors[f"provider_credentials.{cid}"] = "must be a JSON object"
            continue
        kept = {k: v for k, v in payload.items() if not is_masked(v) and not is_secret_obj(v)}
        try:
            credentials.apply(settings, cid, kept, vault)
        except ValidationFailed as exc:
            errors.update({f"provider_credentials.{cid}.{k}": m for k, m in exc.fields.items()})
    if errors:
        raise ValidationFailed(errors)


def _merge_profiles(settings, incoming, vault):
    """Replace the list; each entry merges over the stored profile with its id, changed ones are validated."""
    stored = {p.get("id"): p for p in profiles.profiles_of(settings)}
    result, errors, seen = [], {}, set()
    for i, item in enumerate(incoming):
        if not isinstance(item, dict):
            errors[f"llm_profiles.{i}"] = "must be a JSON object"
            continue
        body = {k: v for k, v in item.items() if k not in VIEW_ONLY_PROFILE_KEYS}
        base = stored.get(body.get("id"))
        profile, secrets, field_errors = profiles.normalize(body, base=copy.deepcopy(base) if base else None)
        profile["id"] = profile.get("id") or profiles.new_id()
        if profile["id"] in seen:
            field_errors["id"] = f"'{profile['id']}' is used twice"
        seen.add(profile["id"])
        if secrets:
            credentials.apply(settings, credentials.credential_id_of(profile), secrets, vault)
        errors.update({f"llm_profiles.{i}.{k}": m for k, m in field_errors.items()})
        before = profiles.normalize({}, base=copy.deepcopy(base))[0] if base else None  # same shape as `profile`
        result.append((i, profile, profile != before))
    if errors:
        raise ValidationFailed(errors)
    profiles.profiles_of(settings)[:] = [p for _, p, _ in result]
    has = lambda profile, field: credentials.has_field(settings, profile, field)  # noqa: E731
    for i, profile, changed in result:
        if changed:  # an untouched stored profile is not re-judged (a migrated one may lack a key)
            errors.update({f"llm_profiles.{i}.{k}": m for k, m in profiles.validate(profile, settings, has).items()})
    if errors:
        raise ValidationFailed(errors)
