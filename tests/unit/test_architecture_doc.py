"""docs/ARCHITECTURE.md names every module under webui/ with a line, and no module that is gone."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]


def documented():
    """Paths of the tree in ARCHITECTURE.md's "Where everything is" block, rebuilt from its indentation."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    block = text.split("## Where everything is", 1)[1].split("```", 2)[1]
    found, stack = set(), []
    for line in block.splitlines():
        match = re.match(r"^( *)(\S+\.py|\S+/)(\s|$)", line)
        if not match:
            continue
        depth = len(match.group(1)) // 2
        stack = stack[:depth] + [match.group(2).rstrip("/")]
        if match.group(2).endswith(".py"):
            assert match.group(3).strip() == "" and line[match.end():].strip(), f"no description: {line!r}"
            found.add("/".join(stack))
    return found


def test_every_module_is_listed_and_every_listed_module_exists():
    actual = {str(p.relative_to(ROOT)) for p in (ROOT / "webui").rglob("*.py")}
    listed = documented()
    assert sorted(actual - listed) == [], "modules missing from docs/ARCHITECTURE.md"
    assert sorted(listed - actual) == [], "docs/ARCHITECTURE.md lists modules that do not exist"
