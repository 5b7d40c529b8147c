"""The usage.db schema: one row per provider call (ids, model, tokens, cost, latency, outcome; no text, no key)."""

COLUMNS = ("ts", "day", "api", "profile_id", "role_id", "session_id", "provider", "model", "prompt_tokens",
           "completion_tokens", "cost_usd", "latency_ms", "outcome", "error", "fallback_from", "cache_read_tokens",
           "cache_write_tokens", "request_id", "token_id")
# Columns added after the first release: (name, type); an older usage.db gains them (migrations()).
ADDED_COLUMNS = (("cache_read_tokens", "INTEGER"), ("cache_write_tokens", "INTEGER"), ("request_id", "TEXT"),
                 ("token_id", "TEXT"))
INDEX_GROUPS = (("profile", "profile_id"), ("role", "role_id"), ("session", "session_id"), ("day", "day"),
                ("token", "token_id"))
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS usage (
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,            -- UTC, 2026-11-29T17:58:27.123Z
    day TEXT NOT NULL,           -- its UTC date
    api TEXT NOT NULL,           -- chat (game-master API and pages), v1 (the OpenAI face) or messages (Anthropic)
    profile_id TEXT,
    role_id TEXT,
    session_id TEXT,
    provider TEXT,
    model TEXT,
    prompt_tokens INTEGER,       -- all input, prompt-cache reads and writes included
    completion_tokens INTEGER,
    cost_usd REAL,               -- NULL: no price known
    latency_ms INTEGER,
    outcome TEXT NOT NULL,       -- ok, fallback (answered for another profile), error
    error TEXT,                  -- the error code when outcome = error
    fallback_from TEXT,
    cache_read_tokens INTEGER,   -- of prompt_tokens: read from the provider's prompt cache (NULL: none reported)
    cache_write_tokens INTEGER,  -- of prompt_tokens: written to it
    request_id TEXT,             -- the X-Request-Id of the request that made the call
    token_id TEXT                -- the API token's id (never its secret) when a token made the call
)""",
    # One covering index per /api/usage grouping, in group order, then time: a query reads only its index, with
    # no sort, and a time range is checked inside it (bench/usage.py: 4-5x faster than one time-ordered index).
    # usage_by_profile also answers a profile's spend this month; usage_by_session a chat session's total.
    *(f"""CREATE INDEX IF NOT EXISTS usage_by_{group} ON usage ({column}, ts, prompt_tokens, completion_tokens,
    cost_usd, cache_read_tokens, cache_write_tokens)""" for group, column in INDEX_GROUPS),
)


def migrations(existing_columns):
    """Statements that bring an older usage.db up to SCHEMA (run before it): the added columns, and the
    covering indexes dropped so SCHEMA makes them again with the new columns. [] when it is current."""
    missing = [(name, kind) for name, kind in ADDED_COLUMNS if name not in existing_columns]
    if not missing:
        return []
    return [*(f"ALTER TABLE usage ADD COLUMN {name} {kind}" for name, kind in missing),
            *(f"DROP INDEX IF EXISTS usage_by_{group}" for group, _ in INDEX_GROUPS)]
