"""FAISS index type by measurement: exact fp32 Flat, the fp16 Flat scan and HNSW on the same fp32 vectors.

The build picks its type with `index.retrieval.dense.index_kind`; this measures every candidate so the choice can be checked.
"""
from __future__ import annotations

import time

import numpy as np

from .machine import percentiles

HNSW_M = 32
EF_SEARCH = (64, 128, 256)
CANDIDATES = 50  # what the engine asks FAISS for (settings.candidates)
EXACT = "Flat fp32 (exact)"


def compare(vectors: np.ndarray, queries: np.ndarray, group: int | None = None, m: int = HNSW_M,
            ef_search=EF_SEARCH, k: int = CANDIDATES) -> dict:
    """Per-query search latency (k candidates, one query per call, as the engine searches), build time, and
    recall against the exact fp32 search, for each index type.

    `group`: vector i is a noisy copy of seed passage i % group (the synthetic scale-up), so "seed recall@10"
    asks whether a type found the same seed passages as the exact search, whichever of their near-identical copies.
    "score ratio@10" is the type's top-10 exact cosine sum over the exact one (1.0 = as close as exact).
    """
    import faiss

    from index.retrieval.dense import FLAT, FP16, DenseIndex, index_kind

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    types: dict[str, dict] = {}
    exact = None
    names = {FLAT: EXACT, FP16: "Flat fp16"}
    builders = [(names[FLAT], FLAT, None), (names[FP16], FP16, None)] + [(f"HNSW M={m} ef={ef}", None, ef) for ef in ef_search]
    hnsw, hnsw_build = None, 0.0
    for name, kind, ef in builders:
        t0 = time.perf_counter()
        if kind is not None:
            index = DenseIndex.build(vectors, kind)._index
            build = time.perf_counter() - t0
        else:  # one HNSW graph, searched with each efSearch
            if hnsw is None:
                hnsw = faiss.IndexHNSWFlat(vectors.shape[1], m, faiss.METRIC_INNER_PRODUCT)
                hnsw.add(vectors)
                hnsw_build = time.perf_counter() - t0
            index, build = hnsw, hnsw_build
            index.hnsw.efSearch = ef
        found, times = _search_each(index, queries, k)
        if exact is None:
            exact = found
        types[name] = {**percentiles(times), "build_seconds": build, **_recall(found, exact, vectors, queries, k, group)}
    return {"vectors": len(vectors), "queries": len(queries), "k": k, "chosen": names[index_kind(len(vectors))],
            "exact": EXACT, "types": types}


def _recall(found, exact, vectors, queries, k: int, group: int | None) -> dict:
    recall10 = np.mean([len(set(f[:10]) & set(e[:10])) / 10 for f, e in zip(found, exact)])
    recall_k = np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, exact)])
    ratio = np.mean([(vectors[f[:10]] @ q).sum() / (vectors[e[:10]] @ q).sum() for f, e, q in zip(found, exact, queries)])
    row = {"recall@10": float(recall10), f"recall@{k}": float(recall_k), "score_ratio@10": float(ratio)}
    if group:
        row["seed_recall@10"] = float(np.mean([
            len({i % group for i in f[:10]} & {i % group for i in e[:10]}) / len({i % group for i in e[:10]})
            for f, e in zip(found, exact)]))
    return row


def _search_each(index, queries: np.ndarray, k: int):
    k = min(k, index.ntotal)
    found, times = [], []
    index.search(queries[:1], k)  # warm-up
    for q in queries:
        t0 = time.perf_counter()
        _, ids = index.search(q.reshape(1, -1), k)
        times.append(time.perf_counter() - t0)
        found.append([i for i in ids[0].tolist() if i >= 0])
    return found, times
