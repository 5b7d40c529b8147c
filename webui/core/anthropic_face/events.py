"""Anthropic's stream event sequence from gateway stream items: relayed as they came, or framed from deltas."""

import json

from webui.core.anthropic_face import reply
from webui.providers.results import Delta


def sse(event, data):
    """One named event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class EventWriter:
    """Frames one stream: message_start and ping, content blocks (text, tool_use with input_json_delta),
    message_delta, message_stop. A native Anthropic stream's events are relayed instead (model renamed)."""

    def __init__(self, model_name):
        self.model_name = model_name
        self.started = False
        self.open = None  # index of the content block now open
        self.kind = None  # its type
        self.blocks = 0  # blocks opened so far
        self.tools = {}  # OpenAI tool-call index -> content block index
        self.relayed_open = set()  # native: blocks started and not yet stopped
        self.relayed_stop = False

    def item(self, item):
        """The frames for one gateway stream item (text, a Delta); "" for nothing to send."""
        if isinstance(item, str):
            return self.start() + self.text(item)
        if isinstance(item, Delta) and item.raw is not None:
            return "".join(self.relay(name, data) for name, data in item.raw)
        if not isinstance(item, Delta) or item.index:
            return ""
        reasoning = reply.reasoning_of(item.delta)
        out = self.start() + (self.thinking(reasoning) if reasoning else "")
        out += self.text(item.text) if item.text else ""
        for piece in item.delta.get("tool_calls") or ():
            out += self.tool(piece)
        return out

    def start(self):
        if self.started:
            return ""
        self.started = True
        message = {"id": reply.message_id(), "type": "message", "role": "assistant", "model": self.model_name,
                   "content": [], "stop_reason": None, "stop_sequence": None,
                   # Not known before the end (then in message_delta): 0 is what Anthropic itself starts with.
                   "usage": {"input_tokens": 0, "output_tokens": 0}}
        return sse("message_start", {"type": "message_start", "message": message}) + sse("ping", {"type": "ping"})

    def _open(self, block):
        out = self.close_block()
        self.open, self.blocks, self.kind = self.blocks, self.blocks + 1, block["type"]
        return out + sse("content_block_start", {"type": "content_block_start", "index": self.open,
                                                 "content_block": block})

    def close_block(self):
        if self.open is None:
            return ""
        index, self.open = self.open, None
        return sse("content_block_stop", {"type": "content_block_stop", "index": index})

    def text(self, text):
        out = "" if self.open is not None and self.kind == "text" else self._open({"type": "text", "text": ""})
        return out + sse("content_block_delta", {"type": "content_block_delta", "index": self.open,
                                                 "delta": {"type": "text_delta", "text": text}})

    def thinking(self, text):
        """Reasoning text an OpenAI-format upstream streams (reasoning_content, reasoning) as a thinking block."""
        out = "" if self.open is not None and self.kind == "thinking" else \
            self._open({"type": "thinking", "thinking": "", "signature": ""})
        return out + sse("content_block_delta", {"type": "content_block_delta", "index": self.open,
                                                 "delta": {"type": "thinking_delta", "thinking": text}})

    def tool(self, piece):
        out, key = "", piece.get("index", 0)
        function = piece.get("function") or {}
        if key not in self.tools:
            out = self._open({"type": "tool_use", "id": piece.get("id") or reply.tool_block({})["id"],
                              "name": function.get("name"), "input": {}})
            self.tools[key] = self.open
        if function.get("arguments"):
            out += sse("content_block_delta", {"type": "content_block_delta", "index": self.tools[key],
                                               "delta": {"type": "input_json_delta",
                                                         "partial_json": function["arguments"]}})
        return out

    def finish(self, result):
        """The closing frames for the gateway's final result."""
        if self.relayed_stop:
            return ""
        stop_reason, sequence = reply.stop(result.finish_reason, result.wire)
        out = self.start() + self.close_block()
        out += "".join(sse("content_block_stop", {"type": "content_block_stop", "index": i})
                       for i in sorted(self.relayed_open))
        used = reply.usage(result.wire_usage, result.usage)
        out += sse("message_delta", {"type": "message_delta",
                                     "delta": {"stop_reason": stop_reason, "stop_sequence": sequence},
                                     "usage": used})
        return out + sse("message_stop", {"type": "message_stop"})

    def relay(self, event, data):
        """A native event as it came; message_start carries the model name the caller asked for."""
        self.started = True
        if event == "message_start":
            parsed = json.loads(data)
            if isinstance(parsed.get("message"), dict):
                parsed["message"]["model"] = self.model_name
            data = json.dumps(parsed, ensure_ascii=False)
        else:
            parsed = json.loads(data) if event in ("content_block_start", "content_block_stop") else {}
            if event == "content_block_start":
                self.relayed_open.add(parsed.get("index"))
            elif event == "content_block_stop":
                self.relayed_open.discard(parsed.get("index"))
            elif event == "message_stop":
                self.relayed_stop = True
        return f"event: {event}\ndata: {data}\n\n"

    def error(self, status, message):
        """An error event after the stream started (its status is already sent)."""
        return sse("error", reply.error_object(status, message))
