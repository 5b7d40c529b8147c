"""The Roles & Chat tab in a real browser: streamed replies, answered-by line, override, Regenerate with…, no-JS."""

import pytest

from . import OUTPUT

from ..integration.chat_helpers import game  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def test_chat_pane_streams_and_regenerates(game, browser, login):
    game.fakes.a.reply = "The tavern door creaks open slowly"
    game.fakes.a.chunk_delay = 0.15  # slow enough to see text arrive before the reply ends
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, game.base)
    page.goto(f"{game.base}/roles")
    page.click("button:has-text('New session')")
    page.select_option("#chat-role", "gm")
    page.fill("#chat-message", "I enter the tavern")
    page.click("#chat-send")
    streaming = page.locator(".msg-ai.msg-streaming [data-text]")
    streaming.wait_for()
    page.wait_for_function("() => { const t = document.querySelector('.msg-streaming [data-text]');"
                           " return t && t.textContent.length > 0; }")
    partial = streaming.text_content()
    assert partial and partial != game.fakes.a.reply  # text appeared before the reply finished
    last = page.locator(".msg-ai").last
    last.locator("[data-meta]").wait_for()
    assert last.locator("[data-text]").text_content() == game.fakes.a.reply
    meta = last.locator("[data-meta]").text_content()
    assert "Alpha" in meta and "OpenAI" in meta and "gpt-4o" in meta and "11 → 7 tokens" in meta and " ms" in meta

    # The innkeeper answers through Beta, unless a profile is picked for one message.
    game.fakes.a.chunk_delay = 0
    page.select_option("#chat-role", "npc")
    page.select_option("#chat-profile", "alpha")
    page.fill("#chat-message", "A room, please")
    page.click("#chat-send")
    page.wait_for_function("() => document.querySelectorAll('.msg-ai [data-meta]').length === 2")
    npc_meta = page.locator(".msg-ai [data-meta]").last.text_content()
    assert "Alpha" in npc_meta and "Beta" not in npc_meta
    assert page.locator('form[data-redraw-for="npc"]').count() == 1

    # Regenerate the GM's reply with Gamma (a form post), then flip back to the first reply.
    page.reload()
    redraw = page.locator('form[data-redraw-for="gm"]')
    redraw.locator("select").select_option("gamma")
    with page.expect_navigation():
        redraw.locator("button").click()
    gm_reply = page.locator('.msg-ai[data-role-id="gm"]').first
    assert "Gamma sings a song" in gm_reply.locator("[data-text]").text_content()
    assert "Reply 2 of 2" in gm_reply.text_content() and "Anthropic" in gm_reply.locator("[data-meta]").text_content()
    with page.expect_navigation():
        gm_reply.locator("button", has_text="Previous").click()
    gm_reply = page.locator('.msg-ai[data-role-id="gm"]').first
    assert "Reply 1 of 2" in gm_reply.text_content()
    assert gm_reply.locator("[data-text]").text_content() == game.fakes.a.reply
    page.screenshot(path=str(OUTPUT / "roles-chat.png"), full_page=True)  # looked at by a person
    assert errors == []


def test_roles_table_and_chat_without_javascript(game, browser, login):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    login(page, game.base)
    page.goto(f"{game.base}/roles")
    page.select_option("#role-profile-gm", "gamma")
    page.click("button:has-text('Save role profiles')")
    assert "Role profiles saved." in page.text_content("#flashes")
    page.click("button:has-text('New session')")
    page.select_option("#chat-role", "gm")
    page.fill("#chat-message", "Hello without scripts")
    page.click("#chat-send")
    reply = page.locator(".msg-ai").last
    assert reply.locator("[data-text]").text_content() == "Gamma sings a song"
    assert "Gamma" in reply.locator("[data-meta]").text_content()
    context.close()
