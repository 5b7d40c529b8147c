"""The fenced examples of the game-config seed document (a copy kept in tests/fixtures), so tests follow the document."""

import json
import re
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed_000.txt"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(lang=None):
    """[(heading, lang, text)] in document order; `heading` is the nearest '#' line above the block."""
    text = SEED.read_text(encoding="utf-8")
    out = []
    for match in FENCE.finditer(text):
        prose = FENCE.sub("", text[: match.start()])  # a '#' inside an earlier block is a comment, not a heading
        heading = [line for line in prose.splitlines() if line.startswith("#")][-1]
        if lang in (None, match.group(1)):
            out.append((heading.lstrip("# ").strip(), match.group(1), match.group(2)))
    return out


def api_calls(text):
    """The HTTP calls of a ```python block: [(method, path, body or None)]; '#' comments dropped."""
    calls, current = [], None
    for line in text.splitlines():
        code = re.sub(r"\s+#.*$", "", line) if not line.lstrip().startswith("#") else ""
        head = re.match(r"^(GET|POST|PUT|DELETE|PATCH) (\S+)$", code.strip())
        if head:
            current = [head.group(1), head.group(2), []]
            calls.append(current)
        elif current is not None and code.strip():
            current[2].append(code)
    return [(m, p, json.loads("\n".join(body)) if body else None) for m, p, body in calls]
