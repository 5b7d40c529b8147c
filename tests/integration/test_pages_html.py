"""The server-rendered pages through the Flask test client: rendering, login, every form without JavaScript."""

import html
import re

import pytest

from tests.app_fixtures import ADMIN_PASSWORD, ADMIN_USER, login, page_csrf

PAGES = ["/", "/profiles/new", "/profiles/new?provider=open_ai", "/profiles/new?provider=custom", "/roles",
         "/preferences", "/voice", "/display", "/local-llm", "/access", "/usage"]
OPENAI_KEY = "sk-proj-UNIT0secret0value0a1b2"


# ---- helpers -----------------------------------------------------------------------------------------

class Pages:
    """Logged-in test client actions: posts carry the session's CSRF token unless told otherwise."""

    def __init__(self, client, app):
        self.client, self.app = client, app
        response = login(client)
        assert response.status_code == 302
        self.csrf = page_csrf(client)

    def get(self, path):
        return self.client.get(path)

    def post(self, path, data=None, csrf=True):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.csrf
        return self.client.post(path, data=data)

    def settings(self):
        return self.app.extensions["triplo"].config.settings()[0]

    def profile_id(self, name):
        return next(p["id"] for p in self.settings()["llm_profiles"] if p["name"] == name)

    def create(self, name="OpenAI main", provider="open_ai", **fields):
        data = {"name": name, "provider": provider, "model": fields.pop("model", "gpt-4o"), "stream": "1"}
        if provider == "open_ai" and "api_key" not in fields:
            data["api_key"] = OPENAI_KEY
        data.update(fields)
        response = self.post("/profiles", data)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return self.profile_id(name)


@pytest.fixture
def pages(client, app):
    return Pages(client, app)


def text(response):
    return response.get_data(as_text=True)


def field_error(page, field_id):
    """The inline message rendered under one input."""
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error"[^>]*>([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def input_value(page, field_id):
    match = re.search(rf'<input id="{re.escape(field_id)}"[^>]*\bvalue="([^"]*)"', page)
    return html.unescape(match.group(1)) if match else None


def flashes(page):
    return [html.unescape(m) for m in re.findall(r'<p class="flash flash-\w+">([^<]*)</p>', page)]


# ---- rendering and login -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_a_logged_in_user(pages, path):
    response = pages.get(path)
    page = text(response)
    assert response.status_code == 200
    assert 'aria-current="page"' in page and "Triplo" in page and "Log out" in page
    # The CSP forbids inline script: every <script> is either a file or a JSON data block.
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert " style=" not in page  # no inline styles either (style-src 'self')
    # Every labelled input's id exists, and ids are unique.
    for target in re.findall(r'<label for="([^"]+)"', page):
        assert f'id="{target}"' in page, target
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_first_run_shows_what_to_do(pages):
    page = text(pages.get("/"))
    assert "Set up your first AI provider" in page
    assert "/profiles/new?provider=ollama" in page and "/profiles/new?provider=custom" in page


def test_header_shows_desktop_state_and_active_profile(pages):
    pages.create("Main")
    page = text(pages.get("/preferences"))
    header = re.search(r'<header class="topbar">.*?</header>', page, re.S).group(0)
    assert "Main" in header and "OpenAI" in header and "gpt-4o" in header
    assert "Desktop app: not reachable" in header and ">Restart</button>" in header


def test_roles_tab_renders(pages):
    page = text(pages.get("/roles"))
    assert "Roles &amp; Chat" in page or "Roles & Chat" in page


# ---- CSRF ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/profiles", "/multi-provider", "/restart", "/preferences", "/local-llm",
                                  "/local-llm/key", "/access/password", "/access/tokens", "/logout"])
def test_forms_without_csrf_token_are_refused(pages, path):
    response = pages.post(path, {"name": "x"}, csrf=False)
    assert response.status_code == 403
    assert "CSRF" in text(response)


