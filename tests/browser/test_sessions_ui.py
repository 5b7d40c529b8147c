"""Sessions on Roles & Chat in a real browser, at desktop and phone width, with and without JavaScript: the list with
search, rename and delete; edit, delete and regenerate from a message; export as JSON and Markdown."""

import json

import pytest

import playwright.sync_api as playwright  # noqa: E402 (a missing browser stack must fail, not skip)

from .axe_check import axe_problems

from ..integration.chat_helpers import chat, game  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser
expect = playwright.expect
WIDTHS = [1280, 390]
MODES = [pytest.param(True, id="js"), pytest.param(False, id="nojs")]


def story(game, title):
    """A session of two exchanges through the API: You -> gm (Alpha), You -> npc (Beta)."""
    sid = game.http.post(f"{game.base}/api/v1/sessions", json={"title": title}).json()["session_id"]
    assert chat(game, sid, "gm", "Where does the road go?").status_code == 200
    assert chat(game, sid, "npc", "A room for the night, please.").status_code == 200
    return sid


def stored(game, sid):
    r = game.http.get(f"{game.base}/api/v1/sessions/{sid}")
    return r.json()["messages"] if r.status_code == 200 else None


def titles(game):
    return [s["title"] for s in game.http.get(f"{game.base}/api/v1/sessions").json()["sessions"]]


def act(page, javascript, click):
    """Click; without JavaScript the click posts or follows a link, so wait for the page that comes back."""
    if javascript:
        click()
    else:
        with page.expect_navigation():
            click()


def search(page, javascript, text):
    """Type a search; without JavaScript press Search and wait for the page."""
    page.fill("#sessions-q", text)
    if not javascript:
        with page.expect_navigation():
            page.locator("#sessions button", has_text="Search").click()


