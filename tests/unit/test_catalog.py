"""The provider catalog: one table, aliases, and the public view /api/llm/providers serves."""

import json

import pytest

from webui.catalog import ALIASES, PARAMS, PROVIDERS, canonical_provider, public_catalog


def test_the_six_providers_of_the_spec():
    assert list(PROVIDERS) == ["open_ai", "open_router", "anthropic", "gemini", "ollama", "custom"]


@pytest.mark.parametrize("name, expected", [
    ("openai", "open_ai"), ("openrouter", "open_router"), ("oai_compatible", "open_ai"),
    ("local_openai", "custom"), ("google", "gemini"), ("open_router", "open_router"),
    ("GEMINI", "gemini"), (" ollama ", "ollama"), ("nope", None), ("", None), (None, None), (3, None),
])
def test_canonical_provider(name, expected):
    assert canonical_provider(name) == expected


def test_aliases_point_at_real_providers():
    assert set(ALIASES.values()) <= set(PROVIDERS)


@pytest.mark.parametrize("pid", list(PROVIDERS))
def test_every_row_is_complete_and_consistent(pid):
    spec = PROVIDERS[pid]
    for key in ("label", "requires", "credential_fields", "env_var", "default_base_url", "limits",
                "unsupported", "defaults", "desktop"):
        assert key in spec, key
    assert "model" in spec["requires"]
    assert set(spec["limits"]) <= set(PARAMS) and set(spec["unsupported"]) <= set(PARAMS)
    assert not set(spec["limits"]) & set(spec["unsupported"])
    for name, value in spec["defaults"].items():
        if name in spec["limits"]:
            low, high = spec["limits"][name]
            assert low <= value <= high


def test_spec_table_specifics():
    assert PROVIDERS["anthropic"]["limits"]["temperature"] == (0, 1)
    assert set(PROVIDERS["anthropic"]["unsupported"]) == {"presence_penalty", "frequency_penalty"}
    assert PROVIDERS["anthropic"]["defaults"]["max_tokens"] == 1024
    assert PROVIDERS["gemini"]["limits"]["temperature"] == (0, 2) and not PROVIDERS["gemini"]["unsupported"]
    assert PROVIDERS["ollama"]["requires"] == ["model", "url"]
    assert PROVIDERS["custom"]["requires"] == ["model", "base_url"]
    assert PROVIDERS["gemini"]["desktop"] is False
    assert {p for p, s in PROVIDERS.items() if s["env_var"]} == {"open_ai", "open_router", "anthropic", "gemini"}


def test_public_catalog_is_json_and_marks_supported_params():
    data = json.loads(json.dumps(public_catalog()))
    by_id = {p["id"]: p for p in data}
    assert set(by_id) == set(PROVIDERS)
    anthropic = by_id["anthropic"]["params"]
    assert anthropic["presence_penalty"]["supported"] is False
    assert anthropic["temperature"] == {"type": "number", "label": "Temperature", "supported": True, "min": 0, "max": 1}
    assert by_id["gemini"]["can_drive_desktop"] is False
    assert by_id["open_ai"]["params"]["max_tokens"]["min"] == 1
