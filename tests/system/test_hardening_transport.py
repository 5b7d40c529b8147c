"""Issue 15, transport items: no redirects (3), bounded reads (6), a total deadline (7), gunicorn's control socket (16).

Real adapters against real fake servers on 127.0.0.1 (tests/fakes/hostile.py scripts the hostile answers).
"""

import time
import tracemalloc

import pytest

from tests.fakes import hostile
from tests.unit.provider_helpers import MESSAGES, PLANTED, call_for, split_stream
from webui import errors as E
from webui.core.connect import local_llm
from webui.providers import get_adapter

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("provider_env")]

KEY_HEADERS = ("authorization", "x-api-key", "x-goog-api-key", "api-key")
# (fake kind, adapter id, profile extras): one per key header style (Bearer, x-api-key, x-goog-api-key, api-key)
REDIRECT_KINDS = [("open_ai", "open_ai", {}), ("anthropic", "anthropic", {}), ("gemini", "gemini", {}),
                  ("azure", "custom", {}), ("ollama", "ollama", {})]


def _operate(adapter, call, op):
    """Run one provider operation to its end (raises what the adapter raises)."""
    if op == "models":
        return adapter.list_models(call.api_key, call.base_url, call.token)
    if op == "chat":
        return adapter.chat(call, MESSAGES)
    return list(adapter.stream(call, MESSAGES))


# --- item 3: provider calls never follow redirects -------------------------------------------------------------


@pytest.mark.parametrize("status", [302, 307, 308])
@pytest.mark.parametrize("op", ["models", "chat", "stream"])
@pytest.mark.parametrize("kind, provider, extra", REDIRECT_KINDS, ids=[k for k, _, _ in REDIRECT_KINDS])
def test_item3_redirect_is_an_error_and_the_target_sees_nothing(fake_provider, kind, provider, extra, op, status):
    target = fake_provider(kind)
    # The Location names localhost (the guard allows its lookup) so a followed redirect would really arrive.
    location = f"http://localhost:{target.url.rsplit(':', 1)[1]}{target.fmt.base_path}/anything"
    source = fake_provider(kind, script=hostile.redirect(status, location))
    call = call_for(source, provider, token=PLANTED if provider == "ollama" else None, **extra)
    with pytest.raises(E.ProviderRequestError) as info:
        _operate(get_adapter(provider), call, op)
    err = info.value
    assert err.status == 502 and err.upstream_status == status
    assert "redirect" in err.message.lower() and "localhost" in err.message, err.message
    assert PLANTED not in err.message and PLANTED not in str(err.to_dict())
    assert target.count() == 0, f"the redirect target got {target.requests[0].headers}"
    assert source.count() == 1
    assert all(name not in r.headers for r in target.requests for name in KEY_HEADERS)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_item3_local_llm_model_listing_does_not_follow(fake_provider, status):
    target = fake_provider("ollama")
    location = f"http://localhost:{target.url.rsplit(':', 1)[1]}/api/tags"
    source = fake_provider("ollama", script=hostile.redirect(status, location))
    with pytest.raises(E.ProviderError) as info:
        local_llm.list_models(source.url, PLANTED)
    assert "localhost" in info.value.message and PLANTED not in info.value.message
    assert target.count() == 0


def test_item3_model_listing_through_the_app_is_a_502(fake_provider, api):
    target = fake_provider("anthropic")
    location = f"http://localhost:{target.url.rsplit(':', 1)[1]}/v1/models"
    source = fake_provider("anthropic", script=hostile.redirect(307, location))
    r = api.post(f"{api.base}/api/llm/models", json={"provider": "anthropic", "base_url": source.base_url,
                                                    "api_key": PLANTED}, timeout=20)
    assert r.status_code == 502, r.text
    assert "localhost" in r.json()["message"] and PLANTED not in r.text
    assert target.count() == 0


# --- item 6: bounded reads -------------------------------------------------------------------------------------


