"""Profiles: normalization (aliases, form strings), per-provider validation from the table, list rules."""

import pytest

from webui.core.config import profiles
from webui.errors import Conflict, NotFound, ValidationFailed

from .core_helpers import profile


def errors_for(prov, has_key=True, others=(), **fields):
    made = profile(prov, **fields)
    settings = {"llm_profiles": [made, *others]}
    return profiles.validate(made, settings, lambda p, f: has_key)


@pytest.mark.parametrize("alias, canonical", [
    ("openai", "open_ai"), ("openrouter", "open_router"), ("oai_compatible", "open_ai"),
    ("local_openai", "custom"), ("google", "gemini"), ("OpenAI", "open_ai"), (" anthropic ", "anthropic"),
])
@pytest.mark.parametrize("field", ["provider", "provider_type"])
def test_aliases_and_provider_type_are_stored_canonical(alias, canonical, field):
    made, _, errors = profiles.normalize({"id": "x", "name": "X", "model": "m", field: alias})
    assert not errors
    assert made["provider"] == canonical and "provider_type" not in made


def test_unknown_provider_is_a_field_error():
    _, _, errors = profiles.normalize({"provider": "skynet"})
    assert "skynet" in errors["provider"] and "open_ai" in errors["provider"]


def test_normalize_separates_credentials_and_keeps_unknown_keys():
    made, secrets, errors = profiles.normalize({
        "id": "a", "name": "A", "provider": "ollama", "model": "qwen2", "url": "http://h:1", "token": "t0k",
        "api_key": "sk-x", "x_custom": {"keep": True},
    })
    assert not errors
    assert secrets == {"url": "http://h:1", "token": "t0k", "api_key": "sk-x"}
    assert not {"url", "token", "api_key"} & set(made)
    assert made["x_custom"] == {"keep": True}
    assert list(made)[:len(profiles.FIELD_ORDER)] == list(profiles.FIELD_ORDER)


@pytest.mark.parametrize("field, value, expected, message", [
    ("temperature", "0.7", 0.7, None),
    ("temperature", " 1 ", 1, None),
    ("max_tokens", "1024", 1024, None),
    ("max_tokens", 2048.0, 2048, None),
    ("temperature", "", None, None),
    ("temperature", "hot", None, "must be a number"),
    ("temperature", "nan", None, "must be a number"),
    ("temperature", True, None, "must be a number"),
    ("max_tokens", "1.5", None, "must be a whole number"),
])
def test_form_strings_become_numbers(field, value, expected, message):
    made, _, errors = profiles.normalize({"provider": "open_ai", field: value})
    if message:
        assert errors[field] == message
    else:
        assert not errors and made[field] == expected


def test_defaults_come_from_the_catalog():
    made, _, _ = profiles.normalize({"provider": "anthropic"})
    assert made["max_tokens"] == 1024 and made["presence_penalty"] is None
    assert made["options"] == {"json_mode": False, "stream": True}
    assert made["extra_params"] == {} and made["fallback_profile_ids"] == []


def test_changing_provider_keeps_identity_and_resets_provider_defaults():
    base = profile("anthropic", id="p", name="Keep me", max_tokens=1024)
    made, _, _ = profiles.normalize({"provider": "open_ai"}, base=base)
    assert (made["id"], made["name"], made["provider"]) == ("p", "Keep me", "open_ai")
    assert made["max_tokens"] is None


@pytest.mark.parametrize("prov, fields, field, message", [
    ("open_ai", {"temperature": 2.5}, "temperature", "must be between 0 and 2 for OpenAI"),
    ("open_ai", {"top_p": 1.5}, "top_p", "must be between 0 and 1 for OpenAI"),
    ("open_ai", {"presence_penalty": -3}, "presence_penalty", "must be between -2 and 2 for OpenAI"),
    ("open_router", {"frequency_penalty": 2.1}, "frequency_penalty", "must be between -2 and 2 for OpenRouter"),
    ("anthropic", {"temperature": 1.2}, "temperature", "must be between 0 and 1 for Anthropic"),
    ("anthropic", {"presence_penalty": 0.5}, "presence_penalty",
     "Anthropic does not support presence_penalty; leave it empty"),
    ("anthropic", {"frequency_penalty": -1}, "frequency_penalty",
     "Anthropic does not support frequency_penalty; leave it empty"),
    ("gemini", {"temperature": 2.1}, "temperature", "must be between 0 and 2 for Google Gemini"),
    ("gemini", {"presence_penalty": 2.5}, "presence_penalty", "must be between -2 and 2 for Google Gemini"),
    ("ollama", {"temperature": -0.1}, "temperature", "must be between 0 and 2 for Ollama"),
    ("open_ai", {"max_tokens": 0}, "max_tokens", "must be between 1 and 2000000 for OpenAI"),
    ("open_ai", {"model": " "}, "model", "is required"),
    ("open_ai", {"name": "n" * 81}, "name", "must be at most 80 characters"),
    ("open_ai", {"name": ""}, "name", "is required"),
    ("open_ai", {"id": "bad id!"}, "id", "must be 1-64 letters, digits, '.', '_' or '-'"),
    ("open_ai", {"api_key_ref": "1-NOT-A-NAME"}, "api_key_ref",
     "must be an environment variable name like MY_API_KEY"),
    ("open_ai", {"base_url": "ftp://example.com"}, "base_url", "must be an http:// or https:// URL"),
    ("custom", {}, "base_url", "is required for OpenAI-compatible (LM Studio, llama.cpp, vLLM, Azure)"),
    ("open_ai", {"fallback_profile_ids": ["open_ai"]}, "fallback_profile_ids", "a profile cannot fall back to itself"),
    ("open_ai", {"fallback_profile_ids": ["nope"]}, "fallback_profile_ids", "unknown profile id 'nope'"),
    ("open_ai", {"options": {"stream": "yes"}}, "options.stream", "must be true or false"),
    ("open_ai", {"extra_params": []}, "extra_params", "must be a JSON object"),
    ("ollama", {"options": {"num_ctx": 0}}, "options.num_ctx", "must be a whole number from 1 to 10000000"),
    ("ollama", {"options": {"num_gpu": "all"}}, "options.num_gpu", "must be a whole number from -1 to 10000"),
    ("ollama", {"options": {"keep_alive": "forever"}}, "options.keep_alive",
     'must be a duration like "5m", "1h" or "-1" (keep loaded), or seconds'),
])
def test_validation_per_provider(prov, fields, field, message):
    assert errors_for(prov, **fields)[field] == message