def test_profile_forms_without_csrf_token_are_refused(pages):
    pid = pages.create("Main")
    for action in ("", "/activate", "/duplicate", "/move", "/delete", "/test"):
        assert pages.post(f"/profiles/{pid}{action}", {"name": "x"}, csrf=False).status_code == 403
    assert pages.settings()["llm_profiles"][0]["name"] == "Main"


# ---- profiles: create, save, errors ----------------------------------------------------------------------

def test_create_profile_redirects_and_flashes(pages):
    response = pages.post("/profiles", {"name": "Writer", "provider": "open_ai", "model": "gpt-4o",
                                        "api_key": OPENAI_KEY, "temperature": "0.4", "stream": "1"})
    assert response.status_code == 302
    pid = pages.profile_id("Writer")
    assert response.headers["Location"] == f"/profiles/{pid}"
    page = text(pages.get(response.headers["Location"]))
    assert "Profile “Writer” created." in flashes(page)
    assert pages.settings()["active_llm_profile"] == pid  # the first profile becomes active
    stored = pages.settings()["llm_profiles"][0]
    assert stored["temperature"] == 0.4 and stored["options"] == {"json_mode": False, "stream": True}


def test_create_errors_are_inline_and_input_is_kept(pages):
    response = pages.post("/profiles", {"name": "", "provider": "open_ai", "model": "my-model",
                                        "temperature": "5", "extra_params": '{"seed": '})
    page = text(response)
    assert response.status_code == 400
    assert field_error(page, "f-name") == "Name is required"
    assert field_error(page, "f-temperature") == "Temperature must be between 0 and 2 for OpenAI"
    assert field_error(page, "f-extra_params").startswith("Extra parameters are not valid JSON")
    assert "needs an API key" in field_error(page, "f-open_ai-api_key")
    assert input_value(page, "f-model") == "my-model" and input_value(page, "f-temperature") == "5"
    assert '{&#34;seed&#34;: </textarea>' in page or '{"seed": </textarea>' in page
    assert 'id="error-summary"' in page and "<details class=\"advanced\" open>" in page
    assert pages.settings()["llm_profiles"] == []


def test_a_typed_secret_is_never_echoed_back(pages):
    response = pages.post("/profiles", {"name": "", "provider": "open_ai", "model": "m", "api_key": OPENAI_KEY})
    assert response.status_code == 400
    assert OPENAI_KEY not in text(response)


def test_provider_switch_without_js_shows_the_new_providers_inputs(pages):
    pid = pages.create("Main")
    response = pages.post(f"/profiles/{pid}", {"name": "Main", "provider": "custom", "model": "local"})
    page = text(response)
    assert response.status_code == 400
    assert field_error(page, "f-custom-base_url").startswith("Base URL is required for OpenAI-compatible")
    assert re.search(r'<fieldset class="provider-fields" data-provider-fields="custom">', page)
    assert re.search(r'data-provider-fields="open_ai" hidden disabled', page)


def test_save_profile_keeps_stored_key_and_updates_fields(pages):
    pid = pages.create("Main")
    response = pages.post(f"/profiles/{pid}", {"name": "Main renamed", "provider": "open_ai", "model": "gpt-4.1",
                                               "temperature": "1.1", "extra_params": '{"seed": 7}',
                                               "fallback_profile_ids": ""})
    assert response.status_code == 302
    page = text(pages.get(f"/profiles/{pid}"))
    assert "Profile “Main renamed” saved." in flashes(page)
    stored = pages.settings()["llm_profiles"][0]
    assert (stored["name"], stored["model"], stored["temperature"], stored["extra_params"]) == \
        ("Main renamed", "gpt-4.1", 1.1, {"seed": 7})
    assert stored["options"]["stream"] is False  # an unchecked box is a false option
    assert "sk-proj-…a1b2" in page and OPENAI_KEY not in page


