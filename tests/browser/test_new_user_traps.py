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
    expect(preview.locator("[data-change=profiles-added]")).to_contain_text("gpt3_fast")
    expect(preview.locator("[data-change=roles-replaced]")).to_contain_text("Game Master")
    expect(preview.locator("[data-change=active]")).to_contain_text("Alpha → gpt3_fast")
    expect(preview.locator("[data-active-problem]")).to_contain_text("UNSET_TEST_API_KEY")
    expect(page.locator("#import-keep-active")).to_be_checked()
    box = preview.bounding_box()
    assert box["y"] < page.viewport_size["height"]  # in view, not under the roles table
    page.click("#import-preview button[type=submit]")
    expect(page.locator("#flashes")).to_contain_text("Imported 1 profile(s) and 1 role(s). The active profile is Alpha.")
    assert active_id(game) == "alpha"
