"""State every worker and instance must agree on: in process (a lock) by default, in Redis with WEBUI_REDIS_URL.

Both backends offer the same primitives (docs/redis.md):
  reserve / settle / release   a spend counter with holds against a limit for one period (a budget)
  hit                          a sliding-window rate counter that answers Retry-After
  get / put / delete           short-lived values with a time to live
  bump / fields / forget       small counters per key (the login throttle)
"""

from webui.core.shared.local import LocalShared

DEFAULT_PREFIX = "triplo:"


def open_shared(environ, prefix=DEFAULT_PREFIX):
    """LocalShared, or RedisShared when WEBUI_REDIS_URL is set (nothing connects until the first call).

    The URL is read here, not kept in Settings: it may carry Redis's password.
    """
    url = (environ.get("WEBUI_REDIS_URL") or "").strip()
    if not url:
        return LocalShared()
    from webui.core.shared.redis_backend import RedisShared

    return RedisShared(url, prefix or DEFAULT_PREFIX)
