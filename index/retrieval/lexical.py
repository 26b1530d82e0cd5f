"""BM25 (bm25s) over stemmed passage terms; a query is analysed in its language and in each corpus language."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .analyze import analyze


class LexicalIndex:
    def __init__(self, retriever, size: int):
        self._bm25 = retriever
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str], languages: Sequence[str]) -> "LexicalIndex":
        import bm25s

        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index([analyze(t, lang) for t, lang in zip(texts, languages)], show_progress=False)
        return cls(retriever, len(texts))

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> "LexicalIndex":
        import bm25s

        return cls(bm25s.BM25.load(str(folder), show_progress=False), size)

    def scores(self, query: str, languages: Sequence[str | None]) -> np.ndarray:
        """BM25 score of every passage; query terms are the union of its analyses in `languages`."""
        terms: list[str] = []
        for lang in dict.fromkeys(languages):
            terms.extend(t for t in analyze(query, lang) if t not in terms)
        if not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)
