"""A distinctive key planted in every credential never shows up in any answer (body or header) or log line."""

import logging
import re

import pytest

from tests.integration.api_client import CANARY, Api

P = "/api/llm/profiles"
# Secret fragments a careless mask or log might still show.
FRAGMENTS = (CANARY, CANARY[8:30], CANARY[-16:])


def _leaks(text):
    return [f for f in FRAGMENTS if f in text]


def _plant(api, fakes):
    """One profile per provider, each credential holding the canary; the fakes want another key."""
    for cid in ("open_ai", "open_router", "anthropic", "gemini", "custom"):
        assert api.put(f"/api/llm/credentials/{cid}", {"api_key": CANARY}).status == 200
    assert api.put("/api/llm/credentials/ollama", {"url": fakes["ollama"].url, "token": CANARY}).status == 200
    ids = {}
    for provider, fake in fakes.items():
        body = {"name": provider, "provider": provider, "model": fake.models[0], "api_key": ...}
        if provider != "ollama":  # typed with its URL: a stored key goes only where it was stored for
            body.update(base_url=fake.base_url, api_key=CANARY)
        ids[provider] = api.create_profile(**body)["id"]
    api.post("/api/config", {"settings": {"voice": True}}, params={"restart": "false"})
    return ids


def _calls(app, ids, fakes):
    """Every endpoint, happy paths and errors; (method, path, body, headers)."""
    calls = []
    for rule in app.url_map.iter_rules():  # every parameterless GET, whoever wrote it
        if "GET" in rule.methods and "<" not in rule.rule and not rule.rule.startswith("/logout"):
            calls.append(("GET", rule.rule, None, None))
    for pid in ids.values():
        calls += [("GET", f"{P}/{pid}", None, None), ("GET", f"{P}/{pid}/models", None, None),
                  ("GET", f"{P}/{pid}/models?refresh=1", None, None), ("POST", f"{P}/{pid}/test", None, None),
                  ("PATCH", f"{P}/{pid}", {"temperature": 9}, None), ("PATCH", f"{P}/{pid}", {"max_tokens": 50}, None)]
        # The Responses and Embeddings faces: the upstream refuses the key (OpenAI's error quotes it).
        calls += [("POST", "/v1/responses", {"model": pid, "input": "Hi"}, None),
                  ("POST", "/v1/responses", {"model": pid, "input": "Hi", "stream": True}, None),
                  ("POST", "/v1/embeddings", {"model": pid, "input": "Hi"}, None)]
    for provider, fake in fakes.items():  # unsaved form values, the stored key filled in (never a real host)
        form = {"provider": provider, "refresh": True}
        form.update({"url": fake.url} if provider == "ollama" else {"base_url": fake.base_url})
        calls.append(("POST", "/api/llm/models", form, None))
    calls += [
        ("POST", "/api/llm/profile/activate", {"id": ids["open_ai"]}, None),
        ("POST", "/api/llm/profile/activate", {"id": ids["gemini"]}, None),
        ("POST", f"{P}/{ids['anthropic']}/duplicate", None, None),
        ("PUT", f"{P}/{ids['custom']}", {"name": "custom", "provider": "custom", "model": "x"}, None),
        ("PUT", "/api/llm/credentials/open_ai", {"api_key": {"set": True, "hint": "x"}}, None),
        ("PUT", "/api/llm/credentials/open_ai", {"url": "nope"}, None),
        ("DELETE", "/api/llm/credentials/open_ai", None, None),
        ("DELETE", f"{P}/{ids['open_ai']}", None, None),
        ("POST", "/api/config", {"settings": {"llm_profiles": "bad"}}, None),
        ("POST", "/api/config", {"settings": {"sound": True}}, {"If-Match": '"stale"'}),
        ("POST", "/api/config", {"settings": {"sound": True}}, None),
        ("POST", "/api/restart", None, None),
        ("POST", "/api/local-llm/models", {"url": "http://127.0.0.1:9/"}, None),
        ("GET", f"{P}/ghost", None, None),
        ("DELETE", "/api/config", None, None),
        ("POST", "/api/v1/sessions", {}, None),
        ("GET", "/v1/models", None, None),
        ("GET", "/v1/models", None, {"anthropic-version": "2023-06-01"}),
    ]
    for pid in ids.values():  # the Anthropic Messages face: auth failures upstream, streamed and not
        ask = {"model": pid, "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
        calls += [("POST", "/v1/messages", ask, None), ("POST", "/v1/messages", dict(ask, stream=True), None),
                  ("POST", "/v1/messages/count_tokens", ask, None)]
    return calls


def _scan(api, calls):
    found = []
    for method, path, body, headers in calls:
        reply = api.call(method, path, body, headers=headers)
        assert reply.status < 500 or reply.status in (502, 504), (method, path, reply.status, reply.text[:300])
        where = reply.text + "\n" + "\n".join(f"{k}: {v}" for k, v in reply.headers.items())
        found += [(method, path, f) for f in _leaks(where)]
    return found


@pytest.fixture
def fakes(fake_provider):
    """One fake per provider; each requires a key that is not the canary (so auth errors happen too)."""
    return {kind: fake_provider(kind, required_key="sk-the-other-key-000000000000")
            for kind in ("open_ai", "open_router", "anthropic", "gemini", "ollama", "custom")}


@pytest.mark.parametrize("transport", ["client", "live"])
def test_planted_key_never_leaks(app, fakes, caplog, transport, monkeypatch, live_server):
    monkeypatch.setenv("WEBUI_PROVIDER_MAX_RETRIES", "0")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("werkzeug").setLevel(logging.DEBUG)
    if transport == "client":
        api = Api(app)
        found = _scan(api, _calls(app, _plant(api, fakes), fakes))
    else:
        api = Api(app, live_server(app).url)
        found = _scan(api, _calls(app, _plant(api, fakes), fakes))
    assert not found, found
    log_text = "\n".join(f"{r.name}: {r.getMessage()}" for r in caplog.records)
    assert caplog.records and not _leaks(log_text), [ln for ln in log_text.splitlines() if _leaks(ln)][:5]
    # the fakes really received the canary, so the scan above had something to find
    assert any(CANARY in str(rec.headers) for rec in fakes["open_ai"].requests), fakes["open_ai"].requests


def test_masks_show_at_most_four_characters(app):
    api = Api(app)
    api.put("/api/llm/credentials/open_ai", {"api_key": CANARY})
    hint = api.get("/api/llm/credentials").body["credentials"]["open_ai"]["api_key"]["hint"]
    assert hint == "sk-proj-…" + CANARY[-4:]
    assert not re.search(re.escape(CANARY[-5:]), api.get("/api/config").text)
