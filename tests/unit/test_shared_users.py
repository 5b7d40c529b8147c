"""What uses the shared state with WEBUI_REDIS_URL: login throttle, logouts, model lists (real Redis, one prefix)."""

import pytest

from tests.app_fixtures import ADMIN_PASSWORD, ADMIN_USER
from webui.core.access.auth import AuthStore
from webui.core.access.shared_throttle import SharedLoginThrottle, throttle_for
from webui.core.access.throttle import FREE_FAILURES, LoginThrottle
from webui.core.shared import LocalShared
from webui.core.shared.model_lists import SharedModelLists
from webui.core.shared.redis_backend import RedisShared
from webui.providers import get_adapter
from webui.providers.models_cache import ModelsCache
from tests.redis_fixtures import REDIS_URL

from .provider_helpers import PLANTED


@pytest.fixture
def redis_shared(redis_prefix):
    return RedisShared(REDIS_URL, redis_prefix)


def test_throttle_is_in_process_without_redis_and_shared_with_it(redis_shared):
    assert isinstance(throttle_for(LocalShared()), LoginThrottle)
    assert isinstance(throttle_for(redis_shared), SharedLoginThrottle)


def test_two_instances_count_failures_together(redis_shared, redis_prefix):
    one, two = SharedLoginThrottle(redis_shared), SharedLoginThrottle(RedisShared(REDIS_URL, redis_prefix))
    for i in range(FREE_FAILURES):
        assert ((one, two)[i % 2].attempt("10.0.0.1", lambda: False))[0] is False
    ok, retry, message = two.attempt("10.0.0.1", lambda: True)
    assert ok is None and retry >= 1 and "Too many failed logins" in message
    assert one.check("10.0.0.2")[0] is True  # another client is not affected


def test_success_forgets_failures(redis_shared):
    throttle = SharedLoginThrottle(redis_shared)
    for _ in range(FREE_FAILURES - 1):
        throttle.attempt("c", lambda: False)
    assert throttle.attempt("c", lambda: True)[0] is True
    assert redis_shared.fields(throttle._key("c"))["failures"] == 0


def test_throttle_counts_in_process_while_redis_is_down(redis_proxy, redis_prefix):
    throttle = SharedLoginThrottle(RedisShared(redis_proxy.url, redis_prefix))
    redis_proxy.cut()
    for _ in range(FREE_FAILURES):
        assert throttle.attempt("c", lambda: False)[0] is False
    assert throttle.attempt("c", lambda: True)[0] is None  # still throttled, by this process alone


def _store(path, shared):
    env = {"WEBUI_USERNAME": ADMIN_USER, "WEBUI_PASSWORD": ADMIN_PASSWORD}
    path.mkdir()
    store = AuthStore(str(path), shared=shared)
    store.ensure_initialized(env)
    return store


def test_a_logout_in_one_folder_is_seen_through_redis_by_another(tmp_path, redis_shared, redis_prefix):
    """Two instances whose auth is not one file (as with a database): the ended session lives in Redis."""
    one = _store(tmp_path / "one", redis_shared)
    two = _store(tmp_path / "two", RedisShared(REDIS_URL, redis_prefix))
    assert two.session_live("sid-123")
    one.end_session("sid-123", 60)
    assert not two.session_live("sid-123") and two.session_live("sid-456")
    keys = [k for k in redis_shared._client.scan_iter(match=redis_prefix + "*")]
    assert keys and not any("sid-123" in k for k in keys)  # a digest, never the id


def test_logouts_keep_working_from_the_file_while_redis_is_down(tmp_path, redis_proxy, redis_prefix):
    store = _store(tmp_path / "one", RedisShared(redis_proxy.url, redis_prefix))
    redis_proxy.cut()
    store.end_session("sid-1", 60)  # kept in the file
    assert not store.session_live("sid-1") and store.session_live("sid-2")


def test_model_lists_are_shared_and_cleared_together(provider_env, fake_openai, redis_shared):
    adapter = get_adapter("open_ai")
    one, two = ModelsCache(), ModelsCache()
    one.use(SharedModelLists(redis_shared))
    two.use(SharedModelLists(redis_shared))
    assert one.get(adapter, PLANTED, fake_openai.base_url) == fake_openai.models
    assert two.get(adapter, PLANTED, fake_openai.base_url) == fake_openai.models
    assert fake_openai.count("models") == 1  # the second instance read Redis
    two.clear()
    one._entries.clear()
    one.get(adapter, PLANTED, fake_openai.base_url)
    assert fake_openai.count("models") == 2
    raw = str([redis_shared._client.get(k) for k in redis_shared._client.scan_iter(match=redis_shared.prefix + "*")])
    assert PLANTED not in raw


def test_model_lists_fall_back_to_the_process_while_redis_is_down(provider_env, fake_openai, redis_proxy,
                                                                  redis_prefix):
    cache = ModelsCache()
    cache.use(SharedModelLists(RedisShared(redis_proxy.url, redis_prefix)))
    redis_proxy.cut()
    adapter = get_adapter("open_ai")
    assert cache.get(adapter, PLANTED, fake_openai.base_url) == fake_openai.models
    assert cache.get(adapter, PLANTED, fake_openai.base_url) == fake_openai.models
    assert fake_openai.count("models") == 1
