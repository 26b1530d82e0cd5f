"""Pure rank-fusion functions: ranked (passage index, score) lists in, one ranked list out.

Chosen by name from FUSERS so the evaluation can compare and ablate them.
"""
from __future__ import annotations

from typing import Callable, Sequence

Ranked = Sequence[tuple[int, float]]


def dense_only(dense: Ranked, lexical: Ranked, **_) -> list[tuple[int, float]]:
    return list(dense)


def lexical_only(dense: Ranked, lexical: Ranked, **_) -> list[tuple[int, float]]:
    return list(lexical)


def rrf(dense: Ranked, lexical: Ranked, k: float = 60.0, dense_weight: float = 1.0,
        lexical_weight: float = 1.0, **_) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion (Cormack et al. 2009): sum of w / (k + rank)."""
    fused: dict[int, float] = {}
    for weight, ranked in ((dense_weight, dense), (lexical_weight, lexical)):
        for rank, (idx, _) in enumerate(ranked, 1):
            fused[idx] = fused.get(idx, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def linear(dense: Ranked, lexical: Ranked, alpha: float = 0.7, **_) -> list[tuple[int, float]]:
    """Convex combination of min-max normalised dense and lexical scores."""
    def normalised(ranked: Ranked) -> dict[int, float]:
        if not ranked:
            return {}
        scores = [s for _, s in ranked]
        lo, hi = min(scores), max(scores)
        span = hi - lo
        return {i: (s - lo) / span if span > 0 else 1.0 for i, s in ranked}

    d, lex = normalised(dense), normalised(lexical)
    fused = {i: alpha * d.get(i, 0.0) + (1 - alpha) * lex.get(i, 0.0) for i in d.keys() | lex.keys()}
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


FUSERS: dict[str, Callable[..., list[tuple[int, float]]]] = {
    "dense": dense_only,
    "bm25": lexical_only,
    "rrf": rrf,
    "linear": linear,
}
