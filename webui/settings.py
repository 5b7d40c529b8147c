"""Ground: the one typed view of the WEBUI_* environment (every tuning variable, parsed here and nowhere else).

Secrets (WEBUI_SECRET_KEY*, WEBUI_PASSWORD, WEBUI_NEW_PASSWORD) are not kept here: only the vault and the auth
store read them, from the environment they are given. Imports nothing of the app (gunicorn's config loads it
before the gevent worker has patched the standard library).
"""

import os
from dataclasses import dataclass, fields

MIB = 1024 * 1024


def _field(env, default, kind=float, positive=False, doc=""):
    """A setting: its variable, default and parse rule (a bad or out-of-range value falls back to the default)."""
    return {"env": env, "default": default, "kind": kind, "positive": positive, "doc": doc}


SPEC = {
    "host": _field("WEBUI_HOST", "127.0.0.1", str, doc="address `python -m webui serve` binds"),
    "port": _field("WEBUI_PORT", 8080, int, True, "port `python -m webui serve` binds"),
    "log_level": _field("WEBUI_LOG_LEVEL", "INFO", str, doc="log level of the app's own logger"),
    "max_streams": _field("WEBUI_MAX_STREAMS", 1000, int, True, "concurrent streamed replies; beyond, 503"),
    "max_connections": _field("WEBUI_MAX_CONNECTIONS", 2000, int, True, "open client connections of a worker"),
    "header_timeout": _field("WEBUI_HEADER_TIMEOUT", 10, int, True, "seconds for a whole request head"),
    "body_timeout": _field("WEBUI_BODY_TIMEOUT", 30, int, True, "seconds one body read or write may stall"),
    "body_min_rate": _field("WEBUI_BODY_MIN_RATE", 10_000, int, True,
                            "bytes/s a request body must at least arrive at (whole-body deadline)"),
    "public_body_max": _field("WEBUI_PUBLIC_BODY_MAX", 8192, int, True, "largest body before login (login form)"),
    "reserve_connections": _field("WEBUI_RESERVE_CONNECTIONS", 32, int, True,
                                  "connections past the cap that answer /healthz or 503"),
    "max_pulls": _field("WEBUI_MAX_PULLS", 4, int, True, "Ollama model pulls running at once; beyond, 429"),
    "max_pull_layers": _field("WEBUI_MAX_PULL_LAYERS", 256, int, True, "layers tracked per Ollama pull"),
    "provider_connect_timeout": _field("WEBUI_PROVIDER_CONNECT_TIMEOUT", 5.0, doc="seconds to connect to a provider"),
    "provider_read_timeout": _field("WEBUI_PROVIDER_READ_TIMEOUT", 60.0, doc="seconds a provider may go silent"),
    "provider_total_timeout": _field("WEBUI_PROVIDER_TOTAL_TIMEOUT", 120.0, float, True,
                                     "one provider call's deadline, retries included"),
    "provider_max_retries": _field("WEBUI_PROVIDER_MAX_RETRIES", 2, int, doc="retries of a failed provider call"),
    "provider_retry_budget": _field("WEBUI_PROVIDER_RETRY_BUDGET", 20.0, doc="seconds all retries may take"),
    "provider_backoff": _field("WEBUI_PROVIDER_BACKOFF", 0.5, doc="first retry's backoff in seconds"),
    "max_response_bytes": _field("WEBUI_MAX_RESPONSE_BYTES", 8 * MIB, int, True,
                                 "most bytes read from one provider answer or stream line"),
    "max_reply_chars": _field("WEBUI_MAX_REPLY_CHARS", 1_000_000, int, True, "most characters of one reply kept"),
    "max_import_bytes": _field("WEBUI_MAX_IMPORT_BYTES", MIB, int, True, "largest YAML/JSON document imported"),
    "key_ref_allow": _field("WEBUI_KEY_REF_ALLOW", (), tuple, doc="extra variables api_key_ref may name"),
    "openrouter_title": _field("WEBUI_OPENROUTER_TITLE", "Triplo Web UI", str, doc="X-Title sent to OpenRouter"),
    "openrouter_referer": _field("WEBUI_OPENROUTER_REFERER", "https://triplo.ai", str,
                                 doc="HTTP-Referer sent to OpenRouter"),
    # WEBUI_REDIS_URL and WEBUI_DATABASE_URL may carry passwords: read from the environment where used, not here.
    "workers": _field("WEBUI_WORKERS", 1, int, True, "gevent workers; more than 1 needs the database and Redis"),
    "redis_prefix": _field("WEBUI_REDIS_PREFIX", "triplo:", str, doc="prefix of every key this app keeps in Redis"),
    "budget_fail_open": _field("WEBUI_BUDGET_FAIL_OPEN", 0, int,
                               doc="1: with Redis down, budgeted calls use a per-process counter instead of 503"),
    "database_pool": _field("WEBUI_DATABASE_POOL", 10, int, True, "PostgreSQL connections per instance"),
    "cors_origins": _field("WEBUI_CORS_ORIGINS", (), tuple,
                           doc="origins (comma list, or *) allowed to call the gateway faces /v1/... from a browser"),
    "metrics": _field("WEBUI_METRICS", True, bool, doc="0: record no metrics (GET /metrics then shows none)"),
    "log_format": _field("WEBUI_LOG_FORMAT", "text", str, doc="text, or json: one JSON object per log line"),
    "metrics_public": _field("WEBUI_METRICS_PUBLIC", False, bool, doc="1: GET /metrics answers without a token"),
    "trace_content": _field("WEBUI_TRACE_CONTENT", False, bool, doc="1: prompt and completion text in trace spans"),
    "public_url": _field("WEBUI_PUBLIC_URL", "", str,
                         doc="the address people reach this app at (behind a proxy): the Access tab's base URL"),
}


