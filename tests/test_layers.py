"""Dependencies point down and never in a circle: `ui`, `cli`/`commands`/`selftest` → `sync`, `reports`,
`demo` → `store` → `domain` → `errors`, `paths`, `logs`, `heap`. Every import is read, those inside functions too
(not those under `if TYPE_CHECKING:`, which never run). Run `python -m tests.test_layers` for the report:
each layer's modules and the imports that break the rule."""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "ccp_desktop"
LAYERS = {  # top-level part of the module name -> rank; a module may import only its own rank or lower
    "__main__": 6, "ui": 5, "cli": 5, "commands": 5, "selftest": 5,
    "sync": 3, "reports": 3, "demo": 3,
    "store": 2,
    "domain": 1,
    "errors": 0, "paths": 0, "logs": 0, "heap": 0, "": 0,
}
QT_ALLOWED = ("ui",)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rank(module: str) -> int:
    parts = module.split(".")
    return LAYERS[parts[1] if len(parts) > 1 else ""]


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module -> ccp_desktop modules it imports, module -> third-party top-level packages it imports)."""
    paths = {module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = defaultdict(set)
    external: dict[str, set[str]] = defaultdict(set)
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_lines(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if getattr(node, "lineno", 0) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base for a in node.names]
            for target in targets:
                if target.startswith("ccp_desktop"):
                    while target not in paths and "." in target:
                        target = target.rpartition(".")[0]
                    if target != name:
                        graph[name].add(target)
                else:
                    external[name].add(target.split(".")[0])
    return graph, external


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((a, b) for a, targets in graph.items() for b in targets if rank(b) > rank(a))


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10_000)

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def test_every_import_points_down() -> None:
    graph, _ = import_graph()
    assert upward_imports(graph) == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    graph, _ = import_graph()
    assert cycles(graph) == []


def test_only_ui_imports_qt() -> None:
    _, external = import_graph()
    offenders = sorted(m for m, packages in external.items() if {"PySide6", "shiboken6"} & packages
                       and m.split(".")[1] not in QT_ALLOWED)
    assert offenders == []


def test_sql_is_written_only_in_the_core() -> None:
    """No SQL in the faces: `ui/` and the command handlers call core functions."""
    import re

    sql = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b")
    offenders = []
    for path in list((ROOT / "ui").rglob("*.py")) + list((ROOT / "commands").rglob("*.py")) + [ROOT / "cli.py"]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if sql.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{number}")
    assert offenders == [], offenders


if __name__ == "__main__":  # python -m tests.test_layers: the report
    graph, _ = import_graph()
    by_rank: dict[int, list[str]] = defaultdict(list)
    for module in sorted(set(graph) | {m for t in graph.values() for m in t}):
        by_rank[rank(module)].append(module)
    for level in sorted(by_rank, reverse=True):
        print(f"rank {level}: {len(by_rank[level])} modules")
    print(f"upward imports: {upward_imports(graph) or 'none'}")
    print(f"circles: {cycles(graph) or 'none'}")
