"""Ollama `Pull model` over the JSON API (issue 16 item 14): a background pull per server and model, its
progress, cancel, the refreshed model list; and the Ollama local parameters on the wire."""

import threading
import time

from .api_client import http, tc  # noqa: F401 (fixtures)

PULL = "/api/llm/ollama/pull"


def wait_for(http, fake, model, state, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = http.get(f"{PULL}?model={model}&url={fake.url}").body
        if body.get("state") == state:
            return body
        time.sleep(0.02)
    raise AssertionError(f"the pull never reached {state}: {body}")


def test_pull_runs_in_the_background_and_ends_in_the_list(http, fake_provider, provider_env):
    fake = fake_provider("ollama", pull_layers=2, pull_steps=4)
    reply = http.post(PULL, {"model": "phi3:mini", "url": fake.url})
    assert reply.status == 202, reply.text
    assert reply.body["model"] == "phi3:mini" and reply.body["state"] in ("running", "done")
    done = wait_for(http, fake, "phi3:mini", "done")
    assert done["status"] == "success" and done["percent"] == 100
    assert [layer["total"] for layer in done["layers"]] == [1000, 2000]
    assert done["completed"] == done["total"] == 3000
    assert "phi3:mini" in done["models"]
    assert fake.last("pull").body == {"model": "phi3:mini", "stream": True}
    # The model cache was refreshed: the list without ?refresh has it.
    models = http.post("/api/llm/models", {"provider": "ollama", "url": fake.url}).body["models"]
    assert "phi3:mini" in models


def test_progress_is_shown_while_it_runs_and_a_cancel_stops_it(http, fake_provider, provider_env):
    gate = threading.Event()
    fake = fake_provider("ollama", pull_steps=4, pull_gate=gate)
    http.post(PULL, {"model": "big-model", "url": fake.url})
    deadline = time.monotonic() + 10
    while True:
        body = http.get(f"{PULL}?model=big-model&url={fake.url}").body
        if body["layers"] or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert body["state"] == "running" and body["layers"][0]["completed"] == 0 and body["total"] == 1000
    assert body["status"].startswith("pulling ")
    # A second start while it runs is the same pull.
    assert http.post(PULL, {"model": "big-model:latest", "url": fake.url + "/"}).status == 202
    assert fake.count("pull") == 1
    cancelled = http.post(f"{PULL}/cancel", {"model": "big-model", "url": fake.url})
    assert cancelled.status == 200 and cancelled.body["state"] == "cancelled"
    gate.set()
    time.sleep(0.2)  # the worker reads on and leaves; the outcome stays "cancelled"
    assert http.get(f"{PULL}?model=big-model&url={fake.url}").body["state"] == "cancelled"


def test_a_failed_pull_says_why(http, fake_provider, provider_env):
    fake = fake_provider("ollama", pull_error="pull model manifest: file does not exist")
    http.post(PULL, {"model": "no-such-model", "url": fake.url})
    failed = wait_for(http, fake, "no-such-model", "failed")
    assert "file does not exist" in failed["error"]


def test_pull_inputs_and_unknown_pulls(tc):
    assert tc.post(PULL, {"model": "", "url": "http://127.0.0.1:9"}).status == 400
    assert tc.post(PULL, {"model": "two words", "url": "http://127.0.0.1:9"}).status == 400
    assert tc.post(PULL, {"model": "x", "url": "ftp://nope"}).status == 400
    assert tc.get(f"{PULL}?model=never&url=http://127.0.0.1:9").status == 404
    assert tc.post(f"{PULL}/cancel", {"model": "never", "url": "http://127.0.0.1:9"}).status == 404


def test_a_stored_token_is_not_sent_to_another_server(http, fake_provider, provider_env):
    home, other = fake_provider("ollama"), fake_provider("ollama")
    assert http.put("/api/llm/credentials/ollama", {"url": home.url, "token": "tok-secret-000001"}).status == 200
    reply = http.post(PULL, {"model": "phi3", "url": other.url})
    assert reply.status == 400 and "token" in reply.body["fields"]
    assert other.count() == 0
    assert http.post(PULL, {"model": "phi3"}).status == 202  # the stored server gets its stored token
    wait_for(http, home, "phi3", "done")
    assert home.last("pull").headers["authorization"] == "Bearer tok-secret-000001"