@dataclass(frozen=True)
class Settings:
    """Every WEBUI_* tuning value, typed; build with from_env (defaults for unset or bad values)."""

    host: str
    port: int
    log_level: str
    max_streams: int
    max_connections: int
    header_timeout: int
    body_timeout: int
    body_min_rate: int
    public_body_max: int
    reserve_connections: int
    max_pulls: int
    max_pull_layers: int
    provider_connect_timeout: float
    provider_read_timeout: float
    provider_total_timeout: float
    provider_max_retries: int
    provider_retry_budget: float
    provider_backoff: float
    max_response_bytes: int
    max_reply_chars: int
    max_import_bytes: int
    key_ref_allow: tuple
    openrouter_title: str
    openrouter_referer: str
    workers: int
    redis_prefix: str
    budget_fail_open: int
    database_pool: int
    cors_origins: tuple
    metrics: bool
    log_format: str
    metrics_public: bool
    trace_content: bool
    public_url: str

    @classmethod
    def from_env(cls, environ=None):
        """Settings from an environment mapping (os.environ by default)."""
        env = os.environ if environ is None else environ
        return cls(**{name: _parse(env.get(spec["env"]), spec) for name, spec in SPEC.items()})


def _parse(raw, spec):
    default, kind = spec["default"], spec["kind"]
    if raw is None:
        return default
    if kind is str:
        return raw
    if kind is bool:
        return str(raw).strip().lower() in ("1", "true", "yes", "on")
    if kind is tuple:
        return tuple(n.strip() for n in str(raw).split(",") if n.strip())
    try:
        value = kind(str(raw).strip())
    except ValueError:
        return default
    if value < 0 or (spec["positive"] and value == 0):
        return default
    return value


_cache = {"key": None, "value": None}
_NAMES = tuple(spec["env"] for spec in SPEC.values())


def _environ_key():
    """What decides whether the environment changed. CPython keeps os.environ in a plain dict of bytes
    (`_data`): comparing a copy of it is one C-level comparison, where ~35 os.environ.get calls cost ~30 us of
    Python per call, and current() is asked several times per request."""
    data = getattr(os.environ, "_data", None)
    return dict(data) if isinstance(data, dict) else tuple(map(os.environ.get, _NAMES))


def current():
    """Settings of this process's environment (re-read only when the environment changed)."""
    key, data = _cache["key"], getattr(os.environ, "_data", None)
    if key is None or (key != data if isinstance(data, dict) else key != _environ_key()):
        key = _environ_key()
        _cache["value"], _cache["key"] = Settings.from_env(os.environ), key
    return _cache["value"]


assert {f.name for f in fields(Settings)} == set(SPEC)  # one table: a field without a spec fails at import