def test_stored_key_shown_masked_and_updated(pages):
    pid = pages.create("Main")
    page = text(pages.get(f"/profiles/{pid}"))
    assert '<code class="secret-hint">sk-proj-…a1b2</code>' in page
    assert "<summary class=\"btn btn-small\">Update</summary>" in page
    new_key = "sk-proj-ANOTHER0secret0value9z9z"
    assert pages.post(f"/profiles/{pid}", {"name": "Main", "provider": "open_ai", "model": "gpt-4o",
                                          "api_key": new_key}).status_code == 302
    page = text(pages.get(f"/profiles/{pid}"))
    assert '<code class="secret-hint">sk-proj-…9z9z</code>' in page and new_key not in page


def test_save_errors_are_inline(pages):
    pid = pages.create("Main")
    pages.create("Other")
    response = pages.post(f"/profiles/{pid}", {"name": "other", "provider": "open_ai", "model": "",
                                               "api_key_ref": "bad name"})
    page = text(response)
    assert response.status_code == 400
    assert field_error(page, "f-name") == "Another profile is already named 'other'"
    assert field_error(page, "f-model") == "Model is required"
    assert "environment variable name" in field_error(page, "f-api_key_ref")
    assert input_value(page, "f-name") == "other"
    # Values that are not numbers at all are reported first (the core checks types before rules).
    response = pages.post(f"/profiles/{pid}", {"name": "Main", "provider": "open_ai", "model": "gpt-4o",
                                               "max_tokens": "1.5", "top_p": "abc"})
    page = text(response)
    assert response.status_code == 400
    assert field_error(page, "f-max_tokens") == "Max tokens must be a whole number"
    assert field_error(page, "f-top_p") == "Top P must be a number"
    assert input_value(page, "f-top_p") == "abc" and input_value(page, "f-max_tokens") == "1.5"
    assert pages.settings()["llm_profiles"][0]["name"] == "Main"


def test_anthropic_penalties_are_disabled_in_the_form(pages):
    page = text(pages.get("/profiles/new?provider=anthropic"))
    assert re.search(r'id="f-presence_penalty"[^>]*\bdisabled', page)
    assert "Not supported by Anthropic" in page


def test_set_as_active_on_create_and_save(pages):
    first = pages.create("First")
    second = pages.create("Second", set_active="1")
    assert pages.settings()["active_llm_profile"] == second
    assert pages.post(f"/profiles/{first}", {"name": "First", "provider": "open_ai", "model": "gpt-4o",
                                            "set_active": "1"}).status_code == 302
    assert pages.settings()["active_llm_profile"] == first


def test_gemini_cannot_be_set_active(pages):
    pages.create("Main")
    response = pages.post("/profiles", {"name": "Gem", "provider": "gemini", "model": "gemini-2.5-flash",
                                        "api_key": "AIzaFAKEgemini0secret0value", "set_active": "1"})
    assert response.status_code == 400
    assert "cannot drive the Triplo desktop app" in field_error(text(response), "f-set_active")


# ---- profile actions ---------------------------------------------------------------------------------------

def test_activate_changes_the_header(pages):
    pages.create("First")
    second = pages.create("Second", model="gpt-4.1-mini")
    response = pages.post(f"/profiles/{second}/activate")
    assert response.status_code == 302
    page = text(pages.get(response.headers["Location"]))
    assert "“Second” is now the active profile." in flashes(page)
    header = re.search(r'id="header-active".*?</p>', page, re.S).group(0)
    assert "Second" in header and "gpt-4.1-mini" in header


def test_activate_an_invalid_profile_shows_why(pages):
    pages.create("Main")
    pid = pages.create("Env", api_key_ref="MISSING_VAR_API_KEY")
    pages.post(f"/profiles/{pid}", {"name": "Env", "provider": "open_ai", "model": "gpt-4o", "api_key_ref": "bad name"})
    assert pages.settings()["llm_profiles"][1]["api_key_ref"] == "MISSING_VAR_API_KEY"  # that save was refused
    gem = pages.create("Gem", provider="gemini", model="gemini-2.5-flash", api_key="AIzaFAKEgemini0secret0value")
    response = pages.post(f"/profiles/{gem}/activate")
    assert response.status_code == 400
    assert "cannot drive the Triplo desktop app" in field_error(text(response), "f-set_active")


