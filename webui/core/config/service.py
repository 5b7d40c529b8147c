"""ConfigService: every configuration use case, shared by the pages, the JSON API and the CLI."""

import copy
import hashlib
import json
import os
import threading

from webui.catalog import LEGACY_KEY_FIELDS, PROVIDERS, server_in_credential
from webui.core.config import credentials, key_binding, profile_import, profiles
from webui.core.config import shape as config_shape
from webui.core.config.view import ConfigView
from webui.core.storage.paths import config_dir as default_config_dir
from webui.core.storage import backend
from webui.core.storage.vault import Vault, is_secret_obj, mask
from webui.errors import ConfigInvalid, DesktopError, MissingCredential, SecretUnreadable, ValidationFailed

# settings keys only the web UI uses; the desktop app never needs a restart when only these change.
WEBUI_KEYS = ("llm_profiles", "active_llm_profile", "multi_provider_enabled", "provider_credentials",
              "llm_roles", "game_config", "game_config_yaml")
OTHER_SECRET_FIELDS = ("license_key", "llm_key")


class ConfigService:
    """The configuration plan: profiles, credentials, activation, over one ConfigStore and Vault."""

    def __init__(self, config_dir=None, environ=None, desktop=None, store=None):
        self.environ = os.environ if environ is None else environ
        self.config_dir = config_dir or default_config_dir(self.environ)
        self.store = store or backend.config_store(self.config_dir, self.environ)  # files or PostgreSQL
        self.vault = Vault.from_env(self.config_dir, self.environ)
        self.desktop = desktop
        self._view_cache = (None, None)
        self._typed_view = None
        self._shape_checked = None  # the revision whose shape was last found sound
        self._view_lock = threading.Lock()

    # ---- reading -------------------------------------------------------------------------
    def snapshot(self):
        """(data, revision) with a legacy config shown as profiles at once (in memory only)."""
        snap = self.store.read()
        data = snap.data
        if snap.revision != self._shape_checked:  # checked once per revision, not on every request
            self._check_shape(data["settings"])
            self._shape_checked = snap.revision
        if profile_import.is_legacy(data["settings"]):
            with self._view_lock:
                cached_rev, cached = self._view_cache
                if cached_rev == snap.revision and cached is not None:
                    return cached, snap.revision
            data = copy.deepcopy(data)
            profile_import.migrate_legacy(data["settings"], self.vault)
            with self._view_lock:
                self._view_cache = (snap.revision, data)
        return data, snap.revision

    def _check_shape(self, settings):
        """ConfigInvalid naming the file and each hand-edited value of the wrong type."""
        found = config_shape.problems(settings)
        if found:
            shown = "; ".join(found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
            raise ConfigInvalid(f"{self.store.path} holds values of the wrong type: {shown}. "
                                "Fix them in the file (it was not changed).", problems=found[:50])

    def view(self):
        """The ConfigView of the current revision, built once per revision."""
        data, revision = self.snapshot()
        cached = self._typed_view
        if cached is not None and cached.revision == revision:
            return cached
        self._typed_view = view = ConfigView.build(data["settings"], revision)
        return view

    def settings(self):
        """The current settings (read-only) and revision."""
        data, revision = self.snapshot()
        return data["settings"], revision

    def has_credential(self, settings):
        """The has_credential callback profiles.validate needs."""
        return lambda profile, field: credentials.has_field(settings, profile, field)

    def active_profile(self, settings):
        """The active profile dict, or None."""
        active = settings.get("active_llm_profile")
        return next((p for p in profiles.profiles_of(settings) if p.get("id") == active), None)

    def profile_view(self, settings, profile):
        """A profile as the API shows it: plus its credential's masked state and active flag."""
        view = dict(profile)
        view["active"] = profile.get("id") == settings.get("active_llm_profile")
        cred = credentials.credentials_of(settings).get(credentials.credential_id_of(profile)) or {}
        view["credential"] = {k: (self.vault.masked(v) if is_secret_obj(v) else v) for k, v in cred.items()}
        return view

    def config_view(self):
        """The whole config with every secret masked, plus active_profile and revision."""
        data, revision = self.snapshot()
        out = copy.deepcopy(data)
        settings = out["settings"]
        for field in (*LEGACY_KEY_FIELDS, *OTHER_SECRET_FIELDS):
            if isinstance(settings.get(field), str):
                settings[field] = mask(settings[field])
        settings["provider_credentials"] = credentials.masked_view(settings, self.vault)
        active = self.active_profile(data["settings"])
        out["active_profile"] = self.profile_view(data["settings"], active) if active else None
        out["revision"] = revision
        return out

    # ---- writing -------------------------------------------------------------------------
    def mutate(self, change, revision=None, restart=True, strict_key=False):
        """Apply change(settings) under the store lock, re-project the active profile, restart if needed.

        `strict_key`: the active profile's key must be readable now (activation); otherwise a key read from an
        unset environment variable only postpones the projection (SPEC §3.3: such a profile may be active).
        Returns (result of change, desktop outcome or None, new revision).
        """
        outcome = {}

        def run(data):
            settings = data.setdefault("settings", {})
            self._check_shape(settings)
            profile_import.migrate_legacy(settings, self.vault)
            key_binding.bind_legacy(settings)  # keys stored before binding: where they were used before this change
            before = _desktop_digest(data)
            keys_before = self._desktop_key_sources(settings)
            refs = _key_refs(settings)
            result = change(settings)
            self._check_new_key_refs(settings, refs)
            self.check_and_project(settings, keys_before, strict_key)
            outcome["changed"] = _desktop_digest(data) != before
            return result

        snap, result = self.store.update(run, expected_revision=revision)
        desktop = None
        if outcome.get("changed") and restart:
            desktop = self.restart()
        return result, desktop, snap.revision

    def restart(self):
        """Restart the desktop app; the truthful outcome (restarted / failed / skipped)."""
        if self.desktop is None:
            return {"result": "skipped", "pid": None, "message": "No desktop app supervisor is configured."}
        return self.desktop.restart()

    def check_and_project(self, settings, keys_before=None, strict_key=True):
        """What every save does to settings: validate the active profile, then project it (SPEC §3.1, §4).

        keys_before (from _desktop_key_sources before the change) lets a save that did not touch an
        unreadable key (webui.key lost) keep the plaintext the desktop app already has; without
        strict_key a key variable that is unset only postpones the projection.
        """
        self._check_active(settings)
        try:
            self._project(settings, keys_before)
        except MissingCredential:
            if strict_key:
                raise  # otherwise the desktop app keeps what it runs until the variable is set and a save projects

    def _check_new_key_refs(self, settings, before):
        """A new or changed api_key_ref must name a provider-key variable (stored ones are refused at call time)."""
        for pid, ref in _key_refs(settings).items():
            if ref and ref != before.get(pid) and not credentials.key_ref_allowed(ref, self.environ):
                raise ValidationFailed({"api_key_ref": credentials.key_ref_message(ref)},
                                       message=f"Profile '{pid}' may not read its key from {ref}")

    def _check_active(self, settings):
        """Saving validates the active profile: an invalid one is never written."""
        active = self.active_profile(settings)
        if settings.get("active_llm_profile") and active is None:
            raise ValidationFailed({"active_llm_profile": f"unknown profile id '{settings['active_llm_profile']}'"})
        if active is not None:
            errors = profiles.validate(active, settings, self.has_credential(settings))
            if errors:
                raise ValidationFailed(errors, message=f"The active profile '{active.get('name')}' is invalid")

    def _project(self, settings, keys_before=None):
        """Write the active profile onto the desktop app's legacy fields (SPEC §4)."""
        from webui.core.desktop import control as desktop

        active = self.active_profile(settings)
        if active is None:
            return
        active = credentials.routed(active)  # `anthropic/claude-…` runs the desktop app as Anthropic
        if not PROVIDERS[active["provider"]]["desktop"]:
            return
        sources, kept = self._desktop_key_sources(settings), keys_before or {}

        def readable(field, read):
            try:
                return read()
            except SecretUnreadable:
                if field not in sources or sources[field] != kept.get(field) or not settings.get(field):
                    raise  # the save chose this key: it must be re-entered first
                return settings[field]  # untouched: the desktop app keeps the key it has

        key = None
        if not server_in_credential(active["provider"]):
            key = readable(PROVIDERS[active["provider"]]["projection"]["key"],
                           lambda: credentials.resolve_key(settings, active, self.vault, self.environ))
        openai_key = None
        if settings.get("voice") and credentials.has_field(settings, {"provider": "open_ai"}, "api_key"):
            openai_key = readable("openai_key",
                                  lambda: credentials.plaintext(settings, "open_ai", "api_key", self.vault))
        projected = dict(active)
        if server_in_credential(active["provider"]):
            cred = credentials.credentials_of(settings).get(credentials.credential_id_of(active)) or {}
            projected["base_url"] = active.get("base_url") or cred.get("url")
            projected.setdefault("models", cred.get("models") or [])
        desktop.project(settings, projected, key, openai_key)


    def _desktop_key_sources(self, settings):
        """Which stored secret feeds each legacy key field of the desktop app: {field: (credential id, stored)}."""
        creds = settings.get("provider_credentials")
        creds = creds if isinstance(creds, dict) else {}

        def stored(cid):
            cred = creds.get(cid)
            return cid, json.dumps(cred.get("api_key") if isinstance(cred, dict) else None, sort_keys=True)

        active = self.active_profile(settings)
        sources = {}
        projection = PROVIDERS.get((active or {}).get("provider"), {}).get("projection")
        if projection and projection.get("key") and not active.get("api_key_ref"):
            sources[projection["key"]] = stored(credentials.credential_id_of(active))
        if settings.get("voice"):
            sources.setdefault("openai_key", stored("open_ai"))
        return sources


def _key_refs(settings):
    """{profile id: api_key_ref} of every well-formed profile."""
    items = settings.get("llm_profiles")
    return {p.get("id"): p.get("api_key_ref") for p in items if isinstance(p, dict)} if isinstance(items, list) else {}


def _desktop_digest(data):
    """A hash of what the desktop app reads (everything but the web UI's own keys)."""
    visible = dict(data)
    visible["settings"] = {k: v for k, v in data.get("settings", {}).items() if k not in WEBUI_KEYS}
    return hashlib.sha256(json.dumps(visible, sort_keys=True, default=str).encode()).hexdigest()


def require_desktop_capable(profile):
    """Gemini cannot drive the desktop app: a clear error, nothing changed."""
    if not PROVIDERS[profile["provider"]]["desktop"]:
        raise DesktopError(
            f"{PROVIDERS[profile['provider']]['label']} profiles cannot drive the Triplo desktop app; "
            "the profile stays usable for roles and chat."
        )
