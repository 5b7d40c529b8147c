"""Roles & Chat as a product (issue 16): role CRUD, newest message in view, errors by the chat, reply flags,
the session profile switcher and the once-per-reply announcement; with JavaScript and without."""

import pytest

from ..integration.chat_helpers import chat, game, new_session  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

# True when the element is inside the window and, for a message, inside the chat log's scroll box.
IN_VIEW = """(el) => {
  const r = el.getBoundingClientRect();
  const inWindow = r.top >= 0 && r.bottom <= window.innerHeight + 1 && r.height > 0;
  const log = el.closest('#chat-log');
  if (!log) return inWindow;
  const b = log.getBoundingClientRect();
  return inWindow && r.bottom <= b.bottom + 1 && r.bottom > b.top;
}"""


def wait_in_view(page, element_id):
    """The element comes into view (IN_VIEW) within the page's bounded wait; scrolling may land a frame later."""
    page.wait_for_function(f"() => ({IN_VIEW})(document.getElementById('{element_id}'))")


def stored_roles(game):
    return game.http.get(f"{game.base}/api/v1/roles").json()["roles"]


@pytest.mark.parametrize("javascript", [False, True])
def test_new_edit_and_delete_a_role_in_the_page(game, new_page, javascript):
    page = new_page(game.base, javascript=javascript)
    page.goto(f"{game.base}/roles")
    page.click("#new-role")
    page.fill("#role-f-name", "Town Guard")
    if javascript:
        assert page.get_attribute("#role-f-id", "placeholder") == "town-guard"  # the id it will get
    page.select_option("#role-f-type", "npc")
    page.select_option("#role-f-profile_id", "beta")
    page.fill("#role-f-system_prompt", "You guard the gate.")
    page.fill("#role-f-tools", "[{not json")
    page.click("button:has-text('Save role')")
    # The form comes back as typed, the error next to its field.
    assert page.locator("#role-f-tools-error").is_visible()
    assert "not valid JSON" in page.text_content("#role-f-tools-error")
    assert page.input_value("#role-f-name") == "Town Guard"
    page.fill("#role-f-tools", '[{"type": "function", "function": {"name": "open_gate"}}]')
    page.click("button:has-text('Save role')")
    assert "Role “Town Guard” saved." in page.text_content("#flashes")
    guard = next(r for r in stored_roles(game) if r["id"] == "town-guard")
    assert guard["ai_config"]["profile_id"] == "beta" and guard["system_prompt"] == "You guard the gate."
    assert guard["tools"][0]["function"]["name"] == "open_gate"

    # A duplicate id is refused next to the id field.
    page.click("#new-role")
    page.fill("#role-f-name", "Other")
    page.fill("#role-f-id", "gm")
    page.click("button:has-text('Save role')")
    assert "exists already" in page.text_content("#role-f-id-error")

    # Edit: rename keeps the place in the list.
    page.goto(f"{game.base}/roles")
    page.click("a[aria-label='Edit Town Guard']")
    assert page.input_value("#role-f-system_prompt") == "You guard the gate."
    page.fill("#role-f-name", "Gate Guard")
    page.click("button:has-text('Save role')")
    assert [r["name"] for r in stored_roles(game)][-1] == "Gate Guard"

    # Delete asks first; Cancel has the focus and keeps the role.
    page.click("a[aria-label='Delete Gate Guard']")
    if javascript:  # the page focuses Cancel itself
        page.wait_for_function("() => document.activeElement && document.activeElement.textContent.trim() === 'Cancel'")
    else:  # without JS the browser applies autofocus when it next renders; the server's part is the attribute
        assert page.get_attribute("#role-delete a:has-text('Cancel')", "autofocus") is not None
        assert page.get_attribute("#role-delete button:has-text('Delete role')", "autofocus") is None
    page.click("#role-delete a:has-text('Cancel')")
    assert any(r["id"] == "town-guard" for r in stored_roles(game))
    page.click("a[aria-label='Delete Gate Guard']")
    page.click("button:has-text('Delete role')")
    assert "deleted" in page.text_content("#flashes")
    assert not any(r["id"] == "town-guard" for r in stored_roles(game))
    assert page.locator("tr[data-role='town-guard']").count() == 0


def _long_session(game, turns=8):
    sid = new_session(game)
    for i in range(turns):
        assert chat(game, sid, "gm", f"Turn {i}: tell me more about the long road ahead").status_code == 200
    return sid


@pytest.mark.parametrize("width", [1280, 390])
def test_newest_message_in_view_with_javascript(game, new_page, width):
    sid = _long_session(game)
    page = new_page(game.base, width=width, height=700)
    page.goto(f"{game.base}/roles?session={sid}")
    wait_in_view(page, "newest")  # on load
    page.fill("#chat-message", "And now?")
    page.click("#chat-send")
    page.wait_for_function("() => document.querySelectorAll('#chat-log [data-meta]').length === 9")
    newest = page.locator("#chat-log > li").last
    assert newest.get_attribute("id") == "newest"
    wait_in_view(page, "newest")  # after sending
    # aria-live: the log is not live; one announcement per finished reply.
    assert page.get_attribute("#chat-log", "aria-live") is None
    assert page.text_content("#chat-announce") == "Game Master replied: Alpha speaks now"
    page.reload()
    wait_in_view(page, "newest")  # after reload


