"""Packaging: the project installs without warnings, and an installed (non-editable) guidekb answers from any
folder without writing under its install folder (the bundled corpus's index goes to the user's cache)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow  # installs the project into a folder and builds the bundled index there


def _listing(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def _install(target: Path) -> str:
    # the venv's own setuptools builds the wheel (no download); --no-deps: the venv already has them
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                           "--no-cache-dir", "--target", str(target), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_a_non_editable_install_answers_from_another_folder_and_writes_nothing_under_it(tmp_path):
    site = tmp_path / "site"
    log = _install(site)
    assert "warning" not in log.lower().replace("warning: running pip as the 'root' user", ""), log
    for data in ("corpus/000_edeb0adc036bf658.txt", "index/data/stopwords.json", "search_api/static/app.js"):
        assert (site / data).is_file(), f"{data} missing from the installed package"
    assert not (site / "tests").exists()
    before = _listing(site)
    elsewhere, cache = tmp_path / "elsewhere", tmp_path / "cache"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "XDG_CACHE_HOME": str(cache)}
    env.pop("GUIDEKB_CORPUS", None), env.pop("GUIDEKB_INDEX", None)
    where = subprocess.run([sys.executable, "-c", "import index; print(index.__file__)"], cwd=elsewhere, env=env,
                           capture_output=True, text=True, timeout=60)
    assert where.stdout.strip() == str(site / "index" / "__init__.py")  # the installed copy, not this checkout
    asked = subprocess.run([sys.executable, "-m", "search_api.cli", "ask", "who manages capacity building in youth?"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
    assert asked.returncode == 0, asked.stderr
    first_hit = asked.stdout.split("\n1. ", 1)[1].split("\n2. ", 1)[0]
    assert "(EACEA)" in first_hit, asked.stdout  # the card example, answered at rank 1
    assert _listing(site) == before, "the installed package was written to"
    assert list((cache / "guidekb" / "bundled-index").glob("build-*/manifest.json")), "no index in the user's cache"
    assert list(elsewhere.iterdir()) == []


def test_an_editable_install_declares_every_package_and_data_folder():
    import tomllib

    from setuptools import find_namespace_packages

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = set(find_namespace_packages(str(ROOT), **{k: v for k, v in config["packages"]["find"].items()
                                                      if k == "include"}))
    for folder in ("index.data", "search_api.static", "corpus", "ingest", "index", "search_api", "benchmarks"):
        assert folder in found, f"{folder} is not declared: pip warns and a non-editable install may lose it"
    assert not any(name.startswith("tests") for name in found)
