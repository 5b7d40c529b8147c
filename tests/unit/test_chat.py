"""chat.py: chat, redraw and completions planned and run against fake providers, stored in a real SessionStore."""

import pytest

from webui import errors as E
from webui.core.config import profile_ops

from .chat_helpers import world  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("provider_env")


def sent(fake):
    """The messages of the fake's last chat request."""
    return fake.last("chat").body["messages"]


def test_chat_stores_the_line_and_the_reply(world):
    answer = world.chat.run(world.chat.plan_chat(world.sid, "gm", "Hello"))
    assert answer["content"] == "reply from a" and answer["used_profile_id"] == "a" and answer["role_id"] == "gm"
    assert sent(world.a) == [{"role": "system", "content": "You run the game."}, {"role": "user", "content": "Hello"}]
    history = world.sessions.history(world.sid)
    assert [(m["role_id"], m["content"], m["is_ai"]) for m in history] == \
        [(None, "Hello", False), ("gm", "reply from a", True)]


def test_a_turn_runs_with_the_settings_it_was_planned_with(world):
    """Settings are read once per turn: a change after planning does not reach the running turn."""
    turn = world.chat.plan_chat(world.sid, "gm", "Hello")
    profile_ops.update_profile(world.svc, "a", {"base_url": world.b.base_url})
    assert world.chat.run(turn)["content"] == "reply from a"
    assert world.b.count("chat") == 0


def test_chat_checks_message_role_and_profile(world):
    with pytest.raises(E.ValidationFailed):
        world.chat.plan_chat(world.sid, "gm", "   ")
    with pytest.raises(E.NotFound):
        world.chat.plan_chat(world.sid, "nobody", "Hi")
    with pytest.raises(E.NotFound):
        world.chat.plan_chat(world.sid, "gm", "Hi", llm_profile_id="missing")
    assert world.chat.run(world.chat.plan_chat(world.sid, "gm", "Hi", "b"))["used_profile_id"] == "b"


def test_a_failed_call_stores_nothing(world):
    world.a.fail(401)
    with pytest.raises(E.AuthFailed):
        world.chat.run(world.chat.plan_chat(world.sid, "gm", "Hello"))
    assert world.sessions.history(world.sid) == []


def test_redraw_replaces_the_last_reply_with_an_alternative(world):
    first = world.chat.run(world.chat.plan_chat(world.sid, "gm", "Hello"))
    world.a.reply = "another reply"
    again = world.chat.run(world.chat.plan_redraw(world.sid, "gm"))
    assert again["replaced_message_id"] == first["message_id"] and again["position"] == first["position"]
    assert again["content"] == "another reply" and again["alt_index"] == 1
    assert sent(world.a)[-1] == {"role": "user", "content": "Hello"}  # the replaced reply is not in the prompt
    other = world.chat.run(world.chat.plan_redraw(world.sid, "gm", "b"))
    assert other["content"] == "reply from b" and other["used_profile_id"] == "b"


def test_redraw_needs_an_ai_reply(world):
    with pytest.raises(E.NotFound, match="no AI reply"):
        world.chat.plan_redraw(world.sid, "gm")


def test_completion_by_profile_name_with_tuning_and_json_mode(world):
    result = world.chat.complete("B", [{"role": "developer", "content": "Be brief."},
                                       {"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
                                 {"temperature": 0.2, "max_completion_tokens": 9}, json_mode=True)
    assert result.text == "reply from b"
    body = world.b.last("chat").body
    assert body["messages"] == [{"role": "developer", "content": "Be brief."},  # as sent (SPEC §5.1)
                                {"role": "user", "content": [{"type": "text", "text": "Hi"}]}]
    assert body["temperature"] == 0.2 and body["max_completion_tokens"] == 9
    assert body["response_format"] == {"type": "json_object"}
    assert world.sessions.history(world.sid) == []  # completions store nothing


def test_completion_through_a_role_gets_its_prompt(world):
    world.chat.complete("role:gm", [{"role": "user", "content": "Begin"}])
    assert sent(world.a)[0] == {"role": "system", "content": "You run the game."}


@pytest.mark.parametrize("model, messages, tuning, error", [
    ("nope", [{"role": "user", "content": "x"}], None, E.UnknownModel),
    ("", [{"role": "user", "content": "x"}], None, E.ValidationFailed),
    ("a", [], None, E.ValidationFailed),
    ("a", [{"role": "robot", "content": "x"}], None, E.ValidationFailed),
    ("a", [{"role": "user", "content": "x"}], {"temperature": "hot"}, E.ValidationFailed),
])
def test_completion_planning_refuses_bad_input(world, model, messages, tuning, error):
    with pytest.raises(error):
        world.chat.plan_completion(model, messages, tuning)
    assert world.a.count() == 0


def test_completion_stream_gives_deltas_then_the_result(world):
    items = list(world.chat.complete_stream("a", [{"role": "user", "content": "x"}]))
    assert "".join(i for i in items if isinstance(i, str)) == "reply from a"
    assert not isinstance(items[-1], str) and items[-1].text == "reply from a"
