"""The streaming reply (ReplyStream via ChatService.run_stream) against fake providers and a real SessionStore."""

import threading

import pytest

from webui import errors as E
from webui.core.config import profile_ops
from webui.core.chat.streaming import ReplyStream
from webui.errors import StreamFailed

from .chat_helpers import world  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("provider_env")


def turn(world, message="Hello"):
    return world.chat.plan_chat(world.sid, "gm", message)


def test_deltas_then_the_stored_reply(world):
    world.a.chunks = ["Once ", "upon ", "a time"]
    items = list(world.chat.run_stream(turn(world)))
    assert items[:-1] == ["Once ", "upon ", "a time"]
    final = items[-1]
    assert final["content"] == "Once upon a time" and final["used_profile_id"] == "a"
    assert [m["content"] for m in world.sessions.history(world.sid)] == ["Hello", "Once upon a time"]


def test_a_failure_before_the_first_delta_is_raised_by_start(world):
    world.a.fail(401)
    with pytest.raises(E.AuthFailed):
        world.chat.run_stream(turn(world))
    assert world.sessions.history(world.sid) == []


def test_a_stream_cut_mid_reply_raises_from_the_iterator_and_stores_nothing(world):
    world.a.chunks, world.a.close_after = ["one ", "two ", "three"], 1
    stream = world.chat.run_stream(turn(world))
    with pytest.raises(E.ProviderError):
        list(stream)
    assert world.sessions.history(world.sid) == []


def test_the_reply_is_stored_when_the_reader_leaves(world):
    world.a.chunks, world.a.gate = ["first ", "second"], threading.Event()
    stream = world.chat.run_stream(turn(world))
    assert next(iter(stream)) == "first "  # the reader takes one delta and goes away
    world.a.gate.set()
    assert stream.wait(30)
    assert stream.result["content"] == "first second"
    assert world.sessions.history(world.sid)[-1]["content"] == "first second"


def test_a_profile_with_streaming_off_answers_in_one_piece(world):
    profile_ops.update_profile(world.svc, "a", {"options": {"stream": False, "json_mode": False}})
    items = list(world.chat.run_stream(turn(world)))
    assert items[0] == "reply from a" and items[-1]["content"] == "reply from a"
    assert world.a.last("chat").body.get("stream") is not True


def test_a_source_without_a_result_fails_cleanly():
    stream = ReplyStream(iter(["text only"]), finish=lambda last: last)
    with pytest.raises(StreamFailed, match="without a result"):
        list(stream.start())


def test_an_unexpected_error_reaches_the_reader_without_details():
    def broken():
        yield "a"
        raise RuntimeError("secret internals")

    stream = ReplyStream(broken(), finish=lambda last: last).start()
    with pytest.raises(StreamFailed) as caught:
        list(stream)
    assert "secret internals" not in caught.value.message


def test_stop_keeps_what_arrived_marked_stopped_and_closes_the_upstream(world):
    world.a.chunks = [f"w{i} " for i in range(30)]
    world.a.chunk_delay = 0.05
    stream = world.chat.run_stream(turn(world))
    pieces = iter(stream)
    first = next(pieces)
    assert world.chat.stop(world.sid) == 1
    rest = list(pieces)
    final = rest[-1]
    assert final["metadata"]["finish_reason"] == "stopped" and final["content"].startswith(first)
    assert len(final["content"]) < len("".join(world.a.chunks))
    assert stream.wait(5) and world.chat.stop(world.sid) == 0  # ended: nothing left to stop
    stored = world.sessions.history(world.sid)[-1]
    assert stored["content"] == final["content"] and stored["metadata"]["finish_reason"] == "stopped"


def test_a_closed_source_runs_its_cleanup():
    closed = threading.Event()

    def source():
        try:
            while True:
                yield "x"
        finally:
            closed.set()

    stream = ReplyStream(source(), finish=lambda last: last, on_stop=lambda text: {"content": text}).start()
    assert stream.stop() and stream.wait(5) and closed.is_set()
