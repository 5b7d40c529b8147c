"""The usage.db schema: one row per provider call (ids, model, tokens, cost, latency, outcome; no text, no key)."""

COLUMNS = ("ts", "day", "api", "profile_id", "role_id", "session_id", "provider", "model", "prompt_tokens",
           "completion_tokens", "cost_usd", "latency_ms", "outcome", "error", "fallback_from")
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS usage (
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,            -- UTC, 2026-11-29T17:58:27.123Z
    day TEXT NOT NULL,           -- its UTC date
    api TEXT NOT NULL,           -- chat (game-master API and pages) or v1 (the OpenAI face)
    profile_id TEXT,
    role_id TEXT,
    session_id TEXT,
    provider TEXT,
    model TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    cost_usd REAL,               -- NULL: no price known
    latency_ms INTEGER,
    outcome TEXT NOT NULL,       -- ok, fallback (answered for another profile), error
    error TEXT,                  -- the error code when outcome = error
    fallback_from TEXT
)""",
    # Covers every /api/usage grouping over a time range: the range is an index scan that never reads the table.
    """CREATE INDEX IF NOT EXISTS usage_ts ON usage (ts, day, profile_id, role_id, session_id,
    prompt_tokens, completion_tokens, cost_usd)""",
    # A profile's spend this month (budgets).
    """CREATE INDEX IF NOT EXISTS usage_profile_ts ON usage (profile_id, ts, cost_usd)""",
    # A chat session's total (the chat pane).
    """CREATE INDEX IF NOT EXISTS usage_session ON usage (session_id, cost_usd)""",
)
