"""The floor plan, enforced: serve -> web -> core -> providers -> ground, core packages one way, no circles."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2] / "webui"
ENTRY = {"webui", "webui.__main__", "webui.cli"}  # entry points: may import any layer
LAYER = {"serve": 4, "web": 3, "core": 2, "providers": 1}  # anything else under webui/ is ground (0)
CORE_MAY_USE = {  # core package -> core packages it may import (besides itself)
    "storage": set(), "access": {"storage"}, "desktop": set(), "usage": {"storage", "shared", "observe"},
    "shared": set(), "config": {"storage", "desktop"}, "roles": {"config", "storage"},
    "connect": {"config", "storage"}, "chat": {"roles", "config", "usage", "storage", "observe"},
    "anthropic_face": {"chat", "roles"},
    "observe": set(),  # request scope, metrics, spans, log lines: used by usage and chat, uses no other core
}


def modules():
    """{module name: set of webui modules it imports (top-level and inside functions)}."""
    found = {}
    for path in ROOT.rglob("*.py"):
        name = ".".join(("webui", *path.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__")
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                targets |= {f"{base}.{a.name}" if f"{base}.{a.name}" in NAMES else base for a in node.names}
        found[name] = targets
    return found


NAMES = {".".join(("webui", *p.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__") for p in ROOT.rglob("*.py")}
GRAPH = modules()


def layer(name):
    parts = name.split(".")
    return LAYER.get(parts[1], 0) if len(parts) > 1 else 0


def test_core_and_providers_never_import_flask():
    bad = [(m, t) for m, ts in GRAPH.items() for t in ts
           if layer(m) in (1, 2) and t.split(".")[0] in ("flask", "werkzeug", "jinja2", "gunicorn")]
    assert not bad


def test_nothing_imports_upward():
    bad = [(m, t) for m, ts in GRAPH.items() if m not in ENTRY for t in ts
           if t.startswith("webui.") and t not in ENTRY and layer(t) > layer(m)]
    assert not bad


def test_core_packages_import_one_way():
    bad = []
    for m, ts in GRAPH.items():
        if m.startswith("webui.core.") and m.count(".") >= 3:
            own = m.split(".")[2]
            used = {t.split(".")[2] for t in ts if t.startswith("webui.core.") and t.count(".") >= 2}
            bad += [(m, u) for u in used - {own} - CORE_MAY_USE[own]]
    assert not bad
    assert set(CORE_MAY_USE) == {p.name for p in (ROOT / "core").iterdir() if (p / "__init__.py").exists()}


def test_no_import_circles():
    edges = {m: {t for t in ts if t in GRAPH and t != m} for m, ts in GRAPH.items()}
    state, cycles = {}, []

    def visit(node, path):
        state[node] = "open"
        for nxt in edges[node]:
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert not cycles
