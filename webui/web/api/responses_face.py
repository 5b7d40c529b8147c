"""The Responses face: POST /v1/responses (streamed or not), GET and DELETE /v1/responses/<id>."""

import json

from flask import Blueprint, Response, current_app

from webui.core.chat.responses import ResponsesService
from webui.web.api.openai_face import gateway_headers, use_openai_errors
from webui.web.capacity import streamed
from webui.web.chat_common import chat
from webui.web.common import answer, json_body

bp = Blueprint("responses_face", __name__)
use_openai_errors(bp)


def responses():
    """This app's ResponsesService (made once, over the chat service and the sessions store)."""
    svc = current_app.extensions["triplo"]
    if getattr(svc, "responses", None) is None:
        service = chat()
        svc.responses = ResponsesService(service, service.sessions)
    return svc.responses


@bp.post("/v1/responses")
def create():
    """A Response through the profile `model` names; typed SSE events when `stream` is true."""
    body = json_body()
    service = responses()
    plan = service.plan(body)
    if body.get("stream"):
        return streamed(lambda: _sse(service.stream(plan)))
    reply, result = service.create(plan)
    return gateway_headers(answer(reply), result)


@bp.get("/v1/responses/<response_id>")
def retrieve(response_id):
    """A stored Response."""
    return answer(responses().get(response_id))


@bp.delete("/v1/responses/<response_id>")
def delete(response_id):
    """Forget a stored Response."""
    return answer(responses().delete(response_id))


def _sse(events):
    def frames():
        try:
            for event in events:
                yield f"event: {event['type']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n".encode()
        finally:
            events.close()  # a client that left: closing the chain closes the provider response too

    response = Response(frames(), mimetype="text/event-stream")
    response.headers["X-Accel-Buffering"] = "no"
    return response
