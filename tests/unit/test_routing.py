"""Profile resolution order (ConfigView), system prompts and the history as one role sees it (routing),
reply metadata (GatewayResult)."""

from types import SimpleNamespace

import pytest

from webui.core.chat.gateway import GatewayResult
from webui.core.config.view import ConfigView
from webui.core.roles import routing
from webui.errors import NotFound

SETTINGS = {
    "llm_profiles": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
    "active_llm_profile": "a",
    "llm_roles": [{"id": "gm", "name": "GM"}, {"id": "npc", "name": "Bob", "ai_config": {"profile_id": "b"}}],
}
NPC = SETTINGS["llm_roles"][1]
VIEW = ConfigView.build(SETTINGS, "r1")


@pytest.mark.parametrize("role, overrides, requested, expected", [
    (SETTINGS["llm_roles"][0], {}, None, ("a", "active")),
    (NPC, {}, None, ("b", "role")),
    (NPC, {"npc": "c"}, None, ("c", "session_override")),
    (NPC, {"npc": "c"}, "a", ("a", "request")),
    (NPC, {"npc": "deleted"}, None, ("b", "role")),                  # a stale override is skipped
    ({"id": "x", "ai_config": {"profile_id": "gone"}}, {}, None, ("a", "active")),
])
def test_resolution_first_match_wins(role, overrides, requested, expected):
    assert VIEW.effective_profile(role, overrides, requested) == expected


def test_unknown_ids_name_themselves():
    with pytest.raises(NotFound, match="'zzz'"):
        VIEW.effective_profile(NPC, {}, "zzz")
    with pytest.raises(NotFound, match="'ghost'"):
        VIEW.role("ghost")
    with pytest.raises(NotFound, match="No profile to answer"):
        ConfigView.build({"llm_profiles": []}, "r0").effective_profile(NPC)


@pytest.mark.parametrize("role, prompt", [
    ({"id": "r", "name": "R", "system_prompt": "  Be brief. "}, "Be brief."),
    ({"id": "r", "name": "R", "ai_config": {"instructions": "Rhyme."}}, "Rhyme."),
    ({"id": "r", "name": "Rita", "description": "A spy.", "personality": "Sly."}, "You are Rita. A spy. Sly."),
    ({"id": "r", "name": "R"}, None),
])
def test_system_prompt(role, prompt):
    assert routing.system_prompt(role) == prompt


def test_history_as_one_role_sees_it():
    history = [{"is_ai": False, "role_id": None, "content": "hi"},
               {"is_ai": True, "role_id": "gm", "content": "Welcome"},
               {"is_ai": True, "role_id": "npc", "content": "Ale?"}]
    assert routing.build_messages(NPC, history, {"gm": "GM"}) == [
        {"role": "user", "content": "hi"}, {"role": "user", "content": "GM: Welcome"},
        {"role": "assistant", "content": "Ale?"}]


def test_metadata_has_exactly_the_spec_keys():
    result = SimpleNamespace(model="m", latency_ms=12, usage={"prompt_tokens": 3, "completion_tokens": 4, "extra": 1},
                             finish_reason="stop", tool_calls=None)
    answer = GatewayResult(result, "b", "custom", fallback_from="a", failures=[{"message": "x"}])
    assert answer.metadata() == {
        "used_profile_id": "b", "provider_type": "custom", "model": "m", "latency_ms": 12,
        "usage": {"prompt_tokens": 3, "completion_tokens": 4}, "finish_reason": "stop", "fallback_from": "a",
        "tool_calls": [], "iterations": 1, "cost_usd": None,  # SPEC §5: cost_usd (issue 17)
        "request_id": None,  # issue 23: the request's X-Request-Id (None outside a request)
        "fallback_failures": [{"message": "x"}]}  # issue 22: why the earlier profiles did not answer
