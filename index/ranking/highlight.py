"""Highlight units (sentences, or clauses of one long sentence) and the pure choice of the best one."""
from __future__ import annotations

import numpy as np

from ingest.sentences import clause_spans, sentence_spans

LONG_SENTENCE = 200  # a single sentence longer than this is cut into its ';' clauses


def highlight_units(text: str) -> list[tuple[int, int]]:
    """Spans of `text` a highlight can be: its sentences, or its clauses when it is one long sentence."""
    spans = sentence_spans(text)
    if len(spans) == 1 and len(text) > LONG_SENTENCE:
        spans = clause_spans(text)
    return spans or [(0, len(text))]


def best_unit(signals: dict[str, np.ndarray], weights: dict[str, float]) -> int:
    """Index of the unit with the best weighted sum of its signals (the same weights as passage ranking)."""
    total = sum(weights.get(name, 0.0) * np.asarray(scores, dtype=np.float32) for name, scores in signals.items())
    return int(np.argmax(total))
