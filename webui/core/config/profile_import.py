"""The one path from any outside shape to profiles: legacy Triplo config, game config, env seeding, API bulk replace."""

import copy
import json
import re

from webui import bounds
from webui.catalog import (
    LEGACY_KEY_FIELDS,
    PROVIDERS,
    SECRET_FIELDS,
    canonical_provider,
    infer_provider,
    key_env_var,
    model_fits,
    route_model,
)
from webui.core.config import credentials, profiles
from webui.core.config.roles import normalize_roles, roles_of
from webui.core.storage import yaml_safe
from webui.core.storage.vault import is_secret_obj
from webui.errors import ValidationFailed

# Keys a profile view carries (GET round-trips) that are not profile fields.
VIEW_ONLY_PROFILE_KEYS = ("active", "set_active", "credential")
# (provider, legacy key field): the flat fields a single-provider Triplo config keeps its keys in.
LEGACY_KEYS = tuple((provider, field) for field, provider in LEGACY_KEY_FIELDS.items())


def is_legacy(settings):
    """A config written before profiles existed."""
    return not isinstance(settings.get("llm_profiles"), list)


def migrate_legacy(settings, vault, extra_keys=None, with_ollama=None):
    """Read a legacy config as profiles + encrypted credentials, in place; legacy fields stay as they are.

    Seeding passes `extra_keys` ({provider: key}) for providers without a legacy field (Gemini), and
    `with_ollama` to make the Ollama profile for reasons other than enable_ollama (TRIPLO_OLLAMA_URL).
    """
    if not is_legacy(settings):
        return False
    made = []
    creds = credentials.credentials_of(settings)
    keyed = [(provider, settings.get(field)) for provider, field in LEGACY_KEYS] + list((extra_keys or {}).items())
    for provider, key in keyed:
        if not (isinstance(key, str) and key.strip()):
            continue
        creds.setdefault(provider, {})["api_key"] = vault.encrypt(key.strip())
        made.append(_legacy_profile(settings, provider, _legacy_model(settings, provider)))
    wants_ollama = (settings.get("enable_ollama") is True) if with_ollama is None else with_ollama
    if wants_ollama:
        models = [m for m in settings.get("ollama_models") or [] if isinstance(m, str)]
        url = settings.get("ollama_url") or PROVIDERS["ollama"]["default_base_url"]
        creds.setdefault("ollama", {}).update(url=url, models=models)
        ollama = _legacy_profile(settings, "ollama", models[0] if models else PROVIDERS["ollama"]["defaults"]["model"])
        made.append(ollama)
    settings["llm_profiles"] = made
    wanted = canonical_provider(settings.get("ai_source"))
    ids = [p["id"] for p in made]
    settings["active_llm_profile"] = wanted if wanted in ids else (ids[0] if ids else None)
    settings.setdefault("multi_provider_enabled", len(made) >= 2)
    roles_of(settings)
    return True


def _legacy_model(settings, provider):
    """openai_model is the model of the source the desktop app ran with, where it fits that provider (the field
    was shared by every provider: the template's `gpt-4o-mini` is no Anthropic model); else the provider's default."""
    model = settings.get("openai_model")
    if isinstance(model, str) and model.strip() and canonical_provider(settings.get("ai_source")) == provider \
            and model_fits(provider, model.strip()):
        return model.strip()
    return PROVIDERS[provider]["defaults"]["model"]


def _legacy_profile(settings, provider, model):
    profile = profiles.defaults_for(provider)
    spec = PROVIDERS[provider]
    profile.update(id=provider, name=spec["label"], model=model)
    temperature = settings.get("temperature")
    if isinstance(temperature, (int, float)) and not isinstance(temperature, bool):
        low, high = spec["limits"]["temperature"]
        profile["temperature"] = min(max(temperature, low), high)  # the legacy field keeps the original
    penalty = settings.get("presence_penalty")
    if "presence_penalty" not in spec["unsupported"] and isinstance(penalty, (int, float)):
        profile["presence_penalty"] = penalty
    return profile


def parse_document(text, what="file", environ=None):
    """A YAML or JSON document that must be a mapping; bounded in size, nesting and YAML alias expansion."""
    import yaml

    from webui.core.storage.yaml_safe import load_yaml

    limit = bounds.max_import_bytes(environ)
    if len(text.encode("utf-8", "surrogatepass")) > limit:
        raise ValidationFailed({what: f"is larger than {limit} bytes (set {bounds.IMPORT_BYTES_ENV} to allow more)"})
    try:
        try:
            doc = bounds.loads(text)
        except bounds.InputRefused:
            raise
        except (ValueError, TypeError):
            doc = load_yaml(text, bounds.EXPANSION_FACTOR * limit)
        bounds.check_value(doc, what)
    except bounds.InputRefused as exc:
        raise ValidationFailed({what: f"{exc} (at {exc.field})" if exc.field != what else str(exc)}) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ValidationFailed({what: f"is neither valid JSON nor valid YAML{where}"}) from None
    if not isinstance(doc, (dict, list)):
        raise ValidationFailed({what: "must hold a mapping (or a list of profiles)"})
    return doc


