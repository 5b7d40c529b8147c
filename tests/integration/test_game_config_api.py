"""The game-config format beyond the document's own examples: LiteLLM prefixes against fakes, the role's own turn,
export -> import round trip, all-or-nothing bad input, and the export/import command line (issue 12)."""

import json

import pytest
import yaml

from tests.app_fixtures import BASIC, http_session, make_app

PLANTED = "sk-proj-PLANTED-never-exported-0001"
AZURE_KEY = "azure-key-0000000000000000000001"
ENV_KEYS = {"OPENAI_API_KEY": "sk-test-env-openai-000001", "ANTHROPIC_API_KEY": "sk-ant-env-000000000001",
            "GEMINI_API_KEY": "AIza-env-gemini-000000001", "OPENROUTER_API_KEY": "sk-or-v1-env-0000000001",
            "AZURE_OPENAI_API_KEY": AZURE_KEY}


@pytest.fixture
def inst(provider_env, live_server):
    """(live server, HTTP session) of an empty instance whose environment holds the standard key variables."""
    live = live_server(**ENV_KEYS)
    http = http_session(live.url, BASIC)
    yield live, http
    http.close()


def post_doc(live, http, text, content_type="application/yaml"):
    return http.post(f"{live.url}/api/v1/roles/import?restart=false", data=text.encode(),
                     headers={"Content-Type": content_type})


def chat(live, http, body):
    sid = http.post(f"{live.url}/api/v1/sessions", json={}).json()["session_id"]
    return sid, http.post(f"{live.url}/api/v1/sessions/{sid}/chat", json=body)


def test_an_azure_prefixed_profile_calls_the_deployment(inst, fake_provider):
    live, http = inst
    fake = fake_provider("azure", reply="Azure says hi")
    doc = f"""
llm_profiles:
  - id: "azure_gpt4"
    provider_type: "oai_compatible"
    model: "azure/gpt-4-deployment-name"
    base_url: "{fake.url}"
    api_key_ref: "AZURE_OPENAI_API_KEY"
characters:
  gm: {{ai_config: {{profile_id: "azure_gpt4"}}}}
"""
    assert post_doc(live, http, doc).status_code == 200
    _, r = chat(live, http, {"role_id": "gm", "message": "Hello"})
    assert r.status_code == 200, r.text
    assert r.json()["content"] == "Azure says hi"
    sent = fake.last()
    assert sent.path == "/openai/deployments/gpt-4-deployment-name/chat/completions"
    assert sent.query["api-version"] and sent.headers["api-key"] == AZURE_KEY
    assert "authorization" not in sent.headers and "azure/" not in sent.raw.decode()
    stored = http.get(f"{live.url}/api/v1/profiles").json()["profiles"][0]
    assert stored["model"] == "azure/gpt-4-deployment-name"  # kept as written, so export reproduces it


@pytest.mark.parametrize("prefix, kind, model, header, key", [
    ("anthropic", "anthropic", "claude-3-haiku", "x-api-key", ENV_KEYS["ANTHROPIC_API_KEY"]),
    ("gemini", "gemini", "gemini-1.5-flash", "x-goog-api-key", ENV_KEYS["GEMINI_API_KEY"]),
    ("ollama", "ollama", "llama2", None, None),
    ("openrouter", "open_router", "meta-llama/llama-3-8b", "authorization", "Bearer " + ENV_KEYS["OPENROUTER_API_KEY"]),
    ("openai", "open_ai", "gpt-4o", "authorization", "Bearer " + ENV_KEYS["OPENAI_API_KEY"]),
])
def test_each_prefix_routes_to_its_provider_stripped_on_the_wire(inst, fake_provider, prefix, kind, model, header, key):
    live, http = inst
    fake = fake_provider(kind, reply="routed")
    doc = {"llm_profiles": [{"id": "p", "model": f"{prefix}/{model}", "base_url": fake.base_url}],
           "characters": {"gm": {"ai_config": {"profile_id": "p"}}}}
    assert post_doc(live, http, json.dumps(doc), "application/json").status_code == 200
    _, r = chat(live, http, {"role_id": "gm", "message": "Hi"})
    assert r.status_code == 200, r.text
    assert r.json()["content"] == "routed" and r.json()["metadata"]["provider_type"] == kind
    sent = fake.last()
    assert f"{prefix}/" not in sent.raw.decode() + sent.path and model in sent.raw.decode() + sent.path
    if header:
        assert sent.headers[header] == key


