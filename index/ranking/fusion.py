"""Pure fusion functions: per-signal scores of the candidate passages in, one ranked list out.

`signals` maps a signal name ("dense", "clause", "latent", "bm25", "intent", "page") to {passage index: score}; every function
is chosen by name from FUSERS so the evaluation can compare and ablate them.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

Signals = Mapping[str, Mapping[int, float]]
Ranked = list[tuple[int, float]]


def _ranked(scores: Mapping[int, float]) -> Ranked:
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def max_normalised(scores: Mapping[int, float]) -> dict[int, float]:
    """BM25 scores have no fixed scale: divide by the query's best so they lie in [0, 1]."""
    top = max(scores.values(), default=0.0)
    return {i: s / top for i, s in scores.items()} if top > 0 else {}


def weighted_sum(signals: Signals, weights: Mapping[str, float], **_) -> Ranked:
    """Sum of weighted scores: cosines as they are, BM25 max-normalised, intent 0/1."""
    fused: dict[int, float] = {}
    for name, scores in signals.items():
        weight = weights.get(name, 0.0)
        if not weight:
            continue
        for i, s in (max_normalised(scores) if name == "bm25" else scores).items():
            fused[i] = fused.get(i, 0.0) + weight * s
    return _ranked(fused)


def page_evidence(scores: Mapping[int, float], page_of: Sequence[int]) -> dict[int, float]:
    """Each passage's page as a whole: the best score of any candidate of that page (in any language), so the
    row that answers shares the evidence of the paragraph that names the action."""
    best: dict[int, float] = {}
    for i, s in scores.items():
        page = page_of[i]
        if s > best.get(page, float("-inf")):
            best[page] = s
    return {i: best[page_of[i]] for i in scores}


def clause_evidence(members: Mapping[int, Sequence[int]], scores: Mapping[int, float]) -> dict[int, float]:
    """Each candidate's clause as a whole: the mean score of its versions in every language the index holds (the
    candidate and its aligned counterparts; `scores` covers them all). Each version is an independent reading of
    the question against the same clause, so their mean is less noisy than any one; a passage with no
    counterpart keeps its own score."""
    return {i: sum(scores[j] for j in rows) / len(rows) for i, rows in members.items()}


def rrf(signals: Signals, weights: Mapping[str, float], k: float = 60.0, **_) -> Ranked:
    """Reciprocal rank fusion (Cormack et al. 2009) of the retrieval signals switched on: sum of 1 / (k + rank)."""
    fused: dict[int, float] = {}
    for name in ("dense", "latent", "bm25"):
        if not weights.get(name):
            continue
        positive = {i: s for i, s in signals.get(name, {}).items() if name != "bm25" or s > 0}
        for rank, (i, _) in enumerate(_ranked(positive), 1):
            fused[i] = fused.get(i, 0.0) + 1.0 / (k + rank)
    return _ranked(fused)


def only(signal: str) -> Callable[..., Ranked]:
    def ranked(signals: Signals, weights: Mapping[str, float], **_) -> Ranked:
        scores = signals.get(signal, {})
        return _ranked({i: s for i, s in scores.items() if signal != "bm25" or s > 0})

    ranked.__name__ = f"{signal}_only"
    return ranked


FUSERS: dict[str, Callable[..., Ranked]] = {
    "hybrid": weighted_sum,
    "rrf": rrf,
    "dense": only("dense"),
    "latent": only("latent"),
    "bm25": only("bm25"),
}
