"""Write docs/openai-face-parameters.md from webui/face_params.py (the one table per adapter)."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from webui import face_params  # noqa: E402
from webui.catalog import PROVIDERS  # noqa: E402

DOC = os.path.join(ROOT, "docs", "openai-face-parameters.md")
COLUMNS = ("open_ai", "open_router", "custom", "anthropic", "gemini", "ollama")


def render():
    """The document's text."""
    head = ["# `/v1/chat/completions` parameters by provider", "",
            "Generated from `webui/face_params.py` by `scripts/face_params_doc.py`; do not edit by hand.", "",
            "**passed**: sent under the same name, unchanged. **translated**: sent in the provider's own words "
            "(the note says how). **refused**: a 400 naming the parameter and the provider, unless the profile "
            "sets `options.drop_unsupported: true` (then it is left out). **dropped**: accepted and left out, as it asks "
            "nothing of the model. `custom` covers Azure OpenAI too; toward servers other than Azure, `developer` "
            "messages go as `system` (unless the profile sets `options.developer_role: true`). "
            "`model` is replaced by the profile's model; `messages` pass as sent to OpenAI-format upstreams and "
            "are translated for the others (tool calls and results, images: see SPEC §5.1).", ""]
    labels = [PROVIDERS[p]["short_label"] for p in COLUMNS]
    rows = ["| parameter | " + " | ".join(labels) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for name in face_params.KNOWN:
        cells = []
        for provider in COLUMNS:
            mode, note = face_params.mode(provider, name)
            cells.append(f"{mode}: {note}" if note and mode != face_params.PASSED else mode)
        label = "other fields (`*`)" if name == "*" else f"`{name}`"
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(head + rows) + "\n"


if __name__ == "__main__":
    with open(DOC, "w", encoding="utf-8") as out:
        out.write(render())
    print(f"wrote {DOC}")
