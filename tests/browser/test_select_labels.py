"""Issue 16 item 13: the long provider labels (the 52-character OpenAI-compatible one) are not cut off in
selects: the editor's selects fit them at desktop width, and the chat's profile selects use short labels."""

import pytest

from webui.catalog import PROVIDERS

from ..integration.chat_helpers import game, new_session  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

# Width of each select's longest option (in the select's own font) against the room the select gives its text.
CUT_OFF = """() => {
  const canvas = document.createElement('canvas').getContext('2d');
  const cut = [];
  for (const select of document.querySelectorAll('select:not([multiple])')) {
    if (!select.offsetParent) continue;  // not shown
    const style = getComputedStyle(select);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 16;
    for (const option of select.options) {
      const width = canvas.measureText(option.text).width;
      if (width > room) cut.push(`${select.name || select.id}: "${option.text}" ${Math.round(width)} > ${Math.round(room)}`);
    }
  }
  return cut;
}"""
LONG_LABELS = [spec["label"] for spec in PROVIDERS.values() if spec["label"] != spec["short_label"]]


def test_editor_selects_fit_every_label_at_1280(game, new_page):
    page = new_page(game.base, width=1280, height=900)
    cut = {}
    for path in ("/profiles/alpha", "/profiles/beta", "/profiles/new?provider=custom", "/local-llm"):
        page.goto(game.base + path)
        found = page.evaluate(CUT_OFF)
        if found:
            cut[path] = found
    assert not cut, cut


def test_chat_profile_selects_use_short_provider_labels(game, new_page):
    assert LONG_LABELS, "the catalog has long labels to keep out of narrow selects"
    sid = new_session(game)
    page = new_page(game.base, width=1280, height=900)
    page.goto(f"{game.base}/roles?session={sid}")
    options = page.eval_on_selector_all("select option", "(all) => all.map((o) => o.text)")
    assert any("OpenAI-compatible" in text for text in options)  # the custom profile beta is listed
    assert not [text for text in options if any(label in text for label in LONG_LABELS)]
