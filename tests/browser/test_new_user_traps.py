"""Traps a new user met on Roles & Chat and API & Models (issue 25), each at desktop and phone width."""

import pytest

import playwright.sync_api as playwright  # noqa: E402 (a missing browser stack must fail, not skip)

from ..integration.chat_helpers import game  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser
expect = playwright.expect
WIDTHS = [1280, 390]

IMPORT_DOC = """llm_config:
  default_profile_id: "gpt3_fast"
llm_profiles:
  - id: "gpt3_fast"
    provider_type: "oai_compatible"
    model: "gpt-3.5-turbo"
    api_key_ref: "UNSET_TEST_API_KEY"
  - id: "inline"
    provider_type: "anthropic"
    model: "claude-test"
    api_key: "sk-ant-inline-preview-secret-0042"
characters:
  gm:
    name: "Game Master"
    ai_config:
      profile_id: "gpt3_fast"
"""


def active_id(game):
    return game.app.extensions["triplo"].config.settings()[0]["active_llm_profile"]


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("width", WIDTHS)
def test_import_previews_and_never_silently_activates_a_profile_that_cannot_run(game, new_page, tmp_path,
                                                                                width, javascript):
    doc = tmp_path / "game.yaml"
    doc.write_text(IMPORT_DOC)
    page = new_page(game.base, javascript=javascript, width=width)
    page.goto(f"{game.base}/roles")
    page.set_input_files("#import-file", str(doc))
    page.click(".import-form button[type=submit]")
    preview = page.locator("#import-preview")
    expect(preview).to_be_visible()
    assert active_id(game) == "alpha"  # nothing changed yet
    expect(preview.locator("[data-change=profiles-added]")).to_contain_text("gpt3_fast, inline")
    assert "inline-preview-secret" not in page.content()  # the document is carried back sealed
    expect(preview.locator("[data-change=roles-replaced]")).to_contain_text("Game Master")
    expect(preview.locator("[data-change=active]")).to_contain_text("Alpha → gpt3_fast")
    expect(preview.locator("[data-active-problem]")).to_contain_text("UNSET_TEST_API_KEY")
    expect(page.locator("#import-keep-active")).to_be_checked()
    box = preview.bounding_box()
    assert box["y"] < page.viewport_size["height"]  # in view, not under the roles table
    page.click("#import-preview button[type=submit]")
    expect(page.locator("#flashes")).to_contain_text("Imported 2 profile(s) and 1 role(s). The active profile is Alpha.")
    assert active_id(game) == "alpha"


@pytest.mark.parametrize("width", WIDTHS)
def test_bulk_profiles_on_a_fresh_instance_turn_on_multi_provider_mode(live, api, new_page, width):
    profiles = [{"id": f"p{i}", "name": f"Server {i}", "provider": "custom", "model": "m",
                 "base_url": f"http://127.0.0.1:{9000 + i}/v1"} for i in range(2)]
    r = api.post(f"{live.url}/api/v1/profiles?restart=false", json={"profiles": profiles})
    assert r.status_code == 200, r.text
    page = new_page(live.url, width=width)
    page.goto(f"{live.url}/")
    expect(page.locator(".profile-item")).to_have_count(2)
    expect(page.locator("text=Multi-provider mode is off")).to_have_count(0)


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("width", WIDTHS)
def test_connection_box_shows_the_key_the_calls_use_and_switches_to_the_stored_one(game, new_page, width, javascript):
    r = game.http.post(f"{game.base}/api/v1/profiles/add?restart=false", json={
        "id": "envkey", "name": "Env key", "provider": "open_ai", "model": "gpt-4o",
        "base_url": game.fakes.a.base_url, "api_key_ref": "UNSET_TEST_API_KEY"})
    assert r.status_code == 201, r.text
    page = new_page(game.base, javascript=javascript, width=width)
    page.goto(f"{game.base}/profiles/envkey")
    source = page.locator("#key-source")
    expect(source).to_have_attribute("data-key-source", "variable")
    expect(source).to_contain_text("UNSET_TEST_API_KEY, which is not set")
    page.click("[data-use-stored-key]")
    expect(page.locator("#key-source")).to_have_attribute("data-key-source", "stored")
    expect(page.locator("#key-source")).to_contain_text("Calls use the stored key (…cret)")
    settings = game.app.extensions["triplo"].config.settings()[0]
    assert not next(p for p in settings["llm_profiles"] if p["id"] == "envkey").get("api_key_ref")


