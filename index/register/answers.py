"""Direct answers: when a question asks one register field of exactly one action, that field's value, read from
the row that states it, in the question's language where the index holds the page in it (else English).

Which field and which action a question names is read with the model, in any language: for every (action, field)
the register holds, a weighted sum of the question's cosine to the rows that state it (in every language held),
to "field description — action title" and to the action's title (in every language held). Conservative: an
answer needs the action to add to the field description alone (a question naming no action gets none) and a
margin over the action's next field and over the next action (a question naming two gets none).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..crosslang.counterparts import PREVAILING
from ..results import ActionRef, DirectAnswer
from .models import ActionRecord, Register

# What each field answers, as a person asks it (English; the model carries it to other languages).
FIELD_DESCRIPTIONS = {
    "apply_to": ["Where to apply?", "Where do I submit the application: to the National Agency or to EACEA?",
                 "Which agency do we send the application to?"],
    "deadlines": ["When to apply?", "What is the application deadline?", "By what date must the application be submitted?"],
    "duration": ["Duration of project", "How long does the project last?", "What is the minimum and maximum project duration in months?"],
    "grant": ["EU grant per project", "How much money is the grant?", "What is the maximum EU grant amount in EUR, the lump sum?"],
    "who_can_apply": ["Who can apply?", "Which organisations are eligible to apply?", "Can we apply as an applicant organisation?"],
    "partners": ["Number and profile of participating organisations", "How many partner organisations are needed?",
                 "Minimum number of organisations and countries in the partnership"],
    "ages": ["Eligible participants: age", "How old must the participants be?", "What is the age limit for participants?"],
}


@dataclass(frozen=True)
class AnswerParams:
    """Set on the dev split of tests/data/register_eval (benchmarks/register_eval.py; docs/action-register.md)."""

    rows: float = 0.34  # weight of the question's cosine to the rows that state the field on the page
    joint: float = 0.33  # ... to "field description — action title" (English)
    title: float = 0.33  # ... to the action's title (best over the languages held)
    gain_min: float = -0.01  # the best (action, field) over the field description alone: the action adds to it
    field_margin: float = 0.01  # over the same action's next field
    action_margin: float = 0.0  # over the next action's best field


@dataclass(frozen=True)
class Match:
    field: str
    page: str
    score: float
    gain: float
    field_margin: float
    action_margin: float


class AnswerFinder:
    """Built once per engine; the descriptions, titles and joint prototypes are embedded at the first question."""

    def __init__(self, register: Register, embedder, row_scores: Callable[[np.ndarray, list[int]], np.ndarray],
                 row_of: dict[str, int], params: AnswerParams = AnswerParams()):
        self.register = register
        self.embedder = embedder
        self.row_scores = row_scores  # (question vector, passage rows) -> their dense cosines
        self.params = params
        self._lock = threading.Lock()
        self._vectors: tuple | None = None
        rows: dict[tuple[str, str], set[int]] = {}
        for a in register.actions:
            for field, source in a.sources.items():
                ids = [i for item in a.grant for i in item.source.passage_ids] if field == "grant" else source.passage_ids
                rows.setdefault((a.page, field), set()).update(row_of[i] for i in ids if i in row_of)
        self._pairs = sorted(pair for pair, found in rows.items() if found)
        self._rows = {pair: sorted(rows[pair]) for pair in self._pairs}

    def _prototypes(self):
        with self._lock:
            if self._vectors is None:
                descriptions = [(f, t) for f, texts in FIELD_DESCRIPTIONS.items() for t in texts]
                titles = sorted({(a.page, a.title) for a in self.register.actions})
                english = {a.page: a.title for a in self.register.actions if a.language == PREVAILING}
                english = {page: english.get(page) or title for page, title in titles}
                joint = [((page, f), f"{t} — {english[page]}") for page, f in self._pairs for t in FIELD_DESCRIPTIONS[f]]
                texts = [t for _, t in descriptions] + [t for _, t in titles] + [t for _, t in joint]
                vectors = self.embedder.embed_queries(texts)
                n, m = len(descriptions), len(descriptions) + len(titles)
                self._vectors = (vectors[:n], [p for p, _ in titles], vectors[n:m], [k for k, _ in joint], vectors[m:])
            return self._vectors

    def match(self, vector: np.ndarray) -> Match | None:
        """The best (action, field) pair for a question vector, with the margins an answer needs."""
        if not self._pairs:
            return None
        descriptions, pages, title_vectors, joint_keys, joint_vectors = self._prototypes()
        p = self.params
        title = _best_per(pages, title_vectors @ vector)
        joint = _best_per(joint_keys, joint_vectors @ vector)
        scores = {}
        for pair in self._pairs:
            row = float(np.max(self.row_scores(vector, self._rows[pair])))
            scores[pair] = p.rows * row + p.joint * joint.get(pair, row) + p.title * title[pair[0]]
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        (page, field), best = ranked[0]
        other_field = next((s for (a, f), s in ranked if a == page and f != field), -1.0)
        other_action = next((s for (a, _), s in ranked if a != page), -1.0)
        plain = float(np.max(descriptions @ vector))
        return Match(field, page, best, best - plain, best - other_field, best - other_action)

    def answer(self, question: str, vector: np.ndarray | None, language: str) -> DirectAnswer | None:
        """`vector`: the question's embedding when the caller has it (else embedded here)."""
        if not self._pairs:
            return None
        if vector is None:
            vector = self.embedder.embed_queries([question])[0]
        m = self.match(vector)
        p = self.params
        if m is None or m.gain < p.gain_min or m.field_margin < p.field_margin or m.action_margin < p.action_margin:
            return None
        record = _in_language(self.register.find(m.page), language)
        return None if record is None else _direct(record, m)


def _best_per(keys: list[str], scores: np.ndarray) -> dict[str, float]:
    best: dict[str, float] = {}
    for key, score in zip(keys, scores):
        best[key] = max(best.get(key, -1.0), float(score))
    return best


def _top2(best: dict[str, float]) -> tuple[tuple[str, float], tuple[str, float]]:
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    return ranked[0], ranked[1] if len(ranked) > 1 else ("", -1.0)


def _in_language(records: list[ActionRecord], language: str) -> ActionRecord | None:
    by_language = {r.language: r for r in records}
    return by_language.get(language) or by_language.get(PREVAILING) or (records[0] if records else None)


def _direct(record: ActionRecord, m: Match) -> DirectAnswer | None:
    """The field's value as the page writes it (grant: every item), with the row's citation; None when the page
    does not state that field."""
    source = record.sources.get(m.field)
    if source is None:
        return None
    value = "; ".join(item.source.text if not item.source.label else f"{item.source.label}: {item.source.text}"
                      for item in record.grant) if m.field == "grant" and record.grant else source.text
    return DirectAnswer(field=m.field, value=value, language=record.language,
                        action=ActionRef(title=record.title, page=record.page, page_url=record.page_url),
                        citation=source.citation, confidence=round(m.score, 4))
