"""First-run seeding: config.json from config-template.json and the environment (SPEC §7, issue 6)."""

import copy
import json
import math
import os
import sys

from cryptography.fernet import Fernet

from webui.catalog import PROVIDERS, canonical_provider
from webui.core.config import credentials, desktop_settings, profile_import, profiles
from webui.core.config.desktop_settings import BOOL, LIST, NUMBER
from webui.core.config.service import WEBUI_KEYS, ConfigService
from webui.core.desktop import control as desktop
from webui.core.storage.store import load_template
from webui.errors import SeedError, ValidationFailed, WebUIError

# Providers whose key has no legacy desktop field: they become profiles only.
EXTRA_KEY_ENV = {pid: spec["env_var"] for pid, spec in PROVIDERS.items()
                 if spec["env_var"] and not (spec["projection"] or {}).get("key")}
PROFILES_ENV, PROFILES_FILE_ENV = "TRIPLO_LLM_PROFILES", "TRIPLO_LLM_PROFILES_FILE"
# Profile fields an env-made profile takes from a variable: named in error messages.
FIELD_SOURCES = {"model": "TRIPLO_OPENAI_MODEL", "temperature": "TRIPLO_TEMPERATURE",
                 "presence_penalty": "TRIPLO_PRESENCE_PENALTY", "url": "TRIPLO_OLLAMA_URL"}
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


class _AlreadySeeded(Exception):
    """config.json appeared while we waited for the lock (another container started first)."""


def _convert(setting, raw):
    """The typed value of one variable, or SeedError naming it (non-secret kinds only echo the value)."""
    # Text kinds are taken verbatim, as the original init script did: the desktop app reads them as is.
    if setting.kind in desktop_settings.TEXT_KINDS:
        return raw
    text = raw.strip()
    if setting.kind == BOOL:
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise SeedError({setting.env: f"must be true/false, 1/0 or yes/no, got {text!r}"})
    if setting.kind == NUMBER:
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise SeedError({setting.env: f"must be a number, got {text!r}"})
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if setting.kind == LIST:
        return [item.strip() for item in raw.split(",") if item.strip()]
    if not profiles.URL_RE.match(text):  # not echoed: a URL may carry user:password
        raise SeedError({setting.env: "must be an http:// or https:// URL"})
    return text.rstrip("/")


def read_env(environ):
    """{desktop_settings.Setting: typed value} for every variable that is set and not empty; all problems at once."""
    values, problems = {}, {}
    for setting in desktop_settings.SETTINGS:
        raw = environ.get(setting.env)
        if raw is None or not raw.strip():
            continue
        try:
            values[setting] = _convert(setting, raw)
        except SeedError as exc:
            problems.update(exc.problems)
    if problems:
        raise SeedError(problems)
    return values