@pytest.mark.parametrize("prov, field, message", [
    ("open_ai", "api_key", "OpenAI needs an API key (or an environment variable name in api_key_ref)"),
    ("open_router", "api_key", "OpenRouter needs an API key (or an environment variable name in api_key_ref)"),
    ("anthropic", "api_key", "Anthropic needs an API key (or an environment variable name in api_key_ref)"),
    ("gemini", "api_key", "Google Gemini needs an API key (or an environment variable name in api_key_ref)"),
    ("ollama", "url", "Ollama needs a server URL"),
])
def test_required_credentials(prov, field, message):
    assert errors_for(prov, has_key=False) == {field: message}


@pytest.mark.parametrize("prov, fields", [
    ("open_ai", {"temperature": 2, "top_p": 0, "presence_penalty": -2, "frequency_penalty": 2}),
    ("anthropic", {"temperature": 1, "presence_penalty": 0}),  # 0 is the default, so it is allowed
    ("gemini", {"temperature": 2, "presence_penalty": 1}),
    ("open_ai", {"api_key_ref": "MY_KEY"}),
    ("ollama", {"options": {"num_ctx": 8192, "num_gpu": -1, "keep_alive": "30m"}}),
    ("ollama", {"options": {"keep_alive": -1}}),
])
def test_valid_profiles(prov, fields):
    assert errors_for(prov, **fields) == {}


def test_key_from_api_key_ref_or_custom_needs_none():
    assert errors_for("open_ai", has_key=False, api_key_ref="OPENAI_KEY_2") == {}
    assert errors_for("custom", has_key=False, base_url="http://127.0.0.1:1234/v1") == {}
    assert errors_for("ollama", has_key=False, base_url="http://gpu:11434") == {}


def test_names_are_unique_case_insensitively():
    other = profile("open_ai", id="other", name="Creative")
    assert "already named" in errors_for("open_ai", name="creative", others=[other])["name"]


def test_unique_name_adds_a_counter():
    settings = {"llm_profiles": [profile(name="A (copy)", id="a"), profile(name="A (copy) (2)", id="b")]}
    assert profiles.unique_name(settings, "A (copy)") == "A (copy) (3)"
    assert profiles.unique_name(settings, "fresh") == "fresh"
    assert len(profiles.unique_name({"llm_profiles": [profile(name="x" * 80)]}, "x" * 80)) == 80


def three():
    items = [profile(id=i, name=i.upper()) for i in ("a", "b", "c")]
    items[2]["fallback_profile_ids"] = ["a", "b"]
    return {"llm_profiles": items, "active_llm_profile": "a",
            "llm_roles": [{"id": "gm", "ai_config": {"profile_id": "b"}}]}


def test_reorder():
    settings = three()
    profiles.reorder(settings, ["c", "a", "b"])
    assert [p["id"] for p in settings["llm_profiles"]] == ["c", "a", "b"]


@pytest.mark.parametrize("order, error", [
    (["a", "b"], ValidationFailed), (["a", "b", "c", "c"], ValidationFailed), ("abc", ValidationFailed),
    (["a", "b", "zzz"], NotFound),
])
def test_reorder_must_name_every_profile_once(order, error):
    settings = three()
    with pytest.raises(error):
        profiles.reorder(settings, order)
    assert [p["id"] for p in settings["llm_profiles"]] == ["a", "b", "c"]


def test_delete_cleans_references():
    settings = three()
    profiles.remove(settings, "b")
    assert [p["id"] for p in settings["llm_profiles"]] == ["a", "c"]
    assert settings["llm_profiles"][1]["fallback_profile_ids"] == ["a"]
    assert settings["llm_roles"][0]["ai_config"]["profile_id"] is None


def test_deleting_the_active_profile_is_refused_unless_another_is_named():
    settings = three()
    with pytest.raises(Conflict) as info:
        profiles.remove(settings, "a")
    assert "'A' is active" in info.value.message and "new_active_id" in info.value.message
    with pytest.raises(ValidationFailed):
        profiles.remove(settings, "a", new_active="a")
    with pytest.raises(NotFound):
        profiles.remove(settings, "a", new_active="ghost")
    assert len(settings["llm_profiles"]) == 3
    profiles.remove(settings, "a", new_active="c")
    assert settings["active_llm_profile"] == "c" and settings["llm_profiles"][1]["fallback_profile_ids"] == ["b"]


def test_find_names_the_missing_id():
    with pytest.raises(NotFound) as info:
        profiles.find({"llm_profiles": []}, "ghost")
    assert "ghost" in info.value.message


def test_new_ids_are_valid_and_unique():
    ids = {profiles.new_id() for _ in range(100)}
    assert len(ids) == 100 and all(profiles.ID_RE.match(i) for i in ids)
