"""Ollama's native API: /api/chat (JSON or NDJSON stream), /api/tags; an optional Bearer token."""

from webui.errors import MalformedResponse, ModelNotFound
from webui.providers import openai_parts as parts
from webui.providers import sse
from webui.providers.base import ProviderAdapter
from webui.providers.results import finish_body, usage


def _bare(name):
    """A model name with the implicit :latest tag made explicit, for comparing names."""
    name = str(name or "")
    return name if ":" in name else f"{name}:latest"


class OllamaAdapter(ProviderAdapter):
    """A local (or ollama.com) server. The URL is the credential; the token is optional."""

    id = "ollama"

    def base_url(self, base_url):
        url = super().base_url(base_url)
        # People paste the OpenAI-compatible URL (…/v1) or …/api; the native API lives at the root.
        for suffix in ("/v1", "/api"):
            if url.endswith(suffix):
                return url[: -len(suffix)]
        return url

    def headers(self, token):
        return self.auth_headers(token)

    def request(self, call, messages, stream):
        p = call.profile
        local = p.get("options") if isinstance(p.get("options"), dict) else {}  # num_ctx, num_gpu, keep_alive
        fields = self.face_fields(call)  # the caller's parameters, by the table in face_params
        options = {
            "temperature": p.get("temperature"),
            "top_p": p.get("top_p"),
            "presence_penalty": p.get("presence_penalty"),
            "frequency_penalty": p.get("frequency_penalty"),
            "num_predict": p.get("max_tokens"),
            "num_ctx": local.get("num_ctx") or p.get("context_window"),
            "num_gpu": local.get("num_gpu"),
            "stop": parts.stop_list(fields["stop"]) if "stop" in fields else None,
            "seed": fields.get("seed"),
            "top_k": fields.get("top_k"),
        }
        schema = ((fields.get("response_format") or {}).get("json_schema") or {}).get("schema")
        body = {
            "model": p.get("model"),
            "messages": [self.message(call, i, m) for i, m in enumerate(messages)],
            "stream": bool(stream),  # Ollama streams by default: say false explicitly
            "options": {k: v for k, v in options.items() if v is not None} or None,
            "format": schema or ("json" if local.get("json_mode") else None),
            "keep_alive": local.get("keep_alive"),  # top level, not in options (Ollama's API)
        }
        url = f"{self.base_url(call.base_url)}/api/chat"
        return url, finish_body(body, p), self.headers(call.token or call.api_key)

    def message(self, call, index, m):
        """One message in Ollama's terms: text content, data-URL images as base64, developer as system."""
        out = {"role": "system" if m.get("role") == "developer" else m.get("role"),
               "content": parts.text_of(m.get("content"))}
        images = []
        for part in m.get("content") if isinstance(m.get("content"), list) else ():
            if part.get("type") == "image_url":
                inline = parts.data_url(parts.image_url(part))
                if inline:
                    images.append(inline[1])
                else:
                    self.refuse(call, f"messages[{index}].content", "has an image URL that is not a data: URL")
            elif part.get("type") != "text":
                self.refuse(call, f"messages[{index}].content", f"has a '{part.get('type')}' part")
        if images:
            out["images"] = images
        return out

    def parse_reply(self, data, call):
        if not isinstance(data, dict) or not isinstance(data.get("message"), dict):
            raise MalformedResponse("Ollama sent a reply without a message", provider=self.label)
        return (data["message"].get("content") or "", usage(data.get("prompt_eval_count"), data.get("eval_count")),
                data.get("done_reason"), data.get("model"))

    def parse_stream(self, resp, call, state, secrets):
        for line in sse.iter_ndjson(self.lines(resp, secrets), self.label):
            if not isinstance(line, dict):
                raise MalformedResponse("Ollama sent a stream line that is not an object", provider=self.label)
            if line.get("error"):
                raise self.payload_error(line["error"], secrets, call.profile.get("model"))
            text = (line.get("message") or {}).get("content")
            if text:
                yield text
            state.model = line.get("model") or state.model
            if line.get("done"):
                state.finish_reason = line.get("done_reason") or "stop"
                state.prompt_tokens, state.completion_tokens = line.get("prompt_eval_count"), line.get("eval_count")
                state.done = True
                return

    def list_models(self, api_key, base_url, token=None):
        secret = token or api_key
        data = self.get_json(f"{self.base_url(base_url)}/api/tags", secrets=self.secrets(secret),
                             headers=self.headers(secret))
        if not isinstance(data, dict) or not isinstance(data.get("models"), list):
            raise MalformedResponse("Ollama sent a model list without models", provider=self.label)
        names = [m.get("name") or m.get("model") for m in data["models"] if isinstance(m, dict)]
        return list(dict.fromkeys(n for n in names if isinstance(n, str) and n))

    def check(self, call):
        # /api/tags proves the server answers; a model that is not pulled would fail every chat.
        model = call.profile.get("model")
        names = self.list_models(call.api_key, call.base_url, call.token)
        if model and _bare(model) not in {_bare(n) for n in names}:
            raise ModelNotFound(f"Ollama has no model '{model}': pull it first (ollama pull {model})",
                                provider=self.label)

    def pull(self, base_url, token, model):
        """POST /api/pull: its NDJSON status lines ({"status", "digest", "total", "completed"}) as they arrive."""
        secrets = self.secrets(token)
        resp = self.send("POST", f"{self.base_url(base_url)}/api/pull", secrets=secrets, headers=self.headers(token),
                         json_body={"model": model, "stream": True}, stream=True, model=model)
        with resp:
            for line in sse.iter_ndjson(self.lines(resp, secrets), self.label):
                if not isinstance(line, dict):
                    raise MalformedResponse("Ollama sent a pull status that is not an object", provider=self.label)
                if line.get("error"):
                    raise self.payload_error(line["error"], secrets, model)
                resp.progress()  # a pull making progress is bounded by idle time, as streams are, not by length
                yield line
