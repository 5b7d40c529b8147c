"""Gateway: which profile answers, fallback on retryable failures only, stream fallback before the first delta."""

import socket

import pytest

from webui import errors as E
from webui.core.chat import gateway
from webui.providers.results import Call

from .provider_helpers import PLANTED

pytestmark = pytest.mark.usefixtures("provider_env")

MESSAGES = [{"role": "user", "content": "Hi"}]


def dead_url():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/v1"


class World:
    """Profiles pointing at fakes, and the resolve() the gateway needs."""

    def __init__(self):
        self.profiles, self.urls, self.resolved = {}, {}, []

    def add(self, pid, provider, base_url, model="m", fallbacks=(), api_key=PLANTED):
        self.profiles[pid] = {"id": pid, "name": pid, "provider": provider, "model": model, "options": {},
                              "extra_params": {}, "fallback_profile_ids": list(fallbacks), "_key": api_key}
        self.urls[pid] = base_url

    def resolve(self, pid):
        self.resolved.append(pid)
        profile = self.profiles[pid]
        if profile["_key"] is None and profile["provider"] != "custom":
            raise E.MissingCredential(f"No key for {pid}")
        return Call(profile=profile, api_key=profile["_key"], base_url=self.urls[pid])

    def chat(self, pid="a"):
        return gateway.chat(pid, MESSAGES, self.resolve, self.profiles)

    def stream(self, pid="a"):
        return list(gateway.stream(pid, MESSAGES, self.resolve, self.profiles))


@pytest.fixture
def world(fake_provider):
    w = World()
    w.a, w.b, w.c = fake_provider("open_ai", reply="from a"), fake_provider("anthropic", reply="from b"), \
        fake_provider("gemini", reply="from c")
    w.add("a", "open_ai", w.a.base_url, fallbacks=["b", "c"])
    w.add("b", "anthropic", w.b.base_url, fallbacks=["a"])
    w.add("c", "gemini", w.c.base_url)
    return w


def test_first_profile_answers(world):
    result = world.chat()
    assert (result.text, result.used_profile_id, result.provider) == ("from a", "a", "open_ai")
    assert result.fallback_from is None and result.failures == []
    assert world.b.count() == 0


def test_retryable_failure_falls_back_after_the_adapters_retries(world):
    world.a.fail(500, times=3)
    result = world.chat()
    assert (result.text, result.used_profile_id, result.fallback_from) == ("from b", "b", "a")
    assert world.a.count() == 3  # 1 + 2 retries before giving up on the profile
    assert result.failures == [{"profile_id": "a", "error": "provider_server_error",
                                "message": result.failures[0]["message"]}]
    meta = result.metadata()
    assert meta["used_profile_id"] == "b" and meta["provider_type"] == "anthropic"
    assert meta["fallback_from"] == "a" and meta["usage"] == {"prompt_tokens": 11, "completion_tokens": 7}
    assert PLANTED not in str(meta)


def test_unreachable_falls_back(world):
    world.urls["a"] = dead_url()
    assert world.chat().used_profile_id == "b"


def test_timeout_falls_back(world, monkeypatch):
    monkeypatch.setenv("WEBUI_PROVIDER_READ_TIMEOUT", "0.3")
    world.a.stall = 3
    result = world.chat()
    assert result.used_profile_id == "b" and result.failures[0]["error"] == "provider_timeout"


@pytest.mark.parametrize("status, cls", [(401, E.AuthFailed), (400, E.ProviderRequestError),
                                         (404, E.ModelNotFound)])
def test_non_retryable_failure_is_raised_without_fallback(world, status, cls):
    world.a.fail(status)
    with pytest.raises(cls):
        world.chat()
    assert world.b.count() == 0 and world.c.count() == 0


def test_missing_credential_of_the_first_profile_is_raised(world):
    world.profiles["a"]["_key"] = None
    with pytest.raises(E.MissingCredential):
        world.chat()


def test_failing_fallback_moves_on_to_the_next(world):
    world.a.fail(503, message="down", times=3)
    world.profiles["b"]["_key"] = None  # resolve() fails for b
    result = world.chat()
    assert result.used_profile_id == "c" and result.fallback_from == "a"
    assert [f["profile_id"] for f in result.failures] == ["a", "b"]
    assert result.failures[1]["error"] == "missing_credential"


