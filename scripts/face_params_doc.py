"""Write docs/faces/<face>.md (one page per gateway face) and their index docs/openai-face-parameters.md from the
tables in webui/face_params.py (FACES)."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from webui import face_params  # noqa: E402
from webui.catalog import PROVIDERS  # noqa: E402

DOC = os.path.join(ROOT, "docs", "openai-face-parameters.md")
FACES_DIR = os.path.join(ROOT, "docs", "faces")
GENERATED = "Generated from `webui/face_params.py` by `scripts/face_params_doc.py`; do not edit by hand."
LEGEND = ("**passed**: sent under the same name, unchanged. **translated**: sent in the provider's own words "
          "(the note says how). **refused**: a 400 naming the field")
INTROS = {
    "chat_completions": LEGEND + " and the provider, unless the profile sets `options.drop_unsupported: true` "
    "(then it is left out). **dropped**: accepted and left out, as it asks nothing of the model. `custom` covers "
    "Azure OpenAI too; toward servers other than Azure, `developer` messages go as `system` (unless the profile "
    "sets `options.developer_role: true`). `model` is replaced by the profile's model; "
    "`messages` pass as sent to OpenAI-format upstreams and are translated for the others (tool calls and results, "
    "images: see SPEC §5.1).",
    "responses": "A Responses request becomes a Chat Completions request (the fields below), which then goes to "
    "the profile's provider as the [Chat Completions table](chat_completions.md) says. The answer comes back as "
    "a Response (message and function_call output items, usage as input/output tokens). **handled**: the face "
    "does it itself. " + LEGEND + ".",
    "embeddings": "The vectors come back in OpenAI's shape whatever the provider speaks; usage and cost are "
    "recorded in the ledger. There is no fallback: another model's vectors live in another space. "
    "**handled**: the face does it itself. " + LEGEND + ".",
}


LABELS = {("embeddings", "open_ai"): "OpenAI format (OpenAI, OpenRouter, OpenAI-compatible)",
          ("responses", "all"): "every profile"}


def _label(key, column):
    return LABELS.get((key, column)) or PROVIDERS[column]["short_label"]


def _cell(mode, note):
    return f"{mode}: {note}" if note and mode != face_params.PASSED else mode


def render_face(key):
    """One face's page."""
    face = face_params.FACES[key]
    head = [f"# {face.title}: `{face.endpoint}`", "", GENERATED, "", INTROS.get(key, LEGEND + "."), ""]
    rows = ["| field | " + " | ".join(_label(key, c) for c in face.columns) + " |",
            "|---" * (len(face.columns) + 1) + "|"]
    for name, cells in face.rows(face.columns):
        label = "other fields (`*`)" if name == "*" else f"`{name}`"
        rows.append(f"| {label} | " + " | ".join(_cell(*c) for c in cells) + " |")
    return "\n".join(head + rows) + "\n"


def render():
    """The index page: one line per face."""
    lines = ["# Gateway faces: request fields by provider", "", GENERATED, "",
             "What each face does with each field it is sent, one page per face:", ""]
    for key, face in face_params.FACES.items():
        lines.append(f"* [{face.title}](faces/{key}.md): `{face.endpoint}`")
    return "\n".join(lines) + "\n"


def pages():
    """{path: text} of every generated page."""
    out = {DOC: render()}
    out.update({os.path.join(FACES_DIR, f"{key}.md"): render_face(key) for key in face_params.FACES})
    return out


if __name__ == "__main__":
    os.makedirs(FACES_DIR, exist_ok=True)
    for path, text in pages().items():
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"wrote {path}")
