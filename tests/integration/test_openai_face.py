"""The OpenAI-compatible face, driven by the official `openai` SDK and by raw HTTP."""

import json

import openai
import pytest
import requests

from .chat_helpers import KEY_A, game  # noqa: F401 (fixture)


@pytest.fixture
def token(game):
    """A fresh API token (Bearer) for the live app."""
    _record, plaintext = game.app.extensions["triplo"].auth.create_token("sdk-test")
    return plaintext


@pytest.fixture
def client(game, token):
    """The openai SDK pointed at our /v1 with the Bearer token."""
    with openai.OpenAI(base_url=f"{game.base}/v1", api_key=token, max_retries=0, timeout=10) as sdk:
        yield sdk


def test_models_lists_profiles_and_roles(client):
    ids = [m.id for m in client.models.list()]
    assert ids == ["alpha", "beta", "gamma", "role:gm", "role:npc", "role:bard"]
    assert client.models.retrieve("role:gm").id == "role:gm"


@pytest.mark.parametrize("model, fake, answer", [
    ("alpha", "a", "Alpha speaks now"),       # a profile id
    ("Beta Local", "b", "Beta says hello"),   # a profile name
    ("role:bard", "c", "Gamma sings a song"),  # a role: its profile and its prompt
])
def test_sdk_chat_completion(game, client, model, fake, answer):
    done = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Hi"}], temperature=0.3)
    assert done.object == "chat.completion" and done.model == model
    assert done.choices[0].message.content == answer and done.choices[0].finish_reason == "stop"
    assert done.usage.prompt_tokens == 11 and done.usage.completion_tokens == 7 and done.usage.total_tokens == 18
    sent = getattr(game.fakes, fake).last()
    assert sent.body["temperature"] == 0.3  # the request's sampling fields tune the profile for this call


def test_role_model_sends_the_role_prompt(game, client):
    client.chat.completions.create(model="role:gm", messages=[{"role": "user", "content": "Begin"}])
    assert game.fakes.a.last("chat").body["messages"] == [
        {"role": "system", "content": "You narrate the adventure."}, {"role": "user", "content": "Begin"}]


def test_sdk_streaming_with_usage(client):
    stream = client.chat.completions.create(model="alpha", messages=[{"role": "user", "content": "Hi"}],
                                            stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Alpha speaks now"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 7


def test_raw_stream_wire_format(game, token):
    r = requests.post(f"{game.base}/v1/chat/completions", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                      json={"model": "beta", "stream": True, "messages": [{"role": "user", "content": "Hi"}]})
    assert r.headers["Content-Type"].startswith("text/event-stream")
    frames = [f for f in r.text.split("\n\n") if f]
    assert all(f.startswith("data: ") for f in frames) and frames[-1] == "data: [DONE]"
    first = json.loads(frames[0][6:])
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""} and "usage" not in first


def test_errors_in_openai_shape(game, client, token):
    with pytest.raises(openai.NotFoundError) as err:
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    assert err.value.code == "model_not_found" and err.value.param == "model"
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="alpha", messages=[])
    assert err.value.param == "messages"
    bad = openai.OpenAI(base_url=f"{game.base}/v1", api_key="wrong-token", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
    game.fakes.a.fail(400, "context_length_exceeded upstream")
    r = requests.post(f"{game.base}/v1/chat/completions", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                      json={"model": "alpha", "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 400  # the upstream's 4xx keeps its status (SPEC §5.1), so clients do not retry
    error = r.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["type"] == "invalid_request_error"
    assert "context_length_exceeded upstream" in error["message"] and KEY_A not in r.text


def test_basic_auth_works_too(game):
    r = game.http.post(f"{game.base}/v1/chat/completions",
                       json={"model": "gamma", "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 200 and r.headers["X-Triplo-Profile-Id"] == "gamma"
    assert r.json()["choices"][0]["message"]["content"] == "Gamma sings a song"


def test_nothing_is_stored(game, client):
    client.chat.completions.create(model="alpha", messages=[{"role": "user", "content": "x"}])
    assert game.http.get(f"{game.base}/api/v1/sessions").json()["sessions"] == []