def test_all_fail_raises_the_first_profiles_error(world):
    world.a.fail(429, headers={"Retry-After": "0"}, times=3)
    world.b.fail(401)
    world.c.fail(500, times=3)
    with pytest.raises(E.RateLimited) as info:
        world.chat()
    failures = info.value.details["fallback_failures"]
    assert [f["profile_id"] for f in failures] == ["a", "b", "c"]
    assert [f["error"] for f in failures] == ["rate_limited", "provider_auth_failed", "provider_server_error"]


def test_only_the_first_profiles_list_no_recursion_no_repeats(world, fake_provider):
    d = fake_provider("ollama")
    world.add("d", "ollama", d.base_url)
    world.profiles["a"]["fallback_profile_ids"] = ["ghost", "a", "b", "b"]
    world.profiles["b"]["fallback_profile_ids"] = ["d"]  # b's own list is not followed
    world.a.fail(500, times=3)
    world.b.fail(500, times=3)
    with pytest.raises(E.ProviderServerError):
        world.chat()
    assert world.resolved == ["a", "b"] and d.count() == 0
    assert world.a.count() == 3 and world.b.count() == 3


def test_stream_from_the_first_profile(world):
    items = world.stream()
    end = items[-1]
    assert "".join(items[:-1]) == "from a" == end.text
    assert isinstance(end, gateway.GatewayResult) and end.used_profile_id == "a" and end.fallback_from is None


def test_stream_falls_back_before_the_first_delta(world):
    world.a.fail(502, times=3)
    items = world.stream()
    assert "".join(items[:-1]) == "from b"
    assert (items[-1].used_profile_id, items[-1].fallback_from) == ("b", "a")


def test_stream_cut_before_any_text_falls_back(world):
    world.a.close_after = 0
    items = world.stream()
    assert items[-1].used_profile_id == "b"
    assert items[-1].failures[0]["error"] == "provider_stream_interrupted"


def test_stream_failure_after_a_delta_is_raised(world):
    world.a.close_after = 1
    stream = gateway.stream("a", MESSAGES, world.resolve, world.profiles)
    assert next(stream) == "from "
    with pytest.raises(E.StreamInterrupted):
        next(stream)
    assert world.b.count() == 0


def test_stream_resolves_the_first_profile_eagerly(world):
    world.profiles["a"]["_key"] = None
    with pytest.raises(E.MissingCredential):
        gateway.stream("a", MESSAGES, world.resolve, world.profiles)


def test_stream_all_fail(world):
    world.urls["a"] = dead_url()
    world.b.fail(500, times=3)
    world.c.fail(500, times=3)
    with pytest.raises(E.Unreachable):
        world.stream()


@pytest.mark.parametrize("stream", [False, True])
def test_a_fallback_that_cannot_honour_tools_or_schema_is_skipped_not_called_without_them(world, fake_provider,
                                                                                            stream):
    ollama = fake_provider("ollama", reply="from o")
    world.add("o", "ollama", ollama.base_url)
    world.profiles["o"]["options"] = {"drop_unsupported": True}  # it would drop tools: still skipped
    world.profiles["a"]["fallback_profile_ids"] = ["o", "c"]
    world.a.fail(500, times=3)
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]
    resolve = world.resolve

    def with_tools(pid):
        call = resolve(pid)
        call.request = {"tools": tools}
        return call

    world.resolve = with_tools
    result = world.stream()[-1] if stream else world.chat()
    assert result.used_profile_id == "c" and ollama.count() == 0
    assert world.c.last().body["tools"][0]["functionDeclarations"][0]["name"] == "f"
    failures = result.metadata()["fallback_failures"]
    assert [(f["profile_id"], f["error"]) for f in failures] == [("a", "provider_server_error"),
                                                                 ("o", "fallback_skipped")]
    assert "'tools'" in failures[1]["message"] and "Ollama" in failures[1]["message"]


@pytest.mark.parametrize("stream", [False, True])
def test_cached_tokens_reach_the_message_metadata(world, stream):
    world.b.usage, world.b.cache_read, world.b.cache_write = (100, 5), 60, 30
    result = world.stream("b")[-1] if stream else world.chat("b")
    assert result.metadata()["usage"] == {"prompt_tokens": 100, "completion_tokens": 5, "cache_read_tokens": 60,
                                          "cache_write_tokens": 30}
