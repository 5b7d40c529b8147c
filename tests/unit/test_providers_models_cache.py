"""Model-list cache: 5-minute TTL per provider + base URL + credential digest, refresh, thread safety."""

import threading

import pytest

from tests.fakes.clock import FakeClock
from webui import errors as E
from webui.providers import get_adapter, models_cache
from webui.providers.models_cache import ModelsCache

from .provider_helpers import PLANTED

pytestmark = pytest.mark.usefixtures("provider_env")


@pytest.fixture
def cache():
    return ModelsCache(clock=FakeClock())


def test_hit_within_ttl_and_expiry(cache, fake_openai):
    adapter = get_adapter("open_ai")
    assert cache.get(adapter, PLANTED, fake_openai.base_url) == fake_openai.models
    fake_openai.models = ["changed"]
    assert cache.get(adapter, PLANTED, fake_openai.base_url) != ["changed"]
    assert fake_openai.count("models") == 1
    cache.clock.now += 299
    assert fake_openai.count("models") == 1 and cache.get(adapter, PLANTED, fake_openai.base_url) != ["changed"]
    cache.clock.now += 2  # past 5 minutes
    assert cache.get(adapter, PLANTED, fake_openai.base_url) == ["changed"]
    assert fake_openai.count("models") == 2


def test_refresh_bypasses_and_updates(cache, fake_openai):
    adapter = get_adapter("open_ai")
    cache.get(adapter, PLANTED, fake_openai.base_url)
    fake_openai.models = ["new"]
    assert cache.get(adapter, PLANTED, fake_openai.base_url, refresh=True) == ["new"]
    assert cache.get(adapter, PLANTED, fake_openai.base_url) == ["new"]
    assert fake_openai.count("models") == 2


def test_keyed_by_credential_and_base_url(cache, fake_provider):
    one, two = fake_provider("open_ai"), fake_provider("open_ai", models=["other"])
    adapter = get_adapter("open_ai")
    cache.get(adapter, PLANTED, one.base_url)
    cache.get(adapter, "sk-another-key-9999", one.base_url)
    assert cache.get(adapter, PLANTED, two.base_url) == ["other"]
    assert one.count() == 2 and two.count() == 1


def test_the_key_is_stored_only_as_a_digest(cache, fake_openai):
    cache.get(get_adapter("open_ai"), PLANTED, fake_openai.base_url)
    assert PLANTED not in repr(cache._entries)
    assert ModelsCache.key("open_ai", "u", PLANTED) != ModelsCache.key("open_ai", "u", PLANTED + "x")


def test_errors_are_not_cached(cache, fake_openai):
    adapter = get_adapter("open_ai")
    fake_openai.fail(401)
    with pytest.raises(E.AuthFailed):
        cache.get(adapter, PLANTED, fake_openai.base_url)
    assert cache.get(adapter, PLANTED, fake_openai.base_url) == fake_openai.models


def test_module_level_helper_and_clear(fake_ollama):
    models_cache.CACHE.clear()
    assert models_cache.list_models("ollama", None, fake_ollama.base_url) == fake_ollama.models
    assert models_cache.list_models("ollama", None, fake_ollama.base_url + "/") == fake_ollama.models
    assert fake_ollama.count() == 1
    models_cache.CACHE.clear()
    models_cache.list_models("ollama", None, fake_ollama.base_url)
    assert fake_ollama.count() == 2


def test_concurrent_callers(cache, fake_gemini):
    adapter, results, errors = get_adapter("gemini"), [], []

    def worker():
        try:
            for _ in range(5):
                results.append(cache.get(adapter, PLANTED, fake_gemini.base_url))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 40
    assert all(r == fake_gemini.models for r in results)


def test_size_is_bounded(fake_ollama):
    cache = ModelsCache(clock=FakeClock(), max_entries=3)
    for i in range(5):
        cache.clock.now += 1
        cache.get(get_adapter("ollama"), None, fake_ollama.base_url, token=f"token-{i}")
    assert len(cache._entries) == 3
