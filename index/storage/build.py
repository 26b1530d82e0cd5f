"""Corpus -> index folder: passages, FAISS vectors, BM25, highlight units, manifest."""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ingest import GuidekbError, Passage, SourceDocument, corpus_hash, corpus_passages, load_corpus
from ingest.passages import CHUNKER_VERSION

from ..crosslang.align import ALIGNER_VERSION
from ..embedding import Embedder, has_latent_terms, load_embedder
from ..ranking.highlight import highlight_units
from ..retrieval.analyze import analyze
from ..settings import Settings
from .passes import PASSES_VERSION, PassageVectors, embed_passages_for_build
from .progress import build_progress, measured_rate, plan_line, rate_to_keep
from .reuse import PreviousVectors, assemble_rows, key, previous_unit_rows, previous_vectors
from .writer import write_build


@dataclass(frozen=True)
class LeftOut:
    """A page too long to index (over `max_page_chars`): left out of the build, named in its report."""

    file: str
    chars: int

    def warning(self, limit: int, what: str = "left out of the index") -> str:
        return (f"warning: {self.file} {what}: its text is {self.chars:,} characters, over the limit of {limit:,} "
                f"(max_page_chars; a guide page holds about 10,000): split it into pages, or set "
                f"GUIDEKB_MAX_PAGE_CHARS higher to index it")


@dataclass(frozen=True)
class BuildReport:
    index_dir: Path
    passages: int
    languages: list[str]
    embed_seconds: float
    index_seconds: float
    embedded: int = 0  # passages embedded by this build
    reused: int = 0  # passages whose vectors were taken from the previous build (same id and embedding text)
    left_out: tuple[LeftOut, ...] = ()  # pages over max_page_chars


def corpus_fingerprint(settings: Settings, documents: list[SourceDocument] | None = None) -> str:
    """What a built index must match: corpus content, the chunker that cut it, the build settings."""
    documents = load_corpus(settings.corpus_dir) if documents is None else documents
    left_out = sorted(page.file for page in oversized_pages(documents, settings.max_page_chars))
    # only a corpus with a page left out says so, so every other index keeps the fingerprint it was built with
    which = f":left-out-{hashlib.sha256(chr(0).join(left_out).encode()).hexdigest()[:16]}" if left_out else ""
    return (f"{corpus_hash(documents)}:chunker-{CHUNKER_VERSION}:aligner-{ALIGNER_VERSION}:bare-{settings.bare_weight}"
            f":passes-{PASSES_VERSION}{which}")


def oversized_pages(documents: list[SourceDocument], max_chars: int) -> list[LeftOut]:
    """Pages whose text is longer than `max_chars` characters (0: no limit), in corpus order."""
    return [LeftOut(str(doc.path), len(doc.text)) for doc in documents if max_chars and len(doc.text) > max_chars]


def embed_checked(embedder: Embedder, texts: list[str], ids: list[str]) -> np.ndarray:
    """Embed, and stop with the passage id if any vector is unusable (never drop a passage)."""
    return _checked(embedder.embed_passages(texts), ids, embedder.dim)


def _checked(vectors: np.ndarray, ids: list[str], dim: int) -> np.ndarray:
    """`vectors`, one per id, or stop with the passage id of the first unusable one."""
    if vectors.shape != (len(ids), dim):
        raise GuidekbError("build_failed", f"model returned {vectors.shape} vectors for {len(ids)} texts", 500)
    bad = np.where(~np.isfinite(vectors).all(axis=1) | (np.linalg.norm(vectors, axis=1) < 0.5))[0]
    if len(bad):
        raise GuidekbError("build_failed", f"passage {ids[bad[0]]} could not be embedded (non-finite or zero vector)", 500)
    return vectors


