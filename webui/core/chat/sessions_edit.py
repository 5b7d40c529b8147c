"""The session store's editing queries (rename, search, edit and delete a message), shared by both backends."""

import json
import sqlite3

from webui.core.chat.sessions_schema import now
from webui.errors import NotFound, ValidationFailed

SNIPPET = 60  # characters shown each side of a search hit
SUMMARY = ("SELECT s.id, s.title, s.created_at, s.updated_at, "
           "(SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id AND m.is_current = 1) AS n")
NEWEST_FIRST = "ORDER BY s.updated_at DESC, s.rowid DESC LIMIT ?"


def _fold(text):
    """Case-folding for search, the same on both backends (SQLite's own LOWER() folds ASCII only)."""
    return text.lower() if isinstance(text, str) else text


def like_pattern(query):
    """`query` as a LIKE pattern matching it anywhere, its own % _ and \\ taken literally."""
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def snippet(text, query):
    """The text around the first hit of `query` (case-insensitive), with … where it was cut; None without a hit."""
    if not text:
        return None
    folded = text.lower()
    at = folded.find(query.lower()) if len(folded) == len(text) else 0  # a rare fold that changes length: start
    if at < 0:
        return None
    start, end = max(0, at - SNIPPET), min(len(text), at + len(query) + SNIPPET)
    return ("…" if start else "") + " ".join(text[start:end].split()) + ("…" if end < len(text) else "")


def summary(row):
    """A session row as the list shows it."""
    return {"session_id": row["id"], "title": row["title"], "created_at": row["created_at"],
            "updated_at": row["updated_at"], "message_count": row["n"]}


class SessionEdits:
    """Mixed into SessionStore (SQLite) and so PgSessionStore (PostgreSQL): one set of queries for both."""

    FOLD_SQL = "webui_fold"  # PostgreSQL's LOWER() folds every script, so PgSessionStore names that instead

    def _search_conn(self):
        conn = self._conn()
        if isinstance(conn, sqlite3.Connection):
            conn.create_function(self.FOLD_SQL, 1, _fold, deterministic=True)
        return conn

    def session_summary(self, session_id):
        """{session_id, title, created_at, updated_at, message_count} of one session; NotFound names it."""
        conn = self._conn()
        self._session_row(conn, session_id)
        return summary(conn.execute(SUMMARY + " FROM sessions s WHERE s.id = ?", (session_id,)).fetchone())

    def rename_session(self, session_id, title):
        """Set (or, with None, clear) a session's title; its place in the list does not change."""
        with self._write() as db:
            self._session_row(db.conn, session_id)
            db.execute("UPDATE sessions SET title = ? WHERE id = ?", (title, session_id))
        return self.session_summary(session_id)

    def search_sessions(self, query, limit=50):
        """Sessions whose title or a current message holds `query` (any case), most recently active first;
        each with `snippet`: the first matching message's text around the hit (None when only the title matched)."""
        fold, pattern = self.FOLD_SQL, like_pattern(query)
        hit = (f"FROM messages m WHERE m.session_id = s.id AND m.is_current = 1 "
               f"AND {fold}(m.content) LIKE ? ESCAPE '\\'")
        rows = self._search_conn().execute(
            f"{SUMMARY}, (SELECT m.content {hit} ORDER BY m.position LIMIT 1) AS hit FROM sessions s "
            f"WHERE {fold}(COALESCE(s.title, '')) LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 {hit}) {NEWEST_FIRST}",
            (pattern, pattern, pattern, limit)).fetchall()
        return [dict(summary(r), snippet=snippet(r["hit"], query)) for r in rows]

    def message_in(self, session_id, message_id):
        """One stored message of this session (any alternative); NotFound names the session or the message."""
        conn = self._conn()
        self._session_row(conn, session_id)
        return self._owned(conn, session_id, message_id)

    def edit_message(self, session_id, message_id, content):
        """Replace a message's text in place (metadata.edited_at records when); the message."""
        if not isinstance(content, str):
            raise ValidationFailed({"content": "Must be text."})
        stamp = now()
        with self._write() as db:
            self._session_row(db.conn, session_id)
            old = self._owned(db.conn, session_id, message_id)
            meta = json.dumps(dict(old["metadata"] or {}, edited_at=stamp), ensure_ascii=False)
            db.execute("UPDATE messages SET content = ?, metadata = ? WHERE id = ?", (content, meta, message_id))
            db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (stamp, session_id))
            return self._get_message(db.conn, message_id)

    def delete_message(self, session_id, message_id):
        """Remove the turn holding this message (with its alternatives); the turns around it stay as they are."""
        with self._write() as db:
            self._session_row(db.conn, session_id)
            old = self._owned(db.conn, session_id, message_id)
            db.execute("DELETE FROM messages WHERE session_id = ? AND position = ?", (session_id, old["position"]))
            db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now(), session_id))
        return old

    def _owned(self, conn, session_id, message_id):
        return self._get_message(conn, message_id, session_id)
