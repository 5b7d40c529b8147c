"""The Messages face's translation pieces: request -> chat format, result -> Messages shape, events, model pages."""

import json
import os
from types import SimpleNamespace

import pytest

from webui.core.anthropic_face import events, fields, models, plan, reply, request
from webui.errors import UntranslatableField, ValidationFailed
from webui.providers.results import Delta


def translate(**body):
    body = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}], **body}
    request.check(body)
    return request.translate(body)


def test_user_turn_with_tool_results_becomes_tool_messages_first():
    out = translate(messages=[
        {"role": "assistant", "content": [{"type": "text", "text": "Let me look."},
                                          {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}}]},
        {"role": "user", "content": [{"type": "text", "text": "and then?"},
                                     {"type": "tool_result", "tool_use_id": "t1", "is_error": True,
                                      "content": [{"type": "text", "text": "boom"}]}]}])
    assert out.messages == [
        {"role": "assistant", "content": "Let me look.",
         "tool_calls": [{"id": "t1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}]},
        {"role": "tool", "tool_call_id": "t1", "content": "Error: boom"},
        {"role": "user", "content": "and then?"}]


def test_fields_translate_by_the_table():
    out = translate(system=[{"type": "text", "text": "A"}, {"type": "text", "text": "B", "cache_control": {}}],
                    stop_sequences=["X"], temperature=0.5, metadata={"user_id": "u"}, cache_control={"type": "ephemeral"},
                    tool_choice={"type": "any", "disable_parallel_tool_use": True},
                    output_config={"format": {"type": "json_schema", "schema": {"type": "object"}}, "effort": "low"})
    assert out.messages[0] == {"role": "system", "content": "A\n\nB"}
    assert out.request == {"temperature": 0.5, "max_tokens": 10, "stop": ["X"], "user": "u", "tool_choice": "required",
                           "parallel_tool_calls": False, "reasoning_effort": "low", "response_format": {
                               "type": "json_schema", "json_schema": {"name": "output", "schema": {"type": "object"},
                                                                      "strict": True}}}
    assert out.tuning == {"temperature": 0.5, "top_p": None, "max_tokens": 10}


def test_pdf_and_text_documents():
    out = translate(messages=[{"role": "user", "content": [
        {"type": "document", "title": "a.pdf", "source": {"type": "base64", "media_type": "application/pdf",
                                                          "data": "JVBE"}},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "notes"}}]}])
    assert out.messages[0]["content"] == [{"type": "file", "file": {"filename": "a.pdf",
                                                                    "file_data": "data:application/pdf;base64,JVBE"}},
                                          {"type": "text", "text": "notes"}]


@pytest.mark.parametrize("extra, field", [
    ({"thinking": {"type": "enabled", "budget_tokens": 2000}}, "thinking"),
    ({"speed": "fast"}, "speed"),
    ({"output_config": {"effort": "max"}}, "output_config.effort"),
    ({"metadata": {"user_id": "u", "tier": "x"}}, "metadata.tier"),
    ({"workspace_id": "w"}, "workspace_id"),
    ({"messages": [{"role": "user", "content": [{"type": "thinking", "thinking": "hm", "signature": "s"}]}]},
     "messages[0].content[0].type"),
    ({"messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "file", "file_id": "f"}}]}]},
     "messages[0].content[0].source"),
    ({"system": [{"type": "image"}]}, "system[0]"),
])
def test_untranslatable_fields_are_named(extra, field):
    with pytest.raises(UntranslatableField) as err:
        translate(**extra)
    assert err.value.param == field and err.value.toward("profile 'x' (Gemini)").message.startswith(f"{field}: ")


@pytest.mark.parametrize("body, field", [
    ({"messages": []}, "messages"), ({"max_tokens": 0}, "max_tokens"), ({"max_tokens": None}, "max_tokens"),
    ({"stream": "yes"}, "stream"),
])
def test_frame_errors_name_the_field(body, field):
    with pytest.raises(ValidationFailed) as err:
        request.check({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}], **body})
    assert field in err.value.fields


def result(**kw):
    base = dict(text="", tool_calls=None, finish_reason="stop", wire=None, wire_usage=None,
                usage={"prompt_tokens": None, "completion_tokens": None})
    return SimpleNamespace(**dict(base, **kw))


def test_reply_shape_stop_reasons_and_usage():
    done = reply.message(result(text="Hi", tool_calls=[{"id": "c1", "function": {"name": "f", "arguments": "{\"a\":2}"}}],
                                finish_reason="tool_calls",
                                wire_usage={"prompt_tokens": 100, "completion_tokens": 5,
                                            "prompt_tokens_details": {"cached_tokens": 60}}), "p1")
    assert done["content"] == [{"type": "text", "text": "Hi"},
                               {"type": "tool_use", "id": "c1", "name": "f", "input": {"a": 2}}]
    assert done["stop_reason"] == "tool_use" and done["model"] == "p1"
    assert done["usage"] == {"input_tokens": 40, "output_tokens": 5, "cache_read_input_tokens": 60}
    assert reply.message(result(), "p")["usage"] == {"input_tokens": None, "output_tokens": None}  # never invented
    assert reply.stop("length") == ("max_tokens", None) and reply.stop("content_filter") == ("refusal", None)
    assert reply.stop("stop", {"choices": [{"stop_reason": "END"}]}) == ("stop_sequence", "END")
    assert reply.error_object(529, "x")["error"]["type"] == "overloaded_error"
    assert reply.error_object(502, "x")["error"]["type"] == "api_error"


