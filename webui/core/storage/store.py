"""ConfigStore: the only writer of config.json (atomic, locked, revisioned, backed up)."""

import copy
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass

from webui.core.storage import paths
from webui.core.storage.fileio import atomic_write_bytes, ensure_private_dir, file_lock, storage_errors
from webui.errors import ConfigCorrupt, Conflict

BACKUPS_KEPT = 10
TEMPLATE_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "config-template.json")


@dataclass
class Snapshot:
    """A parsed config.json and its revision (None while the file does not exist)."""

    data: dict
    revision: str | None


def revision_of(raw):
    """The revision of file bytes: a short content hash, stable across processes."""
    return hashlib.sha256(raw).hexdigest()[:32]


def load_template():
    """A fresh copy of config-template.json (the desktop app's defaults)."""
    with open(TEMPLATE_PATH, "rb") as handle:
        return json.loads(handle.read())


def dump(data):
    """Serialize the config the way it is written to disk: the top levels indented, then one line per entry."""
    return (_pretty(data, PRETTY_DEPTH) + "\n").encode("utf-8")


# json.dumps(indent=...) always runs the pure-Python encoder (5x slower: 7 ms of a 15 ms save at 500
# profiles, see bench/README.md). Indenting only the outer levels keeps the file readable (one profile
# or credential per line) while the C encoder does the bulk of the work.
PRETTY_DEPTH = 3
_encode = json.JSONEncoder(ensure_ascii=False).encode  # reused: json.dumps builds an encoder per call


def _pretty(value, depth, level=0):
    """JSON like indent=2 down to `depth` levels; deeper values compact on one line."""
    if level >= depth or not value or not isinstance(value, (dict, list)):
        return _encode(value)
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, list):
        items = [inner + _pretty(item, depth, level + 1) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if not all(isinstance(key, str) for key in value):  # json.dumps coerces odd keys; let it
        return _encode(value)
    items = [f"{inner}{_encode(key)}: {_pretty(item, depth, level + 1)}" for key, item in value.items()]
    return "{\n" + ",\n".join(items) + "\n" + pad + "}"


class ConfigStore:
    """Reads and writes config.json in one config folder."""

    def __init__(self, config_dir):
        self.config_dir = config_dir
        self.path = os.path.join(config_dir, paths.CONFIG_FILE)
        self.backup_dir = os.path.join(config_dir, paths.BACKUP_DIR)
        self.lock_path = os.path.join(config_dir, paths.LOCK_FILE)
        self._cache = None  # (stat key, Snapshot): reads skip parsing when the file is unchanged
        self._cache_lock = threading.Lock()
        self._swept = False  # stale temp files are swept once per process, on its first write

    def exists(self):
        """Whether config.json is on disk."""
        return os.path.exists(self.path)

    def read(self):
        """The current config as a read-only Snapshot (shared; copy before changing it)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return Snapshot(load_template(), None)
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._cache_lock:
            if self._cache and self._cache[0] == key:
                return self._cache[1]
        snap = self._parse(self._read_bytes())
        with self._cache_lock:
            self._cache = (key, snap)
        return snap

    def update(self, change, expected_revision=None):
        """Run change(data) on a fresh copy under the lock, then write; returns (Snapshot, result).

        A stale expected_revision raises Conflict; nothing is written when change raises. A full or
        read-only folder raises StorageFull / StorageUnwritable and leaves the file as it was.
        """
        with storage_errors(self.config_dir):
            return self._update(change, expected_revision)

    def _update(self, change, expected_revision):
        ensure_private_dir(self.config_dir)
        with file_lock(self.lock_path):
            if not self._swept:
                self._sweep_temp_files()
            raw = self._read_bytes_or_none()
            current = revision_of(raw) if raw is not None else None
            if expected_revision is not None and expected_revision != current:
                raise Conflict(
                    "The configuration changed since you loaded it; reload and try again.",
                    revision=current,
                )
            data = self._parse(raw).data if raw is not None else load_template()
            result = change(data)
            new_raw = dump(data)
            if new_raw != raw:
                if raw is not None:
                    self._backup()
                atomic_write_bytes(self.path, new_raw, 0o600)
            snap = Snapshot(data, revision_of(new_raw))
            self._remember(snap)
            return snap, result

    def _remember(self, snap):
        """Prime the read cache with what was just written (still under the lock, so the stat is ours).

        Saves re-parsing the file on the read that follows every save (1.3 ms at 500 profiles).
        """
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return
        with self._cache_lock:
            self._cache = ((st.st_ino, st.st_mtime_ns, st.st_size), snap)

    def write(self, data, expected_revision=None):
        """Replace the whole config (validated by the caller); returns the new Snapshot."""

        def replace(current):
            current.clear()
            current.update(copy.deepcopy(data))

        return self.update(replace, expected_revision)[0]

    def backup(self):
        """Copy config.json into backups/ now (under the lock); the backup's path, or None without a file."""
        with storage_errors(self.config_dir, "backups/"):
            ensure_private_dir(self.config_dir)
            return self._backup_now()

    def _backup_now(self):
        with file_lock(self.lock_path):
            if not self.exists():
                return None
            self._backup()
            return self.latest_backup()

    def _sweep_temp_files(self):
        """Remove temp files of writers killed mid-write: under the lock no live writer owns one."""
        prefix = "." + paths.CONFIG_FILE + "."
        for name in os.listdir(self.config_dir):
            if name.startswith(prefix) and name.endswith(".tmp"):
                try:
                    os.unlink(os.path.join(self.config_dir, name))
                except FileNotFoundError:
                    pass
        self._swept = True

    def latest_backup(self):
        """Path of the newest backup, or None."""
        names = self._backup_names()
        return os.path.join(self.backup_dir, names[-1]) if names else None

    def _read_bytes(self):
        try:
            with open(self.path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise ConfigCorrupt(self._corrupt_message(f"cannot be read ({exc.strerror})")) from None

    def _read_bytes_or_none(self):
        if not os.path.exists(self.path):
            return None
        return self._read_bytes()

    def _parse(self, raw):
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigCorrupt(self._corrupt_message(f"is not valid JSON ({exc})")) from None
        if not isinstance(data, dict) or not isinstance(data.get("settings", {}), dict):
            raise ConfigCorrupt(self._corrupt_message("does not hold a JSON object with a 'settings' object"))
        data.setdefault("settings", {})
        return Snapshot(data, revision_of(raw))

    def _corrupt_message(self, problem):
        backup = self.latest_backup()
        advice = f"Restore the newest backup: {backup}" if backup else "No backup exists yet; fix the file by hand"
        return f"{self.path} {problem}. It was not changed. {advice}."

    def _backup_names(self):
        try:
            return sorted(n for n in os.listdir(self.backup_dir) if n.startswith("config-") and n.endswith(".json"))
        except FileNotFoundError:
            return []

    def _backup(self):
        """Keep the version about to be replaced; a hard link costs no copy and no extra fsync."""
        ensure_private_dir(self.backup_dir)
        target = os.path.join(self.backup_dir, f"config-{time.time_ns():020d}.json")
        try:
            os.link(self.path, target)
        except OSError:
            with open(self.path, "rb") as handle:
                atomic_write_bytes(target, handle.read(), 0o600)
        for name in self._backup_names()[:-BACKUPS_KEPT]:
            try:
                os.unlink(os.path.join(self.backup_dir, name))
            except FileNotFoundError:
                pass
