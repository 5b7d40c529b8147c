"""A chat stream (text pieces, tool-call Deltas, the end) as the Responses API's typed events, numbered."""

from webui.core.chat import responses_wire as wire


class EventWriter:
    """Turns one stream into response.* events; `final` holds the completed Response at the end."""

    def __init__(self, response_id, body):
        self.response_id, self.body = response_id, body
        self.seq = 0
        self.output = []  # items in output order
        self.text_index = None  # output index of the open message item
        self.text = ""
        self.calls = {}  # tool-call index -> output index
        self.final = None

    def event(self, kind, **fields):
        event = {"type": kind, "sequence_number": self.seq, **fields}
        self.seq += 1
        return event

    def snapshot(self, status="in_progress", usage_counts=None, finish_reason=None):
        return wire.response(self.response_id, self.body, status, self.output, usage_counts,
                             finish_reason=finish_reason)

    def opening(self):
        yield self.event("response.created", response=self.snapshot())
        yield self.event("response.in_progress", response=self.snapshot())

    def piece(self, item):
        """Events for one stream piece: text (str) or a Delta (tool-call fragments, maybe content)."""
        if isinstance(item, str):
            yield from self._text(item) if item else ()
            return
        if item.index:
            return  # n > 1 is not a Responses notion: only the first choice is answered
        delta = item.delta or {}
        text = delta.get("content")
        if text:
            yield from self._text(text)
        for fragment in delta.get("tool_calls") or []:
            yield from self._call_fragment(fragment)

    def _text(self, text):
        if self.text_index is None:
            self.text_index = len(self.output)
            self.output.append(wire.message_item("", status="in_progress"))
            item = self.output[self.text_index]
            yield self.event("response.output_item.added", output_index=self.text_index, item=_copy(item))
            yield self.event("response.content_part.added", item_id=item["id"], output_index=self.text_index,
                             content_index=0, part={"type": "output_text", "text": "", "annotations": []})
        self.text += text
        item = self.output[self.text_index]
        yield self.event("response.output_text.delta", item_id=item["id"], output_index=self.text_index,
                         content_index=0, delta=text, logprobs=[])

    def _close_text(self):
        if self.text_index is None or self.output[self.text_index]["status"] == "completed":
            return
        item = self.output[self.text_index]
        part = {"type": "output_text", "text": self.text, "annotations": [], "logprobs": []}
        item.update(status="completed", content=[part])
        yield self.event("response.output_text.done", item_id=item["id"], output_index=self.text_index,
                         content_index=0, text=self.text, logprobs=[])
        yield self.event("response.content_part.done", item_id=item["id"], output_index=self.text_index,
                         content_index=0, part=_copy(part))
        yield self.event("response.output_item.done", output_index=self.text_index, item=_copy(item))

    def _call_fragment(self, fragment):
        index = fragment.get("index", len(self.calls))
        fn = fragment.get("function") or {}
        if index not in self.calls:
            yield from self._close_text()
            self.calls[index] = len(self.output)
            item = wire.function_item(fragment.get("id") or wire.new_id("call"), fn.get("name") or "", "",
                                      status="in_progress")
            self.output.append(item)
            yield self.event("response.output_item.added", output_index=self.calls[index], item=_copy(item))
        else:
            item = self.output[self.calls[index]]
            item["name"] += fn.get("name") or ""
        if fn.get("arguments"):
            item["arguments"] += fn["arguments"]
            yield self.event("response.function_call_arguments.delta", item_id=item["id"],
                             output_index=self.calls[index], delta=fn["arguments"])

    def closing(self, text, tool_calls, usage_counts, finish_reason):
        """The done events of every open item, then response.completed (or .incomplete when cut by length)."""
        if text and self.text_index is None and not self.calls:  # a stream that gave its text only at the end
            yield from self._text(text)
        yield from self._close_text()
        for i, call in enumerate(tool_calls or []):  # calls the stream only gave whole, at the end
            if i not in self.calls:
                fn = call.get("function") or {}
                yield from self._call_fragment({"index": i, "id": call.get("id"), "function": fn})
        for index, position in sorted(self.calls.items()):
            item = self.output[position]
            whole = (tool_calls or [])[index] if index < len(tool_calls or []) else None
            if whole:  # the end's calls are authoritative (ids and arguments as the upstream finished them)
                item["arguments"] = (whole.get("function") or {}).get("arguments") or item["arguments"]
                item["name"] = (whole.get("function") or {}).get("name") or item["name"]
            item["status"] = "completed"
            yield self.event("response.function_call_arguments.done", item_id=item["id"], output_index=position,
                             name=item["name"], arguments=item["arguments"])
            yield self.event("response.output_item.done", output_index=position, item=_copy(item))
        if not self.output:  # an empty answer is still one (empty) message
            yield from self._text("")
            yield from self._close_text()
        self.final = self.snapshot("completed", usage_counts, finish_reason)
        kind = "response.incomplete" if self.final["status"] == "incomplete" else "response.completed"
        yield self.event(kind, response=self.final)

    def failure(self, exc):
        """An error after the first event (a WebUIError): OpenAI's `error` event (the status is already sent)."""
        return self.event("error", code=exc.code, message=exc.message, param=getattr(exc, "param", None))


def _copy(item):
    return {**item, "content": [dict(p) for p in item["content"]]} if "content" in item else dict(item)
