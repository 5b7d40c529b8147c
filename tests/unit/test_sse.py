"""SSE and NDJSON framing: comments, named events, multi-line data, CR/LF across chunk edges, [DONE]."""

import pytest

from webui.errors import MalformedResponse
from webui.providers.sse import Event, iter_lines, iter_ndjson, iter_sse


def events(*chunks):
    return list(iter_sse(iter_lines(iter(chunks))))


def test_plain_data_events_and_done():
    got = events(b'data: {"a": 1}\n\n', b"data: [DONE]\n\n")
    assert got == [Event("message", '{"a": 1}', None), Event("message", "[DONE]", None)]


def test_comments_are_skipped():
    got = events(b": OPENROUTER PROCESSING\n\n", b'data: {"x": 1}\n', b": keep-alive\n", b"\n")
    assert [e.data for e in got] == ['{"x": 1}']


def test_named_events_and_ids():
    got = events(b"event: message_start\nid: 7\ndata: {}\n\n", b"event: ping\ndata: {}\n\n", b"data: plain\n\n")
    assert [(e.event, e.id) for e in got] == [("message_start", "7"), ("ping", "7"), ("message", "7")]


def test_multi_line_data_is_joined_with_newlines():
    got = events(b"data: first\ndata: second\ndata:third\n\n")
    assert got[0].data == "first\nsecond\nthird"


def test_event_name_resets_after_each_event():
    got = events(b"event: error\ndata: 1\n\ndata: 2\n\n")
    assert [e.event for e in got] == ["error", "message"]


@pytest.mark.parametrize("chunks", [
    [b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n"],           # CRLF split across chunks
    [b"data: a\r\r", b"data: b\r\r"],                         # lone CR terminators
    [b"da", b"ta", b": a\n", b"\n", b"data: b", b"\n\n"],    # tiny chunks
    [b"data: a\n\ndata: b\n\n"],                             # one chunk
])
def test_line_endings_across_chunk_boundaries(chunks):
    assert [e.data for e in events(*chunks)] == ["a", "b"]


def test_crlf_split_does_not_invent_a_blank_line():
    # "event: x\r" | "\ndata: y" must stay one event named x.
    got = events(b"event: x\r", b"\ndata: y\r\n\r\n")
    assert got == [Event("x", "y", None)]


def test_utf8_split_inside_a_character():
    text = "données ✓".encode()
    got = events(b"data: " + text[:9], text[9:] + b"\n\n")
    assert got[0].data == "données ✓"


def test_last_event_without_blank_line_still_counts():
    assert [e.data for e in events(b"data: tail")] == ["tail"]


def test_event_without_data_is_not_dispatched():
    assert events(b"event: ping\n\n", b"id: 3\n\n") == []


def test_ndjson_lines():
    lines = iter_lines(iter([b'{"a": 1}\n\n{"b"', b': 2}\n']))
    assert list(iter_ndjson(lines)) == [{"a": 1}, {"b": 2}]


def test_ndjson_garbage_is_malformed():
    with pytest.raises(MalformedResponse):
        list(iter_ndjson(iter(["{not json"]), "Ollama"))
