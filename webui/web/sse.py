"""Server-Sent Events framing shared by the streamed chat answers."""

import json

from flask import Response

from webui.errors import WebUIError


def sse(data, event=None):
    """One Server-Sent Event (JSON data on one line, so no frame can be split by a newline in the text)."""
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, ensure_ascii=False)}\n\n"


def delta_frame(text):
    """sse({"delta": text}) as bytes, without building a dict per delta (the per-delta path of a stream)."""
    return b'data: {"delta": ' + json.dumps(text, ensure_ascii=False).encode() + b"}\n\n"


def event_stream(reply_stream):
    """SSE of a ReplyStream: {"delta"} events, then `event: done` with the stored reply, or `event: error`."""

    def frames():
        try:
            for item in reply_stream:
                yield delta_frame(item) if isinstance(item, str) else sse(item, "done")
        except WebUIError as exc:
            yield sse(exc.to_dict(), "error")

    return _response(frames())


def _response(frames):
    response = Response(frames, mimetype="text/event-stream")
    response.headers["X-Accel-Buffering"] = "no"  # proxies must pass deltas through at once
    return response


def named_stream(events):
    """SSE of ("name", data) pairs: `event: name` per pair; a WebUIError raised on the way ends it as `event: error`."""

    def frames():
        try:
            for name, data in events:
                yield sse(data, name)
        except WebUIError as exc:
            yield sse(exc.to_dict(), "error")

    return _response(frames())
