"""Web UI login in webui-auth.json: username + scrypt password hash, API tokens stored as sha256."""

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
import uuid
from datetime import datetime, timezone

from webui.core.access.passwords import DUMMY_HASH, check_password_hash, hash_password
from webui.core.access.throttle import LoginThrottle  # noqa: F401  (the web layer imports it from here)
from webui.core.storage.fileio import atomic_write_bytes, ensure_private_dir, file_lock, storage_errors
from webui.core.storage.paths import AUTH_FILE
from webui.errors import ConfigCorrupt, NotFound, SharedStateDown, StorageError, ValidationFailed

log = logging.getLogger(__name__)

MIN_PASSWORD, MAX_PASSWORD = 8, 1024
MAX_TOKEN_NAME = 80
TOKEN_PREFIX = "tw_"
SCOPES = ("chat", "read", "admin")   # tokens made before scopes existed are admin
TOUCH_SECONDS = 60           # last_used_at is written at most once a minute per token
CACHE_MAX_AGE = 5.0          # re-read even an unchanged-looking file this often (cross-process safety net)
LOCK_NAME = ".webui-auth.lock"
MAX_ENDED_SESSIONS = 1000   # logged-out session ids kept until their cookies expire


def _now_iso(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _epoch(iso):
    try:
        return datetime.fromisoformat(iso).timestamp()
    except (TypeError, ValueError):
        return 0.0


def _ended_key(session_id):
    """The shared-state key of a logged-out session: a digest, never the id a cookie carries."""
    return "session-ended:" + hashlib.sha256(session_id.encode()).hexdigest()


def _public(token):
    """A token record as shown to anyone: never the hash; a record without a scope is admin."""
    record = {k: v for k, v in token.items() if k != "hash"}
    record["scope"] = record.get("scope") if record.get("scope") in SCOPES else "admin"
    return record


def _check_username(username):
    if not isinstance(username, str) or not 1 <= len(username) <= 64:
        return "Use 1 to 64 characters."
    if ":" in username or any(ord(c) < 32 or ord(c) == 127 for c in username):
        return "No colons or control characters (HTTP Basic cannot carry them)."
    return None


def _check_shape(data):
    """ConfigCorrupt unless `data` looks like the login file."""
    if not (isinstance(data, dict) and isinstance(data.get("username"), str)
            and isinstance(data.get("password_hash"), (str, type(None)))
            and isinstance(data.get("tokens"), list)
            and all(isinstance(t, dict) and isinstance(t.get("hash"), str) for t in data["tokens"])):
        raise ConfigCorrupt(f"{AUTH_FILE} cannot be read; fix it, or delete it and restart to make a new login.")
    return data


def checked_limits(raw):
    """{rpm, tpm, budget_usd, profiles} with only the set ones; ValidationFailed naming each bad field."""
    out, errors = {}, {}
    for name in ("rpm", "tpm"):
        value = raw.get(name)
        if value in (None, ""):
            continue
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 10**9:
            errors[name] = "Use a whole number from 1 to 1,000,000,000 (or leave it empty: no limit)."
        out[name] = value
    budget = raw.get("budget_usd")
    if budget not in (None, ""):
        try:
            out["budget_usd"] = float(budget)
        except (TypeError, ValueError):
            out["budget_usd"] = -1.0
        if not 0 <= out["budget_usd"] <= 10**7 or out["budget_usd"] != out["budget_usd"]:
            errors["budget_usd"] = "Use an amount in USD from 0 to 10,000,000 (or leave it empty: no budget)."
    profiles = raw.get("profiles")
    if isinstance(profiles, str):
        profiles = [p.strip() for p in profiles.split(",") if p.strip()]
    if profiles:
        if not isinstance(profiles, list) or not all(isinstance(p, str) and 0 < len(p) <= 200 for p in profiles) \
                or len(profiles) > 200:
            errors["profiles"] = "Use profile ids separated by commas."
        out["profiles"] = profiles
    if errors:
        raise ValidationFailed(errors)
    return out


class AuthStore:
    """webui-auth.json: 0600, atomic writes under a file lock, parsed copy cached on (inode, mtime, size).

    With `document` (the PostgreSQL store of record) the same JSON lives in a database row instead, shared by
    every instance; the document caches it until another instance's change is announced.
    """

    def __init__(self, config_dir, clock=time.time, shared=None, document=None):
        self._doc = document
        self.config_dir = str(config_dir)
        self.shared = shared if shared is not None and shared.kind != "local" else None  # Redis: logouts seen by all
        self.path = os.path.join(self.config_dir, AUTH_FILE)
        self._lock_path = os.path.join(self.config_dir, LOCK_NAME)
        self._clock = clock
        self._mem = threading.Lock()
        self._cache = None             # (stat key, loaded at (monotonic), data)
        self._touched = {}             # token id -> epoch of our last last_used_at write
        # Correct Basic credentials seen lately, keyed by a keyed hash: spares a 60 ms KDF per script request.
        self._pepper = secrets.token_bytes(32)
        self._verified = {}

    # ---- file access -------------------------------------------------------------------------

    def _read(self):
        """Parse the file now (None when absent); the stat key is taken from the same open file."""
        try:
            with open(self.path, "rb") as handle:
                st = os.fstat(handle.fileno())
                raw = handle.read()
        except FileNotFoundError:
            return None, None
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        return _check_shape(data), (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)

    def _load(self):
        """The parsed file, from memory when its stat has not changed (a Bearer check stays sub-millisecond)."""
        if self._doc is not None:
            data = self._doc.read_raw()[0]
            return _check_shape(data) if data is not None else None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        key = (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)
        cached = self._cache
        if cached and cached[0] == key and time.monotonic() - cached[1] < CACHE_MAX_AGE:
            return cached[2]
        data, key = self._read()
        self._cache = (key, time.monotonic(), data) if data is not None else None
        return data

    def _update(self, change):
        """Run change(data or None) -> (new data, result) on a fresh read under the lock, then write atomically."""
        if self._doc is not None:
            return self._doc.replace(lambda data: change(_check_shape(data) if data is not None else None))[2]
        with storage_errors(self.config_dir, AUTH_FILE):  # full or read-only folder: 507 / 503, file unchanged
            ensure_private_dir(self.config_dir)
            with file_lock(self._lock_path):
                data, _key = self._read()
                data, result = change(data)
                if data is not None:
                    atomic_write_bytes(self.path, json.dumps(data, indent=2).encode("utf-8") + b"\n", mode=0o600)
                    self._cache = None  # the next _load re-reads; the write's own stat is the new key
        return result

    # ---- password ----------------------------------------------------------------------------

    def ensure_initialized(self, environ):
        """First run: store WEBUI_USERNAME/WEBUI_PASSWORD, or a random password which is returned once; else None."""
        if (self._doc is not None or os.path.exists(self.path)) and (self._load() or {}).get("password_hash"):
            return None
        username = environ.get("WEBUI_USERNAME") or "admin"
        problem = _check_username(username)
        if problem:
            raise ValidationFailed({"WEBUI_USERNAME": problem})
        given = environ.get("WEBUI_PASSWORD") or None
        if given and len(given) < MIN_PASSWORD:
            log.warning("WEBUI_PASSWORD is shorter than %d characters; consider a longer one.", MIN_PASSWORD)
        password = given or secrets.token_urlsafe(18)

        def change(data):
            if data is not None and data.get("password_hash"):
                return None, None  # another process initialized first
            data = data or {"version": 1, "tokens": []}
            data.update(username=username, password_hash=hash_password(password))
            return data, (None if given else password)

        return self._update(change)

    def username(self):
        """The login name, or None before the first run."""
        data = self._load()
        return data["username"] if data else None

    def verify_password(self, username, password):
        """Constant-time check of both fields; always pays the KDF so a wrong username is not faster."""
        if not isinstance(username, str) or not isinstance(password, str):
            return False
        data = self._load()
        stored_user = data["username"] if data else ""
        stored_hash = (data or {}).get("password_hash") or DUMMY_HASH
        user_ok = hmac.compare_digest(username.encode("utf-8", "surrogatepass"), stored_user.encode("utf-8"))
        memo = hmac.new(self._pepper, username.encode("utf-8", "surrogatepass") + b"\0"
                        + password.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
        with self._mem:
            seen = self._verified.get(memo)
        if seen is not None and user_ok and hmac.compare_digest(seen, stored_hash):
            return True
        ok = check_password_hash(stored_hash, password) and user_ok and stored_hash is not DUMMY_HASH
        if ok:
            with self._mem:
                if len(self._verified) >= 32:
                    self._verified.clear()
                self._verified[memo] = stored_hash
        return ok

    def set_password(self, new, username=None):
        """Change the password (and the username when given); ValidationFailed for a short one."""
        errors = {}
        if not isinstance(new, str) or not MIN_PASSWORD <= len(new) <= MAX_PASSWORD:
            errors["password"] = f"Use at least {MIN_PASSWORD} characters (at most {MAX_PASSWORD})."
        if username is not None and _check_username(username):
            errors["username"] = _check_username(username)
        if errors:
            raise ValidationFailed(errors)
        hashed = hash_password(new)

        def change(data):
            data = data or {"version": 1, "username": "admin", "tokens": []}
            data["password_hash"] = hashed
            if username is not None:
                data["username"] = username
            return data, None

        self._update(change)

    def password_fingerprint(self):
        """A short value that changes with the password (or the session epoch): sessions store it and die with it."""
        data = self._load()
        if not data or not data.get("password_hash"):
            return secrets.token_hex(8)  # matches nothing
        epoch = f"\0{data['session_epoch']}" if data.get("session_epoch") else ""
        return hashlib.sha256(b"webui-session\0" + (data["password_hash"] + epoch).encode()).hexdigest()[:24]

    # ---- login sessions ----------------------------------------------------------------------

    def session_live(self, session_id):
        """False for a missing session id or one that logged out (the cookie alone proves nothing after logout)."""
        ended = (self._load() or {}).get("ended_sessions")
        if not (isinstance(session_id, str) and session_id and session_id not in (ended or {})):
            return False
        if self.shared is None:
            return True
        try:
            return self.shared.get(_ended_key(session_id)) is None
        except SharedStateDown:  # the file's logouts still hold; one made elsewhere is unknown until Redis is back
            return True

    def end_session(self, session_id, lifetime_seconds):
        """Logout: remember the id until its cookie would expire anyway; past MAX_ENDED, end every session."""
        now = self._clock()

        def change(data):
            if data is None or not isinstance(session_id, str) or not session_id:
                return None, None
            ended = {k: v for k, v in (data.get("ended_sessions") or {}).items()
                     if isinstance(v, (int, float)) and v > now}
            ended[session_id] = int(now + lifetime_seconds) + 1
            if len(ended) > MAX_ENDED_SESSIONS:  # bounded file: a new epoch ends all sessions at once
                data["session_epoch"] = int(data.get("session_epoch") or 0) + 1
                ended = {}
            data["ended_sessions"] = ended
            return data, None

        self._update(change)
        if self.shared is not None and isinstance(session_id, str) and session_id:
            try:
                self.shared.put(_ended_key(session_id), "1", lifetime_seconds + 1)
            except SharedStateDown:
                log.warning("Logout kept in the config folder only: Redis (WEBUI_REDIS_URL) is not answering")

    # ---- API tokens --------------------------------------------------------------------------

    def create_token(self, name, scope="admin", creator_scope="admin", limits=None):
        """(record without hash, plaintext): the plaintext exists only in this return value.

        `creator_scope` is the scope of whoever asks: only an admin may create tokens (of any scope).
        `limits`: {rpm, tpm, budget_usd, profiles} (each optional; see token_limit_fields).
        """
        name = name.strip() if isinstance(name, str) else ""
        if not 1 <= len(name) <= MAX_TOKEN_NAME or any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise ValidationFailed({"name": f"Use 1 to {MAX_TOKEN_NAME} printable characters."})
        if scope not in SCOPES:
            raise ValidationFailed({"scope": f"Use one of: {', '.join(SCOPES)}."})
        if creator_scope != "admin":
            raise ValidationFailed({"scope": f"A '{creator_scope}' token cannot create tokens; use an admin login."})
        limits = checked_limits(limits or {})
        plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = {"id": uuid.uuid4().hex, "name": name, "hash": hashlib.sha256(plaintext.encode()).hexdigest(),
                  "created_at": _now_iso(self._clock()), "last_used_at": None, "hint": plaintext[-4:],
                  "scope": scope}
        if limits:
            record["limits"] = limits

        def change(data):
            data = data or {"version": 1, "username": "admin", "password_hash": None, "tokens": []}
            if any(t.get("name", "").casefold() == name.casefold() for t in data["tokens"]):
                raise ValidationFailed({"name": f"A token named '{name}' already exists."})
            data["tokens"].append(record)
            return data, None

        self._update(change)
        return _public(record), plaintext

    def list_tokens(self):
        """Token records (id, name, scope, created_at, last_used_at, hint), oldest first; no hashes."""
        return [_public(t) for t in (self._load() or {}).get("tokens", [])]

    def revoke_token(self, token_id):
        """Delete a token; NotFound for an unknown id."""
        def change(data):
            tokens = (data or {}).get("tokens", [])
            kept = [t for t in tokens if t.get("id") != token_id]
            if len(kept) == len(tokens):
                shown = token_id if isinstance(token_id, str) and token_id.isalnum() and len(token_id) <= 40 else "?"
                raise NotFound(f"No API token with id '{shown}'.")  # never echo something that may be a secret
            data["tokens"] = kept
            return data, None

        self._update(change)
        with self._mem:
            self._touched.pop(token_id, None)

    def verify_token(self, plaintext):
        """The token's public record when `plaintext` is a live token, else None."""
        if not isinstance(plaintext, str) or not plaintext:
            return None
        digest = hashlib.sha256(plaintext.encode("utf-8", "surrogatepass")).hexdigest()
        found = None
        for token in (self._load() or {}).get("tokens", []):
            # Every stored hash is compared, so timing does not say which one (or whether any) matched.
            if hmac.compare_digest(token["hash"], digest) and found is None:
                found = token
        if found is None:
            return None
        record = _public(found)
        record["last_used_at"] = self._touch(found) or record.get("last_used_at")
        return record

    def _touch(self, token):
        """Record last_used_at at most once a minute per token (no file write per request); the new stamp or None."""
        now = self._clock()
        with self._mem:
            last = self._touched.get(token["id"], _epoch(token.get("last_used_at")))
            if now - last < TOUCH_SECONDS:
                return None
            self._touched[token["id"]] = now
        stamp = _now_iso(now)

        def change(data):
            for t in (data or {}).get("tokens", []):
                if t.get("id") == token["id"]:
                    t["last_used_at"] = stamp
                    return data, None
            return None, None  # revoked meanwhile: nothing to write

        try:
            self._update(change)
        except (OSError, ConfigCorrupt, StorageError) as exc:  # bookkeeping must never fail a request
            log.warning("Could not record API token use: %s", getattr(exc, "strerror", None) or type(exc).__name__)
            return None
        return stamp

