"""OpenAI-compatible face: GET /v1/models and POST /v1/chat/completions over the profiles and roles."""

import json
import logging
import time
import uuid

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from webui.core.anthropic_face import models as anthropic_models
from webui.core.chat import service as chat_ops
from webui.errors import CALLER_STATUSES, ProviderError, UnsupportedParameter, ValidationFailed, WebUIError
from webui.web.capacity import streamed
from webui.web.common import answer, chat, json_body, services
from webui.web.errors import openai_error, retry_headers

bp = Blueprint("openai_face", __name__)
log = logging.getLogger("webui.openai_face")
OWNER = "triplo-webui"


@bp.get("/v1/models")
def models():
    """Profiles by id, then role:<id> entries, in OpenAI's list shape (Anthropic's with an anthropic-version header)."""
    listed = chat_ops.model_list(services().config.view())
    if request.headers.get("anthropic-version"):
        return answer(anthropic_models.page(listed, request.args))
    return answer({"object": "list", "data": [_model(m) for m in listed]})


@bp.get("/v1/models/<path:model_id>")
def model(model_id):
    """One entry of the list (profile id, profile name or role:<id>)."""
    view = services().config.view()
    profile_id, role = chat_ops.resolve_model(view, model_id)
    wanted = chat_ops.ROLE_PREFIX + role["id"] if role else profile_id
    found = next((m for m in chat_ops.model_list(view) if m["id"] == wanted), {})
    if request.headers.get("anthropic-version"):
        return answer(anthropic_models.entry(dict(found, id=model_id)))
    return answer(_model(dict(found, id=model_id)))


def _completion_args(body):
    """(model, messages, tuning, json_mode, request): a completion request's arguments; `request` is every
    other field the caller sent, for the upstream (as sent, translated, or refused by the provider)."""
    tuning = {name: body.get(name) for name in chat_ops.TUNING}
    request = {k: v for k, v in body.items() if k not in _FRAME}
    json_mode = _object(body, "response_format").get("type") == "json_object"
    return body.get("model"), body.get("messages"), tuning, json_mode, request


_FRAME = ("model", "messages", "stream")  # what this face handles itself


def _object(body, name):
    """An optional object field ({} when absent); anything else is a field error, not a crash."""
    value = body.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationFailed({name: "must be an object"})
    return value


def _model(item):
    """OpenAI's model entry, plus the limits clients read when known (context_length as OpenRouter names it)."""
    entry = {"id": item["id"], "object": "model", "created": 0, "owned_by": OWNER}
    if item.get("context_window"):
        entry.update(context_window=item["context_window"], context_length=item["context_window"])
    if item.get("max_output_tokens"):
        entry["max_output_tokens"] = item["max_output_tokens"]
    return entry


@bp.post("/v1/chat/completions")
def chat_completions():
    """A chat completion through the profile `model` names, streamed or not."""
    body = json_body()
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise ValidationFailed({"stream": "must be true or false"})
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if stream:
        include_usage = bool(_object(body, "stream_options").get("include_usage"))

        def start():
            source = chat().complete_stream(*_completion_args(body))
            try:
                first = next(source)  # a failure before any text still gets a proper error status
            except BaseException:
                source.close()
                raise
            return _stream(source, first, completion_id, created, body["model"], include_usage)

        return streamed(start)
    result = chat().complete(*_completion_args(body))
    if result.wire is not None:  # an OpenAI-format upstream: its reply as it came, under the name asked for
        reply = dict(result.wire, model=body["model"])
    else:
        message = {"role": "assistant", "content": result.text, "refusal": None}
        if result.tool_calls:
            message.update(content=result.text or None, tool_calls=result.tool_calls)
        if result.reasoning:  # Anthropic's thinking, Gemini's thought summaries: where several gateways put them
            message["reasoning_content"] = result.reasoning
        reply = {"id": completion_id, "object": "chat.completion", "created": created, "model": body["model"],
                 "choices": [{"index": 0, "message": message, "logprobs": None,
                              "finish_reason": result.finish_reason or "stop"}],
                 "usage": result.wire_usage, "system_fingerprint": None}
    response = answer(reply)
    # `model` echoes the name asked for (this face's namespace); what really answered goes in headers.
    response.headers["X-Triplo-Profile-Id"] = result.used_profile_id
    response.headers["X-Triplo-Model"] = result.model or ""
    if result.fallback_from:
        response.headers["X-Triplo-Fallback-From"] = result.fallback_from
    if result.cost_usd is not None:  # USD; absent when no price is known (streams: the ledger, GET /api/usage)
        response.headers["X-Request-Cost"] = usd_text(result.cost_usd)
    return response


def usd_text(value):
    """A cost as plain decimal text: 0.0075, 0 (never 7.5e-03)."""
    return f"{value:.9f}".rstrip("0").rstrip(".") or "0"


