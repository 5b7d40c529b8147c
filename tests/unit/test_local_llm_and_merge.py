"""Core helpers of the configuration API: local-LLM key and model-list parsing, settings merge."""

import re

import pytest
from cryptography.fernet import Fernet

from webui.core.connect import local_llm

from webui.core.config import profile_ops
from webui.errors import ValidationFailed
from webui.core.storage.vault import Vault


def test_new_key_shape_and_randomness():
    keys = {local_llm.new_key() for _ in range(200)}
    assert len(keys) == 200
    assert all(re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", k) for k in keys)


@pytest.mark.parametrize("url, expected", [
    ("http://h:11434", ["http://h:11434/api/tags", "http://h:11434/v1/models"]),
    ("http://h:1234/v1", ["http://h:1234/v1/models"]),
    ("http://h:11434/api/tags", ["http://h:11434/api/tags"]),
    ("http://h/v1/models", ["http://h/v1/models"]),
])
def test_candidate_urls(url, expected):
    assert local_llm.candidate_urls(url) == expected


@pytest.mark.parametrize("body, expected", [
    ({"models": [{"name": "a"}, {"model": "b"}, {"name": "a"}]}, ["a", "b"]),
    ({"data": [{"id": "x", "object": "model"}, "y"]}, ["x", "y"]),
    ({"data": "nope"}, None),
    ([], None),
])
def test_names_from(body, expected):
    assert local_llm.names_from(body) == expected


@pytest.mark.parametrize("url", [None, 3, "", "ftp://h", "h:11434", "http://"])
def test_check_url_rejects(url):
    with pytest.raises(ValidationFailed) as caught:
        local_llm.check_url(url)
    assert "url" in caught.value.fields


@pytest.fixture
def vault():
    return Vault(Fernet(Fernet.generate_key()))


def test_merge_keeps_masked_secrets_and_sets_new_ones(vault):
    settings = {"provider_credentials": {"open_ai": {"api_key": vault.encrypt("sk-old-000000000000")}},
                "llm_key": "abcd-efgh-ijkl-mnop", "sound": True}
    profile_ops.merge(settings, {
        "provider_credentials": {"open_ai": {"api_key": {"set": True, "hint": "sk-…0000"}},
                                 "anthropic": {"api_key": "sk-ant-new-0000000000"}},
        "llm_key": {"set": True, "hint": "…"},
        "openrouter_key": "sk-or-v1-legacy00000000",
        "sound": False,
    }, vault)
    creds = settings["provider_credentials"]
    assert vault.decrypt(creds["open_ai"]["api_key"]) == "sk-old-000000000000"
    assert vault.decrypt(creds["anthropic"]["api_key"]) == "sk-ant-new-0000000000"
    assert vault.decrypt(creds["open_router"]["api_key"]) == "sk-or-v1-legacy00000000"
    assert settings["llm_key"] == "abcd-efgh-ijkl-mnop" and settings["sound"] is False
    assert "openrouter_key" not in settings  # the desktop field is projection's job


def test_merge_profiles_validates_only_changed_ones(vault):
    legacy = {"id": "old", "name": "Old", "provider": "open_ai", "model": "gpt-4o"}  # no key: untouched, so kept
    settings = {"llm_profiles": [legacy]}
    profile_ops.merge(settings, {"llm_profiles": [dict(legacy), {"id": "new", "name": "New", "provider": "ollama",
                                                                  "model": "qwen2", "url": "http://127.0.0.1:11434",
                                                                  "active": True}]}, vault)
    assert [p["id"] for p in settings["llm_profiles"]] == ["old", "new"]
    assert "active" not in settings["llm_profiles"][1]
    assert settings["provider_credentials"]["ollama"]["url"] == "http://127.0.0.1:11434"
    with pytest.raises(ValidationFailed) as caught:
        profile_ops.merge(settings, {"llm_profiles": [dict(legacy, temperature=0.5)]}, vault)
    assert "llm_profiles[0].api_key" in caught.value.fields


def test_merge_rejects_duplicate_ids_and_wrong_types(vault):
    with pytest.raises(ValidationFailed) as caught:
        profile_ops.merge({}, {"llm_profiles": [{"id": "a", "name": "A", "provider": "ollama", "model": "m"},
                                                 {"id": "a", "name": "B", "provider": "ollama", "model": "m"}]}, vault)
    assert "llm_profiles[1].id" in caught.value.fields
    with pytest.raises(ValidationFailed):
        profile_ops.merge({}, [], vault)
