"""The Responses face's translation (request -> chat messages and fields, reply -> Response) and its events."""

import pytest

from webui.core.chat import responses_wire as wire
from webui.core.chat.responses_events import EventWriter
from webui.core.chat.sessions import SessionStore
from webui.errors import NotFound, ProviderError, Untranslatable, ValidationFailed
from webui.providers.results import Delta


def test_input_items_become_chat_messages():
    items = [
        {"role": "developer", "content": "Terse."},
        {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "What is this?"},
            {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "low"},
            {"type": "input_file", "file_data": "data:application/pdf;base64,JVBE", "filename": "a.pdf"}]},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Let me look."}]},
        {"type": "function_call", "call_id": "c1", "name": "look", "arguments": "{}"},
        {"type": "function_call", "call_id": "c2", "name": "zoom", "arguments": "{\"x\": 1}"},
        {"type": "reasoning", "summary": []},
        {"type": "function_call_output", "call_id": "c1", "output": "a cat"},
        {"type": "function_call_output", "call_id": "c2", "output": [{"type": "input_text", "text": "big"}]},
    ]
    assert wire.input_messages(items) == [
        {"role": "developer", "content": "Terse."},
        {"role": "user", "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}},
            {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBE", "filename": "a.pdf"}}]},
        {"role": "assistant", "content": "Let me look.", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "look", "arguments": "{}"}},
            {"id": "c2", "type": "function", "function": {"name": "zoom", "arguments": "{\"x\": 1}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "a cat"},
        {"role": "tool", "tool_call_id": "c2", "content": "big"},
    ]
    assert wire.input_messages("Hi") == [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize("raw, param", [
    ([{"type": "item_reference", "id": "x"}], "input[0].type"),
    ([{"role": "user", "content": [{"type": "input_image", "file_id": "file_1"}]}], "input[0].content[0].image_url"),
    ([{"role": "user", "content": [{"type": "input_audio"}]}], "input[0].content[0].type"),
])
def test_untranslatable_items_name_themselves(raw, param):
    with pytest.raises(Untranslatable) as err:
        wire.input_messages(raw)
    assert err.value.param == param and err.value.status == 400 and param in err.value.message


@pytest.mark.parametrize("raw", ["", [], [{"role": "robot", "content": "x"}], [{"type": "function_call"}], 5])
def test_malformed_input_is_a_field_error(raw):
    with pytest.raises(ValidationFailed):
        wire.input_messages(raw)


def test_request_fields_translate():
    body = {"model": "m", "input": "x", "max_output_tokens": 20, "temperature": 0.1, "safety_identifier": "u1",
            "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}, "strict": True}],
            "tool_choice": {"type": "function", "name": "f"}, "reasoning": {"effort": "low"},
            "text": {"format": {"type": "json_schema", "name": "out", "schema": {"type": "object"}, "strict": True}}}
    wire.check_fields(body)
    assert wire.chat_request(body) == {
        "max_tokens": 20, "temperature": 0.1, "user": "u1",
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}, "strict": True}}],
        "tool_choice": {"type": "function", "function": {"name": "f"}}, "reasoning_effort": "low",
        "response_format": {"type": "json_schema", "json_schema": {"name": "out", "schema": {"type": "object"},
                                                                   "strict": True}}}
    wire.check_fields({"background": False, "store": False, "truncation": "auto", "metadata": {"k": "v"}})
    for bad in ({"store": "no"}, {"truncation": "middle"}, {"metadata": {"k": 1}}):
        with pytest.raises(ValidationFailed):
            wire.check_fields(bad)


def test_reply_as_response_and_the_conversation_after_it():
    output = wire.output_items("Calling.", [{"id": "c9", "function": {"name": "f", "arguments": "{}"}}])
    assert [item["type"] for item in output] == ["message", "function_call"] and output[1]["call_id"] == "c9"
    answer = wire.response("resp_1", {"model": "m", "store": False}, "completed", output,
                           {"prompt_tokens": 3, "completion_tokens": 4, "cached_tokens": 1}, finish_reason="length")
    assert answer["status"] == "incomplete" and answer["incomplete_details"] == {"reason": "max_output_tokens"}
    assert answer["usage"] == {"input_tokens": 3, "input_tokens_details": {"cached_tokens": 1}, "output_tokens": 4,
                               "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 7}
    assert wire.response("r", {}, usage_counts={"prompt_tokens": None, "completion_tokens": None})["usage"] is None
    assert wire.conversation_after([{"role": "user", "content": "x"}], output)[-1] == {
        "role": "assistant", "content": "Calling.",
        "tool_calls": [{"id": "c9", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}


def test_events_for_text_then_tool_calls():
    writer = EventWriter("resp_1", {"model": "m"})
    events = list(writer.opening())
    for piece in ("Hel", "lo", Delta({"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "f",
                                                                                            "arguments": ""}}]}),
                  Delta({"tool_calls": [{"index": 0, "function": {"arguments": "{\"a\""}}]}),
                  Delta({"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]})):
        events += writer.piece(piece)
    calls = [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\"a\": 1}"}}]
    events += writer.closing("Hello", calls, {"prompt_tokens": 1, "completion_tokens": 2}, "tool_calls")
    assert [e["type"] for e in events] == [
        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
        "response.content_part.done", "response.output_item.done", "response.output_item.added",
        "response.function_call_arguments.delta", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.output_item.done", "response.completed"]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    final = events[-1]["response"]
    assert final["output"][0]["content"][0]["text"] == "Hello" and final["output"][1]["arguments"] == "{\"a\": 1}"
    assert events[2]["item"]["status"] == "in_progress" and events[8]["item"]["status"] == "completed"


def test_events_for_calls_given_whole_at_the_end_and_errors():
    writer = EventWriter("resp_2", {"model": "m"})
    calls = [{"id": "c1", "function": {"name": "f", "arguments": "{}"}}]
    events = list(writer.opening()) + list(writer.closing("", calls, {}, "tool_calls"))
    assert [e["type"] for e in events][2:] == [
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.output_item.done", "response.completed"]
    error = writer.failure(ProviderError("upstream broke", provider="x"))
    assert error["type"] == "error" and error["sequence_number"] == len(events)


def test_responses_are_stored_and_survive_a_new_store(tmp_path):
    path = tmp_path / "sessions.db"
    store = SessionStore(path)
    store.save_response("resp_a", {"id": "resp_a"}, [{"role": "user", "content": "x"}])
    store.close()
    again = SessionStore(path)
    assert again.load_response("resp_a") == ({"id": "resp_a"}, [{"role": "user", "content": "x"}])
    again.delete_response("resp_a")
    with pytest.raises(NotFound):
        again.load_response("resp_a")
    with pytest.raises(NotFound):
        again.delete_response("resp_a")
