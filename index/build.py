"""Corpus -> index folder: passages, FAISS vectors, BM25, highlight units, manifest."""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ingest import GuidekbError, Passage, SourceDocument, corpus_hash, corpus_passages, load_corpus
from ingest.passages import CHUNKER_VERSION

from .dense import DenseIndex
from .embed import Embedder, has_latent_terms, load_embedder
from .highlight import highlight_units
from .latent import LatentIndex
from .lexical import LexicalIndex
from .settings import Settings
from .store import commit_build, new_build_dir

PASSAGES = "passages.jsonl"
VECTORS = "dense.faiss"
UNITS = "units.json"
UNIT_VECTORS = "units.npy"
UNIT_LATENT = "units_latent.npz"
BM25_DIR = "bm25"
LATENT = "latent.npz"


@dataclass(frozen=True)
class BuildReport:
    index_dir: Path
    passages: int
    languages: list[str]
    embed_seconds: float
    index_seconds: float


def corpus_fingerprint(settings: Settings, documents: list[SourceDocument] | None = None) -> str:
    """What a built index must match: corpus content, the chunker that cut it, the build settings."""
    documents = load_corpus(settings.corpus_dir) if documents is None else documents
    return f"{corpus_hash(documents)}:chunker-{CHUNKER_VERSION}:bare-{settings.bare_weight}"


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
                log: Callable[[str], None] = lambda _: None,
                documents: list[SourceDocument] | None = None) -> BuildReport:
    """Build and swap in an index of `documents` (default: the corpus folder as it is now)."""
    documents = load_corpus(settings.corpus_dir) if documents is None else documents
    passages = corpus_passages(documents)
    if not passages:
        raise GuidekbError("corpus_empty", f"no passages found in {settings.corpus_dir}")
    duplicate = _first_duplicate([p.id for p in passages])
    if duplicate:
        raise GuidekbError("build_failed", f"two passages share the id {duplicate}", 500)
    embedder = embedder or load_embedder(settings.model)
    log(f"embedding {len(passages)} passages with {embedder.name}")

    t0 = time.perf_counter()
    ids = [p.id for p in passages]
    bare = embed_checked(embedder, [p.text for p in passages], ids)
    in_context = embed_checked(embedder, [p.embedding_text() for p in passages], ids)
    # one vector whose dot product with a query is the weighted sum of both cosines: no extra search cost
    vectors = settings.bare_weight * bare + (1.0 - settings.bare_weight) * in_context
    latent = embedder.latent_terms([p.text for p in passages]) if has_latent_terms(embedder) else None
    units = [(i, s, e) for i, p in enumerate(passages) for s, e in _multi_units(p)]
    unit_texts = [passages[i].text[s:e] for i, s, e in units]
    unit_vectors = (embed_checked(embedder, unit_texts, [passages[i].id for i, _, _ in units])
                    if units else np.zeros((0, embedder.dim), np.float32))
    unit_latent = embedder.latent_terms(unit_texts) if latent is not None and units else None
    embed_seconds = time.perf_counter() - t0

    t1 = time.perf_counter()
    index_dir = settings.resolved_index_dir
    build_dir = new_build_dir(index_dir)
    try:
        with open(build_dir / PASSAGES, "w", encoding="utf-8") as fh:
            for p in passages:
                fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
        DenseIndex.build(vectors).save(build_dir / VECTORS)
        if latent is not None:
            LatentIndex(latent).save(build_dir / LATENT)
        (build_dir / BM25_DIR).mkdir()
        LexicalIndex.build([p.embedding_text() for p in passages], [p.language for p in passages]).save(build_dir / BM25_DIR)
        (build_dir / UNITS).write_text(json.dumps(units), encoding="utf-8")
        np.save(build_dir / UNIT_VECTORS, unit_vectors.astype(np.float32))
        if unit_latent is not None:
            LatentIndex(unit_latent).save(build_dir / UNIT_LATENT)
        languages = sorted({p.language for p in passages})
        commit_build(index_dir, build_dir, {
            "model": {"name": embedder.name, "dim": embedder.dim},
            "signals": ["dense", "bm25", *(["latent"] if latent is not None else [])],
            "bare_weight": settings.bare_weight,
            "corpus_hash": corpus_fingerprint(settings, documents),
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