def test_the_roles_own_turn_sends_the_history_as_it_is(inst, fake_provider):
    live, http = inst
    fake = fake_provider("open_ai", reply="The orc swings.")
    doc = {"llm_profiles": [{"id": "g", "model": "gpt-4", "base_url": fake.base_url}], "characters": {"gm": {}}}
    assert post_doc(live, http, json.dumps(doc), "application/json").status_code == 200
    sid, first = chat(live, http, {"role_id": "gm", "message": "I draw my sword."})
    assert first.status_code == 200
    before = fake.last().body["messages"]
    own = http.post(f"{live.url}/api/v1/sessions/{sid}/chat", json={"role_id": "gm"})
    assert own.status_code == 200, own.text
    assert fake.last().body["messages"] == before + [{"role": "assistant", "content": "The orc swings."}]
    history = http.get(f"{live.url}/api/v1/sessions/{sid}").json()["messages"]
    assert [(m["is_ai"], m["content"]) for m in history] == [
        (False, "I draw my sword."), (True, "The orc swings."), (True, "The orc swings.")]
    blank = http.post(f"{live.url}/api/v1/sessions/{sid}/chat", json={"role_id": "gm", "message": "  "})
    assert blank.status_code == 400 and "message" in blank.json()["fields"]


def test_a_profile_with_no_key_anywhere_imports_and_answers_missing_credential(provider_env, live_server):
    live = live_server()
    http = http_session(live.url, BASIC)
    legacy = "llm_config:\n  default_model: \"gpt-3.5-turbo\"\n  temperature: 0.7\n"
    assert post_doc(live, http, legacy).status_code == 200
    assert http.get(f"{live.url}/api/v1/profiles").json()["active_llm_profile"] == "default"
    _, r = chat(live, http, {"role_id": "nobody", "message": "x"})
    assert r.status_code == 404
    http.put(f"{live.url}/api/v1/roles", json=[{"id": "gm"}])
    _, r = chat(live, http, {"role_id": "gm", "message": "Hi"})
    assert r.status_code == 400 and r.json()["error"] == "missing_credential"
    assert "OPENAI_API_KEY" in r.json()["message"]


FULL = {
    "llm_config": {"default_profile_id": "main"},
    "llm_profiles": [
        {"id": "main", "name": "Main narrator", "provider_type": "oai_compatible", "model": "gpt-4o",
         "credential_id": "team_openai", "api_key_ref": "OPENAI_API_KEY", "base_url": "http://127.0.0.1:9/v1",
         "temperature": 1.1, "top_p": 0.9, "presence_penalty": 0.5, "frequency_penalty": -0.5, "max_tokens": 777,
         "context_window": 128000, "options": {"json_mode": True, "stream": False},
         "extra_params": {"seed": 7, "user": "gm"}, "fallback_profile_ids": ["backup", "local"],
         "pricing": {"input_per_mtok": 2.5, "output_per_mtok": 10}, "budget": {"monthly_usd": 5}},
        {"id": "backup", "name": "Backup", "provider_type": "anthropic", "model": "claude-3-5-haiku-latest",
         "api_key_ref": "ANTHROPIC_API_KEY", "temperature": 0.3, "max_tokens": 512, "fallback_profile_ids": []},
        {"id": "local", "provider_type": "local_openai", "model": "llama2", "base_url": "http://localhost:1234/v1"},
        {"id": "az", "model": "azure/dep-1", "base_url": "https://res.openai.azure.com",
         "api_key_ref": "AZURE_OPENAI_API_KEY"},
    ],
    "characters": {
        "gm": {"id": "gm", "name": "Game Master", "type": "gm", "control": "ai", "system_prompt": "Narrate.",
               "ai_config": {"profile_id": "backup"}},
        "player_ai": {"id": "player_ai", "name": "AI Player", "type": "player", "control": "ai",
                      "ai_config": {"profile_id": None}},
    },
}


def _state(live, http):
    listing = http.get(f"{live.url}/api/v1/profiles").json()
    strip = lambda p: {k: v for k, v in p.items() if k not in ("active", "credential")}  # noqa: E731
    return ([strip(p) for p in listing["profiles"]], listing["active_llm_profile"],
            http.get(f"{live.url}/api/v1/roles").json()["roles"])


