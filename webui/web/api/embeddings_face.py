"""The Embeddings face: POST /v1/embeddings through the profile `model` names."""

from flask import Blueprint

from webui.core.chat import embeddings
from webui.web.api.openai_face import use_openai_errors, usd_text
from webui.web.common import answer, chat, json_body

bp = Blueprint("embeddings_face", __name__)
use_openai_errors(bp)


@bp.post("/v1/embeddings")
def create():
    """Vectors for the input, in OpenAI's shape, whatever the profile's provider speaks."""
    reply, profile_id, model, cost = embeddings.embed(chat(), json_body())
    response = answer(reply)
    response.headers["X-Triplo-Profile-Id"] = profile_id
    response.headers["X-Triplo-Model"] = model or ""
    if cost is not None:
        response.headers["X-Request-Cost"] = usd_text(cost)
    return response
