"""Refresh the generated tables of docs/anthropic-face.md from webui/core/anthropic_face/fields.py."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from webui.core.anthropic_face import fields  # noqa: E402

DOC = os.path.join(ROOT, "docs", "anthropic-face.md")
BEGIN, END = "<!-- tables: generated -->\n", "<!-- end of generated tables -->\n"


def main():
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    with open(DOC, "w", encoding="utf-8") as f:
        f.write(head + BEGIN + fields.markdown() + END + tail)


if __name__ == "__main__":
    main()
