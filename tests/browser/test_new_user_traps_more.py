"""The rest of issue 25's traps: compare cards that fill in one by one, one shared profile list at 300 profiles,
a fallback reply that says why, wording, the Test connection outcome in view, unsaved role profiles; each at
desktop and phone width (and without JS where the page works without it)."""

import re
import threading

import pytest

import playwright.sync_api as playwright  # noqa: E402 (a missing browser stack must fail, not skip)

from ..integration.chat_helpers import chat, game, new_session  # noqa: F401 (fixture)
from . import TIMEOUT_MS
from .axe_check import axe_problems
from .test_new_user_traps import WIDTHS, send_in_new_session

pytestmark = pytest.mark.browser
expect = playwright.expect


def until(page, check):
    """Wait (bounded by the page timeout) until check() is true: for what the page cannot be asked about."""
    for _ in range(TIMEOUT_MS // 50):
        if check():
            return
        page.wait_for_timeout(50)
    raise AssertionError("the page never got there")


def new_profile_form(page, base, provider, inputs):
    """The New profile editor for `provider`, with inputs filled in ({selector: value})."""
    page.goto(f"{base}/profiles/new?provider={provider}")
    for selector, value in inputs.items():
        page.fill(selector, value)


def open_compare(page, game, message):
    page.goto(f"{game.base}/roles")
    page.click("button:has-text('New session')")
    page.click("#compare-pick summary")
    page.fill("#chat-message", message)


# ---- trap 5: compare cards fill in as each profile answers ----------------------------------------------------

@pytest.mark.parametrize("width", WIDTHS)
def test_compare_cards_show_at_once_and_fill_in_as_each_profile_answers(game, new_page, width):
    game.fakes.b.hold = threading.Event()  # Beta Local is a slow model: it answers when the test says so
    page = new_page(game.base, width=width)
    open_compare(page, game, "Which way?")
    page.click("#compare-run")  # slots 1 and 2 hold Alpha and Beta Local
    alpha, beta = (page.locator(f".compare-card[data-profile-id={pid}]") for pid in ("alpha", "beta"))
    expect(alpha.locator("[data-text]")).to_have_text("Alpha speaks now")
    expect(alpha.locator("[data-meta]")).to_contain_text("tokens")
    expect(beta.locator("h4")).to_have_text("Beta Local")
    expect(beta).to_contain_text("Waiting for the reply…")
    expect(beta).to_have_attribute("aria-busy", "true")
    box = page.locator("#comparison").bounding_box()
    assert box["y"] < page.viewport_size["height"], box
    if width == 1280:  # side by side while waiting too
        assert abs(alpha.bounding_box()["y"] - beta.bounding_box()["y"]) < 2
    else:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    with page.expect_navigation(url=re.compile(r"compare=\d+")):
        game.fakes.b.hold.set()
    cards = page.locator(".compare-card")
    expect(cards).to_have_count(2)
    expect(cards.nth(1).locator("[data-text]")).to_have_text("Beta says hello")
    expect(cards.nth(1).locator("button:has-text('Keep')")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_failed_compare_profile_gets_its_card_by_name_while_the_other_answers(game, new_page, width):
    game.fakes.b.fail(400, "beta refuses")
    game.fakes.a.hold = threading.Event()
    page = new_page(game.base, width=width)
    open_compare(page, game, "Hello?")
    page.click("#compare-run")
    failed = page.locator(".compare-card[data-failed]")
    expect(failed.locator("h4")).to_have_text("Beta Local")
    expect(failed).to_contain_text("beta refuses")
    expect(page.locator(".compare-card[data-profile-id=alpha]")).to_contain_text("Waiting for the reply…")
    with page.expect_navigation(url=re.compile(r"compare=\d+")):
        game.fakes.a.hold.set()
    expect(page.locator(".compare-card[data-failed] h4")).to_have_text("Beta Local")
    expect(page.locator(".compare-card:not([data-failed]) [data-text]")).to_have_text("Alpha speaks now")


# ---- trap 12: one shared list instead of a select of every profile per picker ----------------------------------

def many_profiles(game, count=300, roles=15):
    profiles = game.http.get(f"{game.base}/api/v1/profiles").json()["profiles"]
    profiles += [{"id": f"p{i}", "name": f"Server {i}", "provider": "custom", "model": f"model-{i % 7}",
                  "base_url": game.fakes.b.base_url} for i in range(count)]
    r = game.http.post(f"{game.base}/api/v1/profiles?restart=false", json={"profiles": profiles})
    assert r.status_code == 200, r.text
    current = game.http.get(f"{game.base}/api/v1/roles").json()["roles"]
    extra = [{"id": f"r{i}", "name": f"Role {i}"} for i in range(roles - len(current))]
    assert game.http.put(f"{game.base}/api/v1/roles", json={"roles": current + extra}).status_code == 200


def role_profile(game, role_id):
    role = next(r for r in game.http.get(f"{game.base}/api/v1/roles").json()["roles"] if r["id"] == role_id)
    return (role.get("ai_config") or {}).get("profile_id")


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("width", WIDTHS)
def test_at_300_profiles_one_shared_list_serves_every_profile_picker(game, new_page, width, javascript):
    many_profiles(game)
    sid = new_session(game)
    assert chat(game, sid, "gm", "Hello").status_code == 200  # a reply: its Regenerate picker is on the page too
    page = new_page(game.base, javascript=javascript, width=width)
    page.goto(f"{game.base}/roles?session={sid}")
    html = page.content()
    # Before: a select of all 303 profiles per picker (15 roles: 37 pickers, 11,264 options, 906 KB); now 319, 112 KB.
    assert page.locator("option").count() < 303 + 60, page.locator("option").count()
    assert page.locator("#profile-choices option").count() == 303
    assert len(html.encode()) < 250_000, len(html.encode())
    assert page.locator("input[list=profile-choices]").count() >= 2 * 15 + 5
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # The roles table: type (by keyboard) a profile's name or its listed label, save, and it is routed.
    picker = page.locator("#role-profile-r5")
    expect(picker).to_have_attribute("placeholder", "Active profile")
    picker.click()
    page.keyboard.type("Server 12 · OpenAI-compatible · model-5")
    page.locator("#role-profile-npc").fill("")  # empty: the active profile
    page.click("button:has-text('Save role profiles')")
    expect(page.locator("#flashes")).to_contain_text("Role profiles saved.")
    assert role_profile(game, "r5") == "p12" and role_profile(game, "npc") is None
    expect(page.locator("#role-profile-r5")).to_have_value("Server 12 · OpenAI-compatible · model-5")

    # A name no profile has is refused by name, nothing saved.
    page.locator("#role-profile-r6").fill("Server 9999")
    if javascript:  # the browser's own check holds the form back; the server's refusal is the no-JS path
        page.locator("#role-profile-r6").dispatch_event("change")
        expect(page.locator("#role-profile-r6")).to_have_attribute("aria-invalid", "true")
        page.locator("#role-profile-r6").fill("")
    else:
        page.click("button:has-text('Save role profiles')")
        expect(page.locator("#flashes")).to_contain_text("No profile is called “Server 9999”")
        assert role_profile(game, "r6") is None

    # The chat: a profile for this message, picked by name, answers.
    page.goto(f"{game.base}/roles?session={sid}")
    page.select_option("#chat-role", "gm")
    page.locator("#chat-profile").fill("Server 3")
    if javascript:
        page.locator("#chat-profile").dispatch_event("change")
        expect(page.locator("#session-profile-note")).to_have_text(
            "Server 3 will answer: the profile picked for this message.")
    page.fill("#chat-message", "Who speaks?")
    page.click("#chat-send")
    expect(page.locator(".msg-ai [data-part=profile]").last).to_have_text("Server 3")


# ---- trap 17: a fallback reply says why; budgets ---------------------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("width", WIDTHS)
def test_a_fallback_reply_says_which_profile_failed_and_why(game, new_page, width, javascript):
    spend_alpha(game, budget=True)  # this month's budget is spent
    r = game.http.patch(f"{game.base}/api/llm/profiles/alpha?restart=false", json={"fallback_profile_ids": ["beta"]})
    assert r.status_code == 200, r.text
    page = new_page(game.base, javascript=javascript, width=width)
    send_in_new_session(page, game, "Hello")
    meta = page.locator(".msg-ai [data-meta]").last
    expect(meta.locator("[data-part=profile]")).to_have_text("Beta Local")
    expect(meta.locator("[data-part=fallback]")).to_have_text("because Alpha failed: over its monthly budget")
    expect(meta).to_contain_text("Answered by Beta Local because Alpha failed: over its monthly budget")
    page.reload()
    expect(page.locator(".msg-ai [data-part=fallback]").last).to_have_text(
        "because Alpha failed: over its monthly budget")

    # The connection failing gives its own reason.
    r = game.http.patch(f"{game.base}/api/llm/profiles/alpha?restart=false", json={"budget": None})
    assert r.status_code == 200, r.text
    game.fakes.a.stop()  # nothing listens at Alpha's address any more
    page.fill("#chat-message", "Again")
    page.click("#chat-send")
    expect(page.locator(".msg-ai [data-part=fallback]")).to_have_count(2)
    expect(page.locator(".msg-ai [data-part=fallback]").last).to_have_text("because Alpha failed: connection failed")


def spend_alpha(game, budget=False):
    """One answered call on Alpha; with budget, Alpha's monthly budget is then exactly what it spent."""
    assert chat(game, new_session(game), "gm", "Hello").status_code == 200
    game.app.extensions["triplo"].usage.flush()
    spent = game.app.extensions["triplo"].usage.month_spend("alpha")
    assert spent > 0
    if budget:
        r = game.http.patch(f"{game.base}/api/llm/profiles/alpha?restart=false",
                            json={"budget": {"monthly_usd": spent}})
        assert r.status_code == 200, r.text


@pytest.mark.parametrize("width", WIDTHS)
def test_a_budget_reached_is_red_next_to_the_budget_and_on_the_usage_bar(game, new_page, width):
    spend_alpha(game, budget=True)
    page = new_page(game.base, width=width)
    page.goto(f"{game.base}/profiles/alpha")
    line = page.locator("[data-budget-spend]")
    expect(line).to_contain_text("(100 %): reached")
    assert "is-over" in line.get_attribute("class")
    page.goto(f"{game.base}/usage")
    bar = page.locator("[data-budget=alpha]")
    expect(bar).to_contain_text("reached")
    assert "budget-over" in bar.get_attribute("class")
    meter = bar.locator("meter")  # at the `high` mark: the browser draws the bar in its alarm colour
    assert float(meter.get_attribute("value")) >= float(meter.get_attribute("high"))


# ---- trap 16: wording -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("width", WIDTHS)
def test_test_connection_with_nothing_to_test_says_not_tested_and_lands_in_view(game, new_page, width,
                                                                               javascript):
    page = new_page(game.base, javascript=javascript, width=width)
    new_profile_form(page, game.base, "custom", {"#f-custom-base_url": game.fakes.b.base_url, "#f-model": ""})
    expect(page.locator("fieldset[data-provider-fields=custom]")).to_contain_text(
        "once for every profile using the “OpenAI-compatible” credential set.")
    page.click("[data-test-connection]")
    outcome = page.locator("[data-form-status]")
    expect(outcome).to_have_text("Not tested: Enter the model to test.")
    box = outcome.bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"], box  # trap 8: not below the fold without JS
    page.fill("#f-custom-base_url", "")  # not a test of some default address either
    page.fill("#f-model", "llama-3")
    page.click("[data-test-connection]")
    expect(page.locator("[data-form-status]")).to_have_text("Not tested: Enter the server's address to test.")
    page.fill("#f-custom-base_url", game.fakes.b.base_url)
    page.click("[data-test-connection]")
    expect(page.locator("[data-form-status]")).to_contain_text("Connection OK: llama-3 answered")
    box = page.locator("[data-form-status]").bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"], box


@pytest.mark.parametrize("width", WIDTHS)
def test_a_server_that_serves_one_model_fills_it_in(game, new_page, width):
    game.fakes.b.models = ["only-model-7b"]
    page = new_page(game.base, width=width)
    new_profile_form(page, game.base, "custom", {"#f-custom-base_url": game.fakes.b.base_url})
    page.click("[data-fetch-models]")
    expect(page.locator("#f-model")).to_have_value("only-model-7b")
    expect(page.locator("[data-models-status]")).to_have_text(
        "The server serves one model, only-model-7b: it is filled in.")


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("width", WIDTHS)
def test_creating_a_profile_that_is_not_active_says_why_the_desktop_app_is_concerned(game, new_page, width,
                                                                                    javascript):
    page = new_page(game.base, javascript=javascript, width=width)
    new_profile_form(page, game.base, "custom", {"#f-name": "Side box", "#f-custom-base_url": game.fakes.b.base_url,
                                                 "#f-model": "llama-3"})
    page.click("[data-save]")
    expect(page.locator("#flashes")).to_have_text(re.compile(r"^\s*Profile “Side box” created\.\s*$"))
    # A key typed into a new OpenAI profile replaces the one the active profile (Alpha) reads: that is why.
    new_profile_form(page, game.base, "open_ai", {"#f-name": "Second OpenAI", "#f-model": "gpt-4o",
                                                  "#f-open_ai-base_url": game.fakes.a.base_url})
    page.click("fieldset[data-provider-fields=open_ai] .secret-update summary")  # Alpha's stored key: Update
    page.fill("#f-open_ai-api_key", "sk-test-new-key-0000-9999")
    page.click("[data-save]")
    flashes = page.locator("#flashes")
    expect(flashes).to_contain_text("“Second OpenAI” is not active, but the active profile “Alpha” reads the same "
                                    "stored OpenAI key, which you replaced.")
    assert ".." not in flashes.text_content()


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_chat_says_which_profile_will_answer_and_why(game, new_page, width, javascript):
    page = new_page(game.base, javascript=javascript, width=width)
    page.goto(f"{game.base}/roles")
    page.click("button:has-text('New session')")
    line = page.locator("#session-profile-note")
    expect(line).to_have_text("Alpha will answer: the active profile (Game Master names no profile of its own).")
    page.goto(page.url.split("#")[0] + "&role=npc")
    expect(line).to_have_text("Beta Local will answer: Innkeeper's own profile.")
    page.select_option("#session-profile", "gamma")
    page.click("#session-profile-apply")
    expect(line).to_have_text("Gamma will answer: this session's profile for Innkeeper.")
    if javascript:
        page.select_option("#chat-profile", "alpha")
        expect(line).to_have_text("Alpha will answer: the profile picked for this message.")
        page.select_option("#chat-role", "bard")
        expect(line).to_have_text("Alpha will answer: the profile picked for this message.")
        page.select_option("#chat-profile", "")
        expect(line).to_have_text("Gamma will answer: Bard's own profile.")

    # Compare refuses one profile in words, with one full stop, and no internal field name.
    page.click("#compare-pick summary")
    page.fill("#chat-message", "Hello?")
    page.select_option("#compare-1", "")
    page.click("#compare-run")
    expect(page.locator("#chat-error")).to_have_text("Pick 2 to 4 different profiles.")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_role_editor_shows_the_prompt_an_empty_field_gives(game, new_page, width):
    page = new_page(game.base, width=width, javascript=False)
    page.goto(f"{game.base}/roles?role_edit=npc#role-editor")
    hint = page.locator("#role-f-system_prompt-hint")
    expect(hint).to_have_text("Empty: “You are Innkeeper. A grumpy innkeeper.” (made from the role’s name and the "
                              "description its imported config gave it).")
    page.goto(f"{game.base}/roles?role_edit=new#role-editor")
    expect(hint).to_have_text("Empty: no system prompt; the model sees only the conversation.")


# ---- trap 8: a stale connection failure after a pull -------------------------------------------------------------

@pytest.mark.parametrize("width", WIDTHS)
def test_a_pull_clears_the_connection_failure_it_answered(live, new_page, fake_ollama, provider_env, width):
    fake_ollama.strict_models = True
    page = new_page(live.url, width=width)
    new_profile_form(page, live.url, "ollama", {"#f-name": "Ollama box", "#f-ollama-url": fake_ollama.url,
                                                "#f-model": "tiny:1b"})
    page.click("[data-test-connection]")
    outcome = page.locator("[data-form-status]")
    expect(outcome).to_contain_text("Connection failed: The server answered, but it has no model 'tiny:1b'")
    page.click("[data-pull-start]")
    expect(page.locator("[data-pull-status]")).to_contain_text("Pulled tiny:1b")
    expect(outcome).to_have_text("")
    page.click("[data-test-connection]")
    expect(outcome).to_contain_text("Connection OK: tiny:1b answered")


# ---- trap 10: unsaved role profiles ----------------------------------------------------------------------------

@pytest.mark.parametrize("width", WIDTHS)
def test_changed_role_profiles_ask_before_another_form_leaves_the_page(game, new_page, width):
    page = new_page(game.base, width=width)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.goto(f"{game.base}/roles")
    page.select_option("#role-profile-gm", "gamma")
    page.click("button:has-text('New session')", no_wait_after=True)  # another form: the change would be lost
    until(page, lambda: dialogs)
    expect(page.locator("#role-profile-gm")).to_have_value("gamma")
    assert dialogs == ["beforeunload"] and page.locator("#chat-log").count() == 0
    page.click("button:has-text('Save role profiles')")  # its own form: no question
    expect(page.locator("#flashes")).to_contain_text("Role profiles saved.")
    assert dialogs == ["beforeunload"]  # (the profile editor's case: test_new_user_traps.py)
    # The profile editor's other forms leave the page too: Activate asks while the editor holds a change.
    page.goto(f"{game.base}/profiles/gamma")
    page.fill("#f-name", "Gamma renamed")
    page.click("[data-activate-form] button", no_wait_after=True)
    until(page, lambda: len(dialogs) == 2)
    expect(page.locator("#f-name")).to_have_value("Gamma renamed")


# ---- axe-core on what changed: the shared list, the role editor with it, a comparison filling in ------------------

def test_axe_finds_nothing_serious_with_many_profiles_and_a_live_comparison(game, browser):
    many_profiles(game, count=30, roles=6)
    spend_alpha(game, budget=True)
    r = game.http.patch(f"{game.base}/api/llm/profiles/alpha?restart=false", json={"fallback_profile_ids": ["beta"]})
    assert r.status_code == 200, r.text
    sid = new_session(game)
    assert chat(game, sid, "gm", "Hello").status_code == 200  # Beta Local answers, saying why
    r = game.http.patch(f"{game.base}/api/llm/profiles/alpha?restart=false", json={"budget": None})
    assert r.status_code == 200, r.text

    def shared_list(page):
        assert page.locator("#profile-choices option").count() == 33
        expect(page.locator("[data-part=fallback]")).to_have_count(1)

    def not_tested(page):
        page.click("[data-test-connection]")
        expect(page.locator("[data-form-status]")).to_contain_text("Not tested")

    def comparing(page):  # Beta Local still thinking, Alpha's card filled in
        page.click("#compare-pick summary")
        page.click("#compare-run")
        expect(page.locator(".compare-card[data-profile-id=alpha] [data-text]")).to_have_text("Alpha speaks now")

    game.fakes.b.hold = threading.Event()
    try:
        found = {name: axe_problems(browser, game.base, path, prepare) for name, path, prepare in (
            ("roles", f"/roles?session={sid}", shared_list),
            ("role-editor", f"/roles?session={sid}&role_edit=npc", shared_list),
            ("not-tested", "/profiles/new?provider=custom", not_tested),
            ("live-comparison", f"/roles?session={sid}", comparing))}
    finally:
        game.fakes.b.hold.set()
    assert found == {"roles": {}, "role-editor": {}, "not-tested": {}, "live-comparison": {}}
