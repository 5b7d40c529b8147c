"""JSON documents in PostgreSQL (the configuration, the login file): revisioned, locked per write, cached per revision."""

import json
import os
import threading

from webui.core.storage import paths
from webui.core.storage.fileio import atomic_write_bytes
from webui.core.storage.store import Snapshot, dump, load_template, revision_of
from webui.errors import ConfigCorrupt, Conflict

CHANNEL = "webui_documents"  # NOTIFY payload: "<name> <revision>"


class PgDocument:
    """One row of `documents`: read() from memory while the change listener is live, replace() under a row lock."""

    def __init__(self, db, name, listener=None, serialize=dump):
        self.db = db
        self.name = name
        self.serialize = serialize
        self.listener = listener
        self._cache = None  # (data, revision) of the last read or write; dropped on a NOTIFY or a lost listener
        self._generation = 0  # counts drops: a read that raced with one does not put its older copy back
        self._lock = threading.Lock()
        self.on_new_revision = []  # callbacks(Snapshot) after a change is seen (ours or another instance's)
        if listener is not None:
            listener.subscribe(name, self.forget)

    def forget(self, revision=None):
        """Drop the cached copy unless it already is `revision` (called by the listener)."""
        with self._lock:
            if revision is None or not self._cache or self._cache[1] != revision:
                self._cache = None
                self._generation += 1
        if revision is not None:
            for callback in self.on_new_revision:
                callback(None)

    def read_raw(self):
        """(parsed data or None, revision or None), from memory when nothing changed since."""
        live = self.listener is not None and self.listener.live
        with self._lock:
            if live and self._cache is not None:
                return self._cache
            generation = self._generation
        with self.db.connection() as conn:
            row = conn.execute("SELECT body, revision FROM documents WHERE name = %s", (self.name,)).fetchone()
        found = (self._parse(row[0]), row[1]) if row else (None, None)
        if live:
            with self._lock:
                if generation == self._generation:
                    self._cache = found
        return found

    def replace(self, change, expected_revision=None):
        """change(data or None) -> (new data or None to keep it, result), under the row lock; returns
        (data, revision, result). A stale expected_revision raises Conflict, whichever instance wrote first."""
        with self._lock:
            generation = self._generation
        with self.db.transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ("webui-document:" + self.name,))
            cur.execute("SELECT body, revision FROM documents WHERE name = %s FOR UPDATE", (self.name,))
            row = cur.fetchone()
            current = row[1] if row else None
            if expected_revision is not None and expected_revision != current:
                raise Conflict("The configuration changed since you loaded it; reload and try again.",
                               revision=current)
            data, result = change(self._parse(row[0]) if row else None)
            if data is None:
                return (self._parse(row[0]) if row else None), current, result
            raw = self.serialize(data)
            revision = revision_of(raw)
            if revision != current:
                cur.execute("INSERT INTO documents (name, body, revision) VALUES (%s, %s, %s) ON CONFLICT (name) "
                            "DO UPDATE SET body = excluded.body, revision = excluded.revision, updated_at = now()",
                            (self.name, raw.decode("utf-8"), revision))
                cur.execute("SELECT pg_notify(%s, %s)", (CHANNEL, f"{self.name} {revision}"))
        with self._lock:
            fresh = generation == self._generation and self.listener is not None and self.listener.live
            self._cache = (data, revision) if fresh else None
        return data, revision, result

    def _parse(self, body):
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise ConfigCorrupt(f"The PostgreSQL document '{self.name}' is not valid JSON ({exc}).") from None
        if not isinstance(data, dict):
            raise ConfigCorrupt(f"The PostgreSQL document '{self.name}' does not hold a JSON object.")
        return data


class PgConfigStore:
    """The ConfigStore interface (read, update, write, exists, backup) over the `config` document.

    `projection_dir`: a config folder that still gets config.json after every change, for a desktop app
    that reads it (and as a readable copy); None writes no file.
    """

    def __init__(self, document, projection_dir=None):
        self.document = document
        self.config_dir = projection_dir
        self.path = f"the PostgreSQL configuration document ('{document.name}')"
        self._projected = None
        document.on_new_revision.append(lambda _snap: self.project())

    def exists(self):
        """Whether the configuration has been stored."""
        return self.document.read_raw()[1] is not None

    def read(self):
        """The current config as a read-only Snapshot (shared; copy before changing it)."""
        data, revision = self.document.read_raw()
        if data is None:
            return Snapshot(load_template(), None)
        if not isinstance(data.get("settings", {}), dict):
            raise ConfigCorrupt(f"{self.path} does not hold a JSON object with a 'settings' object.")
        data.setdefault("settings", {})
        return Snapshot(data, revision)

    def update(self, change, expected_revision=None):
        """Run change(data) on a fresh copy under the row lock, then store; returns (Snapshot, result)."""

        def run(data):
            data = data if data is not None else load_template()
            data.setdefault("settings", {})
            return data, change(data)

        data, revision, result = self.document.replace(run, expected_revision)
        snap = Snapshot(data, revision)
        self.project(snap)
        return snap, result

    def write(self, data, expected_revision=None):
        """Replace the whole config (validated by the caller); returns the new Snapshot."""
        import copy

        def replace(current):
            current.clear()
            current.update(copy.deepcopy(data))

        return self.update(replace, expected_revision)[0]

    def project(self, snap=None):
        """Write config.json into the projection folder when its revision is not there yet (best effort)."""
        if not self.config_dir:
            return
        try:
            snap = snap or self.read()
            if snap.revision is None or snap.revision == self._projected:
                return
            os.makedirs(self.config_dir, mode=0o700, exist_ok=True)
            atomic_write_bytes(os.path.join(self.config_dir, paths.CONFIG_FILE), dump(snap.data), 0o600)
            self._projected = snap.revision
        except (OSError, ConfigCorrupt):
            import logging

            logging.getLogger("webui.store").warning("config.json projection not written", exc_info=True)

    def backup(self):
        """A copy of the current configuration in the projection folder's backups/ (None without one)."""
        if not self.config_dir or not self.exists():
            return None
        target_dir = os.path.join(self.config_dir, paths.BACKUP_DIR)
        os.makedirs(target_dir, mode=0o700, exist_ok=True)
        import time

        target = os.path.join(target_dir, f"config-{time.time_ns():020d}.json")
        atomic_write_bytes(target, dump(self.read().data), 0o600)
        return target

    def latest_backup(self):
        """Path of the newest backup in the projection folder, or None."""
        folder = os.path.join(self.config_dir or "", paths.BACKUP_DIR)
        try:
            names = sorted(n for n in os.listdir(folder) if n.startswith("config-") and n.endswith(".json"))
        except OSError:
            return None
        return os.path.join(folder, names[-1]) if names else None
