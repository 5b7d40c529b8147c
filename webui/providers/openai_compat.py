"""The OpenAI Chat Completions wire format: OpenAI, OpenRouter and any compatible server, Azure included."""

from urllib.parse import parse_qs, quote, urlsplit

from webui import settings
from webui.catalog import PARAMS
from webui.errors import MalformedResponse, ProviderRequestError
from webui.providers import sse, transport
from webui.providers.base import ProviderAdapter
from webui.providers.openai_parts import plain_server_body, without_cache_marks
from webui.providers.results import Delta, finish_body, openai_usage

SAMPLING = tuple(name for name in PARAMS if name not in ("max_tokens", "context_window"))
AZURE_API_VERSION = "2024-10-21"  # the GA data-plane version
AZURE_HOST_SUFFIXES = (".openai.azure.com", ".cognitiveservices.azure.com")
MAX_TOKEN_FIELDS = ("max_tokens", "max_completion_tokens")
PLAIN_DELTA = frozenset(("content",))
# Base URLs of servers that answered 400 to stream_options: asked no more (per process).
NO_STREAM_USAGE = set()


def with_request_id(headers, call):
    """The headers plus X-Request-Id (the caller's request id; OpenAI-format servers log it or ignore it)."""
    if call.request_id:
        headers = dict(headers, **{"X-Request-Id": call.request_id})
    return headers


class OpenAICompatAdapter(ProviderAdapter):
    """Chat Completions with Bearer auth; subclasses set the max-tokens field name and extra headers."""

    max_tokens_field = "max_tokens"
    stream_usage = True  # ask for the final usage chunk (stream_options.include_usage)

    def headers(self, api_key):
        """Auth plus any provider-specific headers."""
        return self.auth_headers(api_key)

    def chat_url(self, call):
        """(url, query params) of the chat endpoint."""
        return f"{self.base_url(call.base_url)}/chat/completions", None

    def asks_stream_usage(self, call):
        """Whether a stream asks for the final usage chunk (not from servers known to reject stream_options)."""
        return self.stream_usage and self.base_url(call.base_url) not in NO_STREAM_USAGE

    def body(self, call, messages, stream):
        """The JSON body: the profile's parameters, then extra_params (None-valued fields left out), then every
        field the caller sent, as sent (messages included: tool calls, tool results and images pass unchanged)."""
        p, asked = call.profile, call.request
        body = {
            "model": p.get("model"),
            "messages": list(messages),
            # The sampling parameters keep their names on this wire; max_tokens is renamed per provider.
            **{name: p.get(name) for name in SAMPLING},
            self.max_tokens_field: p.get("max_tokens"),
        }
        if (p.get("options") or {}).get("json_mode"):
            body["response_format"] = {"type": "json_object"}
        if asked and any(asked.get(name) is not None for name in MAX_TOKEN_FIELDS):
            del body[self.max_tokens_field]  # the caller's own field alone: servers refuse both at once
        body = finish_body(body, p)
        if asked:  # null means "not set": the profile's value stays (it is not sent as null)
            body.update((k, v) for k, v in asked.items()
                        if v is not None and k not in ("model", "messages", "stream", "stream_options"))
        if stream:
            body["stream"] = True
            options = {"include_usage": True} if self.asks_stream_usage(call) else {}
            options.update((asked or {}).get("stream_options") or {})
            if options:
                body["stream_options"] = options
        return body

    def request(self, call, messages, stream):
        key = self.key_of(call)
        url, params = self.chat_url(call)
        if params:
            url += "?" + "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())
        return url, self.body(call, messages, stream), with_request_id(self.headers(key), call)

    def parse_reply(self, data, call):
        choices = data.get("choices") if isinstance(data, dict) else None
        if not choices or not isinstance(choices[0], dict):
            raise MalformedResponse(f"{self.label} sent a reply without choices", provider=self.label)
        choice = choices[0]
        used = data.get("usage") if isinstance(data.get("usage"), dict) else None
        message = choice.get("message") or {}
        text = _text_of(message.get("content"))
        return text, openai_usage(used), choice.get("finish_reason"), data.get("model"), \
            {"tool_calls": message.get("tool_calls"), "wire": data, "wire_usage": used,
             "reasoning": message.get("reasoning_content") or message.get("reasoning")}

    def parse_stream(self, resp, call, state, secrets):
        for event in sse.iter_sse(self.lines(resp, secrets)):
            if event.data.strip() == "[DONE]":
                state.done = True
                return
            chunk = transport.parse_json(event.data, label=self.label, what="stream event")
            if not isinstance(chunk, dict):
                raise MalformedResponse(f"{self.label} sent a stream event that is not an object", provider=self.label)
            if chunk.get("error") or event.event == "error":
                raise self.payload_error(chunk.get("error") or chunk, secrets, call.profile.get("model"))
            state.model = chunk.get("model") or state.model
            state.system_fingerprint = chunk.get("system_fingerprint") or state.system_fingerprint
            if isinstance(chunk.get("usage"), dict):
                state.wire_usage = chunk["usage"]
                counts = openai_usage(chunk["usage"])
                state.prompt_tokens, state.completion_tokens = counts["prompt_tokens"], counts["completion_tokens"]
                state.cache_read, state.cache_write = counts.get("cache_read_tokens"), counts.get("cache_write_tokens")
            # Azure's first chunk and the usage chunk have choices: [] - nothing to index.
            for choice in chunk.get("choices") or []:
                if not isinstance(choice, dict):
                    continue
                index = choice.get("index") or 0
                delta = {k: v for k, v in (choice.get("delta") or {}).items() if v is not None and k != "role"}
                text = _text_of(delta.get("content"))
                if index == 0 and isinstance(delta.get("reasoning_content"), str):
                    state.reasoning.append(delta["reasoning_content"])
                if index == 0 and delta.keys() <= PLAIN_DELTA and not choice.get("logprobs"):
                    if text:
                        yield text  # the plain path: text only
                elif delta or choice.get("logprobs") or (index and choice.get("finish_reason")):
                    yield Delta(delta, choice.get("logprobs"), text, index,
                                choice.get("finish_reason") if index else None)
                if index == 0 and choice.get("finish_reason"):
                    state.finish_reason = choice["finish_reason"]
        # Some compatible servers end without [DONE]; a finish_reason shows the reply completed.
        state.done = state.finish_reason is not None

    def models_url(self, base_url):
        """(url, query params) of the model list."""
        return f"{self.base_url(base_url)}/models", None

    def list_models(self, api_key, base_url, token=None):
        if self.key_required and not api_key:
            raise self.missing_key()
        url, params = self.models_url(base_url)
        data = self.get_json(url, secrets=self.secrets(api_key), headers=self.headers(api_key), params=params)
        items = data.get("data") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise MalformedResponse(f"{self.label} sent a model list without data", provider=self.label)
        return _unique(item.get("id") if isinstance(item, dict) else item for item in items)