@pytest.mark.parametrize("javascript", MODES)
@pytest.mark.parametrize("width", WIDTHS)
def test_sessions_list_search_rename_and_delete(game, new_page, width, javascript):
    old, mountain = story(game, "Old Tavern"), story(game, "Mountain pass")
    chat(game, mountain, "gm", "The snow is deep near the summit")
    page = new_page(game.base, javascript=javascript, width=width)
    page.goto(f"{game.base}/roles?session={old}")
    panel = page.locator("#sessions")
    panel.locator("summary").first.click()
    items = panel.locator(".session-item")
    expect(items).to_have_count(2)
    expect(items.first.locator("[data-session-name]")).to_have_text("Mountain pass")  # the most recent first
    expect(items.first).to_contain_text("6 messages")
    expect(panel.locator(".session-item.is-current [data-session-name]")).to_have_text("Old Tavern")

    # Search by a message's words: the hit is marked in a snippet (as one types with JS; Search posts without).
    search(page, javascript, "SNOW is")
    expect(items).to_have_count(1)
    expect(items.first.locator("mark")).to_have_text("snow is")
    expect(page.locator("#sessions-count")).to_have_text("1 session matches “SNOW is”.")
    search(page, javascript, "tavern")
    expect(items).to_have_count(1)
    expect(items.first.locator("[data-session-name]")).to_have_text("Old Tavern")

    # Rename: the list and the session picker say the new title (a search that no longer matches it is cleared).
    if javascript:
        page.fill("#sessions-q", "")
    else:
        with page.expect_navigation():
            panel.locator("a", has_text="Clear").click()
    expect(items).to_have_count(2)
    mine = page.locator(f'.session-item[data-session-id="{old}"]')
    mine.locator("summary", has_text="Rename").click()
    mine.locator("input[name=title]").fill("The Prancing Pony")
    act(page, javascript, lambda: mine.locator("button", has_text="Save title").click())
    expect(page.locator(f'.session-item[data-session-id="{old}"] [data-session-name]')).to_have_text("The Prancing Pony")
    expect(page.locator(f'#session-pick option[value="{old}"]')).to_have_text("The Prancing Pony · 4 messages")
    assert sorted(titles(game)) == ["Mountain pass", "The Prancing Pony"]

    # Delete asks first (a dialog with JS, a box in the page without); Cancel is the safe way out.
    page.goto(f"{game.base}/roles?session={old}&sessions=1")
    target = page.locator(f'.session-item[data-session-id="{mountain}"]')
    act(page, javascript, lambda: target.locator("a", has_text="Delete").click())
    box = page.locator("#confirm-dialog" if javascript else "#session-delete")
    expect(box).to_be_visible()
    expect(box).to_contain_text("Delete the session “Mountain pass”?")
    expect(box).to_contain_text("6 messages go with it")
    if javascript:
        expect(box.locator("button", has_text="Cancel")).to_be_focused()
        box.locator("button", has_text="Cancel").click()
        expect(box).to_be_hidden()
        target.locator("a", has_text="Delete").click()
    with page.expect_navigation():
        box.locator("button", has_text="Delete session").click()
    expect(page.locator("#flashes")).to_contain_text("Session deleted.")
    expect(page.locator(".session-item")).to_have_count(1)
    assert titles(game) == ["The Prancing Pony"] and stored(game, mountain) is None
    expect(page.locator("#chat-log")).to_have_attribute("data-session-id", old)  # still on the session one was in
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("javascript", MODES)
@pytest.mark.parametrize("width", WIDTHS)
def test_edit_delete_and_regenerate_from_a_message(game, new_page, width, javascript):
    sid = story(game, "Road")
    page = new_page(game.base, javascript=javascript, width=width)
    page.goto(f"{game.base}/roles?session={sid}")
    log = page.locator("#chat-log > li")
    expect(log).to_have_count(4)

    # Edit the Game Master's reply in place.
    reply = log.nth(1)
    act(page, javascript, lambda: reply.locator("[data-edit-message]").click())
    reply = log.nth(1)
    editor = reply.locator("form.msg-editor textarea")
    expect(editor).to_have_value("Alpha speaks now")  # the stored text, to change
    editor.fill("The road goes\nto the sea.")
    act(page, javascript, lambda: reply.locator("form.msg-editor button", has_text="Save").click())
    reply = log.nth(1)
    expect(reply.locator("[data-text]")).to_have_text("The road goes\nto the sea.")
    expect(reply.locator("[data-edited]")).to_have_text("edited")
    expect(reply.locator("form.msg-editor")).to_have_count(0)
    assert stored(game, sid)[1]["content"] == "The road goes\nto the sea."

    # Regenerate from the player's first line: what followed goes, the Game Master answers it again.
    game.fakes.a.reply = "A second answer"
    with page.expect_navigation():
        log.nth(0).locator("button", has_text="Regenerate from here").click()
    expect(log).to_have_count(2)
    expect(log.nth(1).locator("[data-text]")).to_have_text("A second answer")
    assert [m["content"] for m in stored(game, sid)] == ["Where does the road go?", "A second answer"]

    # Delete the player's line: asked first; the reply after it stays.
    act(page, javascript, lambda: log.nth(0).locator("a", has_text="Delete").click())
    box = page.locator("#confirm-dialog" if javascript else "#message-delete")
    expect(box).to_contain_text("Delete this message?")
    expect(box).to_contain_text("You: “Where does the road go?”.")
    expect(box).to_contain_text("the messages after it stay")
    with page.expect_navigation():
        box.locator("button", has_text="Delete message").click()
    expect(log).to_have_count(1)
    expect(log.nth(0).locator("[data-text]")).to_have_text("A second answer")
    assert [m["content"] for m in stored(game, sid)] == ["A second answer"]

    # Regenerate from a reply keeps the old one as an alternative.
    game.fakes.a.reply = "A third answer"
    with page.expect_navigation():
        log.nth(0).locator("button", has_text="Regenerate from here").click()
    expect(log.nth(0).locator("[data-text]")).to_have_text("A third answer")
    expect(log.nth(0)).to_contain_text("Reply 2 of 2")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_an_empty_edit_is_refused_with_a_reason_and_nothing_changes(game, new_page, width):
    sid = story(game, "Road")
    page = new_page(game.base, width=width)
    page.goto(f"{game.base}/roles?session={sid}")
    reply = page.locator("#chat-log > li").nth(1)
    reply.locator("[data-edit-message]").click()
    reply.locator("form.msg-editor textarea").fill("   ")
    reply.locator("form.msg-editor button", has_text="Save").click()
    expect(reply.locator("[data-form-error]")).to_have_text("The text must not be empty (to remove a message, delete it)")
    reply.locator("[data-edit-cancel]").click()
    expect(reply.locator("form.msg-editor")).to_have_count(0)
    expect(reply.locator("[data-edit-message]")).to_be_focused()
    assert stored(game, sid)[1]["content"] == "Alpha speaks now"


