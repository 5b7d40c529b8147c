"""The parameter tables of the OpenAI face: the doc is made from them, and the adapters follow them."""

import importlib.util
import os

import pytest

from webui import errors as E
from webui import face_params
from webui.providers import get_adapter
from webui.providers.results import Call

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _doc_script():
    spec = importlib.util.spec_from_file_location("face_params_doc", os.path.join(ROOT, "scripts",
                                                                                  "face_params_doc.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docs_match_the_tables():
    """Every face's page and the index, as the script would write them now."""
    for path, text in _doc_script().pages().items():
        with open(path, encoding="utf-8") as doc:
            assert doc.read() == text, f"{os.path.relpath(path, ROOT)}: run python scripts/face_params_doc.py"


def test_the_responses_table_is_what_the_face_does():
    """Each field the Responses face accepts, translates or refuses has its row, and renames say their target."""
    from webui.core.chat import responses_wire as wire

    handled = set(wire.FRAME) | set(wire.RENAMED) | set(wire.TRANSLATED_FIELDS) | set(wire.REFUSED)
    assert set(face_params.RESPONSES) - {"*"} == handled
    for name, target in wire.RENAMED.items():
        assert face_params.RESPONSES[name] == (face_params.TRANSLATED, target), name
    for name in wire.REFUSED:
        assert face_params.RESPONSES[name][0] == face_params.REFUSED, name


def test_the_embeddings_table_is_what_the_face_takes():
    from webui.core.chat import embeddings

    assert set(face_params.EMBEDDINGS) - {"*"} == set(embeddings.FIELDS)
    assert face_params.EMBEDDING_COLUMNS[:-1] == ("open_ai", "gemini", "ollama")


def test_every_table_says_something_for_every_parameter():
    for provider, table in face_params.TABLES.items():
        assert "*" in table, provider
        assert all(mode in (face_params.PASSED, face_params.TRANSLATED, face_params.REFUSED, face_params.DROPPED)
                   for mode, _note in table.values()), provider


def _call(provider, request, **options):
    profile = {"provider": provider, "model": "m", "options": options}
    return Call(profile, "key", "http://127.0.0.1:9", request=request)


@pytest.mark.parametrize("provider", ["anthropic", "gemini", "ollama"])
def test_refused_parameters_name_themselves_unless_dropped(provider):
    adapter = get_adapter(provider)
    with pytest.raises(E.UnsupportedParameter) as info:
        adapter.request(_call(provider, {"logprobs": True}), [{"role": "user", "content": "x"}], False)
    assert info.value.param == "logprobs" and info.value.status == 400 and adapter.label in info.value.message
    _url, body, _headers = adapter.request(_call(provider, {"logprobs": True}, drop_unsupported=True),
                                           [{"role": "user", "content": "x"}], False)
    assert "logprobs" not in str(body)
    adapter.request(_call(provider, {"n": 1, "logprobs": False}), [{"role": "user", "content": "x"}], False)


def test_anthropic_parallel_tool_calls_off():
    tools = [{"type": "function", "function": {"name": "f"}}]
    _url, body, _h = get_adapter("anthropic").request(
        _call("anthropic", {"tools": tools, "parallel_tool_calls": False}), [{"role": "user", "content": "x"}], False)
    assert body["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    assert body["tools"] == [{"name": "f", "input_schema": {"type": "object", "properties": {}}}]


def test_anthropic_tool_results_open_the_user_turn():
    messages = [{"role": "assistant", "content": "Checking.", "tool_calls": [
                    {"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                    {"id": "b", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": "a", "content": "1"},
                {"role": "tool", "tool_call_id": "b", "content": "2"},
                {"role": "user", "content": "And?"}]
    _url, body, _h = get_adapter("anthropic").request(_call("anthropic", None), messages, False)
    assert [b["type"] for b in body["messages"][0]["content"]] == ["text", "tool_use", "tool_use"]
    assert [b["type"] for b in body["messages"][1]["content"]] == ["tool_result", "tool_result", "text"]
