"""Anthropic Messages face: POST /v1/messages (streamed or not), /v1/messages/count_tokens, errors in its shape."""

import logging

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from webui.core.anthropic_face import plan as messages, reply
from webui.core.anthropic_face.events import EventWriter
from webui.core.anthropic_face.request import check
from webui.core.chat.gateway import GatewayResult
from webui.errors import (CALLER_STATUSES, ProviderError, ProviderTimeout, RateLimited, ServerBusy, TooManyAttempts,
                          Unreachable, ValidationFailed, WebUIError)
from webui.web.api.openai_face import gateway_headers
from webui.web.capacity import streamed
from webui.web.common import answer, chat, json_body

bp = Blueprint("messages_face", __name__)
log = logging.getLogger("webui.messages_face")


def _betas():
    """The allowed anthropic-beta values of this request (the others are named in X-Triplo-Dropped-Betas)."""
    allowed, dropped = messages.betas(request.headers.get("anthropic-beta"))
    if dropped:
        log.info("anthropic-beta values left out: %s", ", ".join(dropped))
    return allowed, dropped


@bp.post("/v1/messages")
def create_message():
    """A Messages API answer through the profile `model` names (`?beta=true` is accepted and changes nothing)."""
    body = json_body()
    check(body)
    allowed, dropped = _betas()
    if body.get("stream"):
        def start():
            source = messages.stream(chat(), body, allowed)
            try:
                first = next(source)  # a failure before any event still gets a proper error status
            except BaseException:
                source.close()
                raise
            return _stream(source, first, body["model"])

        response = streamed(start)
    else:
        result = messages.complete(chat(), body, allowed)
        wire = result.wire if isinstance(result.wire, dict) and result.wire.get("type") == "message" else None
        response = answer(dict(wire, model=body["model"]) if wire else reply.message(result, body["model"]))
        gateway_headers(response, result)
    if dropped:
        response.headers["X-Triplo-Dropped-Betas"] = ",".join(dropped)
    return response


@bp.post("/v1/messages/count_tokens")
def count_tokens():
    """Anthropic's token count for an Anthropic profile; a 400 for the others."""
    body = json_body()
    return answer(messages.count_tokens(chat(), body, _betas()[0]))


def _stream(source, first, model_name):
    """Anthropic's event sequence; an error after the first event is an `error` event."""
    writer = EventWriter(model_name)

    def frames():
        item = first
        try:
            while not isinstance(item, GatewayResult):  # the gateway's result ends the stream
                frame = writer.item(item)
                if frame:
                    yield frame.encode()
                item = next(source)
            yield writer.finish(item).encode()
        except WebUIError as exc:
            body, status = error_body(exc)
            yield writer.error(status, body["error"]["message"]).encode()
        finally:
            source.close()

    response = Response(frames(), mimetype="text/event-stream")
    response.headers["X-Accel-Buffering"] = "no"
    response.headers["Cache-Control"] = "no-cache"
    return response


# ---- errors in Anthropic's shape ------------------------------------------------------------------------

RETRYABLE = (RateLimited, ServerBusy, TooManyAttempts, Unreachable, ProviderTimeout)


def error_body(exc):
    """(Anthropic's error object, status) for one of our errors; field errors name the field."""
    message = exc.message
    if isinstance(exc, ValidationFailed) and exc.fields:
        param, why = next(iter(exc.fields.items()))
        message = f"{param}: {why}" if exc.message == "Validation failed" else f"{exc.message}: {param}: {why}"
    elif isinstance(exc, ProviderError) and exc.status in CALLER_STATUSES:
        message = exc.details.get("upstream_message") or message  # the upstream's own (scrubbed) words
    return reply.error_object(exc.status, message), exc.status


def should_retry(exc):
    """Whether a client may retry: rate limits, a busy server, an unreachable or slow or failing upstream."""
    return isinstance(exc, RETRYABLE) or isinstance(exc, ProviderError) and exc.retryable


@bp.errorhandler(WebUIError)
def _webui_error(exc):
    body, status = error_body(exc)
    response = answer(body, status)
    if exc.details.get("retry_after") is not None:
        response.headers["Retry-After"] = str(int(exc.details["retry_after"]))
    if not should_retry(exc):
        response.headers["x-should-retry"] = "false"  # the anthropic and openai SDKs honour it
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc):
    status = exc.code or 500
    response = answer(reply.error_object(status, exc.description or exc.name), status)
    if status not in (408, 409, 429) and status < 500:
        response.headers["x-should-retry"] = "false"
    return response


@bp.errorhandler(Exception)
def _unexpected(exc):
    log.exception("Unexpected error in the Anthropic Messages face")
    return answer(reply.error_object(500, "The server had an error while processing your request."), 500)