def test_duplicate_opens_the_copy(pages):
    pid = pages.create("Main")
    response = pages.post(f"/profiles/{pid}/duplicate")
    assert response.status_code == 302
    copy_id = pages.profile_id("Main (copy)")
    assert response.headers["Location"] == f"/profiles/{copy_id}"
    assert [p["name"] for p in pages.settings()["llm_profiles"]] == ["Main", "Main (copy)"]


def test_move_up_and_down(pages):
    a, b, c = pages.create("A"), pages.create("B"), pages.create("C")
    response = pages.post(f"/profiles/{c}/move", {"direction": "up", "next": f"/profiles/{a}"})
    assert response.status_code == 302 and response.headers["Location"] == f"/profiles/{a}"
    assert [p["id"] for p in pages.settings()["llm_profiles"]] == [a, c, b]
    pages.post(f"/profiles/{a}/move", {"direction": "down"})
    assert [p["id"] for p in pages.settings()["llm_profiles"]] == [c, a, b]
    pages.post(f"/profiles/{c}/move", {"direction": "up"})  # already first: nothing changes
    assert [p["id"] for p in pages.settings()["llm_profiles"]] == [c, a, b]
    response = pages.post(f"/profiles/{c}/move", {"direction": "up", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_sidebar_lists_profiles_with_move_buttons(pages):
    a, b = pages.create("A"), pages.create("B")
    page = text(pages.get("/"))
    assert page.index(f'data-id="{a}"') < page.index(f'data-id="{b}"')
    assert 'aria-label="Move A up" disabled' in page and 'aria-label="Move B down" disabled' in page
    assert "+ New Profile" in page and ">Duplicate</button>" in page and ">Delete</a>" in page


def test_delete_asks_for_confirmation_then_deletes(pages):
    pages.create("Keep")
    victim = pages.create("Victim")
    page = text(pages.get(f"/profiles/{victim}/delete"))
    assert "Delete “Victim”?" in page and 'action="/profiles/' + victim + '/delete"' in page
    assert len(pages.settings()["llm_profiles"]) == 2
    response = pages.post(f"/profiles/{victim}/delete")
    assert response.status_code == 302
    assert "Profile “Victim” deleted." in flashes(text(pages.get("/")))
    assert [p["name"] for p in pages.settings()["llm_profiles"]] == ["Keep"]


def test_deleting_the_active_profile_needs_a_successor(pages):
    active = pages.create("Active")
    other = pages.create("Other")
    page = text(pages.get(f"/profiles/{active}/delete"))
    assert "Which profile becomes active instead?" in page
    response = pages.post(f"/profiles/{active}/delete")
    assert response.status_code == 400 and "is active" in text(response)
    assert pages.post(f"/profiles/{active}/delete", {"new_active_id": other}).status_code == 302
    assert pages.settings()["active_llm_profile"] == other


def test_unknown_profile_is_a_404_page(pages):
    response = pages.get("/profiles/nope")
    assert response.status_code == 404 and "No profile with id" in text(response)


def test_multi_provider_toggle(pages):
    pages.create("A")
    pages.create("B")
    assert pages.settings()["multi_provider_enabled"] is True  # on by default once two profiles exist
    assert 'class="sidebar"' in text(pages.get("/"))
    assert pages.post("/multi-provider", {}).status_code == 302
    page = text(pages.get("/"))
    assert pages.settings()["multi_provider_enabled"] is False
    assert 'class="sidebar"' not in page and "edits the active profile only" in page
    pages.post("/multi-provider", {"enabled": "1"})
    assert 'class="sidebar"' in text(pages.get("/"))


def test_test_connection_without_js(pages, fake_custom, provider_env):
    pid = pages.create("Local", provider="custom", model="local-model", base_url=fake_custom.base_url)
    response = pages.post(f"/profiles/{pid}/test")
    assert response.status_code == 302
    messages = flashes(text(pages.get(f"/profiles/{pid}")))
    assert any(m.startswith("Connection OK: local-model answered in") for m in messages)
    fake_custom.fail(401, "bad key", times=5)
    pages.post(f"/profiles/{pid}/test")
    assert any(m.startswith("Connection failed:") for m in flashes(text(pages.get(f"/profiles/{pid}"))))


def test_ollama_models_known_from_the_credential_are_suggested(pages):
    pages.create("Llama", provider="ollama", model="qwen2", url="http://127.0.0.1:9/")
    page = text(pages.get("/"))
    assert 'value="http://127.0.0.1:9"' in page  # stored without the trailing slash


# ---- desktop restart ---------------------------------------------------------------------------------------

def test_forms_on_a_rerendered_post_return_to_a_page_that_exists(pages):
    response = pages.client.post("/profiles", data={"csrf_token": pages.csrf, "name": "", "provider": "open_ai"},
                                 headers={"Referer": "http://localhost/profiles/new?provider=open_ai"})
    assert response.status_code == 400
    assert '<input type="hidden" name="next" value="/profiles/new?provider=open_ai">' in text(response)
    response = pages.client.post("/profiles", data={"csrf_token": pages.csrf, "name": ""},
                                 headers={"Referer": "https://evil.example/x"})
    assert '<input type="hidden" name="next" value="/">' in text(response)


def test_restart_button_reports_the_outcome(pages):
    response = pages.post("/restart", {"next": "/voice"})
    assert response.status_code == 302 and response.headers["Location"] == "/voice"
    assert any("not restarted" in m for m in flashes(text(pages.get("/voice"))))
    assert pages.post("/restart", {"next": "//evil.example"}).headers["Location"] == "/"


# ---- settings tabs -----------------------------------------------------------------------------------------

def test_preferences_save(pages):
    before = pages.settings()
    response = pages.post("/preferences", {"language": "de", "prompt_lang": "", "yt_lang": "en",
                                           "custom_hotkey": "Alt+Space", "custom_trigger": "", "run_at_startup": "1",
                                           "license_key": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/preferences"
    after = pages.settings()
    assert after["language"] == "de" and after["custom_hotkey"] == "Alt+Space"
    assert after["run_at_startup"] is True and after["aware_mode"] is False  # unchecked box
    assert after["custom_sp_hotkeys"] == before["custom_sp_hotkeys"]  # fields the tab does not show are kept
    assert "Preferences saved." in flashes(text(pages.get("/preferences")))


def test_license_key_is_masked_and_kept_when_empty(pages):
    pages.post("/preferences", {"license_key": "LICENSE-0123456789-wxyz", "language": "en"})
    assert pages.settings()["license_key"] == "LICENSE-0123456789-wxyz"
    page = text(pages.get("/preferences"))
    assert "LICENSE-0123456789-wxyz" not in page and "…wxyz" in page
    pages.post("/preferences", {"license_key": "", "language": "en"})
    assert pages.settings()["license_key"] == "LICENSE-0123456789-wxyz"


@pytest.mark.parametrize("value, message", [("fast", "Speech speed must be a number"),
                                            ("9", "Speech speed must be between 0.25 and 4")])
def test_voice_number_errors_inline(pages, value, message):
    response = pages.post("/voice", {"voice_tts_speed": value, "voice_tts_voice": "nova", "voice_tts_model": "tts-1"})
    page = text(response)
    assert response.status_code == 400
    assert field_error(page, "f-voice_tts_speed") == message
    assert input_value(page, "f-voice_tts_speed") == value
    assert pages.settings()["voice_tts_voice"] == "echo"  # nothing saved


def test_voice_and_display_save(pages):
    assert pages.post("/voice", {"voice_tts_speed": "1.5", "voice_tts_voice": "nova", "voice_tts_model": "tts-1-hd",
                                 "voice_stt_lang": "fr", "voice": "1"}).status_code == 302
    s = pages.settings()
    assert (s["voice_tts_speed"], s["voice_tts_voice"], s["voice_tts_model"], s["voice"], s["sound"]) == \
        (1.5, "nova", "tts-1-hd", True, False)
    assert pages.post("/display", {"color_scheme": "dark", "window_width": "lg", "page_height": "md",
                                   "main_height": "sm", "indicator": "idle", "pinned": "1"}).status_code == 302
    assert pages.settings()["color_scheme"] == "dark" and pages.settings()["pinned"] is True
    response = pages.post("/display", {"color_scheme": "neon", "window_width": "lg"})
    assert response.status_code == 400
    assert field_error(text(response), "f-color_scheme") == "Color scheme must be one of auto, light, dark"


# ---- Local LLM ------------------------------------------------------------------------------------------

def test_local_llm_sync_toggle(pages):
    assert pages.post("/local-llm", {"sync_local_llm": "1"}).status_code == 302
    assert pages.settings()["sync_local_llm"] is True
    pages.post("/local-llm", {})
    assert pages.settings()["sync_local_llm"] is False


def test_local_llm_key_regenerate_is_stored_and_masked(pages):
    response = pages.post("/local-llm/key")
    assert response.status_code == 302
    key = pages.settings()["llm_key"]
    assert re.fullmatch(r"[a-z0-9]{4}(-[a-z0-9]{4}){3}", key)
    page = text(pages.get("/local-llm"))
    assert key not in page and f"…{key[-4:]}" in page
    pages.post("/local-llm/key")
    assert pages.settings()["llm_key"] != key


def test_local_llm_model_refresh(pages, fake_ollama, provider_env):
    fake_ollama.models = ["llama3.1:8b", "qwen2:7b"]
    response = pages.post("/local-llm/models", {"url": fake_ollama.url})
    assert response.status_code == 302
    assert pages.settings()["ollama_models"] == ["llama3.1:8b", "qwen2:7b"]
    page = text(pages.get("/local-llm"))
    assert '<li class="chip">qwen2:7b</li>' in page and "Found 2 models" in page


@pytest.mark.parametrize("url, status, message", [("not a url", 400, "Server URL must be an http:// or https:// URL"),
                                                  ("http://127.0.0.1:9", 502, "cannot be reached")])
def test_local_llm_model_refresh_errors_inline(pages, url, status, message, provider_env):
    response = pages.post("/local-llm/models", {"url": url})
    page = text(response)
    assert response.status_code == status
    assert message in field_error(page, "f-local-url")
    assert input_value(page, "f-local-url") == url


# ---- Access ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("form, field, message", [
    ({"current_password": "wrong", "new_password": "abcdefgh1", "confirm_password": "abcdefgh1"},
     "f-current_password", "The current password is wrong."),
    ({"current_password": ADMIN_PASSWORD, "new_password": "abcdefgh1", "confirm_password": "abcdefgh2"},
     "f-confirm_password", "The two new passwords differ."),
    ({"current_password": ADMIN_PASSWORD, "new_password": "short", "confirm_password": "short"},
     "f-new_password", "Use at least 8 characters"),
])
def test_change_password_errors_inline(pages, form, field, message):
    response = pages.post("/access/password", form)
    assert response.status_code == 400
    assert field_error(text(response), field).startswith(message)


def test_change_password_keeps_this_session(pages, client):
    response = pages.post("/access/password", {"current_password": ADMIN_PASSWORD, "new_password": "new password 123",
                                               "confirm_password": "new password 123"})
    assert response.status_code == 302
    assert pages.get("/access").status_code == 200  # still logged in
    auth = pages.app.extensions["triplo"].auth
    assert auth.verify_password(ADMIN_USER, "new password 123") and not auth.verify_password(ADMIN_USER, ADMIN_PASSWORD)


def test_api_token_shown_once_then_revoked(pages):
    response = pages.post("/access/tokens", {"name": "script"})
    page = text(response)
    assert response.status_code == 201
    token = re.search(r"<code class=\"token-once\" data-token-once>([^<]+)</code>", page).group(1)
    auth = pages.app.extensions["triplo"].auth
    assert auth.verify_token(token)["name"] == "script"
    page = text(pages.get("/access"))
    assert token not in page and f"…{token[-4:]}" in page
    duplicate = pages.post("/access/tokens", {"name": "script"})
    assert duplicate.status_code == 400 and "already exists" in field_error(text(duplicate), "f-token_name")
    assert input_value(text(duplicate), "f-token_name") == "script"
    token_id = auth.list_tokens()[0]["id"]
    assert pages.post(f"/access/tokens/{token_id}/revoke").status_code == 302
    assert auth.verify_token(token) is None


# ---- secrets ------------------------------------------------------------------------------------------------

def test_no_secret_in_any_page(pages):
    pages.create("Main")
    pages.post("/preferences", {"license_key": "LICENSE-0123456789-wxyz", "language": "en"})
    pages.post("/local-llm/key")
    secrets = [OPENAI_KEY, "LICENSE-0123456789-wxyz", pages.settings()["llm_key"]]
    for path in PAGES + [f"/profiles/{pages.profile_id('Main')}"]:
        page = text(pages.get(path))
        for secret in secrets:
            assert secret not in page, (path, secret[:6])


# ---- legacy configs and the desktop state ----------------------------------------------------------------

def test_a_legacy_config_shows_as_profiles_at_once(pages, config_dir):
    import json

    from webui.core.storage.store import load_template

    data = load_template()
    settings = data["settings"]
    for key in ("llm_profiles", "active_llm_profile", "multi_provider_enabled", "provider_credentials", "llm_roles"):
        settings.pop(key)
    settings.update(ai_source="anthropic", openai_key=OPENAI_KEY, anthropic_key="sk-ant-LEGACY.secret.c3d4",
                    openai_model="claude-3-5-haiku-latest")
    (config_dir / "config.json").write_text(json.dumps(data))
    page = text(pages.get("/"))
    assert "Anthropic" in re.search(r'id="header-active".*?</p>', page, re.S).group(0)
    assert "sk-ant-…c3d4" in page and "sk-proj-…a1b2" in page  # keys moved to masked credentials
    assert OPENAI_KEY not in page and "LEGACY0secret" not in page
    assert re.search(r'data-provider-fields="anthropic">', page)  # the active profile's provider is shown
    assert input_value(text(pages.get("/profiles/open_ai")), "f-name") == "OpenAI"


@pytest.mark.parametrize("status, label", [
    ({"state": "running", "pid": 42, "uptime_seconds": 5, "message": ""}, "running"),
    ({"state": "stopped", "pid": None, "uptime_seconds": None, "message": ""}, "stopped"),
    ({"state": "fatal", "message": "exited too quickly"}, "failing"),
])
def test_header_desktop_state(pages, monkeypatch, status, label):
    desktop = pages.app.extensions["triplo"].desktop
    monkeypatch.setattr(type(desktop), "status", lambda self: dict(status))
    page = text(pages.get("/access"))
    assert f"Desktop app: {label}" in page
    assert f"state-{label}" in page


def test_header_survives_a_broken_desktop_status(pages, monkeypatch):
    desktop = pages.app.extensions["triplo"].desktop

    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(type(desktop), "status", broken)
    response = pages.get("/")
    assert response.status_code == 200 and "Desktop app: not reachable" in text(response)
