"""POST /v1/embeddings driven by the official openai SDK against fakes of each format that has embeddings."""

from types import SimpleNamespace

import openai
import pytest

from tests.app_fixtures import BASIC, http_session

KEY = "key-embeddings-0000-secret"
KINDS = ("open_ai", "custom", "gemini", "ollama", "anthropic")
PRICING = {"input_per_mtok": 2.0, "output_per_mtok": 0.0}


@pytest.fixture
def face(provider_env, fake_provider, live_server):
    """A live app with one profile per provider kind (ids = kinds), priced, and the SDK pointed at it."""
    fakes = {kind: fake_provider(kind) for kind in KINDS}
    live = live_server()
    http = http_session(live.url, BASIC)
    profiles = [{"id": kind, "name": kind, "provider_type": kind, "model": f"embed-{kind}",
                 "base_url": fakes[kind].base_url, "api_key": KEY, "pricing": PRICING} for kind in KINDS]
    r = http.post(f"{live.url}/api/v1/profiles?restart=false",
                  json={"default_profile_id": "open_ai", "llm_profiles": profiles})
    assert r.status_code == 200, r.text
    _record, token = live.app.extensions["triplo"].auth.create_token("embeddings")
    sdk = openai.OpenAI(base_url=f"{live.url}/v1", api_key=token, max_retries=0, timeout=10)
    yield SimpleNamespace(fakes=fakes, sdk=sdk, http=http, base=live.url, token=token, app=live.app)
    sdk.close()
    http.close()


UPSTREAM = {  # what each provider's endpoint received, in its own words
    "open_ai": ("/v1/embeddings", lambda b: b["input"] == ["a b", "c"] and b["model"] == "embed-open_ai"),
    "custom": ("/v1/embeddings", lambda b: b["input"] == ["a b", "c"]),
    "gemini": ("/v1beta/models/embed-gemini:batchEmbedContents",
               lambda b: [r["content"]["parts"][0]["text"] for r in b["requests"]] == ["a b", "c"]
               and b["requests"][0]["model"] == "models/embed-gemini"),
    "ollama": ("/api/embed", lambda b: b == {"model": "embed-ollama", "input": ["a b", "c"]}),
}


@pytest.mark.parametrize("kind", ["open_ai", "custom", "gemini", "ollama"])
def test_embeddings_each_format(face, kind):
    done = face.sdk.embeddings.create(model=kind, input=["a b", "c"])  # the SDK asks for base64 by default
    assert [d.index for d in done.data] == [0, 1] and all(len(d.embedding) == 4 for d in done.data)
    assert done.model == kind
    path, check = UPSTREAM[kind]
    sent = face.fakes[kind].last()
    assert sent.path == path and check(sent.body), sent.body
    floats = face.sdk.embeddings.create(model=kind, input=["a b", "c"], encoding_format="float")
    assert [round(x, 5) for x in floats.data[0].embedding] == [round(x, 5) for x in done.data[0].embedding]


def test_single_input_dimensions_and_usage(face):
    done = face.sdk.embeddings.create(model="gemini", input="one text", dimensions=8)
    sent = face.fakes["gemini"].last()
    assert sent.path.endswith(":embedContent") and sent.body["outputDimensionality"] == 8
    assert len(done.data[0].embedding) == 8
    done = face.sdk.embeddings.create(model="open_ai", input="three word text")
    assert done.usage.prompt_tokens == 3 and done.usage.total_tokens == 3


def test_usage_and_cost_in_the_ledger(face):
    r = face.http.post(f"{face.base}/v1/embeddings", json={"model": "ollama", "input": ["one two", "three"]},
                       headers={"Authorization": f"Bearer {face.token}"}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["X-Triplo-Profile-Id"] == "ollama" and "X-Gateway-Overhead-Ms" in r.headers
    ledger = face.app.extensions["triplo"].usage
    ledger.flush()
    rows = ledger._conn().execute("SELECT profile_id, api, prompt_tokens, outcome FROM usage").fetchall()
    assert [tuple(row) for row in rows] == [("ollama", "v1", 3, "ok")]
    # Ollama is local, so free; a priced OpenAI profile costs 2 USD per million input tokens.
    r = face.http.post(f"{face.base}/v1/embeddings", json={"model": "open_ai", "input": "a b c d e"},
                       headers={"Authorization": f"Bearer {face.token}"}, timeout=10)
    assert r.headers["X-Request-Cost"] == "0.00001"


def test_anthropic_and_bad_input_are_clear_400s(face):
    with pytest.raises(openai.BadRequestError) as err:
        face.sdk.embeddings.create(model="anthropic", input="x")
    assert err.value.param == "model" and "embeddings" in err.value.message
    with pytest.raises(openai.BadRequestError) as err:
        face.sdk.embeddings.create(model="gemini", input=[[1, 2, 3]])
    assert err.value.param == "input"
    with pytest.raises(openai.BadRequestError) as err:
        face.sdk.embeddings.create(model="open_ai", input="x", extra_body={"frobnicate": 1})
    assert err.value.param == "frobnicate"
    with pytest.raises(openai.NotFoundError):
        face.sdk.embeddings.create(model="nope", input="x")
    assert face.fakes["anthropic"].count() == 0


def test_azure_deployment_embeddings(provider_env, fake_provider, live_server):
    fake = fake_provider("azure")
    live = live_server()
    profile = {"id": "az", "name": "az", "provider_type": "custom", "model": "my-embedder", "base_url": fake.base_url,
               "api_key": KEY}
    with http_session(live.url, BASIC) as http:
        assert http.post(f"{live.url}/api/v1/profiles?restart=false",
                         json={"default_profile_id": "az", "llm_profiles": [profile]}).status_code == 200
        r = http.post(f"{live.url}/v1/embeddings", json={"model": "az", "input": "hello there"}, timeout=10)
    assert r.status_code == 200 and len(r.json()["data"][0]["embedding"]) == 4
    sent = fake.last()
    assert sent.path == "/openai/deployments/my-embedder/embeddings" and sent.query["api-version"]
    assert sent.headers["api-key"] == KEY
