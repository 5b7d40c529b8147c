"""Shared set-up for the roles/chat/OpenAI-face tests: three fake providers, three profiles, three roles."""

import json
from types import SimpleNamespace

import pytest

from tests.app_fixtures import BASIC, http_session

KEY_A = "key-alpha-0000-secret"
KEY_C = "key-gamma-1111-secret"


def profiles_payload(fake_a, fake_b, fake_c):
    """Seed/game field names on purpose (provider_type, api_key_ref)."""
    return {"default_profile_id": "alpha", "llm_profiles": [
        {"id": "alpha", "name": "Alpha", "provider_type": "openai", "model": "gpt-4o",
         "base_url": fake_a.base_url, "api_key": KEY_A},
        {"id": "beta", "name": "Beta Local", "provider_type": "local_openai", "model": "llama-3",
         "base_url": fake_b.base_url},
        {"id": "gamma", "name": "Gamma", "provider_type": "anthropic", "model": "claude-test",
         "base_url": fake_c.base_url, "api_key_ref": "GAMMA_KEY"},
    ]}


ROLES = [
    {"id": "gm", "name": "Game Master", "type": "gm", "system_prompt": "You narrate the adventure."},
    {"id": "npc", "name": "Innkeeper", "description": "A grumpy innkeeper.", "ai_config": {"profile_id": "beta"}},
    {"id": "bard", "name": "Bard", "ai_config": {"profile_id": "gamma"}},
]


@pytest.fixture
def game(provider_env, fake_provider, live_server, config_dir, monkeypatch, request):
    """A live app with profiles alpha (active, OpenAI), beta (custom), gamma (Anthropic) and roles gm/npc/bard.

    On PostgreSQL with @pytest.mark.parametrize("game", ["postgresql"], indirect=True) (the files otherwise)."""
    database = {"WEBUI_DATABASE_URL": request.getfixturevalue("pg_url")} \
        if getattr(request, "param", "file") == "postgresql" else {}
    monkeypatch.setenv("GAMMA_KEY", KEY_C)  # api_key_ref is read from the process environment at call time
    fakes = SimpleNamespace(a=fake_provider("open_ai", reply="Alpha speaks now"),
                            b=fake_provider("custom", reply="Beta says hello"),
                            c=fake_provider("anthropic", reply="Gamma sings a song"))
    # Keys named by api_key_ref in the import tests; activating such a profile projects its key.
    live = live_server(GAMMA_KEY=KEY_C, STORY_KEY="story-key-value", LEGACY_KEY="legacy-key-value", **database)
    http, base = http_session(live.url, BASIC), live.url
    r = http.post(f"{base}/api/v1/profiles?restart=false", json=profiles_payload(fakes.a, fakes.b, fakes.c))
    assert r.status_code == 200, r.text
    r = http.put(f"{base}/api/v1/roles", json={"roles": ROLES})
    assert r.status_code == 200, r.text
    yield SimpleNamespace(http=http, base=base, fakes=fakes, app=live.app, live=live, config_dir=config_dir)
    http.close()


def new_session(game):
    """A fresh session id."""
    r = game.http.post(f"{game.base}/api/v1/sessions", json={})
    assert r.status_code == 201, r.text
    return r.json()["session_id"]


def chat(game, sid, role_id, message, **extra):
    """POST /chat; the response."""
    return game.http.post(f"{game.base}/api/v1/sessions/{sid}/chat",
                          json={"role_id": role_id, "message": message, **extra})


def sse_events(text):
    """[(event name or None, parsed data)] from an SSE body."""
    out = []
    for block in text.strip().split("\n\n"):
        event, data = None, []
        for line in block.splitlines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data and data != ["[DONE]"]:  # OpenAI's terminator carries no JSON
            out.append((event, json.loads("\n".join(data))))
    return out
