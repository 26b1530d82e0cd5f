"""Corpus -> index folder: passages, FAISS vectors, BM25, highlight units, manifest."""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ingest import GuidekbError, Passage, corpus_hash, corpus_passages, load_corpus
from ingest.passages import CHUNKER_VERSION

from .dense import DenseIndex
from .embed import Embedder, load_embedder
from .highlight import highlight_units
from .lexical import LexicalIndex
from .settings import Settings
from .store import commit_build, new_build_dir

PASSAGES = "passages.jsonl"
VECTORS = "dense.faiss"
UNITS = "units.json"
UNIT_VECTORS = "units.npy"
BM25_DIR = "bm25"


@dataclass(frozen=True)
class BuildReport:
    index_dir: Path
    passages: int
    languages: list[str]
    embed_seconds: float
    index_seconds: float


def corpus_fingerprint(settings: Settings) -> str:
    """What a built index must match: corpus content plus the chunker that cut it."""
    return f"{corpus_hash(load_corpus(settings.corpus_dir))}:chunker-{CHUNKER_VERSION}"


def embed_checked(embedder: Embedder, texts: list[str], ids: list[str]) -> np.ndarray:
    """Embed, and stop with the passage id if any vector is unusable (never drop a passage)."""
    vectors = embedder.embed_passages(texts)
    if vectors.shape != (len(texts), embedder.dim):
        raise GuidekbError("build_failed", f"model returned {vectors.shape} vectors for {len(texts)} texts", 500)
    bad = np.where(~np.isfinite(vectors).all(axis=1) | (np.linalg.norm(vectors, axis=1) < 0.5))[0]
    if len(bad):
        raise GuidekbError("build_failed", f"passage {ids[bad[0]]} could not be embedded (non-finite or zero vector)", 500)
    return vectors


def build_index(settings: Settings, embedder: Embedder | None = None,
                log: Callable[[str], None] = lambda _: None) -> BuildReport:
    documents = load_corpus(settings.corpus_dir)
    passages = corpus_passages(documents)
    if not passages:
        raise GuidekbError("corpus_empty", f"no passages found in {settings.corpus_dir}")
    duplicate = _first_duplicate([p.id for p in passages])
    if duplicate:
        raise GuidekbError("build_failed", f"two passages share the id {duplicate}", 500)
    embedder = embedder or load_embedder(settings.model)
    log(f"embedding {len(passages)} passages with {embedder.name}")

    t0 = time.perf_counter()
    vectors = embed_checked(embedder, [p.embedding_text() for p in passages], [p.id for p in passages])
    units = [(i, s, e) for i, p in enumerate(passages) for s, e in _multi_units(p)]
    unit_vectors = (embed_checked(embedder, [passages[i].text[s:e] for i, s, e in units], [passages[i].id for i, _, _ in units])
                    if units else np.zeros((0, embedder.dim), np.float32))
    embed_seconds = time.perf_counter() - t0

    t1 = time.perf_counter()
    index_dir = settings.resolved_index_dir
    build_dir = new_build_dir(index_dir)
    try:
        with open(build_dir / PASSAGES, "w", encoding="utf-8") as fh:
            for p in passages:
                fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
        DenseIndex.build(vectors).save(build_dir / VECTORS)
        (build_dir / BM25_DIR).mkdir()
        LexicalIndex.build([p.embedding_text() for p in passages], [p.language for p in passages]).save(build_dir / BM25_DIR)
        (build_dir / UNITS).write_text(json.dumps(units), encoding="utf-8")
        np.save(build_dir / UNIT_VECTORS, unit_vectors.astype(np.float32))
        languages = sorted({p.language for p in passages})
        commit_build(index_dir, build_dir, {
            "model": {"name": embedder.name, "dim": embedder.dim},
            "corpus_hash": corpus_fingerprint(settings),
            "passage_count": len(passages),
            "unit_count": len(units),
            "languages": languages,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        })
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    index_seconds = time.perf_counter() - t1
    log(f"index written to {index_dir} ({embed_seconds:.1f}s embedding, {index_seconds:.1f}s indexing)")
    return BuildReport(index_dir, len(passages), languages, embed_seconds, index_seconds)


def _multi_units(passage: Passage) -> list[tuple[int, int]]:
    """Units worth embedding: only passages with more than one can have a highlight narrower than themselves."""
    units = highlight_units(passage.text)
    return units if len(units) > 1 else []


def _first_duplicate(ids: list[str]) -> str | None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            return i
        seen.add(i)
    return None
