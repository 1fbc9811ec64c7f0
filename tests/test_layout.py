"""The package layout holds its dependency rules (README, "How it is built").

* ``conflictmap.geo`` and ``conflictmap.store`` never import ``conflictmap.extract`` or ``conflictmap.dashboard``;
* ``conflictmap.extract`` never imports ``conflictmap.dashboard``;
* ``conflictmap.sources`` (live sources) and ``conflictmap.dashboard`` never import each other, and nothing
  below them (``geo``, ``store``, ``extract``) imports ``sources``;
* module-level imports between ConflictMap modules form no cycle.

Imports are read from the source (``ast``), function-local and ``TYPE_CHECKING`` ones included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "conflictmap"

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "conflictmap.geo": ("conflictmap.extract", "conflictmap.dashboard", "conflictmap.sources"),
    "conflictmap.store": ("conflictmap.extract", "conflictmap.dashboard", "conflictmap.sources"),
    "conflictmap.extract": ("conflictmap.dashboard", "conflictmap.sources"),
    # live sources sit above extract/store (they fetch, then extract and store); the map never fetches
    "conflictmap.dashboard": ("conflictmap.sources",),
    "conflictmap.sources": ("conflictmap.dashboard",),
}


def module_name(path: Path) -> str:
    """Dotted name of a source file under ``src/``."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, top_level_only: bool = False) -> set[str]:
    """ConflictMap modules imported by a file (``from a import b`` counts ``a`` and ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in found if m == "conflictmap" or m.startswith("conflictmap.")}


MODULES = sorted(PKG.rglob("*.py"))


def test_the_stage_packages_exist() -> None:
    names = {module_name(p) for p in MODULES}
    for pkg in ("conflictmap.extract", "conflictmap.geo", "conflictmap.store", "conflictmap.dashboard"):
        assert pkg in names, f"{pkg} is missing"
    assert len([p for p in MODULES if p.parent == PKG]) <= 8, "the top level should hold only shared modules"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_dependency_rules(path: Path) -> None:
    name = module_name(path)
    for pkg, banned in FORBIDDEN.items():
        if name == pkg or name.startswith(pkg + "."):
            bad = sorted(m for m in imports_of(path) if any(m == b or m.startswith(b + ".") for b in banned))
            assert not bad, f"{name} imports {bad}: {pkg} may not depend on {banned}"


def test_the_rule_checker_sees_local_imports(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from conflictmap.dashboard.page import main\n    return main\n", encoding="utf-8")
    assert "conflictmap.dashboard.page" in imports_of(f)
    assert imports_of(f, top_level_only=True) == set()


def test_no_import_cycle_at_module_level() -> None:
    names = {module_name(p): p for p in MODULES}
    graph = {n: {m for m in imports_of(p, top_level_only=True) if m in names and m != n} for n, p in names.items()}
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                cycle = stack[stack.index(m):] + [m]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)


def test_no_module_imports_a_private_name_of_another() -> None:
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("conflictmap"):
                private = [a.name for a in node.names if a.name.startswith("_") and a.name != "__future__"]
                assert not private, f"{module_name(path)} imports private {private} from {node.module}"


def test_relayout_script_rewrites_old_imports_to_modules_that_exist() -> None:
    import importlib
    import importlib.util

    spec = importlib.util.spec_from_file_location("relayout_imports", SRC.parent / "scripts" / "relayout_imports.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    old = ("from conflictmap import schema, store, synthetic\n"
           "    from conflictmap.nlp import load_pipeline  # late\n"
           "import conflictmap.dates\n"
           'monkeypatch.setattr("conflictmap.pipeline.Pipeline.load", x)\n')
    new = mod.rewrite(old)
    assert new == ("from conflictmap import store\n"
                   "from conflictmap.store import schema\n"
                   "from conflictmap import demo as synthetic\n"
                   "    from conflictmap.extract.nlp import load_pipeline  # late\n"
                   "import conflictmap.extract.dates\n"
                   'monkeypatch.setattr("conflictmap.extract.pipeline.Pipeline.load", x)\n')
    assert mod.leftovers(new) == [] and mod.leftovers(old)
    for target in mod.MOVED.values():
        assert importlib.util.find_spec("conflictmap." + target.replace(".cmlib", "")) is not None, target