def slug(text):
    """An id made from a name."""
    value = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-.")[:64]
    return value or profiles.new_id()


def is_masked(value):
    """A secret as the API shows it ({"set", "hint"}): sending it back means "keep the stored one"."""
    return isinstance(value, dict) and "set" in value and not is_secret_obj(value)


def document_defaults(raw):
    """A new profile as the game-config document may write it (`id` and `model`), completed: the name is the id,
    the provider the one the model name implies (`claude-…` Anthropic, `gemini-…` Gemini, else OpenAI format)."""
    raw = dict(raw)
    if raw.get("id") and not raw.get("name"):
        raw["name"] = raw["id"]
    if raw.get("provider") is None and raw.get("provider_type") is None:
        raw["provider"] = infer_provider(raw.get("model"))
    return raw


def import_profiles(settings, items, vault, field="llm_profiles", replace=False, document=False):
    """Profiles from outside input (either field naming, inline keys); all or nothing. Returns their ids.

    Each item merges over the stored profile with its id; `replace` makes the list the whole new list,
    otherwise it is upserted. Only new or changed profiles are validated (a migrated one may lack a key).
    A new profile without a provider gets the one its model name implies (`claude-…` is Anthropic, else
    OpenAI format). `document` (the game-config document): a profile with no key anywhere reads it from its
    provider's standard variable (`api_key_ref` is set to it), and field errors name the entry as the document
    does (`llm_profiles[1].provider_type`). Field errors name `field[i].name`.
    """
    if isinstance(items, dict):  # YAML often keys profiles by id
        items = [dict(v or {}, id=v.get("id", k) if isinstance(v, dict) else k) for k, v in items.items()]
    if not isinstance(items, list):
        raise ValidationFailed({field: "must be a list of profiles"})
    stored = {p.get("id"): p for p in profiles.profiles_of(settings)}
    errors, staged, seen = {}, [], set()
    for i, raw in enumerate(items):
        if not isinstance(raw, dict):
            errors[f"{field}[{i}]"] = "must be an object"
            continue
        raw = {k: v for k, v in raw.items() if k not in VIEW_ONLY_PROFILE_KEYS}
        if not raw.get("id"):
            raw["id"] = slug(raw.get("name") or profiles.new_id())
        if not isinstance(raw["id"], str):
            errors[f"{field}[{i}].id"] = "must be a string"
            continue
        base = stored.get(raw["id"])
        if base is None:
            raw = document_defaults(raw)
        profile, secrets, errs = profiles.normalize(raw, base=copy.deepcopy(base) if base else None)
        if document and "provider_type" in raw and "provider" not in raw and "provider" in errs:
            errs["provider_type"] = errs.pop("provider")  # the entry as the input names it
        if profile["id"] in seen:
            errs["id"] = f"'{profile['id']}' is used twice"
        seen.add(profile["id"])
        errors.update({f"{field}[{i}].{k}": v for k, v in errs.items()})
        before = profiles.normalize({}, base=copy.deepcopy(base))[0] if base else None  # same shape as `profile`
        staged.append((i, profile, {k: v for k, v in secrets.items() if not is_masked(v)}, profile != before))
    if errors:
        raise ValidationFailed(errors)
    for _, profile, secrets, _ in staged:
        if secrets:
            credentials.apply(settings, credentials.credential_id_of(profile), secrets, vault, profile.get("base_url"),
                              profile.get("provider"))
    listed = {p["id"]: p for _, p, _, _ in staged}
    current = profiles.profiles_of(settings)
    if replace:
        current[:] = list(listed.values())
    else:  # upsert: stored ones keep their place, new ones go last
        current[:] = [listed.get(p.get("id"), p) for p in current] + [p for i, p in listed.items() if i not in stored]
    has = lambda profile, name: credentials.has_field(settings, profile, name)  # noqa: E731
    for i, profile, secrets, changed in staged:
        if changed and document and not secrets.get("api_key"):
            _key_from_env(profile, has)
        if changed:
            errors.update({f"{field}[{i}].{k}": v for k, v in profiles.validate(profile, settings, has).items()})
    if errors:
        raise ValidationFailed(errors)
    return list(listed)


