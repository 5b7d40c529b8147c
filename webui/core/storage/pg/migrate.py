"""`python -m webui migrate-store postgresql://…`: an embedded config folder into the database, all or nothing."""

import json
import os
import sqlite3

from webui.core.storage import paths
from webui.core.storage.pg import schema
from webui.core.storage.pg.database import Database, redacted
from webui.core.storage.pg.documents import CHANNEL
from webui.core.storage.store import ConfigStore, revision_of
from webui.errors import Conflict

# (SQLite file, table, order): parents before children; every column both sides know is copied.
TABLES = ((paths.SESSIONS_DB, "sessions", "rowid"), (paths.SESSIONS_DB, "messages", "rowid"),
          (paths.SESSIONS_DB, "character_overrides", "rowid"), (paths.SESSIONS_DB, "responses", "rowid"),
          (paths.USAGE_DB, "usage", "id"))
SKIPPED = {"usage": {"id"}, "sessions": {"rowid"}}  # numbered anew by PostgreSQL, in the same order


def _documents(config_dir):
    """{name: (body text, revision)} of config.json and webui-auth.json (each checked before anything is copied)."""
    found = {}
    store = ConfigStore(config_dir)
    if store.exists():
        store.read()  # ConfigCorrupt for a broken file: nothing is copied
        with open(store.path, "rb") as handle:
            raw = handle.read()
        found["config"] = (raw.decode("utf-8"), revision_of(raw))
    auth_path = os.path.join(config_dir, paths.AUTH_FILE)
    if os.path.exists(auth_path):
        with open(auth_path, "rb") as handle:
            body = json.dumps(json.loads(handle.read())).encode("utf-8")
        found["auth"] = (body.decode("utf-8"), revision_of(body))
    return found


def _rows(config_dir, filename, table, order, wanted):
    """(columns, rows) of one SQLite table, the columns PostgreSQL also has; ([], []) without the file or table."""
    path = os.path.join(config_dir, filename)
    if not os.path.exists(path):
        return [], []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            cur = conn.execute(f"SELECT * FROM {table} LIMIT 0")
        except sqlite3.OperationalError:
            return [], []
        columns = [d[0] for d in cur.description if d[0] in wanted and d[0] not in SKIPPED.get(table, ())]
        rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}").fetchall()
        return columns, rows
    finally:
        conn.close()


def _pg_columns(cur, table):
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))
    return {row[0] for row in cur.fetchall()}


def migrate(config_dir, url):
    """Copy config, login, sessions and the ledger in ONE transaction; {what: count}. Refused (Conflict, nothing
    written) when the database already holds any of it, so a second run never duplicates."""
    import psycopg

    db = Database(url)
    try:
        schema.apply(db)
        documents = _documents(config_dir)
        counts = {}
        with db.transaction() as cur:
            cur.execute("LOCK TABLE documents, sessions, responses, usage IN EXCLUSIVE MODE")
            cur.execute("SELECT (SELECT COUNT(*) FROM documents) + (SELECT COUNT(*) FROM sessions) "
                        "+ (SELECT COUNT(*) FROM responses) + (SELECT COUNT(*) FROM usage)")
            if cur.fetchone()[0]:
                raise Conflict(f"The database {redacted(url)} already holds a configuration, sessions, stored "
                               "responses or usage rows; nothing was copied (migrate-store only fills an empty store).")
            for name, (body, revision) in documents.items():
                cur.execute("INSERT INTO documents (name, body, revision) VALUES (%s, %s, %s)", (name, body, revision))
                cur.execute("SELECT pg_notify(%s, %s)", (CHANNEL, f"{name} {revision}"))
            counts["config"] = int("config" in documents)
            counts["login"] = int("auth" in documents)
            for filename, table, order in TABLES:
                columns, rows = _rows(config_dir, filename, table, order, _pg_columns(cur, table))
                if rows:
                    cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "
                                    f"VALUES ({', '.join('%s' for _ in columns)})", rows)
                counts[table] = len(rows)
        return counts
    except psycopg.DatabaseError as exc:  # e.g. a row the database refuses: the transaction was rolled back
        raise Conflict(f"PostgreSQL refused the copy ({str(exc).strip().splitlines()[0]}); nothing was copied.") from None
    finally:
        db.close()
