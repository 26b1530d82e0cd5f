"""FAISS index type by measurement: exact IndexFlatIP against IndexHNSWFlat on the same vectors (measure only)."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .machine import percentiles

HNSW_M = 32
EF_SEARCH = (64, 128)
CANDIDATES = 50  # what the engine asks FAISS for (settings.candidates)


def compare(dense_file: Path, queries: np.ndarray, group: int | None = None, m: int = HNSW_M, ef_search=EF_SEARCH,
            k: int = CANDIDATES) -> dict:
    """Per-query search latency of Flat and HNSW (k candidates, one query per call, as the engine searches),
    HNSW build time, and HNSW recall@10 against the exact top 10.

    `group`: vector i is a noisy copy of seed passage i % group (the synthetic scale-up), so "seed recall@10"
    asks whether HNSW found the same seed passages as the exact search, whichever of their near-identical copies.
    "score ratio@10" is HNSW's top-10 cosine sum over the exact one (1.0 = as close as exact).
    """
    import faiss

    flat = faiss.read_index(str(dense_file))
    vectors = flat.reconstruct_n(0, flat.ntotal)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    exact, exact_scores, flat_times = _search_each(flat, queries, k)

    t0 = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], m, faiss.METRIC_INNER_PRODUCT)
    hnsw.add(vectors)
    build = time.perf_counter() - t0
    out = {"vectors": int(flat.ntotal), "queries": len(queries), "k": k, "flat": percentiles(flat_times),
           "hnsw_m": m, "hnsw_build_seconds": build, "hnsw": {}}
    for ef in ef_search:
        hnsw.hnsw.efSearch = ef
        found, scores, times = _search_each(hnsw, queries, k)
        recall10 = np.mean([len(set(f[:10]) & set(e[:10])) / 10 for f, e in zip(found, exact)])
        recall_k = np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, exact)])
        ratio = np.mean([sum(s[:10]) / sum(e[:10]) for s, e in zip(scores, exact_scores)])
        row = {**percentiles(times), "recall@10": float(recall10), f"recall@{k}": float(recall_k),
               "score_ratio@10": float(ratio)}
        if group:
            seeds = [len({i % group for i in f[:10]} & {i % group for i in e[:10]}) / len({i % group for i in e[:10]})
                     for f, e in zip(found, exact)]
            row["seed_recall@10"] = float(np.mean(seeds))
        out["hnsw"][ef] = row
    return out


def _search_each(index, queries: np.ndarray, k: int):
    k = min(k, index.ntotal)
    found, scores, times = [], [], []
    index.search(queries[:1], k)  # warm-up
    for q in queries:
        t0 = time.perf_counter()
        sims, ids = index.search(q.reshape(1, -1), k)
        times.append(time.perf_counter() - t0)
        found.append(ids[0].tolist())
        scores.append(sims[0].tolist())
    return found, scores, times
