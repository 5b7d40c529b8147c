"""The PostgreSQL schema in one versioned list: each instance applies what is missing at start.

To change the schema, append a version to MIGRATIONS (never edit a released one): e.g. a `responses`
table for stored Responses API objects, or new ledger columns (then add them to ledger_schema.COLUMNS too).
An instance refuses a database whose schema is newer than the last version it knows.
"""

from webui.errors import StoreSchemaTooNew

MIGRATIONS = {
    1: (
        # The configuration and the login file as documents: the exact JSON text and its revision
        # (the same content hash the file store uses, so If-Match values mean the same in both modes).
        """CREATE TABLE documents (
            name TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            revision TEXT NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now())""",
        # sessions.db: rowid is named like SQLite's implicit one so one query orders both
        """CREATE TABLE sessions (
            rowid BIGSERIAL UNIQUE,
            id TEXT PRIMARY KEY,
            title TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)""",
        """CREATE TABLE messages (
            id TEXT PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            alt_index INTEGER NOT NULL,
            is_current INTEGER NOT NULL,
            role_id TEXT,
            is_ai INTEGER NOT NULL,
            content TEXT NOT NULL,
            metadata TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (session_id, position, alt_index))""",
        "CREATE UNIQUE INDEX messages_current ON messages (session_id, position) WHERE is_current = 1",
        "CREATE INDEX sessions_updated ON sessions (updated_at)",
        """CREATE TABLE character_overrides (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            character_id TEXT NOT NULL,
            profile_id TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (session_id, character_id))""",
        # usage.db (the columns of core/usage/ledger_schema.py: a new column goes into both)
        """CREATE TABLE usage (
            id BIGSERIAL PRIMARY KEY,
            ts TEXT NOT NULL,
            day TEXT NOT NULL,
            api TEXT NOT NULL,
            profile_id TEXT,
            role_id TEXT,
            session_id TEXT,
            provider TEXT,
            model TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            cost_usd DOUBLE PRECISION,
            latency_ms INTEGER,
            outcome TEXT NOT NULL,
            error TEXT,
            fallback_from TEXT)""",
        *(f"CREATE INDEX usage_by_{group} ON usage ({column}, ts) INCLUDE (prompt_tokens, completion_tokens, cost_usd)"
          for group, column in (("profile", "profile_id"), ("role", "role_id"), ("session", "session_id"),
                                ("day", "day"))),
    ),
    2: (
        # The Responses face: one stored Response and the chat conversation it ended (previous_response_id).
        """CREATE TABLE responses (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            response TEXT NOT NULL,
            conversation TEXT NOT NULL)""",
        # Prompt-cache usage and request ids (core/usage/ledger_schema.ADDED_COLUMNS), covering indexes made again.
        "ALTER TABLE usage ADD COLUMN cache_read_tokens INTEGER, ADD COLUMN cache_write_tokens INTEGER, "
        "ADD COLUMN request_id TEXT",
        *(f"DROP INDEX IF EXISTS usage_by_{group}" for group in ("profile", "role", "session", "day")),
        *(f"CREATE INDEX usage_by_{group} ON usage ({column}, ts) INCLUDE (prompt_tokens, completion_tokens, cost_usd, "
          "cache_read_tokens, cache_write_tokens)"
          for group, column in (("profile", "profile_id"), ("role", "role_id"), ("session", "session_id"),
                                ("day", "day"))),
    ),
    3: (
        # API tokens: which token made a call (its id, never its secret)
        "ALTER TABLE usage ADD COLUMN token_id TEXT",
        "CREATE INDEX usage_by_token ON usage (token_id, ts) INCLUDE (prompt_tokens, completion_tokens, cost_usd, "
        "cache_read_tokens, cache_write_tokens)",
    ),
}
LATEST = max(MIGRATIONS)
VERSIONS_TABLE = "webui_schema_versions"
_LOCK_KEY = 0x7E61_0021  # one advisory lock: instances starting together apply each version once


def current_version(cur):
    """The highest applied version (0 for an empty database)."""
    cur.execute(f"SELECT to_regclass('{VERSIONS_TABLE}') IS NOT NULL")
    if not cur.fetchone()[0]:
        return 0
    cur.execute(f"SELECT COALESCE(MAX(version), 0) FROM {VERSIONS_TABLE}")
    return cur.fetchone()[0]


def apply(db, known=LATEST):
    """Bring the database to version `known` in one transaction; the versions applied now (a list)."""
    with db.transaction() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        found = current_version(cur)
        if found > known:
            raise StoreSchemaTooNew(
                f"The PostgreSQL database has schema version {found}, newer than version {known} that this "
                "web UI knows. Upgrade this instance to the version the others run (it did not start, and "
                "changed nothing).", found=found, known=known)
        cur.execute(f"CREATE TABLE IF NOT EXISTS {VERSIONS_TABLE} (version INTEGER PRIMARY KEY, "
                    "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        applied = []
        for version in sorted(v for v in MIGRATIONS if found < v <= known):
            for statement in MIGRATIONS[version]:
                cur.execute(statement)
            cur.execute(f"INSERT INTO {VERSIONS_TABLE} (version) VALUES (%s)", (version,))
            applied.append(version)
        return applied