def read_documents(environ):
    """The profile documents of TRIPLO_LLM_PROFILES (JSON) and TRIPLO_LLM_PROFILES_FILE (JSON or YAML)."""
    docs = []
    text = environ.get(PROFILES_ENV, "")
    if text.strip():
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SeedError({PROFILES_ENV: f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"})
        if not isinstance(doc, (list, dict)):
            raise SeedError({PROFILES_ENV: "must be a JSON list of profiles or a game-config object"})
        docs.append((PROFILES_ENV, doc))
    path = environ.get(PROFILES_FILE_ENV, "").strip()
    if path:
        try:
            with open(os.path.expanduser(path), encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise SeedError({PROFILES_FILE_ENV: f"cannot read {path} ({getattr(exc, 'strerror', None) or exc})"})
        try:
            docs.append((PROFILES_FILE_ENV, profile_import.parse_document(text, what=path)))
        except ValidationFailed as exc:
            raise SeedError({PROFILES_FILE_ENV: "; ".join(f"{k} {v}" for k, v in exc.fields.items())}) from None
    return docs


def build(svc, environ, values, docs, notes=None):
    """The whole seeded config (secrets encrypted with svc.vault), validated and projected; SeedError if bad."""
    notes = [] if notes is None else notes
    data = load_template()
    settings = data["settings"]
    for key in WEBUI_KEYS:  # made fresh below, by the same migration a legacy config goes through
        settings.pop(key, None)
    for setting, value in values.items():
        (data if setting.top else settings)[setting.key] = value
    source_raw = environ.get("TRIPLO_AI_SOURCE", "").strip()
    source = canonical_provider(source_raw) if source_raw else None
    if source and desktop.PROJECTION[source]:
        settings["ai_source"] = desktop.PROJECTION[source]["ai_source"]  # the desktop app's spelling
    extra = {p: environ.get(var, "") for p, var in EXTRA_KEY_ENV.items()}
    ollama = settings.get("enable_ollama") is True or bool(environ.get("TRIPLO_OLLAMA_URL", "").strip())
    profile_import.migrate_legacy(settings, svc.vault, extra_keys=extra, with_ollama=ollama)
    env_made = {p["id"] for p in profiles.profiles_of(settings)}
    explicit = None  # (where, profile id) when the user named the active profile
    for where, doc in docs:
        try:
            summary = profile_import.import_game_config(settings, copy.deepcopy(doc), svc.vault)
        except WebUIError as exc:
            raise SeedError({where: _describe(exc)}) from None
        if _names_default(doc):
            explicit = (where, summary["active_llm_profile"])
    if explicit is None and source_raw:
        explicit = ("TRIPLO_AI_SOURCE", _profile_for(settings, source))
    _choose_active(settings, explicit, source_raw, notes)
    settings["multi_provider_enabled"] = len(profiles.profiles_of(settings)) >= 2
    _validate_all(svc, settings, env_made)
    try:
        svc.check_and_project(settings)
    except WebUIError as exc:
        raise SeedError({"active profile": _describe(exc)}) from None
    return data


def _names_default(doc):
    """Whether a game config names its default profile (default_profile_id, or a legacy llm_config)."""
    llm_config = doc.get("llm_config") if isinstance(doc, dict) else None
    if not isinstance(llm_config, dict) or not llm_config:
        return False
    return bool(llm_config.get("default_profile_id") or not doc.get("llm_profiles"))


def _profile_for(settings, provider):
    """The id of the profile for a provider: the env-made one (id = provider), else the first of it."""
    items = profiles.profiles_of(settings)
    match = next((p for p in items if p["id"] == provider), None) or \
        next((p for p in items if p["provider"] == provider), None)
    return match["id"] if match else None


def _choose_active(settings, explicit, source_raw, notes):
    """Honour an explicit choice; never pick a profile that cannot drive the desktop app on our own."""
    items = profiles.profiles_of(settings)
    by_id = {p["id"]: p for p in items}
    if explicit and explicit[1] in by_id:
        where, pid = explicit
        if not PROVIDERS[by_id[pid]["provider"]]["desktop"]:
            raise SeedError({where: f"names profile '{pid}' ({PROVIDERS[by_id[pid]['provider']]['label']}), which "
                                    "cannot drive the Triplo desktop app; name a desktop-capable profile "
                                    "(the profile is still usable for roles and chat)"})
        settings["active_llm_profile"] = pid
        return
    if explicit and explicit[0] == "TRIPLO_AI_SOURCE" and canonical_provider(source_raw) is None and items:
        raise SeedError({"TRIPLO_AI_SOURCE": f"unknown provider {source_raw!r}; use one of {', '.join(PROVIDERS)}"})
    active = by_id.get(settings.get("active_llm_profile"))
    if active is None or not PROVIDERS[active["provider"]]["desktop"]:
        capable = [p["id"] for p in items if PROVIDERS[p["provider"]]["desktop"]]
        settings["active_llm_profile"] = capable[0] if capable else (active or {}).get("id")
    if explicit and items:
        notes.append(f"TRIPLO_AI_SOURCE={source_raw!r} has no profile (is its key set?); "
                     f"active profile: '{settings['active_llm_profile']}'")


def _validate_all(svc, settings, env_made):
    """Every seeded profile must be valid, not only the active one: a broken one would surprise later."""
    problems = {}
    for profile in profiles.profiles_of(settings):
        errors = profiles.validate(profile, settings, svc.has_credential(settings))
        ref = profile.get("api_key_ref")
        if ref and "api_key_ref" not in errors and not credentials.key_ref_allowed(ref, svc.environ):
            errors["api_key_ref"] = credentials.key_ref_message(ref)
        for field, message in errors.items():
            hint = f" (from {FIELD_SOURCES[field]})" if profile["id"] in env_made and field in FIELD_SOURCES else ""
            problems[f"profile '{profile['id']}' {field}"] = message + hint
    if problems:
        raise SeedError(problems)


def _describe(exc):
    """A WebUIError as one line: its message plus the field messages."""
    fields = exc.details.get("fields") or {}
    return exc.message + "".join(f"; {k}: {v}" for k, v in fields.items())


def _summary(settings):
    items = profiles.profiles_of(settings)
    active = next((p for p in items if p["id"] == settings.get("active_llm_profile")), None)
    made = ", ".join(p["name"] for p in items) or "none (no provider key in the environment)"
    where = f"{active['name']} ({active['provider']}, {active['model']})" if active else "none"
    return f"{len(items)} profile(s): {made}; active: {where}"


def seed(config_dir, environ, force=False, out=None, err=None):
    """Build config.json from the environment unless it exists (or force): exit 0 done/skipped, 2 bad input, 1 I/O."""
    out, err = out or sys.stdout, err or sys.stderr
    path = os.path.join(config_dir, "config.json")
    if os.path.exists(path) and not force:
        print(f"Seeding skipped: {path} already exists (use --force to rebuild it; the old file is backed up).",
              file=out)
        return 0
    try:
        values, docs = read_env(environ), read_documents(environ)
        # A dry run under a throwaway key: every check runs before anything (even webui.key) is written.
        dry_env = dict(environ, WEBUI_SECRET_KEY=Fernet.generate_key().decode())
        notes = []
        build(ConfigService(config_dir, dry_env), environ, values, docs, notes)
    except SeedError as exc:
        for where, problem in exc.problems.items():
            print(f"Seeding failed, nothing written: {where}: {problem}", file=err)
        return 2
    except WebUIError as exc:
        print(f"Seeding failed, nothing written: {exc.message}", file=err)
        return 2
    for note in notes:
        print(f"Note: {note}", file=err)
    return _write(config_dir, environ, values, docs, force, out, err)


def _write(config_dir, environ, values, docs, force, out, err):
    """The real build with the real key, written once through the store (which backs the old file up)."""
    try:
        svc = ConfigService(config_dir, environ)
        data = build(svc, environ, values, docs)
        before = svc.store.read().revision if force else None

        def replace(current):
            if not force and svc.store.exists():
                raise _AlreadySeeded()
            current.clear()
            current.update(data)

        snap, _ = svc.store.update(replace)
    except _AlreadySeeded:
        print(f"Seeding skipped: {svc.store.path} was created meanwhile by another process.", file=out)
        return 0
    except SeedError as exc:
        print(f"Seeding failed, nothing written: {exc}", file=err)
        return 2
    except WebUIError as exc:
        print(f"Seeding failed, nothing written: {exc.message}", file=err)
        return 1
    note = ""
    if force and before is not None:
        if snap.revision == before:  # nothing to write, but --force promises a backup all the same
            svc.store.backup()
        note = f" (previous file backed up to {svc.store.latest_backup()})"
    print(f"Seeded {svc.store.path}{note}: {_summary(data['settings'])}.", file=out)
    return 0