def build_index(settings: Settings, embedder: Embedder | None = None,
                log: Callable[[str], None] = lambda _: None,
                documents: list[SourceDocument] | None = None, incremental: bool = True,
                progress: Callable[[int, int], None] | None = None) -> BuildReport:
    """Build and swap in an index of `documents` (default: the corpus folder as it is now).

    Incremental: a passage whose id, text and embedding text are in the current build (same model and
    bare_weight) keeps its vectors from there; only new or changed passages are embedded. `progress(done, total)`
    hears how many passages are embedded (default: a bar when stderr is a terminal, else a line through `log`
    every few seconds). A page over `max_page_chars` is left out with a warning and listed in the report.
    """
    documents = load_corpus(settings.corpus_dir) if documents is None else documents
    left_out = oversized_pages(documents, settings.max_page_chars)
    for page in left_out:
        log(page.warning(settings.max_page_chars))
    skipped = {page.file for page in left_out}
    passages = corpus_passages([doc for doc in documents if str(doc.path) not in skipped])
    if not passages:
        raise GuidekbError("corpus_empty", f"no passages found in {settings.corpus_dir}" + (
            f": every page is over max_page_chars ({settings.max_page_chars:,} characters)" if left_out else ""))
    if not any(analyze(p.embedding_text(), p.language) for p in passages):  # BM25 cannot index no terms at all
        raise GuidekbError("corpus_empty", f"no passage in {settings.corpus_dir} has a word to search by (only symbols, "
                           "punctuation or stopwords): check that its pages hold the guide's text")
    duplicate = _first_duplicate([p.id for p in passages])
    if duplicate:
        raise GuidekbError("build_failed", f"two passages share the id {duplicate}", 500)
    previous = previous_vectors(settings, embedder.name if embedder else settings.model, log) if incremental else None
    if previous is not None and embedder is not None and (
            previous.model != {"name": embedder.name, "dim": embedder.dim}
            or has_latent_terms(embedder) != (previous.latent is not None)):
        previous = None
    keys = [key(p) for p in passages]
    fresh = [i for i, k in enumerate(keys) if previous is None or k not in previous.dense]
    rate = measured_rate(settings.resolved_index_dir)
    log(plan_line(len(fresh), len(passages), embedder.name if embedder else settings.model, rate))
    if fresh or previous is None:  # a build that reuses every vector needs no model
        embedder = embedder or load_embedder(settings.model, settings.e5_backend, settings.device, build=True)
    model = {"name": embedder.name, "dim": embedder.dim} if embedder is not None else previous.model

    t0 = time.perf_counter()
    todo = [passages[i] for i in fresh]
    ids = [p.id for p in todo]
    dim = model["dim"]
    fresh_set = set(fresh)
    units = [(i, s, e) for i, p in enumerate(passages) for s, e in _multi_units(p)]
    made = embed_passages_for_build(embedder, [p.embedding_text() for p in todo], [p.text for p in todo],
                                    [_multi_units(p) for p in todo], bool(settings.bare_weight),
                                    progress or build_progress(log)) if todo else None
    in_context = _checked(made.context, ids, dim) if made else np.zeros((0, dim), np.float32)
    bare = _checked(made.bare, ids, dim) if made and settings.bare_weight else 0.0
    # one vector whose dot product with a query is the weighted sum of both cosines: no extra search cost
    fresh_vectors = settings.bare_weight * bare + (1.0 - settings.bare_weight) * in_context
    vectors = np.zeros((len(passages), dim), np.float32)
    vectors[fresh] = fresh_vectors
    reused = [i for i in range(len(passages)) if i not in fresh_set]
    if reused:
        vectors[reused] = np.stack([previous.dense[keys[i]] for i in reused])
    with_latent = has_latent_terms(embedder) if embedder is not None else previous.latent is not None
    latent = None
    if with_latent:
        latent = assemble_rows(len(passages), fresh, made.latent if made else None, reused,
                                [previous.latent_row[keys[i]] for i in reused], previous.latent if previous else None)
    unit_vectors, unit_latent, new_units = _unit_vectors(passages, units, fresh_set, keys, previous, made, dim,
                                                         latent is not None)
    embed_seconds = time.perf_counter() - t0
    log((f"embedded {len(fresh)} passages in {embed_seconds:.1f}s ({len(fresh) / max(embed_seconds, 1e-9):.1f}/s); "
         if fresh else "") + "writing the index (alignment, BM25, FAISS)")
    t1 = time.perf_counter()
    index_dir = settings.resolved_index_dir
    manifest = write_build(index_dir, passages, vectors, latent, units, unit_vectors, unit_latent, {
        "model": model,
        "bare_weight": settings.bare_weight,
        "passes_version": PASSES_VERSION,
        "corpus_hash": corpus_fingerprint(settings, documents),
        "embedded": {"passages": len(fresh), "reused": len(reused), "units": len(new_units)},
        "embed_rate": rate_to_keep(len(fresh), embed_seconds, rate),  # passages/s: the next build's estimate
        **({"left_out": [{"file": page.file, "chars": page.chars} for page in left_out]} if left_out else {}),
    }, previous.alignments if previous is not None else None)
    languages = manifest["languages"]
    index_seconds = time.perf_counter() - t1
    log(f"index written to {index_dir} ({embed_seconds:.1f}s embedding, {index_seconds:.1f}s indexing)")
    return BuildReport(index_dir, len(passages), languages, embed_seconds, index_seconds, len(fresh), len(reused),
                       tuple(left_out))


def _unit_vectors(passages: list[Passage], units: list, fresh: set[int], keys, previous: PreviousVectors | None,
                  made: PassageVectors | None, dim: int, with_latent: bool):
    """Vectors of every highlight unit: this build's for `fresh` passages (in passage order, as `made` holds them),
    the previous build's for the others."""
    new_units = [u for u, (i, _, _) in enumerate(units) if i in fresh]
    old_units = [u for u, (i, _, _) in enumerate(units) if i not in fresh]
    old_unit_rows = previous_unit_rows(previous, [units[u] for u in old_units], keys) if old_units else []
    unit_vectors = np.zeros((len(units), dim), np.float32)
    if new_units:
        unit_vectors[new_units] = _checked(made.units, [passages[units[u][0]].id for u in new_units], dim)
    if old_units:
        unit_vectors[old_units] = previous.unit_vectors[old_unit_rows]
    unit_latent = None
    if with_latent and units:
        unit_latent = assemble_rows(len(units), new_units, made.unit_latent if new_units else None, old_units,
                                     old_unit_rows, previous.unit_latent if previous else None)
    return unit_vectors, unit_latent, new_units


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
