"""Item 12 (fresh clone): no test reads anything beside the repository (a newcomer's clone has nothing there)."""

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"""["'/]shared/|parents\[[2-9]\]\s*/\s*["']shared|\.\./shared""")


def test_fresh_clone_tests_read_nothing_outside_the_repository():
    hits = []
    for path in TESTS.rglob("*.py"):
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                hits.append(f"{path.relative_to(TESTS)}:{number}: {line.strip()}")
    assert not hits, "tests read files outside the repository:\n" + "\n".join(hits)


def test_fresh_clone_seed_document_is_a_fixture():
    from tests.integration.seed_blocks import SEED, blocks

    assert SEED.is_relative_to(TESTS) and SEED.is_file()
    assert blocks("yaml"), "the seed fixture has its YAML examples"
