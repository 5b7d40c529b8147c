"""The Responses face's use cases: a Response through the OpenAI face's own path (profiles, gateway, metering),
stored for previous_response_id unless `store: false`; retrieve and delete."""

from dataclasses import dataclass

from webui.core.chat import responses_wire as wire
from webui.core.chat.responses_events import EventWriter
from webui.core.chat.service import TUNING
from webui.errors import NotFound, ValidationFailed, WebUIError


@dataclass
class Plan:
    """One Responses request in chat terms."""

    response_id: str
    body: dict  # the request as sent
    conversation: list  # the previous turns and this input, as chat messages (no instructions)
    chat_args: tuple  # (model, messages, tuning, json_mode, request) for ChatService.complete[_stream]


class ResponsesService:
    """Responses over one ChatService (profiles, gateway, meter) and a store with save/load/delete_response."""

    def __init__(self, chat, store):
        self.chat = chat
        self.store = store

    def plan(self, body):
        """Check and translate a request; the previous response's conversation comes first."""
        wire.check_fields(body)
        history = []
        previous = body.get("previous_response_id")
        if previous is not None:
            if not isinstance(previous, str) or not previous:
                raise ValidationFailed({"previous_response_id": "must be a response id"})
            try:
                history = self.store.load_response(previous)[1]
            except NotFound:  # the caller's field is wrong, not the URL
                raise ValidationFailed({"previous_response_id": f"names no stored response ('{previous}'); "
                                                                "was it created with store: false or deleted?"}) from None
        conversation = history + wire.input_messages(body.get("input"))
        messages = list(conversation)
        instructions = body.get("instructions")
        if instructions is not None:
            if not isinstance(instructions, str):
                raise ValidationFailed({"instructions": "must be text"})
            messages.insert(0, {"role": "system", "content": instructions})
        request = wire.chat_request(body)
        tuning = {name: request.get(name) for name in TUNING}
        json_mode = (request.get("response_format") or {}).get("type") == "json_object"
        args = (body.get("model"), messages, tuning, json_mode, request)
        return Plan(wire.new_id("resp"), body, conversation, args)

    def create(self, plan):
        """(Response object, gateway result) of a non-streamed request; stored unless store is false."""
        result = self.chat.complete(*plan.chat_args)
        output = wire.output_items(result.text, result.tool_calls)
        answer = wire.response(plan.response_id, plan.body, "completed", output, counts(result),
                               finish_reason=result.finish_reason)
        self.keep(plan, answer)
        return answer, result

    def stream(self, plan):
        """A started source of events (dicts): the first upstream piece is already read, so a failure before
        any text raises here with its own status; the Response is stored once complete."""
        source = self.chat.complete_stream(*plan.chat_args)
        try:
            first = next(source)
        except BaseException:
            source.close()
            raise
        return self._events(plan, source, first)

    def _events(self, plan, source, first):
        writer = EventWriter(plan.response_id, plan.body)
        try:
            yield from writer.opening()
            item = first
            while not hasattr(item, "used_profile_id"):  # text pieces and Deltas until the gateway result
                yield from writer.piece(item)
                item = next(source)
            yield from writer.closing(item.text, item.tool_calls, counts(item), item.finish_reason)
            self.keep(plan, writer.final)
        except WebUIError as exc:  # after the first byte the status is sent: the error goes in the stream
            yield writer.failure(exc)
        finally:
            source.close()

    def keep(self, plan, answer):
        """Store a finished Response and its conversation, unless the request said store: false."""
        if plan.body.get("store") is False:
            return
        self.store.save_response(answer["id"], answer, wire.conversation_after(plan.conversation, answer["output"]))

    def get(self, response_id):
        """A stored Response (NotFound names the id)."""
        return self.store.load_response(response_id)[0]

    def delete(self, response_id):
        """Forget a stored Response: OpenAI's deletion answer."""
        self.store.delete_response(response_id)
        return {"id": response_id, "object": "response.deleted", "deleted": True}


def counts(result):
    """The usage counts of a gateway result, with cached input tokens when the upstream reported them."""
    out = dict(result.usage or {})
    details = (result.wire_usage or {}).get("prompt_tokens_details") or {}
    if isinstance(details, dict) and isinstance(details.get("cached_tokens"), int):
        out["cached_tokens"] = details["cached_tokens"]
    return out
