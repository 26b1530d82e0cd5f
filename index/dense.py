"""FAISS inner-product index over L2-normalised vectors (cosine similarity)."""
from __future__ import annotations

from pathlib import Path

import numpy as np


class DenseIndex:
    def __init__(self, index):
        self._index = index

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    @classmethod
    def build(cls, vectors: np.ndarray) -> "DenseIndex":
        import faiss

        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> "DenseIndex":
        import faiss

        return cls(faiss.read_index(str(path)))

    def scores(self, query_vector: np.ndarray, ids: list[int]) -> np.ndarray:
        """Exact inner products of the query with the given passages."""
        if not ids:
            return np.zeros(0, dtype=np.float32)
        vectors = self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64))
        return vectors @ query_vector.astype(np.float32)

    def search(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, scores) of the k nearest passages, best first."""
        k = min(k, self.size)
        scores, ids = self._index.search(np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32), k)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]
