"""The sessions.db schema: sessions, messages (alternatives per turn), per-session character overrides and the
stored answers of the Responses face (previous_response_id)."""

from datetime import datetime, timezone

SCHEMA_VERSION = 1
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    title TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS messages (
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
    UNIQUE (session_id, position, alt_index)
)""",
    # At most one current message per turn (also serves history() and last_ai_message()).
    """CREATE UNIQUE INDEX IF NOT EXISTS messages_current ON messages (session_id, position) WHERE is_current = 1""",
    """CREATE INDEX IF NOT EXISTS sessions_updated ON sessions (updated_at)""",
    """CREATE TABLE IF NOT EXISTS character_overrides (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    character_id TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (session_id, character_id)
)""",
    # The Responses face: one stored Response and the chat conversation it ended (for previous_response_id).
    # A table added to version 1: CREATE ... IF NOT EXISTS makes it in older files too.
    """CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    response TEXT NOT NULL,
    conversation TEXT NOT NULL
)""",
)


def now():
    """The stored timestamp: UTC, milliseconds, ISO 8601 with Z."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