def test_item6_a_body_beyond_the_cap_is_a_clear_error(fake_provider, monkeypatch):
    monkeypatch.setenv("WEBUI_MAX_RESPONSE_BYTES", "100000")
    fake = fake_provider("open_ai", script=hostile.huge(300_000))
    for op in ("chat", "models"):
        with pytest.raises(E.ResponseTooLarge) as info:
            _operate(get_adapter("open_ai"), call_for(fake, "open_ai"), op)
        assert info.value.status == 502 and "100000 bytes" in info.value.message
        assert "WEBUI_MAX_RESPONSE_BYTES" in info.value.message


def test_item6_a_body_under_the_cap_still_works(fake_provider, monkeypatch):
    monkeypatch.setenv("WEBUI_MAX_RESPONSE_BYTES", "100000")
    fake = fake_provider("open_ai", reply="fine " * 1000)
    assert get_adapter("open_ai").chat(call_for(fake, "open_ai"), MESSAGES).text == ("fine " * 1000)


def _peak_while(action):
    """(what action raised, peak traced bytes while it ran)."""
    tracemalloc.start()
    try:
        try:
            action()
        except E.WebUIError as exc:
            raised = exc
        else:
            raised = None
        return raised, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_item6_gzip_bomb_stops_at_the_cap_counting_decompressed_bytes(fake_provider, monkeypatch):
    monkeypatch.setenv("WEBUI_MAX_RESPONSE_BYTES", str(2 << 20))
    bomb = hostile.gzip_bomb(256 << 20)
    assert bomb.compressed_size < 1 << 20  # a small body on the wire
    fake = fake_provider("open_ai", script=bomb)
    raised, peak = _peak_while(lambda: get_adapter("open_ai").chat(call_for(fake, "open_ai"), MESSAGES))
    assert isinstance(raised, E.ResponseTooLarge), raised
    assert peak < 32 << 20, f"peak {peak >> 20} MiB while a gzip bomb was read"


def test_item6_memory_stays_bounded_while_a_fake_sends_100_mb(fake_provider):
    fake = fake_provider("open_ai", script=hostile.huge(100 << 20))
    raised, peak = _peak_while(lambda: get_adapter("open_ai").chat(call_for(fake, "open_ai"), MESSAGES))
    assert isinstance(raised, E.ResponseTooLarge), raised  # the default cap (8 MB) is far below 100 MB
    assert peak < 48 << 20, f"peak {peak >> 20} MiB while 100 MB arrived"


@pytest.mark.parametrize("provider, kind", [("open_ai", "open_ai"), ("anthropic", "anthropic"),
                                            ("gemini", "gemini"), ("ollama", "ollama")])
def test_item6_a_streamed_reply_is_capped_and_ends_with_length(fake_provider, monkeypatch, provider, kind):
    monkeypatch.setenv("WEBUI_MAX_REPLY_CHARS", "2500")
    fake = fake_provider(kind, chunks=["abcdefghij" * 10] * 100)  # 10,000 characters
    deltas, end = split_stream(get_adapter(provider).stream(call_for(fake, provider), MESSAGES))
    assert len("".join(deltas)) == 2500 and end.text == "".join(deltas)
    assert end.finish_reason == "length"


def test_item6_a_whole_reply_is_capped_too(fake_provider, monkeypatch):
    monkeypatch.setenv("WEBUI_MAX_REPLY_CHARS", "2500")
    fake = fake_provider("open_ai", reply="z" * 10_000)
    result = get_adapter("open_ai").chat(call_for(fake, "open_ai"), MESSAGES)
    assert len(result.text) == 2500 and result.finish_reason == "length"


def test_item6_one_endless_stream_line_is_bounded(fake_provider, monkeypatch):
    monkeypatch.setenv("WEBUI_MAX_RESPONSE_BYTES", "100000")
    fake = fake_provider("open_ai", chunks=["x" * 300_000])  # one SSE line of 300 KB
    with pytest.raises(E.ResponseTooLarge):
        list(get_adapter("open_ai").stream(call_for(fake, "open_ai"), MESSAGES))