def parse(frames):
    return [(block.split("\n")[0][7:], json.loads(block.split("\n")[1][6:])) for block in frames.strip().split("\n\n")]


def test_writer_frames_text_then_tool_calls():
    writer = events.EventWriter("p")
    out = writer.item("Hel") + writer.item(Delta({}, text="lo"))
    out += writer.item(Delta({"tool_calls": [{"index": 0, "id": "c", "function": {"name": "f", "arguments": ""}}]}))
    out += writer.item(Delta({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}))
    out += writer.finish(result(finish_reason="tool_calls", usage={"prompt_tokens": 3, "completion_tokens": 2}))
    seen = parse(out)
    assert [n for n, _ in seen] == ["message_start", "ping", "content_block_start", "content_block_delta",
                                    "content_block_delta", "content_block_stop", "content_block_start",
                                    "content_block_delta", "content_block_stop", "message_delta", "message_stop"]
    assert seen[6][1]["index"] == 1 and seen[7][1]["delta"] == {"type": "input_json_delta", "partial_json": "{}"}
    assert seen[9][1]["usage"] == {"input_tokens": 3, "output_tokens": 2}


def test_writer_relays_native_events_and_closes_a_cut_stream():
    writer = events.EventWriter("asked")
    start = json.dumps({"type": "message_start", "message": {"model": "claude-x", "content": []}})
    out = writer.item(Delta({}, raw=(("message_start", start),
                                     ("content_block_start", '{"type":"content_block_start","index":0}'))))
    assert parse(out)[0][1]["message"]["model"] == "asked"
    closing = parse(writer.finish(result(finish_reason="length")))
    assert [n for n, _ in closing] == ["content_block_stop", "message_delta", "message_stop"]
    assert closing[1][1]["delta"]["stop_reason"] == "max_tokens"


def test_model_pages():
    items = [{"id": i, "name": i.upper()} for i in "abcde"]
    first = models.page(items, {"limit": "2"})
    assert [m["id"] for m in first["data"]] == ["a", "b"] and first["has_more"] and first["last_id"] == "b"
    last = models.page(items, {"limit": "2", "after_id": "c"})
    assert [m["id"] for m in last["data"]] == ["d", "e"] and not last["has_more"]
    before = models.page(items, {"limit": "2", "before_id": "d"})
    assert [m["id"] for m in before["data"]] == ["b", "c"] and before["has_more"]
    with pytest.raises(ValidationFailed):
        models.page(items, {"limit": "0"})


def test_betas_allowlist_and_role_prompt():
    assert plan.betas("claude-code-20250219, files-api-2025-04-14,") == (["claude-code-20250219"],
                                                                       ["files-api-2025-04-14"])
    assert plan.with_prompt({"system": [{"type": "text", "text": "B"}]}, "A")["system"][0] == {"type": "text",
                                                                                             "text": "A"}
    assert plan.with_prompt({}, "A")["system"] == "A"


def test_doc_lists_every_field_of_the_table():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "docs", "anthropic-face.md"), encoding="utf-8") as doc:
        assert fields.markdown() in doc.read()


def test_images_in_a_tool_result_follow_in_the_user_turn():
    out = translate(messages=[{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": [
        {"type": "text", "text": "screenshot"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}]}]}])
    assert out.messages == [{"role": "tool", "tool_call_id": "t", "content": "screenshot"},
                            {"role": "user", "content": [{"type": "image_url",
                                                          "image_url": {"url": "data:image/png;base64,AA=="}}]}]


def test_past_thinking_in_the_history_is_left_out():
    out = translate(messages=[{"role": "assistant", "content": [
        {"type": "thinking", "thinking": "hm", "signature": "s"}, {"type": "text", "text": "Yes."}]}])
    assert out.messages == [{"role": "assistant", "content": "Yes."}]


def test_reasoning_comes_back_as_thinking():
    writer = events.EventWriter("p")
    out = writer.item(Delta({"reasoning_content": "Let me see."})) + writer.item("Four.")
    seen = parse(out + writer.finish(result()))
    assert seen[2][1]["content_block"]["type"] == "thinking"
    assert seen[3][1]["delta"] == {"type": "thinking_delta", "thinking": "Let me see."}
    assert seen[5][1]["content_block"]["type"] == "text" and seen[5][1]["index"] == 1
    wire = {"choices": [{"message": {"content": "Four.", "reasoning": "Let me see."}}]}
    assert reply.message(result(text="Four.", wire=wire), "p")["content"] == [
        {"type": "thinking", "thinking": "Let me see.", "signature": ""}, {"type": "text", "text": "Four."}]