@pytest.mark.parametrize("width", WIDTHS)
def test_export_keeps_the_ollama_server_url(game, new_page, width):
    r = game.http.post(f"{game.base}/api/v1/profiles/add?restart=false", json={
        "id": "box", "name": "Ollama box", "provider": "ollama", "model": "llama3", "url": "http://127.0.0.1:11999"})
    assert r.status_code == 201, r.text
    page = new_page(game.base, width=width)
    page.goto(f"{game.base}/roles")
    with page.expect_download() as download:
        page.click("text=Export (YAML)")
    text = open(download.value.path(), encoding="utf-8").read()
    block = text[text.index("id: box"):]
    assert "base_url: http://127.0.0.1:11999" in block.split("- id:")[0]


def send_in_new_session(page, game, message, role="gm"):
    """Roles & Chat: a new session, `message` to `role`, sent with the button."""
    page.goto(f"{game.base}/roles")
    page.click("button:has-text('New session')")
    page.select_option("#chat-role", role)
    page.fill("#chat-message", message)
    page.click("#chat-send")


def add_human_role(game):
    roles = game.http.get(f"{game.base}/api/v1/roles").json()["roles"]
    r = game.http.put(f"{game.base}/api/v1/roles", json={"roles": roles + [
        {"id": "hero", "name": "Hero", "control": "human"}]})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("width", WIDTHS)
def test_a_human_role_posts_as_that_character_and_never_calls_a_model(game, new_page, width, javascript):
    add_human_role(game)
    calls = sum(f.count() for f in vars(game.fakes).values())
    page = new_page(game.base, javascript=javascript, width=width)
    send_in_new_session(page, game, "I draw my sword", role="hero")
    line = page.locator(".msg-spoken").last
    expect(line.locator(".msg-speaker")).to_have_text("Hero")
    expect(line.locator("[data-text]")).to_have_text("I draw my sword")
    expect(page.locator(".msg-ai")).to_have_count(0)
    assert sum(f.count() for f in vars(game.fakes).values()) == calls
    sid = game.http.get(f"{game.base}/api/v1/sessions").json()
    sid = (sid.get("sessions") if isinstance(sid, dict) else sid)[0]["session_id"]
    stored = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"]
    assert [(m["role_id"], m["content"], m["is_ai"]) for m in stored] == [("hero", "I draw my sword", False)]


@pytest.mark.parametrize("width", WIDTHS)
def test_enter_sends_shift_enter_breaks_the_line_and_focus_returns(game, new_page, width):
    page = new_page(game.base, width=width)
    page.goto(f"{game.base}/roles")
    page.click("button:has-text('New session')")
    page.select_option("#chat-role", "gm")
    box = page.locator("#chat-message")
    box.click()
    box.type("First line")
    box.press("Shift+Enter")
    box.type("second line")
    assert box.input_value() == "First line\nsecond line"
    box.press("Enter")
    expect(page.locator(".msg-ai [data-meta]")).to_have_count(1)
    expect(page.locator(".msg-user [data-text]").last).to_have_text("First line\nsecond line")
    expect(box).to_be_focused()
    expect(box).to_have_value("")


