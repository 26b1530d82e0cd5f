"""The FAISS type chosen by size, and the column-kept latent-term index: same answers as the exact, row-wise ones."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import random as sparse_random

from index.retrieval.dense import FLAT, FP16, FP16_FROM, DenseIndex, index_kind
from index.retrieval.latent import LatentIndex


def _unit_rows(n: int, dim: int = 64, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_the_build_type_follows_the_size():
    assert index_kind(FP16_FROM - 1) == FLAT and index_kind(FP16_FROM) == FP16
    assert DenseIndex.build(_unit_rows(50)).kind == FLAT


@pytest.mark.parametrize("kind", [FLAT, FP16])
def test_each_type_saves_loads_and_ranks_like_exact_search(tmp_path, kind):
    vectors, queries = _unit_rows(2000), _unit_rows(20, seed=1)
    DenseIndex.build(vectors, kind).save(tmp_path / "dense.faiss")
    index = DenseIndex.load(tmp_path / "dense.faiss")
    assert (index.kind, index.size, index.dim) == (kind, 2000, 64)
    for q in queries:
        ids, scores = index.search(q, 10)
        assert list(ids) == list(np.argsort(-(vectors @ q))[:10])
        assert np.allclose(scores, index.scores(q, ids), atol=1e-6)  # rescoring agrees with the search
        assert np.allclose(index.scores(q, [3, 7]), vectors[[3, 7]] @ q, atol=2e-3)  # fp16: 3 significant digits


def test_latent_scores_by_column_equal_the_row_product(tmp_path):
    matrix = sparse_random(500, 4000, density=0.02, format="csr", dtype=np.float32, random_state=2)
    query = sparse_random(1, 4000, density=0.05, format="csr", dtype=np.float32, random_state=3)
    LatentIndex(matrix).save(tmp_path / "latent.npz")
    for index in (LatentIndex(matrix), LatentIndex.load(tmp_path / "latent.npz")):
        assert index._matvec is not None  # scipy's kernel, column by column: not the slicing fallback
        assert np.allclose(index.scores(query), (matrix @ query.T).toarray().ravel(), atol=1e-6)
        assert np.allclose(index.scores(query.astype(np.float64)), (matrix @ query.T).toarray().ravel(), atol=1e-6)
        assert not index.scores(query * 0).any() and index.scores(query).dtype == np.float32
        assert index.size == 500
    wide = LatentIndex(matrix.astype(np.float64))  # not the kernel's type: sliced and multiplied, the same scores
    assert wide._matvec is None and np.allclose(wide.scores(query), (matrix @ query.T).toarray().ravel(), atol=1e-6)
