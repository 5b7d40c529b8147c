"""Issue 24, item 3: a pull that makes progress outlives WEBUI_PROVIDER_TOTAL_TIMEOUT (progress extends its
deadline, as streams do); concurrent pulls (WEBUI_MAX_PULLS) and tracked layers (WEBUI_MAX_PULL_LAYERS) are capped."""

import threading

from .api_client import tc  # noqa: F401 (fixture)
from .test_ollama_pull_api import PULL, wait_for


def test_item3_a_pull_making_progress_outlives_the_provider_deadline(tc, fake_provider, provider_env, monkeypatch):
    monkeypatch.setenv("WEBUI_PROVIDER_TOTAL_TIMEOUT", "1")
    fake = fake_provider("ollama", pull_layers=2, pull_steps=12, chunk_delay=0.1)  # ~3 s of steady progress
    assert tc.post(PULL, {"model": "slow-but-steady", "url": fake.url}).status == 202
    done = wait_for(tc, fake, "slow-but-steady", "done", seconds=30)
    assert done["percent"] == 100 and done["error"] is None


def test_item3_concurrent_pulls_are_capped(tc, fake_provider, provider_env, monkeypatch):
    monkeypatch.setenv("WEBUI_MAX_PULLS", "2")
    gate = threading.Event()
    fake = fake_provider("ollama", pull_gate=gate)
    try:
        for i in range(2):
            assert tc.post(PULL, {"model": f"held-{i}", "url": fake.url}).status == 202
        refused = tc.post(PULL, {"model": "third", "url": fake.url})
        assert refused.status == 429 and "WEBUI_MAX_PULLS" in refused.text, refused.text
        assert tc.post(PULL, {"model": "held-0", "url": fake.url}).status == 202  # the running one, not a new one
    finally:
        gate.set()
    wait_for(tc, fake, "held-0", "done")
    wait_for(tc, fake, "held-1", "done")
    assert tc.post(PULL, {"model": "third", "url": fake.url}).status == 202  # a slot came back


def test_item3_tracked_layers_per_pull_are_capped(tc, fake_provider, provider_env, monkeypatch):
    monkeypatch.setenv("WEBUI_MAX_PULL_LAYERS", "5")
    fake = fake_provider("ollama", pull_layers=40, pull_steps=1)
    assert tc.post(PULL, {"model": "many-layers", "url": fake.url}).status == 202
    done = wait_for(tc, fake, "many-layers", "done")
    assert len(done["layers"]) == 5 and done["untracked_layers"] == 35 * 2, done["untracked_layers"]