# --- item 7: a total deadline per provider call ----------------------------------------------------------------


@pytest.mark.parametrize("op", ["chat", "stream", "models"])
def test_item7_total_deadline_ends_a_trickle(fake_provider, monkeypatch, op):
    monkeypatch.setenv("WEBUI_PROVIDER_TOTAL_TIMEOUT", "2")
    fake = fake_provider("open_ai", script=hostile.trickle(0.5, stream=op == "stream"))
    started = time.monotonic()
    with pytest.raises(E.ProviderTimeout) as info:
        _operate(get_adapter("open_ai"), call_for(fake, "open_ai"), op)
    took = time.monotonic() - started
    assert took < 3.5, f"{op} took {took:.1f} s against a 2 s deadline"
    assert info.value.status == 504 and "2 s" in info.value.message


def test_item7_the_deadline_through_the_app_is_a_504(fake_provider, api, monkeypatch):
    monkeypatch.setenv("WEBUI_PROVIDER_TOTAL_TIMEOUT", "2")
    fake = fake_provider("open_ai", script=hostile.trickle(0.5))
    started = time.monotonic()
    r = api.post(f"{api.base}/api/llm/models", json={"provider": "open_ai", "base_url": fake.base_url,
                                                    "api_key": PLANTED}, timeout=20)
    assert time.monotonic() - started < 3.5
    assert r.status_code == 504 and r.json()["error"] == "provider_timeout", r.text


# --- item 16: gunicorn's control socket ------------------------------------------------------------------------


def _gunicorn(tmp_path, name, shared):
    """One gunicorn instance with our config on its own config folder; HOME and XDG_RUNTIME_DIR are `shared`."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.loopback import closed_proxy_env, free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("_API_KEY") and not k.startswith(("TRIPLO_", "WEBUI_", "SUPERVISOR_"))}
    env.update(HOME=str(shared), XDG_RUNTIME_DIR=str(shared), TRIPLO_CONFIG_DIR=str(tmp_path / name),
               WEBUI_USERNAME="admin", WEBUI_PASSWORD="correct horse battery", **closed_proxy_env())
    gunicorn = Path(sys.executable).parent / "gunicorn"
    out = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process below
    proc = subprocess.Popen([str(gunicorn), "-c", "python:webui.serve.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
                             "webui:create_app()"], env=env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True, cwd=tmp_path)
    proc.log, proc.base, proc.sink = tmp_path / f"{name}.log", f"http://127.0.0.1:{port}", out
    return proc


def _healthy(proc):
    from tests.app_fixtures import http_session

    try:
        return http_session(trust_env=False).get(f"{proc.base}/healthz", timeout=1).status_code == 200
    except Exception:  # noqa: BLE001 - not up yet
        return False


def test_item16_two_instances_share_no_control_socket(tmp_path):
    from tests.system.supervisor_harness import stop_process_group, wait_until
    from webui.serve.gunicorn_conf import settings

    shared = tmp_path / "home"
    shared.mkdir()
    first, second = _gunicorn(tmp_path, "one", shared), _gunicorn(tmp_path, "two", shared)
    try:
        for proc in (first, second):
            assert wait_until(lambda p=proc: _healthy(p), 30, interval=0.25), proc.log.read_text()
        sockets = [p for p in shared.rglob("*") if p.is_socket() or p.suffix == ".ctl"]
        assert sockets == [], f"a control socket at a shared path: {sockets}"
        stop_process_group(first)
        assert _healthy(second), "stopping one instance disturbed the other"
    finally:
        for proc in (first, second):
            stop_process_group(proc)
            proc.sink.close()
    assert settings()["control_socket_disable"] is True  # gunicorn >= 25.1 makes one by default; we use none
