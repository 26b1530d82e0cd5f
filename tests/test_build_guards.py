"""`guidekb build` on corpora it cannot index, and after builds that died: a clear error, nothing left behind."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import copy_corpus
from index import SearchEngine, build_settings
from index.storage import store
from index.storage.build import build_index
from ingest import GuidekbError, load_corpus
from test_cli import guidekb, text

SEED = "000_edeb0adc036bf658"


def one_page_corpus(folder: Path, page: str, language: str = "bg", title: str = "Капацитет") -> Path:
    folder.mkdir(parents=True)
    data = page.encode("utf-8")
    (folder / "p.txt").write_bytes(data)
    (folder / "p.meta.json").write_text(json.dumps({
        "source": "p.txt", "sha256": hashlib.sha256(data).hexdigest(), "language": language, "title": title,
        "url": "https://erasmus-plus.ec.europa.eu/bg/programme-guide/p"}, ensure_ascii=False), encoding="utf-8")
    return folder


def set_language(corpus: Path, language: str) -> None:
    meta = corpus / f"{SEED}.meta.json"
    record = json.loads(meta.read_text(encoding="utf-8"))
    meta.write_text(json.dumps({**record, "language": language}, ensure_ascii=False), encoding="utf-8")


# -- page languages --------------------------------------------------------------------------------------
def test_a_language_code_in_capitals_is_read_in_lower_case(engine, tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    set_language(corpus, " BG ")
    assert {d.language for d in load_corpus(corpus)} == {"bg"}
    settings = build_settings(corpus_dir=corpus)
    build_index(settings, engine.embedder)
    found = SearchEngine.open(settings, embedder=engine.embedder, build_if_missing=False)
    assert found.index.manifest["languages"] == ["bg"]
    assert found.search("изграждане на капацитет", k=3, languages=["bg"]).passages  # reachable by its language


@pytest.mark.parametrize("language", ["xx", "ja", "ru", "bulgarian", ""])
def test_an_unsupported_language_stops_the_build_naming_the_file(tmp_path, language):
    corpus = copy_corpus(tmp_path / "corpus")
    set_language(corpus, language)
    with pytest.raises(GuidekbError) as raised:
        load_corpus(corpus)
    assert raised.value.code == "corpus_corrupt" and f"{SEED}.meta.json" in raised.value.message
    r = guidekb("build", "--corpus", str(corpus))
    assert r.returncode == 2 and f"{SEED}.meta.json" in text(r.stderr) and "Traceback" not in text(r.stderr)
    assert not (corpus / ".index").exists()


# -- no words --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", ["😀😀 🎉✨\n\n🎉🎉\n", "!!! ??? ... — «» ¡¡\n", "\x01\x02\x03 \x7f\n"],
                         ids=["emoji", "punctuation", "control-bytes"])
@pytest.mark.parametrize("command", ["build", "ask"])
def test_a_corpus_without_words_is_an_error_not_a_traceback(tmp_path, page, command):
    corpus = one_page_corpus(tmp_path / "corpus", page, title="🎉")
    r = guidekb(*(["build"] if command == "build" else ["ask", "youth"]), "--corpus", str(corpus))
    err = text(r.stderr)
    assert r.returncode == 2 and "Traceback" not in err, err
    assert "error: no passage in" in err and "word to search by" in err


# -- builds that died ------------------------------------------------------------------------------------
HOLD_STAGING = """
import sys, time
from pathlib import Path
from index.storage import store
with store.staging_dir(Path(sys.argv[1])) as folder:
    print(folder, flush=True)
    time.sleep(600)
"""


def hold_staging(index_dir: Path) -> tuple[subprocess.Popen, Path]:
    """A process in the middle of writing a build: its staging folder exists and it holds the lock."""
    process = subprocess.Popen([sys.executable, "-c", HOLD_STAGING, str(index_dir)], stdout=subprocess.PIPE,
                               text=True, cwd=Path(__file__).parent.parent)
    return process, Path(process.stdout.readline().strip())


def test_the_next_build_removes_what_dead_builds_left_and_spares_a_live_one(engine, corpus_dir, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus, symlinks=True)
    index_dir = corpus / ".index"
    live, running = hold_staging(index_dir)
    try:
        killed, dead = hold_staging(index_dir)  # (starting, it left the live one alone)
        killed.send_signal(signal.SIGKILL)  # no cleanup runs
        killed.wait()
        old_style = index_dir / ".tmp-build-20250101T000000-deadbeef"  # from before locks, long untouched
        old_style.mkdir()
        os.utime(old_style, (time.time() - 7200, time.time() - 7200))
        just_made = index_dir / ".tmp-build-29990101T000000-0a0a0a0a"  # made this instant: its lock may come next
        just_made.mkdir()
        assert dead.is_dir() and running.is_dir()

        build_index(build_settings(corpus_dir=corpus), engine.embedder)

        staging = sorted(p.name for p in index_dir.glob(".tmp-build-*"))
        assert staging == sorted([running.name, just_made.name])
        assert (running / store.LOCK).is_file()
    finally:
        live.kill()
        live.wait()
    assert running.name in store.remove_dead_staging(index_dir)  # its build died too, now
    built = [p for p in index_dir.iterdir() if p.name.startswith("build-")]
    assert built and all(not (p / store.LOCK).exists() for p in built)  # a committed build holds no lock file
