"""`python -m webui rotate-key`: re-encrypt every stored secret under a new key, crash-safe at every step."""

import os
import sys
import time

from cryptography.fernet import Fernet

from webui.core.storage import paths
from webui.core.storage.fileio import atomic_write_bytes, ensure_private_dir, fsync_dir
from webui.core.storage.store import ConfigStore
from webui.core.storage.vault import PENDING_KEY_FILE, Vault, is_secret_obj, write_key_file
from webui.errors import SecretUnreadable, WebUIError


def walk_secrets(value, where):
    """Yield (container, key, path) for every {"enc": …} nested anywhere in value."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        path = f"{where}.{key}" if isinstance(value, dict) else f"{where}[{key}]"
        if is_secret_obj(item):
            yield value, key, path
        else:
            yield from walk_secrets(item, path)


def reencrypt(settings, openers, target):
    """Re-encrypt settings.provider_credentials in place: (count re-encrypted, paths that need re-entry)."""
    done, unreadable = 0, []
    for container, key, path in list(walk_secrets(settings.get("provider_credentials") or {}, "")):
        plain = _open(container[key], openers)
        if plain is None:
            unreadable.append(path.lstrip("."))  # left as it is: a backed-up old key may still open it
            continue
        container[key] = target.encrypt(plain)
        done += 1
    return done, unreadable


def _open(stored, openers):
    for vault in openers:
        try:
            return vault.decrypt(stored)
        except SecretUnreadable:
            continue
    return None


def _rewrite(store, openers, target):
    """One locked read-modify-write of config.json; (count, unreadable)."""
    if not store.exists():
        return 0, []
    _, result = store.update(lambda data: reencrypt(data.setdefault("settings", {}), openers, target))
    return result


def _report(out, done, unreadable, tail):
    print(f"Re-encrypted {done} stored secret(s){tail}", file=out)
    for path in unreadable:
        print(f"Needs re-entry (no known key opens it): {path}", file=out)


def rotate_key(config_dir, environ, out=None):
    """Rotate the vault key (file mode) or re-encrypt under WEBUI_SECRET_KEY (env mode); the exit code."""
    out = out or sys.stdout
    store = ConfigStore(config_dir)
    try:
        store.read()  # a corrupt config stops us before any key file is touched
        if (environ.get("WEBUI_SECRET_KEY") or "").strip():
            return _rotate_env(config_dir, environ, store, out)
        return _rotate_file(config_dir, environ, store, out)
    except WebUIError as exc:
        print(f"rotate-key failed: {exc.message}", file=sys.stderr)
        return 2 if exc.code == "bad_secret_key" else 1


def _rotate_env(config_dir, environ, store, out):
    """The key lives in the environment: re-encrypt with it; the old ones come from *_PREVIOUS (and webui.key)."""
    vault = Vault.from_env(config_dir, environ)
    openers = [vault]
    key_path = os.path.join(config_dir, paths.KEY_FILE)
    if os.path.exists(key_path):  # moving from the key file to WEBUI_SECRET_KEY: the file still opens old secrets
        with open(key_path, "rb") as handle:
            try:
                openers.append(Vault(Fernet(handle.read().strip())))
            except ValueError:
                pass  # not a key: it opens nothing, and the secrets it cannot open are reported below
    done, unreadable = _rewrite(store, openers, vault)
    _report(out, done, unreadable, " with WEBUI_SECRET_KEY (old keys read from WEBUI_SECRET_KEY_PREVIOUS). "
            "Once the web UI runs with it, WEBUI_SECRET_KEY_PREVIOUS can be dropped.")
    return 0


def _rotate_file(config_dir, environ, store, out):
    """New key to webui.key.pending, re-encrypt, old key to backups/, pending renamed over webui.key."""
    old_vault = Vault.from_env(config_dir, environ)  # webui.key (made if missing), *_PREVIOUS, any pending key
    pending = os.path.join(config_dir, PENDING_KEY_FILE)
    resumed = os.path.exists(pending)
    if resumed:  # an interrupted rotation: secrets may already use this key, so it must stay the new one
        with open(pending, "rb") as handle:
            new_key = handle.read().strip()
    else:
        new_key = Fernet.generate_key()
        write_key_file(config_dir, new_key, name=PENDING_KEY_FILE)
    done, unreadable = _rewrite(store, [old_vault], Vault(Fernet(new_key)))
    key_path = os.path.join(config_dir, paths.KEY_FILE)
    backup_dir = os.path.join(config_dir, paths.BACKUP_DIR)
    ensure_private_dir(backup_dir)
    saved = os.path.join(backup_dir, f"webui.key.{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{time.time_ns() % 10**9:09d}")
    with open(key_path, "rb") as handle:
        atomic_write_bytes(saved, handle.read(), 0o600)
    os.replace(pending, key_path)  # the new key becomes current and the pending file goes, in one step
    fsync_dir(config_dir)
    _report(out, done, unreadable, f" with a new key{' (resumed an interrupted rotation)' if resumed else ''}. "
            f"Old key kept in {saved}. Restart the web UI so it loads the new key.")
    return 0
