"""Translation details the face tests do not reach: cache marks, classic-field servers, error meanings."""

import pytest

from webui import errors as E
from webui.providers import get_adapter, upstream_errors
from webui.providers.gemini_wire import tool_response
from webui.providers.openai_parts import plain_server_body
from webui.providers.results import Call, usage, wire_usage

MARK = {"type": "ephemeral"}


def _anthropic(messages, request=None):
    call = Call({"provider": "anthropic", "model": "m", "options": {}}, "key", "http://127.0.0.1:9", request=request)
    return get_adapter("anthropic").request(call, messages, False)[1]


def test_cache_marks_on_messages_parts_and_tools_reach_anthropic():
    tools = [{"type": "function", "function": {"name": "f"}, "cache_control": MARK}]
    body = _anthropic([{"role": "system", "content": "Rules", "cache_control": MARK},
                       {"role": "user", "content": "Long document", "cache_control": MARK},
                       {"role": "assistant", "content": "Ok"}, {"role": "user", "content": "Q"}], {"tools": tools})
    assert body["system"] == [{"type": "text", "text": "Rules", "cache_control": MARK}]
    assert body["messages"][0] == {"role": "user", "content": [{"type": "text", "text": "Long document",
                                                                "cache_control": MARK}]}
    assert body["messages"][1:] == [{"role": "assistant", "content": "Ok"}, {"role": "user", "content": "Q"}]
    assert body["tools"][0]["cache_control"] == MARK
    result = _anthropic([{"role": "assistant", "content": None, "tool_calls": [
                             {"id": "t1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                         {"role": "tool", "tool_call_id": "t1", "content": "big result", "cache_control": MARK}])
    assert result["messages"][1]["content"][0]["cache_control"] == MARK
    plain = _anthropic([{"role": "system", "content": "Rules"}, {"role": "user", "content": "Q"}])
    assert plain["system"] == "Rules"  # without marks: the plain string, as always


def test_classic_field_servers():
    body = {"messages": [{"role": "developer", "content": "x"}], "max_completion_tokens": 5}
    assert plain_server_body(body, {}) == {"messages": [{"role": "system", "content": "x"}], "max_tokens": 5}
    kept = plain_server_body(body, {"options": {"developer_role": True}})
    assert kept["messages"][0]["role"] == "developer" and kept["max_tokens"] == 5


def test_gemini_tool_results_are_objects():
    assert tool_response('{"a": 1}') == {"a": 1}
    assert tool_response("[1, 2]") == {"result": [1, 2]}
    assert tool_response("plain") == {"result": "plain"}


@pytest.mark.parametrize("body, message", [
    ('{"error": {"type": "exceed_context_size_error"}}', "the request exceeds the available context size"),
    ("", "This model's maximum context length is 8192 tokens"),
    ("", "prompt is too long: 210000 tokens > 200000 maximum"),
])
def test_context_overflow_has_one_code(body, message):
    err = upstream_errors.build_error(400, message, label="X", body_text=body)
    assert err.status == 400 and err.details["upstream_code"] == "context_length_exceeded"
    other = upstream_errors.build_error(400, "temperature must be at most 2", label="X", body_text="")
    assert "upstream_code" not in other.details


def test_should_retry_says_what_may_succeed():
    assert not E.should_retry(E.AuthFailed("no", provider="X", upstream_status=401))
    assert not E.should_retry(E.BudgetExceeded("spent"))
    assert not E.should_retry(E.ProviderRequestError("bad", upstream_status=400))
    assert E.should_retry(E.RateLimited("slow", upstream_status=429))
    assert E.should_retry(E.ProviderServerError("5xx", upstream_status=500))
    assert E.should_retry(E.StreamInterrupted("cut"))


def test_cached_counts_in_openai_shape():
    counts = usage(1_000, 5, 800, 100)
    assert counts == {"prompt_tokens": 1_000, "completion_tokens": 5, "cache_read_tokens": 800,
                      "cache_write_tokens": 100}
    assert wire_usage(counts) == {"prompt_tokens": 1_000, "completion_tokens": 5, "total_tokens": 1_005,
                                  "prompt_tokens_details": {"cached_tokens": 800}}
    assert wire_usage(usage(10, 5, 0)) == {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