@pytest.mark.parametrize("width", WIDTHS)
def test_export_downloads_json_and_markdown(game, new_page, width):
    sid = story(game, "Road trip")
    page = new_page(game.base, width=width)
    page.goto(f"{game.base}/roles?session={sid}")
    with page.expect_download() as got:
        page.click("[data-export=json]")
    download = got.value
    assert download.suggested_filename == f"session-road-trip-{sid[:8]}.json"
    doc = json.loads(open(download.path(), encoding="utf-8").read())
    assert [m["speaker"] for m in doc["messages"]] == ["You", "Game Master", "You", "Innkeeper"]
    with page.expect_download() as got:
        page.click("[data-export=markdown]")
    text = open(got.value.path(), encoding="utf-8").read()
    assert got.value.suggested_filename.endswith(".md")
    assert text.startswith("# Road trip\n") and "## Innkeeper\n\nBeta says hello" in text
    assert "key-alpha" not in text and "key-gamma" not in text


@pytest.mark.parametrize("width", WIDTHS)
def test_a_streamed_reply_updates_the_picker_count_and_gets_its_tools(game, new_page, width):
    page = new_page(game.base, width=width)
    page.goto(f"{game.base}/roles")
    page.click("button:has-text('New session')")
    sid = page.locator("#chat-log").get_attribute("data-session-id")
    expect(page.locator(f'#session-pick option[value="{sid}"]')).to_contain_text("no messages yet")
    page.select_option("#chat-role", "gm")
    page.fill("#chat-message", "Hello")
    page.click("#chat-send")
    expect(page.locator(".msg-ai [data-meta]")).to_have_count(1)
    expect(page.locator(f'#session-pick option[value="{sid}"]')).to_contain_text("2 messages")  # not "no messages"
    reply = page.locator(".msg-ai").last
    expect(reply.locator("[data-msg-tools] [data-edit-message]")).to_be_visible()
    reply.locator("[data-edit-message]").click()
    reply.locator("form.msg-editor textarea").fill("Changed at once")
    reply.locator("form.msg-editor button", has_text="Save").click()
    expect(reply.locator("[data-text]")).to_have_text("Changed at once")
    assert stored(game, sid)[1]["content"] == "Changed at once"


def test_axe_core_on_the_sessions_list_confirmations_and_the_editor(game, browser):
    sid = story(game, "Road")
    mid = stored(game, sid)[1]["id"]

    def open_dialog(page):  # the JS dialog, open
        page.locator("#chat-log > li").nth(1).locator("a", has_text="Delete").click()

    problems = {}
    for path, prepare in ((f"/roles?session={sid}&q=road", None), (f"/roles?session={sid}&session_delete={sid}", None),
                          (f"/roles?session={sid}&edit={mid}", None), (f"/roles?session={sid}&message_delete={mid}", None),
                          (f"/roles?session={sid}", open_dialog)):
        found = axe_problems(browser, game.base, path, prepare)
        if found:
            problems[path] = found
    assert problems == {}