class OpenAIAdapter(OpenAICompatAdapter):
    """api.openai.com: max_completion_tokens; listing models proves the key."""

    id = "open_ai"
    max_tokens_field = "max_completion_tokens"

    def body(self, call, messages, stream):
        """As sent, less Anthropic's `cache_control` marks on content parts (OpenAI caches by itself and
        refuses fields it does not know)."""
        return super().body(call, [without_cache_marks(m) for m in messages], stream)

    def check(self, call):
        self.list_models(self.key_of(call), call.base_url)


class OpenRouterAdapter(OpenAICompatAdapter):
    """openrouter.ai: max_tokens, attribution headers; the model list is public so test() completes 1 token."""

    id = "open_router"

    def headers(self, api_key):
        config = settings.current()
        title = config.openrouter_title
        return dict(super().headers(api_key), **{
            "HTTP-Referer": config.openrouter_referer,
            "X-OpenRouter-Title": title,
            "X-Title": title,  # the older name, still read by OpenRouter
        })

    def list_models(self, api_key, base_url, token=None):
        url, _ = self.models_url(base_url)
        # No key sent (the list is public), but the caller's key is still scrubbed from whatever comes back.
        data = self.get_json(url, secrets=self.secrets(api_key), headers=self.headers(None))
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise MalformedResponse("OpenRouter sent a model list without data", provider=self.label)
        return _unique(item.get("id") for item in items if isinstance(item, dict))


