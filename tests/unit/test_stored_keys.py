"""The stored keys overview and Remove (core/config/stored_keys.py): names people know, masks, bound URLs, users."""

import json

import pytest

from webui.core.config import profile_ops, stored_keys
from webui.errors import Conflict, NotFound

from .core_helpers import read_config, service

OPENAI, GROQ, AZURE = "sk-proj-overview-0000aa11", "gsk_overview_0000bb22", "azure-overview-0000cc33"


@pytest.fixture
def folder(tmp_path):
    return str(tmp_path / "cfg")


@pytest.fixture
def svc(folder):
    svc = service(folder)
    svc.mutate(lambda s: s.update(voice=False), restart=False)
    for payload in (
        {"id": "oa", "name": "Writer", "provider": "openai", "model": "gpt-4o", "api_key": OPENAI},
        {"id": "oa2", "name": "Editor", "provider": "openai", "model": "gpt-4o-mini"},
        {"id": "oa3", "name": "From env", "provider": "openai", "model": "gpt-4o", "api_key_ref": "OPENAI_API_KEY"},
        {"id": "gq", "name": "Fast", "provider": "custom", "credential_id": "groq", "model": "llama",
         "base_url": "https://api.groq.com/openai/v1", "api_key": GROQ},
        {"id": "az", "name": "Azure", "provider": "custom", "credential_id": "my-azure", "model": "gpt",
         "base_url": "https://corp.openai.azure.com/openai/deployments/gpt", "api_key": AZURE},
    ):
        profile_ops.create_profile(svc, payload, restart=False)
    return svc


def rows(svc):
    settings, _ = svc.settings()
    return {r["id"]: r for r in stored_keys.overview(settings, svc.vault)}


def test_each_stored_key_with_its_provider_mask_urls_and_profiles(svc):
    found = rows(svc)
    assert set(found) == {"open_ai", "groq", "my-azure"}
    oa = found["open_ai"]
    assert oa["label"] == "OpenAI" and oa["set_name"] is None
    assert [(s["label"], s["hint"]) for s in oa["secrets"]] == [("API key", "sk-proj-…aa11")]
    assert oa["urls"] == ["https://api.openai.com/v1"]
    assert [(u["name"], u["variable"], u["relies"]) for u in oa["users"]] == [
        ("Writer", None, True), ("Editor", None, True), ("From env", "OPENAI_API_KEY", False)]
    assert oa["needy"] == ["Writer", "Editor"] and oa["active_needs"] == "Writer"
    assert (found["groq"]["label"], found["groq"]["set_name"]) == ("Groq", None)
    assert found["groq"]["urls"] == ["https://api.groq.com/openai/v1"]
    assert (found["my-azure"]["label"], found["my-azure"]["set_name"]) == ("OpenAI-compatible", "my-azure")
    assert [r["label"] for r in stored_keys.overview(svc.settings()[0], svc.vault)] == [
        "Groq", "OpenAI", "OpenAI-compatible"]


def test_no_secret_in_the_overview(svc):
    text = json.dumps(stored_keys.overview(svc.settings()[0], svc.vault))
    assert OPENAI not in text and GROQ not in text and AZURE not in text and "enc" not in text


def test_forget_removes_the_secret_and_says_who_needs_a_key(svc, folder):
    outcome, _, _ = stored_keys.forget(svc, "groq", restart=False)
    assert outcome == {"label": "Groq", "needy": ["Fast"]}
    saved = read_config(folder)["settings"]["provider_credentials"]
    assert "groq" not in saved  # nothing but its provider was left
    assert "groq" not in rows(svc)


def test_forget_keeps_an_ollama_server_url(svc, folder):
    profile_ops.create_profile(svc, {"id": "ol", "name": "Local", "provider": "ollama", "model": "qwen2",
                                     "url": "http://gpu-box:11434", "token": "ollama-token-0000dd44"}, restart=False)
    row = rows(svc)["ollama"]
    assert row["label"] == "Ollama" and row["server_url"] == "http://gpu-box:11434"
    assert row["secrets"][0]["label"] == "Bearer token" and row["needy"] == ["Local"] and not row["has_key"]
    stored_keys.forget(svc, "ollama", restart=False)
    saved = read_config(folder)["settings"]["provider_credentials"]["ollama"]
    assert saved["url"] == "http://gpu-box:11434" and "token" not in saved and "bound_urls" not in saved


def test_the_active_profiles_key_is_not_removed(svc, folder):
    before = read_config(folder)
    with pytest.raises(Conflict) as info:
        stored_keys.forget(svc, "open_ai", restart=False)
    assert "the active profile “Writer” needs it" in info.value.message
    assert read_config(folder) == before
    profile_ops.activate_profile(svc, "gq", restart=False)
    outcome, _, _ = stored_keys.forget(svc, "open_ai", restart=False)
    assert outcome["needy"] == ["Writer", "Editor"]


def test_an_unknown_or_keyless_credential_is_not_found(svc):
    with pytest.raises(NotFound):
        stored_keys.forget(svc, "nope", restart=False)
    stored_keys.forget(svc, "my-azure", restart=False)
    with pytest.raises(NotFound):
        stored_keys.forget(svc, "my-azure", restart=False)
