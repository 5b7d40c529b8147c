"""Model lists cached for 5 minutes per provider + base URL + credential digest (never the key itself)."""

import hashlib
import threading
import time

from webui.errors import SharedStateDown
from webui.providers.redact import scrub

TTL = 300.0
MAX_ENTRIES = 256
# A provider's model list is outside text: bounded (count, id length) before it is cached or shown (issue 15).
MAX_MODELS = 5000
MAX_MODEL_ID_CHARS = 256


def clean_models(ids, secrets=()):
    """At most MAX_MODELS string ids of at most MAX_MODEL_ID_CHARS, each scrubbed of the call's secrets."""
    out = []
    for model in ids:
        if len(out) >= MAX_MODELS:
            break
        if isinstance(model, str) and 0 < len(model) <= MAX_MODEL_ID_CHARS:
            out.append(scrub(model, secrets))
    return out


class ModelsCache:
    """A small thread-safe TTL cache; errors are never cached.

    use(store) shares it across workers and instances: `store.get(key) -> list | None` and `store.put(key, models,
    ttl)` (the app injects one over Redis); when the store is down this process's own entries serve.
    """

    def __init__(self, ttl=TTL, clock=time.monotonic, max_entries=MAX_ENTRIES):
        self.ttl = ttl
        self.clock = clock
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries = {}
        self.store = None

    def use(self, store):
        """Share the cache through `store` (None: this process only)."""
        self.store = store

    def _shared(self, method, *args):
        store = self.store
        if store is None:
            return None
        try:
            return getattr(store, method)(*args)
        except SharedStateDown:
            return None

    @staticmethod
    def key(provider_id, base_url, api_key=None, token=None):
        """The cache key: the credential only as a sha256 digest."""
        secret = f"{api_key or ''}\0{token or ''}".encode()
        return (provider_id, (base_url or "").rstrip("/"), hashlib.sha256(secret).hexdigest())

    def get(self, adapter, api_key, base_url, token=None, refresh=False):
        """adapter.list_models(...) through the cache; refresh=True always asks the provider."""
        key = self.key(adapter.id, adapter.base_url(base_url), api_key, token)
        now = self.clock()
        if not refresh:
            with self._lock:
                hit = self._entries.get(key)
                if hit and now - hit[0] < self.ttl:
                    return list(hit[1])
            shared = self._shared("get", "\0".join(key))
            if isinstance(shared, list):
                return list(shared)
        # The HTTP call runs outside the lock so one slow provider does not block the others.
        models = clean_models(adapter.list_models(api_key, base_url, token), (api_key, token))
        self._shared("put", "\0".join(key), models, self.ttl)
        with self._lock:
            self._entries[key] = (self.clock(), models)
            if len(self._entries) > self.max_entries:
                oldest = min(self._entries, key=lambda k: self._entries[k][0])
                del self._entries[oldest]
        return list(models)

    def clear(self):
        """Forget everything (e.g. after a credential changes)."""
        with self._lock:
            self._entries.clear()
        self._shared("clear")


CACHE = ModelsCache()


def list_models(provider_id, api_key, base_url, token=None, refresh=False):
    """Cached model ids for a provider (see ModelsCache.get)."""
    from webui.providers import get_adapter

    return CACHE.get(get_adapter(provider_id), api_key, base_url, token, refresh=refresh)
