"""The model-list cache's shared store: JSON lists under a digest of the cache key, with the cache's TTL."""

import hashlib
import json

GENERATION_KEY = "models:generation"


class SharedModelLists:
    """get/put/clear for providers.models_cache over a webui.core.shared backend; clear() starts a new generation."""

    def __init__(self, shared):
        self.shared = shared

    def _key(self, key):
        generation = self.shared.get(GENERATION_KEY) or "0"
        return f"models:{generation}:{hashlib.sha256(key.encode()).hexdigest()}"

    def get(self, key):
        raw = self.shared.get(self._key(key))
        try:
            models = json.loads(raw) if raw else None
        except ValueError:
            return None
        return models if isinstance(models, list) else None

    def put(self, key, models, ttl):
        self.shared.put(self._key(key), json.dumps(models), ttl)

    def clear(self):
        self.shared.put(GENERATION_KEY, str(int(self.shared.get(GENERATION_KEY) or 0) + 1), 24 * 3600)