class CustomAdapter(OpenAICompatAdapter):
    """Any OpenAI-compatible server (LM Studio, llama.cpp, vLLM, Ollama /v1) and Azure OpenAI deployments.

    The base URL is used as given, except a bare origin (no path) gets `/v1`. The key is optional.
    A profile is Azure (deployment URL, `api-key` header, `?api-version=`) when its base URL's host ends
    with .openai.azure.com or .cognitiveservices.azure.com, or its path ends with /openai (the documented
    Azure base URL) or contains /openai/deployments/, or its options say `"azure": true` or give an
    `api_version`. The path and options rules work on any host, so loopback fakes are testable; model
    listing (which sees no profile) goes by the URL rules only. Azure's endpoint is the URL up to
    `/openai`; the deployment is the profile's model; the api-version is options.api_version, else the
    URL's own `api-version`, else 2024-10-21. Azure's `/openai/v1` URLs are the new plain OpenAI-compatible API and are NOT treated as deployments.
    """

    id = "custom"
    # Servers that reject stream_options (older local ones) are asked once, then remembered (NO_STREAM_USAGE).
    stream_usage = True

    def stream(self, call, messages):
        """The stream; a 400 to the stream_options we added is retried once without them, and remembered."""
        asked = self.asks_stream_usage(call) and not (call.request or {}).get("stream_options") and \
            not is_azure(call.base_url, call.profile)
        inner = super().stream(call, messages)
        try:
            first = next(inner)
        except ProviderRequestError as exc:
            if not asked or exc.upstream_status != 400 or exc.details.get("upstream_code") == "context_length_exceeded":
                raise
            where = self.base_url(call.base_url)
            NO_STREAM_USAGE.add(where)
            inner = super().stream(call, messages)
            try:
                first = next(inner)
            except ProviderRequestError:
                NO_STREAM_USAGE.discard(where)  # not about stream_options after all
                raise
        try:
            yield first
            yield from inner
        finally:
            inner.close()

    def base_url(self, base_url):
        url = super().base_url(base_url)
        return url + "/v1" if urlsplit(url).path in ("", "/") else url

    def chat_url(self, call):
        if not is_azure(call.base_url, call.profile):
            return super().chat_url(call)
        deployment = quote(str(call.profile.get("model") or ""), safe="")
        return f"{azure_endpoint(call.base_url)}/openai/deployments/{deployment}/chat/completions", {
            "api-version": azure_api_version(call.base_url, call.profile)}

    def request(self, call, messages, stream):
        url, body, headers = super().request(call, messages, stream)
        if is_azure(call.base_url, call.profile):
            headers = with_request_id({"api-key": call.api_key} if call.api_key else {}, call)
            if stream:
                body.setdefault("stream_options", {"include_usage": True})
        else:
            body = plain_server_body(body, call.profile)
        return url, body, headers

    def models_url(self, base_url):
        if is_azure(base_url, {}):
            return f"{azure_endpoint(base_url)}/openai/models", {"api-version": azure_api_version(base_url, {})}
        return super().models_url(base_url)

    def list_models(self, api_key, base_url, token=None):
        if is_azure(base_url, {}):
            url, params = self.models_url(base_url)
            headers = {"api-key": api_key} if api_key else {}
            data = self.get_json(url, secrets=self.secrets(api_key), headers=headers, params=params)
            return _unique(m.get("id") for m in (data.get("data") or []) if isinstance(m, dict))
        return super().list_models(api_key, base_url, token)


def is_azure(base_url, profile):
    """True when the profile targets an Azure OpenAI deployment (see CustomAdapter)."""
    opts = (profile or {}).get("options") or {}
    if opts.get("azure") or opts.get("api_version"):
        return True
    parts = urlsplit(base_url or "")
    if "/openai/v1" in parts.path:
        return False
    path = parts.path.rstrip("/")
    return (parts.hostname or "").endswith(AZURE_HOST_SUFFIXES) or path.endswith("/openai") or \
        "/openai/deployments/" in path


def azure_endpoint(base_url):
    """scheme://host[/prefix] before any /openai path."""
    parts = urlsplit(base_url or "")
    path = parts.path.split("/openai", 1)[0].rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}"


def azure_api_version(base_url, profile):
    """options.api_version, else the URL's api-version, else the GA default."""
    opts = (profile or {}).get("options") or {}
    from_url = parse_qs(urlsplit(base_url or "").query).get("api-version")
    return str(opts.get("api_version") or (from_url[0] if from_url else AZURE_API_VERSION))


def _text_of(content):
    """Message content as text: a string, or the text parts of a content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text") or "" for p in content if isinstance(p, dict))
    return ""


def _unique(ids):
    """Non-empty string ids, first occurrence kept, provider order."""
    seen, out = set(), []
    for i in ids:
        if isinstance(i, str) and i and i not in seen:
            seen.add(i)
            out.append(i)
    return out