def _stream(source, first, completion_id, created, model_name, include_usage):
    """chat.completion.chunk events (tool-call deltas as they came), the upstream's usage chunk when asked for
    and known, then data: [DONE]."""

    chunk = chunker(completion_id, created, model_name, include_usage)
    text_frame = text_framer(chunk)

    def frames():
        # The role chunk leaves with the first delta, and the closing chunks with [DONE]: one write each
        # instead of several (a socket write is the largest single cost of a delta; bench/README.md).
        opening = chunk({"role": "assistant", "content": ""}).encode()
        item = first
        try:
            while True:
                if isinstance(item, str):
                    frame = text_frame(item)
                elif isinstance(item, chat_ops.Delta):
                    frame = chunk(item.delta, item.finish_reason, item.logprobs, item.index).encode()
                else:
                    break
                yield opening + frame
                opening = b""
                item = next(source)
            fingerprint = {"system_fingerprint": item.system_fingerprint}
            closing = [chunk({}, item.finish_reason or "stop", **fingerprint)]
            if include_usage and item.wire_usage:  # never invented: no usage chunk when the upstream sent none
                closing.append(chunk({}, choices=[], usage=item.wire_usage, **fingerprint))
            yield opening + "".join(closing + ["data: [DONE]\n\n"]).encode()
        except WebUIError as exc:  # after the first byte the status is sent: the error goes in the stream
            yield opening + f"data: {json.dumps({'error': _error_body(exc)[0]['error']})}\n\n".encode()
        finally:
            source.close()  # a client that left: closing the chain closes the provider response too

    response = Response(frames(), mimetype="text/event-stream")
    response.headers["X-Accel-Buffering"] = "no"
    return response


def chunker(completion_id, created, model_name, include_usage):
    """chunk(delta, finish, logprobs, index, **extra) -> one chat.completion.chunk SSE frame (str)."""

    def chunk(delta, finish=None, logprobs=None, index=0, **extra):
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model_name,
                "system_fingerprint": None,
                "choices": [{"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish}]}
        if include_usage:
            body["usage"] = None
        body.update(extra)
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    return chunk


def text_framer(chunk):
    """text -> the bytes chunk({"content": text}) makes, with the frame around the text encoded once per stream
    (the per-delta path of a stream: only the text itself goes through json.dumps)."""
    marker = f"\ufffe{uuid.uuid4().hex}"
    parts = chunk(marker).split(json.dumps(marker, ensure_ascii=False))
    if len(parts) != 2:  # the marker also inside the model name: cannot happen with a fresh uuid, but stay exact
        return lambda text: chunk({"content": text}).encode()
    head, tail = (parts[0] + '{"content": ').encode(), ("}" + parts[1]).encode()
    return lambda text: head + json.dumps(text, ensure_ascii=False).encode() + tail


# ---- errors in OpenAI's shape ----------------------------------------------------------------------

def _error_body(exc):
    """({"error": {message, type, param, code}}, status) for one of our errors."""
    status = 429 if exc.code == "rate_limited" else exc.status
    param = None
    message = exc.message
    code = "invalid_api_key" if status == 401 else exc.code
    if isinstance(exc, ValidationFailed) and exc.fields:
        param, why = next(iter(exc.fields.items()))
        message = f"{param} {why}" if exc.message == "Validation failed" else f"{exc.message}: {param} {why}"
    elif isinstance(exc, ProviderError) and status in CALLER_STATUSES:
        # The upstream said the request is wrong: its own code, param and (scrubbed) words.
        details = exc.details
        message = details.get("upstream_message") or message
        code, param = details.get("upstream_code") or code, details.get("upstream_param")
    elif exc.code == "model_not_found":
        param = "model"
    elif isinstance(exc, UnsupportedParameter):
        param = exc.param
    kind = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}.get(status)
    kind = kind or ("invalid_request_error" if status < 500 else "server_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}, status


@bp.errorhandler(WebUIError)
def _webui_error(exc):
    body, status = _error_body(exc)
    response = answer(body, status)
    response.headers.update(retry_headers(exc))
    if exc.details.get("retry_after") is not None:
        response.headers["Retry-After"] = str(int(exc.details["retry_after"]))
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc):
    code = (exc.name or "error").lower().replace(" ", "_")
    return answer(openai_error(exc.code or 500, code, exc.description or exc.name), exc.code or 500)


@bp.errorhandler(Exception)
def _unexpected(exc):
    log.exception("Unexpected error in the OpenAI-compatible face")
    return answer({"error": {"message": "The server had an error while processing your request.",
                             "type": "server_error", "param": None, "code": "internal_error"}}, 500)


def use_openai_errors(blueprint):
    """OpenAI's error shape on another OpenAI-style face's blueprint (Responses, Embeddings)."""
    blueprint.register_error_handler(WebUIError, _webui_error)
    blueprint.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(Exception, _unexpected)


def gateway_headers(response, result):
    """Which profile and model answered, the fallback and the cost, as the chat face sends them."""
    response.headers["X-Triplo-Profile-Id"] = result.used_profile_id
    response.headers["X-Triplo-Model"] = result.model or ""
    if result.fallback_from:
        response.headers["X-Triplo-Fallback-From"] = result.fallback_from
    if result.cost_usd is not None:
        response.headers["X-Request-Cost"] = usd_text(result.cost_usd)
    return response
