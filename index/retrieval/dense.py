"""FAISS inner-product index over L2-normalised vectors (cosine similarity), its type chosen by size.

Measured here (2 shared cores, one question per call, 50 candidates; `guidekb bench` repeats it): at 100k
vectors an exact fp32 IndexFlatIP scan takes 13.5 ms, the same scan over fp16-stored vectors
(IndexScalarQuantizer QT_fp16) 2.9 ms with the exact top 10 in every case (recall@10 1.0), and HNSW (M 32)
0.4 ms but recall@10 0.55 on the synthetic scale-up. So: exact fp32 below FP16_FROM vectors, where the scan is
already about a millisecond, and the fp16 scan from there on (half the memory too); HNSW is not used.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

FLAT = "flat"
FP16 = "flat-fp16"
FP16_FROM = 10_000  # vectors


def index_kind(count: int) -> str:
    """The FAISS index type a build of `count` vectors gets."""
    return FP16 if count >= FP16_FROM else FLAT


class DenseIndex:
    def __init__(self, index):
        import faiss

        self._index = index
        # the stored vectors as a numpy view, so rescoring a few candidates needs no FAISS call or copy
        if isinstance(index, faiss.IndexFlat):
            self.kind = FLAT
            self._vectors = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(index.ntotal, index.d)
        elif isinstance(index, faiss.IndexScalarQuantizer) and index.sq.qtype == faiss.ScalarQuantizer.QT_fp16:
            self.kind = FP16
            codes = faiss.rev_swig_ptr(index.codes.data(), index.ntotal * index.d * 2)
            self._vectors = codes.view(np.float16).reshape(index.ntotal, index.d)
        else:
            raise ValueError(f"unsupported FAISS index type {type(index).__name__}")

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str | None = None) -> "DenseIndex":
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        kind = kind or index_kind(len(vectors))
        if kind == FLAT:
            index = faiss.IndexFlatIP(vectors.shape[1])
        elif kind == FP16:
            index = faiss.IndexScalarQuantizer(vectors.shape[1], faiss.ScalarQuantizer.QT_fp16,
                                               faiss.METRIC_INNER_PRODUCT)
        else:
            raise ValueError(f"unknown dense index kind {kind!r}")
        index.add(vectors)
        return cls(index)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> "DenseIndex":
        import faiss

        return cls(faiss.read_index(str(path)))

    def scores(self, query_vector: np.ndarray, ids) -> np.ndarray:
        """Inner products of the query with the given passages (as stored: fp16 above FP16_FROM vectors)."""
        if len(ids) == 0:
            return np.zeros(0, dtype=np.float32)
        rows = self._vectors[np.asarray(ids, dtype=np.int64)]
        return rows.astype(np.float32, copy=False) @ np.asarray(query_vector, dtype=np.float32)

    def search(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, scores) of the k nearest passages, best first."""
        k = min(k, self.size)
        scores, ids = self._index.search(np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32), k)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]
