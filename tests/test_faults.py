"""Faults: a damaged index at start-up, a build killed at any point, a model that fails at query time."""
from __future__ import annotations

import random
import subprocess
import time

import pytest
from fastapi.testclient import TestClient

from index import SearchEngine, build_settings
from index.engine import LoadedIndex
from index.storage.store import current_build
from search_api.app import create_app
from server_utils import add_page_copy, clone_corpus, free_port, guidekb_command

Q = "who manages capacity building in youth?"
BG_Q = "изграждане на капацитет висше образование КД2"  # words of the (Bulgarian) corpus, so BM25 alone finds it


class BrokenEmbedder:
    """The model loads, then fails on every question (a corrupt weight file, an out-of-memory)."""

    def __init__(self, inner):
        self.name, self.dim = inner.name, inner.dim

    def embed_queries(self, texts):
        raise RuntimeError("model weights unreadable")

    def latent_terms(self, texts):
        raise RuntimeError("model weights unreadable")


def test_failing_model_degrades_search_to_bm25(engine, caplog):
    broken = SearchEngine(engine.index, BrokenEmbedder(engine.embedder), engine.settings)
    response = broken.search(BG_Q, k=5)
    assert response.degraded is True and len(response.passages) == 5
    assert [h.id for h in response.passages] == [h.id for h in engine.search(BG_Q, k=5, fusion="bm25").passages]
    assert all(h.highlight == h.text for h in response.passages)  # no model, no sentence choice
    assert "answering from BM25 alone" in caplog.text
    assert engine.search(BG_Q, k=5).degraded is False

    body = TestClient(create_app(engine=broken)).get("/search", params={"q": BG_Q}).json()
    assert body["degraded"] is True and body["passages"][0]["id"] == response.passages[0].id


def _truncate_vectors(build):
    path = build / "dense.faiss"
    path.write_bytes(path.read_bytes()[:100])


def _garble_manifest(build):
    (build / "manifest.json").write_text("{not json", encoding="utf-8")


def _drop_passages(build):
    (build / "passages.jsonl").unlink()


@pytest.mark.server
@pytest.mark.parametrize("damage,word", [(_truncate_vectors, "dense.faiss"), (_garble_manifest, "manifest"),
                                         (_drop_passages, "passages.jsonl")])
def test_serve_refuses_a_damaged_index(engine, corpus_dir, tmp_path, damage, word):
    corpus = clone_corpus(corpus_dir, tmp_path / "corpus")
    damage(current_build(corpus / ".index"))
    port = free_port()
    run = subprocess.run(guidekb_command() + ["serve", "--port", str(port), "--corpus", str(corpus)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert word in run.stderr and "run `guidekb build`" in run.stderr
    assert "Uvicorn running" not in run.stderr  # it exited before binding the port


@pytest.mark.slow
def test_build_killed_at_any_point_leaves_current_usable(engine, corpus_dir, tmp_path):
    corpus = clone_corpus(corpus_dir, tmp_path / "corpus")
    add_page_copy(corpus)  # so every build embeds 55 new passages (about 11 s here) instead of reusing them all
    settings = build_settings(corpus_dir=corpus)
    expected = engine.search(Q, k=1).passages[0].text
    rng = random.Random(20261124)
    delays = [rng.uniform(low, high) for low, high in ((0.2, 1), (1, 3), (3, 6), (6, 9), (9, 11), (10.5, 12))]
    counts = set()
    for delay in delays:
        build = subprocess.Popen(guidekb_command() + ["build", "--corpus", str(corpus)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        build.kill()  # SIGKILL: no cleanup runs
        build.wait()
        current = current_build(settings.resolved_index_dir)
        assert current is not None, f"no current index after a kill at {delay:.2f} s"
        loaded = LoadedIndex.load(current)  # every file checked against the manifest
        counts.add(loaded.manifest["passage_count"])
        hits = SearchEngine(loaded, engine.embedder, settings).search(Q, k=1).passages
        assert hits and hits[0].text == expected, f"killed at {delay:.2f} s"
    assert counts <= {len(engine.index.passages), 2 * len(engine.index.passages)}
    builds = sorted(p.name for p in settings.resolved_index_dir.iterdir() if p.name.startswith("build-"))
    assert 1 <= len(builds) <= 2  # the one served and at most the one before it
    # what the killed builds left half-written goes with the next build that runs to the end
    finished = subprocess.run(guidekb_command() + ["build", "--corpus", str(corpus)], capture_output=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert not list(settings.resolved_index_dir.glob(".tmp-build-*"))


class HalfBrokenEmbedder:
    """One of the two model passes fails: the dense one or the latent-term head."""

    def __init__(self, inner, broken: str):
        self.name, self.dim, self._inner, self._broken = inner.name, inner.dim, inner, broken

    def embed_queries(self, texts):
        if self._broken == "dense":
            raise RuntimeError("dense pass failed")
        return self._inner.embed_queries(texts)

    def latent_terms(self, texts):
        if self._broken == "latent":
            raise RuntimeError("latent-term head failed")
        return self._inner.latent_terms(texts)


@pytest.mark.parametrize("broken", ["dense", "latent"])
def test_either_model_pass_failing_degrades_search_and_caches_nothing(engine, broken):
    """The two passes run side by side (index/retrieval/first_stage.py): a failure on either side is the model failing."""
    half = SearchEngine(engine.index, HalfBrokenEmbedder(engine.embedder, broken), engine.settings)
    response = half.search(BG_Q, k=5)
    assert response.degraded is True
    assert [h.id for h in response.passages] == [h.id for h in engine.search(BG_Q, k=5, fusion="bm25").passages]
    assert len(half.query_cache) == 0  # a failed question is asked of the model again next time
