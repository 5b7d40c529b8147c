"""Compare (issue 16 item 5): 2-4 profiles on one turn, side by side (stacked on a phone), `Keep` one;
with JavaScript and without."""

import pytest

from ..integration.chat_helpers import game, new_session  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def _run_compare(page, game, sid, javascript, profiles=("alpha", "beta", "gamma"), message="Which way now?"):
    page.goto(f"{game.base}/roles?session={sid}")
    if page.locator("#compare-pick").get_attribute("open") is None:
        page.click("#compare-pick summary")
    page.fill("#chat-message", message)
    for i, pid in enumerate(profiles):
        page.select_option(f"#compare-{i}", pid)
    with page.expect_navigation(url=lambda url: "compare=" in url):
        page.click("#compare-run")
    page.locator("#comparison").wait_for()


@pytest.mark.parametrize("javascript", [False, True])
def test_compare_side_by_side_then_keep_one(game, new_page, javascript):
    sid = new_session(game)
    page = new_page(game.base, javascript=javascript)
    _run_compare(page, game, sid, javascript)
    assert page.url.endswith("#comparison")
    cards = page.locator(".compare-card")
    assert cards.count() == 3
    texts = [cards.nth(i).locator("[data-text]").text_content() for i in range(3)]
    assert texts == ["Alpha speaks now", "Beta says hello", "Gamma sings a song"]
    for i, name in enumerate(["Alpha", "Beta Local", "Gamma"]):
        card = cards.nth(i)
        assert card.locator("h4").text_content() == name
        meta = card.locator("[data-meta]").text_content()
        assert " ms" in meta and "tokens" in meta
    # Side by side at 1280 px: the cards share one row.
    tops = [cards.nth(i).bounding_box()["y"] for i in range(3)]
    assert max(tops) - min(tops) < 2
    assert cards.nth(0).locator("[data-current]").is_visible()
    assert page.locator("#comparison").evaluate("el => el.getBoundingClientRect().top < window.innerHeight")
    # Keep the second: the comparison stays, it is current; the log shows it; the rest stay alternatives.
    with page.expect_navigation():
        cards.nth(1).locator("button:has-text('Keep')").click()
    assert page.locator(".compare-card").nth(1).locator("[data-current]").is_visible()
    assert page.locator(".compare-card").nth(0).locator("button:has-text('Keep')").is_visible()
    assert "Beta says hello" in page.locator("#chat-log > li").last.text_content()
    turn = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"][-1]
    assert turn["content"] == "Beta says hello" and len(turn["alternatives"]) == 3
    # The turn can be opened side by side again from the log.
    page.goto(f"{game.base}/roles?session={sid}")
    assert page.locator("#comparison").count() == 0
    page.click("#chat-log a:has-text('Side by side')")
    assert page.locator(".compare-card").count() == 3


def test_compare_stacks_on_a_phone(game, new_page):
    sid = new_session(game)
    page = new_page(game.base, width=390, height=800)
    _run_compare(page, game, sid, True, profiles=("alpha", "beta"))
    cards = page.locator(".compare-card")
    a, b = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert b["y"] >= a["y"] + a["height"] - 1  # one under the other
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("javascript", [False, True])
@pytest.mark.parametrize("width", [1280, 390])
def test_compare_errors_show_next_to_the_chat(game, new_page, javascript, width):
    sid = new_session(game)
    page = new_page(game.base, javascript=javascript, width=width)
    page.goto(f"{game.base}/roles?session={sid}")
    page.click("#compare-pick summary")
    page.fill("#chat-message", "Hello?")
    page.select_option("#compare-1", "")  # one profile only: refused
    page.click("#compare-run")
    box = page.locator("#chat-error")
    box.wait_for(state="visible")
    assert "2 to 4" in box.text_content()
    if javascript:
        assert page.input_value("#chat-message") == "Hello?"  # the typed turn is kept
    # One profile failing: the others are compared; the failure is a card of its own, named as the profile is.
    game.fakes.b.fail(400, "beta refuses")
    _run_compare(page, game, sid, javascript, profiles=("alpha", "beta"), message="Hello again")
    failed = page.locator(".compare-card[data-failed]")
    failed.wait_for()
    assert page.locator(".compare-card").count() == 2 and failed.count() == 1
    assert failed.locator("h4").text_content() == "Beta Local" and "beta refuses" in failed.text_content()