def test_newest_message_in_view_without_javascript(game, new_page):
    sid = _long_session(game)
    page = new_page(game.base, javascript=False, width=390, height=700)
    page.goto(f"{game.base}/roles?session={sid}")
    page.fill("#chat-message", "And now?")
    page.click("#chat-send")
    assert page.url.endswith("#newest")
    assert "Alpha speaks now" in page.text_content("#newest")
    assert page.locator("#newest").evaluate(IN_VIEW)


@pytest.mark.parametrize("javascript", [False, True])
def test_regenerate_error_shows_next_to_the_chat(game, new_page, javascript):
    sid = _long_session(game, turns=6)
    game.fakes.c.fail(500, "upstream broke", times=5)
    page = new_page(game.base, javascript=javascript, width=390, height=700)
    page.goto(f"{game.base}/roles?session={sid}")
    redraw = page.locator('form[data-redraw-for="gm"]')
    redraw.locator("select").select_option("gamma")
    with page.expect_navigation():
        redraw.locator("button").click()
    assert page.url.endswith("#chat-error")
    box = page.locator("#chat-error")
    assert box.is_visible() and box.text_content().strip()
    wait_in_view(page, "chat-error")
    assert page.locator("#flashes .flash-error").count() == 0  # not at the top of the page


def test_stream_error_shows_next_to_the_chat(game, new_page):
    sid = new_session(game)
    game.fakes.a.fail(500, "upstream broke", times=5)
    page = new_page(game.base, width=390, height=700)
    page.goto(f"{game.base}/roles?session={sid}")
    page.fill("#chat-message", "Hello?")
    page.click("#chat-send")
    box = page.locator("#chat-error")
    box.wait_for(state="visible")
    wait_in_view(page, "chat-error")


@pytest.mark.parametrize("javascript", [False, True])
def test_reply_shows_finish_reason_and_flags_length_and_empty(game, new_page, javascript):
    sid = new_session(game)
    page = new_page(game.base, javascript=javascript)
    page.goto(f"{game.base}/roles?session={sid}")
    game.fakes.a.finish_reason = "length"
    page.fill("#chat-message", "Tell me everything")
    page.click("#chat-send")
    if javascript:
        page.wait_for_function("() => document.querySelectorAll('#chat-log [data-meta]').length === 1")
    last = page.locator("#chat-log > li").last
    meta = last.locator("[data-meta]").text_content()
    assert "finish: length" in meta and "tokens" in meta and " ms" in meta
    assert last.locator("[data-flag=length]").is_visible()
    game.fakes.a.finish_reason = None
    game.fakes.a.reply = ""
    page.fill("#chat-message", "Say nothing")
    page.click("#chat-send")
    if javascript:
        page.wait_for_function("() => document.querySelectorAll('#chat-log [data-meta]').length === 2")
    last = page.locator("#chat-log > li").last
    assert last.locator("[data-flag=empty]").is_visible()
    assert last.locator("[data-flag=length]").count() == 0
    page.reload()  # the stored reply is flagged too
    assert page.locator("#chat-log > li").last.locator("[data-flag=empty]").is_visible()


@pytest.mark.parametrize("javascript", [False, True])
def test_profile_switcher_in_the_chat_pane(game, new_page, javascript):
    sid = new_session(game)
    page = new_page(game.base, javascript=javascript)
    page.goto(f"{game.base}/roles?session={sid}&role=npc")
    assert page.input_value("#chat-role") == "npc"
    assert "Beta Local" in page.text_content("#session-profile-note")
    page.select_option("#session-profile", "gamma")
    page.click("#session-profile-apply")
    if javascript:
        page.wait_for_function("() => document.getElementById('session-profile-note').textContent.includes('Gamma')")
    else:
        assert "Session override saved." in page.text_content(".chat-note")
        assert "Gamma" in page.text_content("#session-profile-note")
    assert game.http.get(f"{game.base}/api/v1/sessions/{sid}/character-profiles").json()[
        "character_profiles"] == {"npc": "gamma"}
    page.select_option("#chat-role", "npc")
    page.fill("#chat-message", "Who are you?")
    page.click("#chat-send")
    if javascript:
        page.wait_for_function("() => document.querySelectorAll('#chat-log [data-meta]').length === 1")
    assert "Gamma" in page.locator("#chat-log > li").last.locator("[data-meta]").text_content()
    # Back to the role's own profile.
    page.select_option("#session-profile", "")
    page.click("#session-profile-apply")
    if javascript:
        page.wait_for_function("() => document.getElementById('session-profile-note').textContent.includes('Beta')")
    assert game.http.get(f"{game.base}/api/v1/sessions/{sid}/character-profiles").json()["character_profiles"] == {}
