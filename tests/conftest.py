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


TRANSLATIONS = DATA / "translations"  # team-written translations of the seed page, for tests (see its README)


def copy_multilingual_corpus(dest: Path) -> Path:
    """The seed page plus the team-written en/de/fr translations: one page in four languages."""
    copy_corpus(dest)
    for f in TRANSLATIONS.iterdir():
        if f.suffix == ".txt" or f.name.endswith(".meta.json"):
            shutil.copy2(f, dest / f.name)
    return dest


@pytest.fixture(scope="session")
def multilingual_settings(tmp_path_factory):
    return build_settings(corpus_dir=copy_multilingual_corpus(tmp_path_factory.mktemp("multilingual")))


@pytest.fixture(scope="session")
def multilingual_engine(multilingual_settings) -> SearchEngine:
    return SearchEngine.open(multilingual_settings)
