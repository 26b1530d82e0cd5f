"""Every third-party module the shipped packages import is installed by what pyproject.toml declares.

The README's first command installs the core dependencies alone (`pip install -e .`) while the tests run with the
extras, so a module that only an extra brings passes every test and fails on a fresh machine: scipy, which the
latent-term index uses, once arrived only with sentence-transformers and `guidekb ask` failed at its first build.
"""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGES = PYPROJECT["tool"]["setuptools"]["packages"]
# imported only behind a check or on a path that needs the extra, which says so when it is missing
OPTIONAL = {"sentence_transformers": "st", "torch": "st", "huggingface_hub": "st", "httpx": "crawl",
            "matplotlib": "bench", "rank_bm25": "bench"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[;( ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _installed_with(requirements: list[str]) -> set[str]:
    """The distributions pip installs for these requirements: them and, recursively, what they require
    (requirements that only an extra of theirs asks for left out)."""
    todo, seen = [_name(r) for r in requirements], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            todo += [_name(r) for r in requires(name) or [] if not re.search(r"\bextra\s*==", r)]
        except PackageNotFoundError:
            pass  # declared but not installed here (e.g. a platform-only requirement)
    return seen


def _imports(path: Path) -> set[str]:
    """Top-level names of the absolute imports in a file, wherever they sit (lazy imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_imported_module_comes_with_the_declared_dependencies():
    project = PYPROJECT["project"]
    core = _installed_with(project["dependencies"])
    extras = {extra: core | _installed_with(reqs) for extra, reqs in project["optional-dependencies"].items()}
    distributions = packages_distributions()
    problems = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for module in sorted(_imports(path) - set(sys.stdlib_module_names) - set(PACKAGES) - {"__future__"}):
                provided = {_name(d) for d in distributions.get(module, [])}
                allowed = extras[OPTIONAL[module]] if module in OPTIONAL else core
                if not provided & allowed:
                    where = f"the '{OPTIONAL[module]}' extra" if module in OPTIONAL else "the core dependencies"
                    problems.append(f"{path.relative_to(ROOT)} imports {module} ({', '.join(sorted(provided)) or 'not installed'}),"
                                    f" which {where} do not install")
    assert not problems, "\n".join(problems)


def test_the_check_sees_a_module_only_an_extra_brings():
    """The rule above, on the case that happened: scipy comes with sentence-transformers, not with the core."""
    core = _installed_with([r for r in PYPROJECT["project"]["dependencies"] if _name(r) != "scipy"])
    assert "scipy" not in core
    assert "scipy" in _installed_with(PYPROJECT["project"]["optional-dependencies"]["st"])
    assert "starlette" in core  # and a module a core dependency brings (fastapi's starlette) counts as installed
