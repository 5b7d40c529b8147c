"""sessions.db (SQLite, WAL): chat sessions, messages with alternatives, per-session character overrides."""

import contextlib
import json
import os
import sqlite3
import threading
import uuid

from webui.core.chat.sessions_edit import NEWEST_FIRST, SUMMARY, SessionEdits, summary
from webui.core.chat.sessions_schema import SCHEMA, SCHEMA_VERSION
from webui.core.chat.sessions_schema import now as _now
from webui.core.storage.fileio import create_private_file, sqlite_connect, storage_errors
from webui.errors import ConfigCorrupt, NotFound, ValidationFailed
from webui.offload import thread_local

MAX_TITLE = 200

_COLUMNS = "id, session_id, position, alt_index, is_current, role_id, is_ai, content, metadata, created_at"


def _message(row):
    """A message row as the dict every caller sees."""
    return {"id": row["id"], "session_id": row["session_id"], "position": row["position"],
            "role_id": row["role_id"], "is_ai": bool(row["is_ai"]), "content": row["content"],
            "metadata": json.loads(row["metadata"]) if row["metadata"] is not None else {},
            "created_at": row["created_at"], "alt_index": row["alt_index"],
            "current_alt_index": row["alt_index"]}


def _metadata_json(metadata):
    if metadata is None:
        return None
    try:
        return json.dumps(metadata, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise ValidationFailed({"metadata": "Must be JSON-serializable."}) from None


class SessionStore(SessionEdits):
    """Thread-safe store: one connection per OS thread (parallel reads in WAL), writes serialized by a lock."""

    def __init__(self, db_path, read_only=False):
        self.db_path = str(db_path)
        self.read_only = read_only  # a read-only config folder: reads only; writes answer StorageUnwritable
        self._local = thread_local()  # per OS thread, not per greenlet: no connection per request
        # SQLite allows one writer; queueing on a Python lock is cheaper than its sleep-and-retry busy handler.
        self._write_lock = threading.Lock()
        self._all = []
        self._all_lock = threading.Lock()
        if read_only:
            return
        create_private_file(self.db_path)
        conn = self._conn()
        conn.execute("PRAGMA journal_mode=WAL")
        with self._write() as db:
            for statement in SCHEMA:
                db.execute(statement)
            row = db.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            elif row[0] > SCHEMA_VERSION:
                raise ConfigCorrupt(f"sessions.db has schema version {row[0]}; this web UI knows {SCHEMA_VERSION}.")

    # ---- connections and transactions --------------------------------------------------------

    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite_connect(self.db_path, self.read_only)  # autocommit: transactions are opened below
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    @contextlib.contextmanager
    def _write(self):
        """One IMMEDIATE transaction: all of it is stored or none of it."""
        conn = self._conn()
        with self._write_lock, storage_errors(os.path.dirname(self.db_path), "sessions.db"):
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield _Tx(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self):
        """Close every connection this store opened (tests, shutdown)."""
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local = thread_local()  # per OS thread, not per greenlet: no connection per request

    def journal_mode(self):
        """'wal' once set up (for status pages and tests)."""
        return self._conn().execute("PRAGMA journal_mode").fetchone()[0]

    # ---- sessions ----------------------------------------------------------------------------

    def create_session(self, title=None):
        """A new empty session: {session_id, title, created_at, updated_at}."""
        if title is not None and (not isinstance(title, str) or len(title) > MAX_TITLE):
            raise ValidationFailed({"title": f"Use text of at most {MAX_TITLE} characters."})
        session_id, now = uuid.uuid4().hex, _now()
        with self._write() as db:
            db.execute("INSERT INTO sessions (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)",
                       (session_id, title, now, now))
        return {"session_id": session_id, "title": title, "created_at": now, "updated_at": now}

    def _session_row(self, conn, session_id):
        row = conn.execute("SELECT id, title, created_at, updated_at FROM sessions WHERE id = ?",
                           (session_id,)).fetchone() if valid_id(session_id) else None
        if row is None:
            raise NotFound(f"No session with id '{session_id}'.", session_id=str(session_id))
        return row

    def get_session(self, session_id):
        """The session with its current message per turn, in order; alternatives listed when a turn has several."""
        conn = self._conn()
        conn.execute("BEGIN")  # one snapshot for both reads
        try:
            row = self._session_row(conn, session_id)
            rows = conn.execute(f"SELECT {_COLUMNS} FROM messages WHERE session_id = ? ORDER BY position, alt_index",
                                (session_id,)).fetchall()
        finally:
            conn.execute("COMMIT")
        turns = {}
        for r in rows:
            turns.setdefault(r["position"], []).append(r)
        messages = []
        for position in sorted(turns):
            group = turns[position]
            current = next((r for r in group if r["is_current"]), group[-1])
            message = _message(current)
            if len(group) > 1:
                message["alternatives"] = [
                    {"id": r["id"], "alt_index": r["alt_index"], "content": r["content"],
                     "metadata": json.loads(r["metadata"]) if r["metadata"] is not None else {},
                     "created_at": r["created_at"], "is_current": r is current} for r in group]
            messages.append(message)
        return {"session_id": row["id"], "title": row["title"], "created_at": row["created_at"],
                "updated_at": row["updated_at"], "messages": messages}

    def list_sessions(self, limit=50):
        """Most recently active first: [{session_id, title, created_at, updated_at, message_count}]."""
        limit = max(1, min(int(limit), 1000))
        rows = self._conn().execute(f"{SUMMARY} FROM sessions s {NEWEST_FIRST}", (limit,)).fetchall()
        return [summary(r) for r in rows]

    def delete_session(self, session_id):
        """Remove a session with its messages and overrides."""
        with self._write() as db:
            self._session_row(db.conn, session_id)
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    # ---- messages ----------------------------------------------------------------------------

    def add_message(self, session_id, role_id, content, is_ai, metadata=None):
        """Append a turn; returns the stored message."""
        return self.add_messages(session_id, [(role_id, content, is_ai, metadata)])[-1]

    def add_messages(self, session_id, turns, cut_after=None):
        """Append several turns [(role_id, content, is_ai, metadata)] in ONE transaction: all or nothing.

        `cut_after` (a position): the turns after it are dropped first, in the same transaction (regenerate from)."""
        rows = []
        for role_id, content, is_ai, metadata in turns:
            if not isinstance(content, str):
                raise ValidationFailed({"content": "Must be text."})
            rows.append((uuid.uuid4().hex, role_id, int(bool(is_ai)), content, _metadata_json(metadata)))
        now = _now()
        with self._write() as db:
            self._session_row(db.conn, session_id)
            if cut_after is not None:
                db.execute("DELETE FROM messages WHERE session_id = ? AND position > ?", (session_id, cut_after))
            position = db.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM messages WHERE session_id = ?",
                                  (session_id,)).fetchone()[0]
            for offset, (message_id, role_id, is_ai, content, meta) in enumerate(rows):
                db.execute(f"INSERT INTO messages ({_COLUMNS}) VALUES (?, ?, ?, 0, 1, ?, ?, ?, ?, ?)",
                           (message_id, session_id, position + offset, role_id, is_ai, content, meta, now))
            db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))
        # what was stored, as _message reads it back (no SELECT per message: a round trip each on PostgreSQL)
        return [_message({"id": message_id, "session_id": session_id, "position": position + offset, "alt_index": 0,
                          "role_id": role_id, "is_ai": is_ai, "content": content, "metadata": meta, "created_at": now})
                for offset, (message_id, role_id, is_ai, content, meta) in enumerate(rows)]

    def add_compared(self, session_id, player, role_id, replies):
        """A comparison in ONE transaction: the player's line (or None), then one turn holding every reply
        [(content, metadata)] as an alternative, the first current; the stored replies."""
        if not all(isinstance(t, str) for t in [c for c, _ in replies] + ([player] if player else [])):
            raise ValidationFailed({"content": "Must be text."})
        rows = [(uuid.uuid4().hex, content, _metadata_json(meta)) for content, meta in replies]
        now = _now()
        with self._write() as db:
            self._session_row(db.conn, session_id)
            position = db.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM messages WHERE session_id = ?",
                                  (session_id,)).fetchone()[0]
            if player:
                db.execute(f"INSERT INTO messages ({_COLUMNS}) VALUES (?, ?, ?, 0, 1, NULL, 0, ?, ?, ?)",
                           (uuid.uuid4().hex, session_id, position, player,
                            _metadata_json({"to_role_id": role_id}), now))
                position += 1
            for alt, (message_id, content, meta) in enumerate(rows):
                db.execute(f"INSERT INTO messages ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                           (message_id, session_id, position, alt, int(alt == 0), role_id, content, meta, now))
            db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))
            return [self._get_message(db.conn, row[0]) for row in rows]

    def _get_message(self, conn, message_id, session_id=None):
        """One stored message; with `session_id`, only one of that session (NotFound says so)."""
        row = None
        if isinstance(message_id, str) and "\x00" not in message_id:
            sql, args = f"SELECT {_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            if session_id is not None:
                sql, args = sql + " AND session_id = ?", args + (session_id,)
            row = conn.execute(sql, args).fetchone()
        if row is None:
            where = f"Session '{session_id}' has no" if session_id is not None else "No"
            raise NotFound(f"{where} message with id '{message_id}'.", message_id=str(message_id))
        return _message(row)

    def history(self, session_id):
        """The current message of every turn, in order (what a prompt is built from)."""
        conn = self._conn()
        self._session_row(conn, session_id)
        return self._current_messages(conn, session_id)

    @staticmethod
    def _current_messages(conn, session_id):
        rows = conn.execute(f"SELECT {_COLUMNS} FROM messages WHERE session_id = ? AND is_current = 1 "
                            "ORDER BY position", (session_id,)).fetchall()
        return [_message(r) for r in rows]

    def history_and_overrides(self, session_id):
        """(history, overrides): what a chat turn needs, with one check that the session exists."""
        conn = self._conn()
        self._session_row(conn, session_id)
        return self._current_messages(conn, session_id), self._overrides(conn, session_id)

    def last_ai_message(self, session_id, role_id=None):
        """The current message of the latest AI turn (of that role when given), or None."""
        conn = self._conn()
        self._session_row(conn, session_id)
        sql = f"SELECT {_COLUMNS} FROM messages WHERE session_id = ? AND is_current = 1 AND is_ai = 1"
        args = [session_id]
        if role_id is not None:
            sql += " AND role_id = ?"
            args.append(role_id)
        row = conn.execute(sql + " ORDER BY position DESC LIMIT 1", args).fetchone()
        return _message(row) if row else None

    def add_alternative(self, message_id, content, metadata=None, cut_after=False):
        """A redraw: a new reply for the same turn becomes current; the earlier ones stay as alternatives.

        `cut_after`: the turns after this one are dropped in the same transaction (regenerate from here)."""
        if not isinstance(content, str):
            raise ValidationFailed({"content": "Must be text."})
        meta, new_id, now = _metadata_json(metadata), uuid.uuid4().hex, _now()
        with self._write() as db:
            old = self._get_message(db.conn, message_id)
            sid, position = old["session_id"], old["position"]
            if cut_after:
                db.execute("DELETE FROM messages WHERE session_id = ? AND position > ?", (sid, position))
            alt = db.execute("SELECT MAX(alt_index) + 1 FROM messages WHERE session_id = ? AND position = ?",
                             (sid, position)).fetchone()[0]
            db.execute("UPDATE messages SET is_current = 0 WHERE session_id = ? AND position = ?", (sid, position))
            db.execute(f"INSERT INTO messages ({_COLUMNS}) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
                       (new_id, sid, position, alt, old["role_id"], int(old["is_ai"]), content, meta, now))
            db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, sid))
            return self._get_message(db.conn, new_id)

    def select_alternative(self, session_id, position, alt_index):
        """Make alternative `alt_index` of turn `position` the current one; returns it."""
        position, alt_index = turn_index(position, "position"), turn_index(alt_index, "alt_index")
        with self._write() as db:
            self._session_row(db.conn, session_id)
            row = db.execute("SELECT id FROM messages WHERE session_id = ? AND position = ? AND alt_index = ?",
                             (session_id, position, alt_index)).fetchone()
            if row is None:
                raise NotFound(f"Session '{session_id}' has no alternative {alt_index} at position {position}.")
            db.execute("UPDATE messages SET is_current = 0 WHERE session_id = ? AND position = ?",
                       (session_id, position))
            db.execute("UPDATE messages SET is_current = 1 WHERE id = ?", (row["id"],))
            db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (_now(), session_id))
            return self._get_message(db.conn, row["id"])

    # ---- character overrides -----------------------------------------------------------------

    def get_overrides(self, session_id):
        """{character_id: profile_id} for the session."""
        conn = self._conn()
        self._session_row(conn, session_id)
        return self._overrides(conn, session_id)

    @staticmethod
    def _overrides(conn, session_id):
        rows = conn.execute("SELECT character_id, profile_id FROM character_overrides WHERE session_id = ? "
                            "ORDER BY character_id", (session_id,)).fetchall()
        return {r["character_id"]: r["profile_id"] for r in rows}

    def set_override(self, session_id, character_id, profile_id):
        """Route `character_id` to `profile_id` in this session (replaces an earlier override)."""
        errors = {k: "Must be a non-empty string." for k, v in (("character_id", character_id),
                                                                 ("profile_id", profile_id))
                  if not isinstance(v, str) or not v}
        if errors:
            raise ValidationFailed(errors)
        with self._write() as db:
            self._session_row(db.conn, session_id)
            db.execute("INSERT INTO character_overrides (session_id, character_id, profile_id, updated_at) "
                       "VALUES (?, ?, ?, ?) ON CONFLICT (session_id, character_id) DO UPDATE SET "
                       "profile_id = excluded.profile_id, updated_at = excluded.updated_at",
                       (session_id, character_id, profile_id, _now()))

    def delete_override(self, session_id, character_id):
        """Back to the role's own profile; NotFound when there was no override."""
        with self._write() as db:
            self._session_row(db.conn, session_id)
            gone = db.execute("DELETE FROM character_overrides WHERE session_id = ? AND character_id = ?",
                              (session_id, character_id)).rowcount
            if not gone:
                raise NotFound(f"Session '{session_id}' has no profile override for character '{character_id}'.")

    # ---- stored Responses (the Responses face) -------------------------------------------------------------
    # The narrow interface another backend implements: save_response, load_response, delete_response.

    def save_response(self, response_id, response, conversation):
        """Store a Response object and the chat messages of its conversation (replaces an earlier save)."""
        with self._write() as db:
            db.execute("INSERT INTO responses (id, created_at, response, conversation) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (id) DO UPDATE SET response = excluded.response, "
                       "conversation = excluded.conversation",
                       (response_id, _now(), _metadata_json(response), _metadata_json(conversation)))

    def load_response(self, response_id):
        """(response, conversation) of a stored Response; NotFound names the id."""
        row = self._conn().execute("SELECT response, conversation FROM responses WHERE id = ?",
                                   (response_id,)).fetchone() if isinstance(response_id, str) else None
        if row is None:
            raise NotFound(f"No response with id '{response_id}'.", response_id=str(response_id))
        return json.loads(row["response"]), json.loads(row["conversation"])

    def delete_response(self, response_id):
        """Forget a stored Response; NotFound when there was none."""
        with self._write() as db:
            gone = db.execute("DELETE FROM responses WHERE id = ?", (response_id,)).rowcount
        if not gone:
            raise NotFound(f"No response with id '{response_id}'.", response_id=str(response_id))


class _Tx:
    """The connection inside a write transaction (keeps call sites short)."""

    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql, args=()):
        return self.conn.execute(sql, args)


def valid_id(value):
    """An id a query can look up on both backends: text without NUL (PostgreSQL refuses it in a parameter)."""
    return isinstance(value, str) and "\x00" not in value


MAX_TURN_INDEX = 2**31 - 1  # positions and alternatives are small counters; SQLite holds at most 2**63 - 1


def turn_index(value, name):
    """A turn position or alternative index: an int in [0, 2**31) (a digit string from a form too); else 400."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TURN_INDEX:
        raise ValidationFailed({name: f"must be a whole number from 0 to {MAX_TURN_INDEX}"})
    return value