def test_export_then_import_into_an_empty_instance_round_trips(inst, live_server, tmp_path):
    live, http = inst
    assert post_doc(live, http, json.dumps(FULL), "application/json").status_code == 200, "import"
    r = http.put(f"{live.url}/api/llm/credentials/team_openai?restart=false", json={"api_key": PLANTED})
    assert r.status_code == 200, r.text
    before = _state(live, http)
    as_yaml = http.get(f"{live.url}/api/v1/export")
    as_json = http.get(f"{live.url}/api/v1/export?format=json")
    assert as_yaml.status_code == as_json.status_code == 200
    assert as_yaml.headers["Content-Type"].startswith("application/yaml")
    assert "attachment" in as_yaml.headers["Content-Disposition"]
    for text in (as_yaml.text, as_json.text):
        assert PLANTED not in text and PLANTED[-8:] not in text and "enc" not in yaml.safe_load(text)
    doc = yaml.safe_load(as_yaml.text)
    assert doc == json.loads(as_json.text)
    assert doc["llm_config"]["default_profile_id"] == "main" and set(doc["characters"]) == {"gm", "player_ai"}
    assert doc["llm_profiles"][3]["model"] == "azure/dep-1"
    for text, kind in ((as_yaml.text, "application/yaml"), (as_json.text, "application/json")):
        other_dir = tmp_path / f"other-{kind.split('/')[1]}"
        other_dir.mkdir()
        other = live_server(app=make_app(other_dir, **ENV_KEYS))
        other_http = http_session(other.url, BASIC)
        assert post_doc(other, other_http, text, kind).status_code == 200
        assert _state(other, other_http) == before
        other_http.close()


@pytest.mark.parametrize("text, field", [
    ("just a sentence", "file"),
    ("- 1\n- 2\n", "llm_profiles[0]"),
    ("llm_profiles:\n  - {id: a, model: m}\n  - {id: b, model: m, provider_type: nope}\n", "llm_profiles[1].provider_type"),
    ("llm_profiles:\n  - {id: a, model: m}\n  - {id: a, model: n}\n", "llm_profiles[1].id"),
    ("llm_profiles:\n  - {id: a, model: m}\ncharacters:\n  gm:\n    ai_config: {profile_id: ghost}\n",
     "characters.gm.ai_config.profile_id"),
    ("llm_profiles:\n  - {id: a, model: m}\ncharacters:\n  - {id: gm}\n  - {id: gm}\n", "characters[1].id"),
])
def test_bad_input_names_the_entry_and_stores_nothing(inst, text, field):
    live, http = inst
    r = post_doc(live, http, text)
    assert r.status_code == 400 and field in r.json()["fields"], r.text
    assert http.get(f"{live.url}/api/v1/profiles").json()["profiles"] == []
    assert http.get(f"{live.url}/api/v1/roles").json()["roles"] == []


def test_export_and_import_on_the_command_line(tmp_path, monkeypatch, capsys):
    from webui import cli

    source, target = tmp_path / "a", tmp_path / "b"
    monkeypatch.setenv("TRIPLO_CONFIG_DIR", str(source))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-cli-0000000001")
    path = tmp_path / "game.json"
    path.write_text(json.dumps(FULL))
    assert cli.main(["import", str(path), "--no-restart"]) == 0
    assert "Imported 4 profiles and 2 roles" in capsys.readouterr().out
    assert cli.main(["export"]) == 0
    exported = capsys.readouterr().out
    assert yaml.safe_load(exported)["llm_config"]["default_profile_id"] == "main"
    assert cli.main(["export", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == yaml.safe_load(exported)
    monkeypatch.setenv("TRIPLO_CONFIG_DIR", str(target))
    (tmp_path / "out.yaml").write_text(exported)
    assert cli.main(["import", str(tmp_path / "out.yaml"), "--no-restart"]) == 0
    capsys.readouterr()
    assert cli.main(["export"]) == 0 and capsys.readouterr().out == exported
    (tmp_path / "bad.yaml").write_text("llm_profiles:\n  - {id: a, model: m, provider_type: nope}\n")
    assert cli.main(["import", str(tmp_path / "bad.yaml"), "--no-restart"]) == 2
    assert "llm_profiles[0].provider_type" in capsys.readouterr().err