def _key_from_env(profile, has):
    """No api_key_ref and no stored key: the key is the standard variable of the provider the model routes to."""
    routed = route_model(profile["provider"], profile.get("model"))[0]
    if profile.get("api_key_ref") or "api_key" not in PROVIDERS[routed]["requires"]:
        return
    if not has(dict(profile, provider=routed) if not profile.get("credential_id") else profile, "api_key"):
        profile["api_key_ref"] = key_env_var(profile["provider"], profile.get("model"))


UNMAPPED_YAML = "game_config_yaml"  # the unmapped keys as YAML text, when aliases would expand them


def import_game_config(settings, doc, vault):
    """Import a role/game config (llm_config, llm_profiles, characters) into settings; nothing unmapped is lost."""
    if isinstance(doc, list):
        doc = {"llm_profiles": doc}
    doc = dict(doc)
    llm_config = doc.pop("llm_config", None) or {}
    if not isinstance(llm_config, dict):
        raise ValidationFailed({"llm_config": "must be a mapping"})
    items = doc.pop("llm_profiles", None) or []
    legacy = not items and any(k != "default_profile_id" for k in llm_config)
    if legacy:
        items = [_default_profile(llm_config)]
    before = len(profiles.profiles_of(settings))
    ids = import_profiles(settings, items, vault, document=True)
    summary = {"profiles": ids, "roles": [], "active_llm_profile": settings.get("active_llm_profile")}
    characters = doc.pop("characters", None)
    if characters is not None:
        known = {p["id"] for p in profiles.profiles_of(settings)}
        imported = normalize_roles(characters, known, field="characters")
        by_id = {r.get("id"): r for r in roles_of(settings)}
        by_id.update((r["id"], r) for r in imported)
        settings["llm_roles"] = list(by_id.values())
        summary["roles"] = [r["id"] for r in imported]
    default_id = llm_config.get("default_profile_id") or ("default" if legacy else None)
    if default_id:
        profiles.find(settings, default_id)  # NotFound names a default that is not among the profiles
        settings["active_llm_profile"] = default_id
    elif not settings.get("active_llm_profile") and ids:
        settings["active_llm_profile"] = ids[0]
    summary["active_llm_profile"] = settings.get("active_llm_profile")
    mapped = ("default_profile_id",) + (("default_model", "model", "temperature", "provider", "provider_type",
                                          "max_tokens", "api_key_ref", "base_url", "top_p", "api_key") if legacy else ())
    # Secrets are only ever stored encrypted, even the ones we keep without mapping them.
    extra = {k: vault.encrypt(v) if k in SECRET_FIELDS and isinstance(v, str) else v
             for k, v in llm_config.items() if k not in mapped}
    if extra or doc:  # keep what we do not map, where the user can find it again
        kept = unmapped_of(settings)
        if extra:
            kept["llm_config"] = {**(kept.get("llm_config") if isinstance(kept.get("llm_config"), dict) else {}),
                                  **extra}
        kept.update(doc)
        keep_unmapped(settings, kept)
    profiles.multi_provider_default(settings, before)
    return summary


def unmapped_of(settings):
    """The imported documents' unmapped keys (a dict): `game_config`, or its aliased YAML form."""
    text = settings.get(UNMAPPED_YAML)
    if isinstance(text, str) and text.strip():
        kept = yaml_safe.load_yaml(text)
        return dict(kept) if isinstance(kept, dict) else {}
    kept = settings.get("game_config")
    return dict(kept) if isinstance(kept, dict) else {}


def keep_unmapped(settings, kept):
    """Store the unmapped keys as a plain mapping (`game_config`), unless YAML aliases repeat parts of them: then
    as YAML text with the aliases kept (`game_config_yaml`), never expanded into the stored configuration (issue 24
    item 8: a 26 kB upload must not become a 40 MB config.json)."""
    text = yaml_safe.compact_dump(kept)
    if len(json.dumps(kept, ensure_ascii=False, default=str)) > 2 * len(text) + 1024:
        settings[UNMAPPED_YAML] = text
        settings.pop("game_config", None)
    else:
        settings["game_config"] = kept
        settings.pop(UNMAPPED_YAML, None)


def _default_profile(llm_config):
    model = llm_config.get("default_model") or llm_config.get("model")
    provider = llm_config.get("provider") or llm_config.get("provider_type") or infer_provider(model)
    profile = {"id": "default", "name": "Default", "provider": provider,
               "model": llm_config.get("default_model") or llm_config.get("model")}
    for key in ("temperature", "max_tokens", "api_key_ref", "base_url", "top_p", "api_key"):
        if key in llm_config:
            profile[key] = llm_config[key]
    return profile
