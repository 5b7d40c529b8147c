"""Secrets behind two functions: encrypt/decrypt with Fernet, plus masking and key rotation."""

import os
import time

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from webui.core.storage import paths
from webui.core.storage.fileio import atomic_write_bytes, ensure_private_dir
from webui.errors import SecretKeyUnusable, SecretUnreadable

# Public provider prefixes a hint may show: they identify the kind of key, not the key.
KNOWN_PREFIXES = ("sk-or-v1-", "sk-or-", "sk-ant-", "sk-proj-", "sk-", "AIza", "gsk_", "tw_")
PENDING_KEY_FILE = "webui.key.pending"


def _fernet(key, source):
    try:
        return Fernet(key.strip().encode() if isinstance(key, str) else key.strip())
    except (ValueError, TypeError):
        raise SecretKeyUnusable(f"{source} is not a valid Fernet key (urlsafe base64 of 32 bytes)") from None


def is_secret_obj(value):
    """True for a stored secret: {"enc": token}."""
    return isinstance(value, dict) and isinstance(value.get("enc"), str)


def mask(plain):
    """{"set": True, "hint": "sk-…a1b2"}: never more than the last 4 characters; short secrets show none."""
    if not plain:
        return {"set": False, "hint": None}
    if len(plain) < 12:
        return {"set": True, "hint": "…"}
    prefix = next((p for p in KNOWN_PREFIXES if plain.startswith(p)), "")
    return {"set": True, "hint": f"{prefix}…{plain[-4:]}"}


class Vault:
    """Fernet encryption with the current key first and older keys for decryption."""

    def __init__(self, current, previous=()):
        self._current = current
        self._multi = MultiFernet([current, *previous])
        self._masks = {}  # token -> masked view: a page lists every profile, most share a few credentials
        # token -> plain text: every provider call opens its key (~0.1 ms, 2 % of a streamed reply's CPU). A
        # token always opens to the same text under this instance's keys, so an entry is never stale: a key
        # changed by another process is a new token. It holds nothing the keys in this object cannot open.
        self._plain = {}

    @classmethod
    def from_env(cls, config_dir, environ=None):
        """Key from WEBUI_SECRET_KEY, else webui.key (made 0600 on first run); *_PREVIOUS decrypts."""
        env = os.environ if environ is None else environ
        previous = [
            _fernet(k, "WEBUI_SECRET_KEY_PREVIOUS")
            for k in env.get("WEBUI_SECRET_KEY_PREVIOUS", "").split(",")
            if k.strip()
        ]
        pending = os.path.join(config_dir, PENDING_KEY_FILE)
        if os.path.exists(pending):  # a rotation was interrupted: its new key may already be in use
            previous.append(_fernet(_read(pending), pending))
        if env.get("WEBUI_SECRET_KEY", "").strip():
            return cls(_fernet(env["WEBUI_SECRET_KEY"], "WEBUI_SECRET_KEY"), previous)
        return cls(_fernet(load_or_create_key_file(config_dir), os.path.join(config_dir, paths.KEY_FILE)), previous)

    def derive(self, label):
        """A stable secret for another purpose (e.g. signing cookies), derived from the current key."""
        import hashlib
        import hmac

        return hmac.new(self._current._signing_key, label.encode(), hashlib.sha256).digest()

    def encrypt(self, plain):
        """Plain text to the stored form {"enc": token}."""
        return {"enc": self._current.encrypt(plain.encode("utf-8")).decode("ascii")}

    def decrypt(self, stored):
        """Stored {"enc": token} to plain text; SecretUnreadable when no key we hold opens it."""
        if not is_secret_obj(stored):
            raise SecretUnreadable("The stored secret is malformed; enter it again.")
        token = stored["enc"]
        plain = self._plain.get(token)
        if plain is not None:
            return plain
        try:
            plain = self._multi.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError, ValueError):
            raise SecretUnreadable(
                "The stored secret cannot be decrypted with the current key (key lost or replaced); enter it again."
            ) from None
        if len(self._plain) >= 512:
            self._plain.clear()
        self._plain[token] = plain
        return plain

    def seal(self, text):
        """Text a page hands back to us later (an import awaiting its confirmation): only this server opens it."""
        return self._current.encrypt(text.encode("utf-8")).decode("ascii")

    def unseal(self, token, ttl):
        """The text of seal(); SecretUnreadable when no key we hold opens it or it is older than `ttl` seconds."""
        try:
            return self._multi.decrypt(str(token).encode("ascii"), ttl=ttl).decode("utf-8")
        except (InvalidToken, UnicodeError, ValueError):
            raise SecretUnreadable("This preview has expired or was not made by this server: choose the file "
                                   "again.") from None

    def rotate(self, stored):
        """Re-encrypt a stored secret under the current key."""
        return {"enc": self._multi.rotate(stored["enc"].encode("ascii")).decode("ascii")}

    def masked(self, stored):
        """The masked view of a stored secret, with needs_reentry when it cannot be opened."""
        if stored is None:
            return {"set": False, "hint": None}
        token = stored.get("enc") if is_secret_obj(stored) else None
        view = self._masks.get(token) if token else None
        if view is None:
            # A decrypt costs ~0.1 ms; at 500 profiles the page spent 20% of its time re-opening the same
            # few tokens. The memo holds only hints (never plaintext); this instance's keys never change.
            try:
                view = mask(self.decrypt(stored))
            except SecretUnreadable:
                view = {"set": True, "hint": None, "needs_reentry": True}
            if token:
                if len(self._masks) >= 512:
                    self._masks.clear()
                self._masks[token] = view
        return dict(view)


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def load_or_create_key_file(config_dir):
    """Read webui.key, creating it (0600, exclusively, so two processes agree) on first run."""
    ensure_private_dir(config_dir)
    path = os.path.join(config_dir, paths.KEY_FILE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(40):  # another process may be between creating and filling it
            key = _read(path)
            if key.strip():
                return key
            time.sleep(0.025)
        raise SecretKeyUnusable(f"{path} is empty; restore it from backups/ or remove it (stored secrets then need re-entry)")
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key())
        handle.flush()
        os.fsync(handle.fileno())
    return _read(path)


def write_key_file(config_dir, key, name=paths.KEY_FILE):
    """Atomically write a key file with mode 0600."""
    ensure_private_dir(config_dir)
    atomic_write_bytes(os.path.join(config_dir, name), key, 0o600)
