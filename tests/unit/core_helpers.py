"""Small builders shared by the core unit tests (config folders, vaults, profiles, hostile values)."""

import json
import os

from cryptography.fernet import Fernet

from webui.core.config import profiles
from webui.core.config.service import ConfigService
from webui.core.storage.store import dump, load_template
from webui.core.storage.vault import Vault

# A key a shell heredoc would mangle: quotes, backslashes, unicode, a command substitution.
# No control characters: secrets holding them are refused at save (issue 15 item 4).
HOSTILE_KEY = 'sk-"quo\'te\\back\\\\slash line ünïcødé 🔑 $(rm -rf /) `id` ${HOME}-a1b2'


def new_vault():
    """A vault on a fresh random key (no files)."""
    return Vault(Fernet(Fernet.generate_key()))


def env_with_key(**extra):
    """An environment with WEBUI_SECRET_KEY set, so no key file is made."""
    env = {"WEBUI_SECRET_KEY": Fernet.generate_key().decode()}
    env.update(extra)
    return env


def profile(provider="open_ai", **fields):
    """A normalized profile with sensible values."""
    payload = {"id": fields.pop("id", provider), "name": fields.pop("name", f"{provider} profile"),
               "provider": provider, "model": fields.pop("model", "model-1")}
    payload.update(fields)
    made, _, errors = profiles.normalize(payload)
    assert not errors, errors
    return made


def write_config(config_dir, settings=None, **top):
    """Write config.json directly (a file some earlier program left there); returns its bytes."""
    data = load_template()
    if settings is not None:
        data["settings"] = settings
    data.update(top)
    os.makedirs(config_dir, exist_ok=True)
    raw = dump(data)
    with open(os.path.join(config_dir, "config.json"), "wb") as handle:
        handle.write(raw)
    return raw


def read_config(config_dir):
    """config.json parsed."""
    with open(os.path.join(config_dir, "config.json"), encoding="utf-8") as handle:
        return json.load(handle)


def service(config_dir, environ=None):
    """A ConfigService on config_dir with a fixed env key unless given an environment."""
    return ConfigService(str(config_dir), env_with_key() if environ is None else environ)


def mode(path):
    """Permission bits of a path."""
    return os.stat(path).st_mode & 0o777
