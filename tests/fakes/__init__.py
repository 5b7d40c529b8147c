"""Fake LLM provider servers on 127.0.0.1 for tests and benchmarks (real HTTP, no mocking).

    from tests.fakes import FakeProvider
    with FakeProvider("open_ai", reply="Hi") as fake:
        ...  # point a client at fake.base_url; inspect fake.requests / fake.last("chat")

Kinds, and the base URL each client takes (fake.url is http://127.0.0.1:PORT; our adapters take
fake.base_url as Call.base_url):

* open_ai:     base_url = url + "/v1".      SDK: OpenAI(base_url=fake.base_url, api_key=..., max_retries=0)
* open_router: base_url = url + "/api/v1".  SDK: as OpenAI, plus default_headers={"HTTP-Referer", "X-Title"}
* custom:      base_url = url + "/v1".      SDK: as OpenAI. Errors use the flat (older vLLM) body shape.
* azure:       base_url = url + "/openai" (the adapter sees Azure from the path; or url with profile
               options {"azure": true}).   SDK: AzureOpenAI(azure_endpoint=fake.url,
               api_version="2024-10-21", max_retries=0)
* anthropic:   base_url = url (no /v1).     SDK: Anthropic(base_url=fake.url, max_retries=0)
* gemini:      base_url = url (the adapter adds /v1beta; /v1 is served too).
               SDK: genai.Client(api_key=..., http_options={"base_url": fake.url, "api_version": "v1beta"})
* ollama:      base_url = url (native /api/chat, /api/tags).

Scripting (attributes or constructor keywords): reply, chunks, models, page_size (Anthropic/Gemini
pagination), usage=(prompt, completion), finish_reason, required_key (wrong/missing key -> the provider's
own auth error; OpenAI's quotes the key it got, like the real API), strict_models (unknown model -> 404),
stall, chunk_delay, close_after, error_after, malformed, gate (threading.Event held after the first
delta), chunked (False: close-delimited stream), and fail(status, message=None, body=None, headers=None,
times=1, on=None|"chat"|"models") to queue error answers (e.g. headers={"Retry-After": "0"}).
Embeddings, in each wire format: POST {base}/embeddings (OpenAI family; Azure: /openai/deployments/{d}/embeddings),
Gemini models/{m}:embedContent and :batchEmbedContents (no usage, as the real API), Ollama /api/embed; the vectors
are deterministic (wire.fake_vector: 4 numbers, or `dimensions` / `outputDimensionality` of them).
Every request is recorded as Recorded(method, path, query, headers (lower-case), body, raw).
"""

from .server import FakeProvider, Recorded

KINDS = ("open_ai", "open_router", "custom", "azure", "anthropic", "gemini", "ollama")

__all__ = ["FakeProvider", "Recorded", "KINDS"]
