"""The Responses face: POST /v1/responses (streamed or not), GET and DELETE /v1/responses/<id>."""

import json

from flask import Blueprint, Response

from webui.web.api.openai_face import gateway_headers, use_openai_errors
from webui.web.capacity import streamed
from webui.web.common import answer, json_body, services

bp = Blueprint("responses_face", __name__)
use_openai_errors(bp)


def responses():
    """This app's ResponsesService (built once by the app factory)."""
    return services().responses


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