@pytest.mark.parametrize("width", WIDTHS)
def test_stop_keeps_what_arrived_marked_stopped_with_an_elapsed_status(game, new_page, width):
    game.fakes.a.reply = " ".join(f"word{i}" for i in range(40))
    game.fakes.a.chunk_delay = 0.25
    page = new_page(game.base, width=width)
    send_in_new_session(page, game, "Tell me a long story")
    expect(page.locator("#chat-status")).to_contain_text(" s")
    expect(page.locator("#chat-stop")).to_be_visible()
    page.wait_for_function("() => (document.querySelector('.msg-streaming [data-text]') || {}).textContent")
    page.click("#chat-stop")
    reply = page.locator(".msg-ai").last
    expect(reply.locator("[data-flag=stopped]")).to_be_visible()
    expect(page.locator("#chat-stop")).to_be_hidden()
    expect(page.locator("#chat-status")).to_be_hidden()
    shown = reply.locator("[data-text]").text_content()
    assert shown and shown != game.fakes.a.reply
    sid = reply.get_attribute("data-message-id") and page.locator("#chat-log").get_attribute("data-session-id")
    stored = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"][-1]
    # the reply is shown rendered as Markdown once it ends (outer whitespace trimmed); what arrived is stored as is
    assert stored["metadata"]["finish_reason"] == "stopped" and stored["content"].strip() == shown.strip()
    page.reload()
    expect(page.locator(".msg-ai").last.locator("[data-flag=stopped]")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_at_300_profiles_the_editor_stays_in_reach_and_the_filter_is_remembered(live, api, new_page, width):
    profiles = [{"id": f"p{i}", "name": f"Server {i}", "provider": "custom", "model": f"model-{i % 7}",
                 "base_url": "http://127.0.0.1:9/v1"} for i in range(300)]
    assert api.post(f"{live.url}/api/v1/profiles?restart=false", json={"profiles": profiles}).status_code == 200
    page = new_page(live.url, width=width, height=844 if width < 800 else 900)
    page.goto(f"{live.url}/")
    name_top = page.locator("#f-name").bounding_box()["y"]
    assert name_top < 2 * page.viewport_size["height"], name_top  # not ~25,500 px down

    # The skip link goes to the editor: a few Tab presses reach its first field.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to the profile editor")
    page.keyboard.press("Enter")
    for presses in range(1, 12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "f-name":
            break
    assert page.evaluate("document.activeElement.id") == "f-name", presses

    # Multi-word filter across name and model; it stays after picking a result, which lands on the editor.
    page.fill("#profile-filter", "server 12 model-5")
    expect(page.locator(".profile-item:visible")).to_have_count(2)  # Server 12 and Server 124 run model-5
    page.locator(".profile-item:visible a").last.click()
    page.wait_for_url("**/profiles/p*#editor")
    expect(page.locator("#profile-filter")).to_have_value("server 12 model-5")
    expect(page.locator(".profile-item:visible")).to_have_count(2)
    box = page.locator("#f-name").bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"], box


@pytest.mark.parametrize("width", WIDTHS)
def test_wording_duplicate_roles_and_the_side_by_side_panel_after_the_next_turn(game, new_page, width):
    roles = game.http.get(f"{game.base}/api/v1/roles").json()["roles"]
    game.http.put(f"{game.base}/api/v1/roles", json={"roles": roles + [{"id": "gm2", "name": "Game Master"}]})
    page = new_page(game.base, width=width)
    page.goto(f"{game.base}/profiles/new?provider=custom")
    expect(page.locator("#f-name")).to_have_value("OpenAI-compatible")  # not the 52-character label
    page.goto(f"{game.base}/roles")
    page.click("button:has-text('New session')")
    expect(page.locator("#session-pick option").first).to_contain_text("no messages yet")
    labels = page.locator("#chat-role option").all_text_contents()
    assert "Game Master (gm)" in labels and "Game Master (gm2)" in labels

    sid = page.locator("#chat-log").get_attribute("data-session-id")
    r = game.http.post(f"{game.base}/api/v1/sessions/{sid}/compare",
                       json={"character_id": "gm", "llm_profile_ids": ["alpha", "gamma"], "message": "Hi"})
    assert r.status_code == 200, r.text
    page.goto(f"{game.base}/roles?session={sid}&role=gm&compare={r.json()['position']}#comparison")
    expect(page.locator("#comparison")).to_be_visible()
    page.fill("#chat-message", "And then?")
    page.click("#chat-send")
    expect(page.locator(".msg-ai [data-meta]")).to_have_count(2)  # the compared turn, then this reply
    expect(page.locator("#comparison")).to_have_count(0)  # it belonged to the turn before
    expect(page.locator("[data-session-cost]")).to_contain_text("over 3 provider calls")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_reply_without_usage_says_tokens_unknown_and_usage_counts_it_apart(game, new_page, width):
    game.fakes.a.usage = None  # llama.cpp-style: no usage in the stream
    page = new_page(game.base, width=width)
    send_in_new_session(page, game, "Hello")
    expect(page.locator(".msg-ai [data-part=tokens]")).to_have_text("tokens unknown")
    page.reload()
    expect(page.locator(".msg-ai [data-part=tokens]")).to_have_text("tokens unknown")
    game.app.extensions["triplo"].usage.flush()  # the ledger writes in the background
    page.goto(f"{game.base}/usage")
    expect(page.locator("#usage-by-profile [data-key=alpha] [data-tokens-unknown]")).to_have_text(
        "+ 1 call with unknown tokens")


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_are_compressed_and_static_files_cached_by_content_hash(game, new_page, width):
    page = new_page(game.base, width=width)
    statics = []
    page.on("response", lambda r: statics.append(r) if "/static/" in r.url else None)
    response = page.goto(f"{game.base}/roles")
    assert response.headers.get("content-encoding") == "gzip"
    page.wait_for_load_state("load")
    script = next(r for r in statics if "/static/js/chat.js" in r.url)
    assert "?v=" in script.url and "immutable" in script.headers.get("cache-control", "")
    assert script.headers.get("content-encoding") == "gzip"


@pytest.mark.parametrize("width", WIDTHS)
def test_unsaved_changes_ask_before_they_are_lost(game, new_page, width):
    page = new_page(game.base, width=width)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.goto(f"{game.base}/profiles/alpha")
    page.fill("#f-name", "Alpha renamed")
    page.locator(".profile-item", has_text="Gamma").locator("a").click(no_wait_after=True)
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"] and "/profiles/alpha" in page.url  # still here, the change kept
    expect(page.locator("#f-name")).to_have_value("Alpha renamed")
    page.click("[data-save]")  # saved in place: leaving no longer asks
    expect(page.locator("[data-form-status]")).to_contain_text("Saved")
    page.locator(".profile-item", has_text="Gamma").locator("a").click()
    page.wait_for_url("**/profiles/gamma*")
    assert dialogs == ["beforeunload"]

    page.goto(f"{game.base}/roles")
    page.select_option("#role-profile-gm", "gamma")
    page.click("a:has-text('Usage')", no_wait_after=True)
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload", "beforeunload"] and "/roles" in page.url
    page.click("button:has-text('Save role profiles')")
    expect(page.locator("#flashes")).to_contain_text("Role profiles saved.")
    assert dialogs == ["beforeunload", "beforeunload"]


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_role_editor_summarises_its_errors_where_they_are_seen(game, new_page, width, javascript):
    page = new_page(game.base, javascript=javascript, width=width)
    page.goto(f"{game.base}/roles?role_edit=new#role-editor")
    page.fill("#role-f-name", "Wizard")
    page.fill("#role-f-tools", "[not json")
    page.click("#role-editor button[type=submit]")
    summary = page.locator("#role-error-summary")
    expect(summary).to_contain_text("Tools")
    box = summary.bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"], box  # in view, not ~1,000 px down
    if javascript:
        expect(summary).to_be_focused()
    summary.locator("a").first.click()
    expect(page.locator("#role-f-tools")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("width", WIDTHS)
def test_a_stored_key_can_be_removed_from_the_page(game, new_page, width, javascript):
    r = game.http.post(f"{game.base}/api/v1/profiles/add?restart=false", json={
        "id": "router", "name": "Router", "provider": "open_router", "model": "openai/gpt-4o",
        "api_key": "sk-or-v1-remove-me-0000-1234"})
    assert r.status_code == 201, r.text
    page = new_page(game.base, javascript=javascript, width=width)
    page.goto(f"{game.base}/profiles/router")
    section = page.locator("fieldset[data-provider-fields=open_router]")
    section.locator(".secret-remove summary").click()
    section.locator("[data-remove-secret=api_key]").click()
    expect(page.locator("#flashes")).to_contain_text("The stored API key of “OpenRouter” was removed.")
    expect(page.locator("#key-source")).to_have_attribute("data-key-source", "none")
    settings = game.app.extensions["triplo"].config.settings()[0]
    assert "api_key" not in settings["provider_credentials"].get("open_router", {})

    # The active profile's key is refused with the reason (its every call would fail).
    page.goto(f"{game.base}/profiles/alpha")
    section = page.locator("fieldset[data-provider-fields=open_ai]")
    section.locator(".secret-remove summary").click()
    section.locator("[data-remove-secret=api_key]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert game.app.extensions["triplo"].config.settings()[0]["provider_credentials"]["open_ai"].get("api_key")


@pytest.mark.parametrize("width", WIDTHS)
def test_budget_spend_shows_next_to_the_budget_with_a_warning_at_80_percent(game, new_page, width):
    from ..integration.chat_helpers import chat, new_session

    assert chat(game, new_session(game), "gm", "Hello").status_code == 200
    game.app.extensions["triplo"].usage.flush()
    spent = game.app.extensions["triplo"].usage.month_spend("alpha")
    r = game.http.patch(f"{game.base}/api/llm/profiles/alpha", json={"budget": {"monthly_usd": spent / 0.855}})
    assert r.status_code == 200, r.text
    page = new_page(game.base, width=width)
    page.goto(f"{game.base}/profiles/alpha")
    line = page.locator("[data-budget-spend]")
    expect(line).to_contain_text("(85 %)")
    expect(line).to_contain_text("⚠ over 80 % of the budget")
    page.goto(f"{game.base}/usage")
    expect(page.locator("[data-budget=alpha] [data-budget-near]")).to_be_visible()
