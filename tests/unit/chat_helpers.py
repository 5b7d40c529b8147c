"""The world the chat and streaming tests share: a config with two profiles on fakes, a role, a session."""

import pytest

from webui.core.config import profile_ops

from webui.core.roles import role_ops
from webui.core.chat.service import ChatService
from webui.core.chat.sessions import SessionStore

from .core_helpers import service
from .provider_helpers import PLANTED


@pytest.fixture
def world(tmp_path, fake_provider):
    """A config with two OpenAI profiles on two fakes, a role routed to the first, a session."""
    svc = service(tmp_path / "config")
    world = type("World", (), {})()
    world.a, world.b = fake_provider("open_ai", reply="reply from a"), fake_provider("open_ai", reply="reply from b")
    for pid, fake in (("a", world.a), ("b", world.b)):
        profile_ops.create_profile(svc, {"id": pid, "name": pid.upper(), "provider": "open_ai", "model": "gpt-4o",
                                         "api_key": PLANTED, "base_url": fake.base_url})
    role_ops.replace_roles(svc, [{"id": "gm", "name": "Game Master", "prompt": "You run the game.",
                                  "ai_config": {"profile_id": "a"}}])
    world.svc, world.sessions = svc, SessionStore(str(tmp_path / "sessions.db"))
    world.chat = ChatService(svc, world.sessions)
    world.sid = world.sessions.create_session("t")["session_id"]
    yield world
    world.sessions.close()
