"""Set-up for the Anthropic Messages face tests: one fake per upstream format, a profile on each, a role, a token."""

import json
from types import SimpleNamespace

import anthropic
import pytest

from tests.app_fixtures import BASIC, http_session

KEYS = {"oa": "key-openai-0000-secret", "cu": "key-custom-1111-secret", "an": "key-anthropic-2222-secret",
        "ge": "key-gemini-3333-secret"}
KINDS = {"oa": "open_ai", "cu": "custom", "an": "anthropic", "ge": "gemini"}
MODELS = {"oa": "gpt-4o", "cu": "llama-3", "an": "claude-test", "ge": "gemini-2.5-flash"}
REPLIES = {"oa": "OpenAI answers you", "cu": "Custom server answers", "an": "Claude answers you",
           "ge": "Gemini answers you"}


@pytest.fixture
def face(request, provider_env, fake_provider, live_server):
    """A live app with profiles oa (OpenAI), cu (custom), an (Anthropic), ge (Gemini), role `gm` on `an`, a token.
    More environment for one test: @pytest.mark.parametrize("face", [{"WEBUI_X": "1"}], indirect=True)."""
    fakes = {pid: fake_provider(KINDS[pid], reply=REPLIES[pid], required_key=KEYS[pid]) for pid in KINDS}
    live = live_server(**getattr(request, "param", {}))
    http, base = http_session(live.url, BASIC), live.url
    profiles = [{"id": pid, "name": f"Profile {pid}", "provider_type": KINDS[pid], "model": MODELS[pid],
                 "base_url": fakes[pid].base_url, "api_key": KEYS[pid]} for pid in KINDS]
    r = http.post(f"{base}/api/v1/profiles?restart=false", json={"llm_profiles": profiles})
    assert r.status_code == 200, r.text
    roles = [{"id": "gm", "name": "Game Master", "system_prompt": "You narrate.", "ai_config": {"profile_id": "an"}}]
    assert http.put(f"{base}/api/v1/roles", json={"roles": roles}).status_code == 200
    _record, token = live.app.extensions["triplo"].auth.create_token("messages-test")
    sdk = anthropic.Anthropic(base_url=base, api_key=token, max_retries=0, timeout=10)
    yield SimpleNamespace(http=http, base=base, fakes=fakes, app=live.app, token=token, sdk=sdk, live=live)
    sdk.close()
    http.close()


def events(text):
    """[(event, data)] of an SSE body."""
    out = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        name = next((line[6:].strip() for line in lines if line.startswith("event:")), None)
        data = "".join(line[5:].strip() for line in lines if line.startswith("data:"))
        out.append((name, json.loads(data) if data else None))
    return out
