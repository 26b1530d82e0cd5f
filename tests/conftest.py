"""Shared fixtures: one real index over a copy of the bundled corpus, built once per session."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index import SearchEngine, build_settings
from index.settings import BUNDLED_CORPUS

DATA = Path(__file__).parent / "data"


def copy_corpus(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for f in BUNDLED_CORPUS.iterdir():
        if f.is_file() and (f.suffix == ".txt" or f.name.endswith(".meta.json")):
            shutil.copy2(f, dest / f.name)
    return dest


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    return copy_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def settings(corpus_dir):
    return build_settings(corpus_dir=corpus_dir)


@pytest.fixture(scope="session")
def engine(settings) -> SearchEngine:
    return SearchEngine.open(settings)
