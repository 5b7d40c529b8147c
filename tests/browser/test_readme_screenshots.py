"""The README's screenshots at 1280 px: API & Models, Roles & Chat with a comparison shown, and the Usage tab.

Always taken into tests/artifacts/; `UPDATE_SCREENSHOTS=1` also writes the committed copies in docs/screenshots/.
"""

import os
import pathlib
import shutil

import pytest

from ..integration.chat_helpers import chat, game, new_session  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS = ROOT / "docs" / "screenshots"
MAX_BYTES = 200_000


def test_readme_screenshots(game, new_page):
    sid = new_session(game)
    assert chat(game, sid, "gm", "We reach the gate at dusk. What do we see?").status_code == 200
    r = game.http.post(f"{game.base}/api/v1/sessions/{sid}/compare",
                       json={"character_id": "gm", "llm_profile_ids": ["alpha", "beta", "gamma"],
                             "message": "The guard asks for a password."})
    assert r.status_code == 200, r.text
    r2 = game.http.post(f"{game.base}/api/config?restart=false", json={"settings": {"multi_provider_enabled": True}})
    assert r2.status_code == 200, r2.text
    page = new_page(game.base, width=1280, height=1000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = {}
    page.goto(f"{game.base}/profiles/alpha")
    page.click("button:has-text('Test connection')")  # the outcome shows next to the button
    page.locator("[data-form-status]", has_text="Connection OK").wait_for()
    shots["api-models.png"] = page.screenshot(type="png")
    page.goto(f"{game.base}/roles?session={sid}&compare={r.json()['position']}")
    page.evaluate("document.getElementById('comparison').scrollIntoView({block: 'center'})")
    shots["roles-chat-compare.png"] = page.screenshot(type="png")
    page.goto(f"{game.base}/usage")
    page.locator("svg").first.wait_for()
    shots["usage.png"] = page.screenshot(type="png")
    for name, data in shots.items():
        assert len(data) < MAX_BYTES, (name, len(data))
        (ARTIFACTS / name).write_bytes(data)
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            DOCS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ARTIFACTS / name, DOCS / name)
