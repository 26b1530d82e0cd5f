"""Evaluation: questions labelled with answer quotes -> Recall@1, Recall@5, MRR@10, overall, per language and kind.

A question is labelled with exact quotes of the source text that answers it; a quote marks every indexed
passage that overlaps it in the source, so the labels survive changes to how pages are cut into passages. A
quote is either a string that occurs once in the whole corpus, or `{"page": "part-b/...", "quotes": {"en": ...,
"bg": ...}}`: the same clause quoted in each language version of one page (its path below programme-guide/),
which must occur once in that page; the versions the corpus does not hold are ignored. Recall@k here is the
share of questions with at least one answering passage in the top k (any one of them answers the question).
Where the index holds translations, a passage aligned with a labelled one answers too: it is the same clause
in another language.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ingest import GuidekbError, Passage


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    question: str
    relevant: frozenset[str]
    kind: str = ""  # what it asks for (deadline, where-to-apply, ...), when the file says
    split: str = ""  # dev (tune on it) or test (report it), when the file says


def _spans(quote, sources: dict[str, str], pages: dict[str, tuple[str, str]]) -> list[tuple[str, int, int]] | str:
    """(source, start, end) of each place a label points at, or a message saying why it cannot be used."""
    if isinstance(quote, str):
        spans = [(name, text.find(quote)) for name, text in sources.items() if quote in text]
        if len(spans) != 1 or sources[spans[0][0]].count(quote) != 1:
            return f"{quote!r} must occur exactly once in the corpus"
        return [(spans[0][0], spans[0][1], spans[0][1] + len(quote))]
    if not isinstance(quote, dict) or not isinstance(quote.get("page"), str) or not isinstance(quote.get("quotes"), dict):
        return f"{quote!r} is neither a quote nor {{page, quotes}}"
    out = []
    for lang, text in quote["quotes"].items():
        held = [name for name, (page, language) in pages.items() if page == quote["page"] and language == lang]
        text = text.replace("\u00a0", " ")  # HTML ingest writes a no-break space as a space (same offsets)
        for name in held:
            source = sources[name].replace("\u00a0", " ")
            if source.count(text) != 1:
                return f"{text!r} must occur exactly once in the {lang} page {quote['page']} ({name})"
            start = source.find(text)
            out.append((name, start, start + len(text)))
    return out


def load_questions(path: Path, passages: Sequence[Passage], sources: dict[str, str],
                   pages: dict[str, tuple[str, str]] | None = None, split: str | None = None) -> list[Question]:
    """Questions with their relevant passage ids; `sources` maps each source file name to its text, `pages` to its
    (page id, language). `split` keeps only the questions of that split. A question none of whose answers the
    corpus holds is left out (a page in a language the corpus lacks)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GuidekbError("eval_file_invalid", f"cannot read evaluation file {path}: {exc}") from exc
    questions = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            quotes = row["answers"]
            qid, lang, text = row["id"], row["lang"], row["question"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise GuidekbError("eval_file_invalid", f"{path}:{n}: needs id, lang, question, answers ({exc})") from exc
        if split is not None and row.get("split") != split:
            continue
        relevant = set()
        for quote in quotes:
            spans = _spans(quote, sources, pages or {})
            if isinstance(spans, str):
                raise GuidekbError("eval_file_invalid", f"{path}:{n} ({qid}): {spans}")
            for name, start, end in spans:
                relevant |= {p.id for p in passages if p.source == name and p.start < end and start < p.end}
        if relevant or all(isinstance(q, str) for q in quotes):
            questions.append(Question(qid, lang, text, frozenset(relevant), row.get("kind", ""), row.get("split", "")))
    if not questions:
        raise GuidekbError("eval_file_invalid", f"{path} holds no questions" + (f" in split {split!r}" if split else ""))
    return questions


def first_relevant_rank(ranked_ids: Sequence[str], relevant: frozenset[str]) -> int | None:
    return next((r for r, pid in enumerate(ranked_ids, 1) if pid in relevant), None)


def metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    """Recall@1, Recall@5, MRR@10 from each question's first relevant rank (None = not found)."""
    n = len(ranks)
    return {
        "questions": n,
        "recall@1": sum(1 for r in ranks if r is not None and r <= 1) / n,
        "recall@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "mrr@10": sum(1 / r for r in ranks if r is not None and r <= 10) / n,
    }


def evaluate(engine, questions: Sequence[Question], fusion: str | None = None, use_lang: bool = False,
             weights: dict[str, float] | None = None, name: str | None = None) -> dict:
    """Run every question through the engine; return overall and per-language metrics plus the misses."""
    ranks: list[int | None] = []
    by_lang: dict[str, list[int | None]] = {}
    by_kind: dict[str, list[int | None]] = {}
    misses = []
    if fusion in SINGLE_SIGNAL:  # a baseline is that signal alone, without the shipped glossary expansion
        weights = {"glossary": 0.0, **(weights or {})}
    for q in questions:
        response = engine.search(q.question, k=10, lang=q.lang if use_lang else None, fusion=fusion, weights=weights)
        # the answer in any language counts: the labelled passage or an aligned translation of it
        relevant = frozenset().union(*(engine.counterparts.clause(pid) for pid in q.relevant))
        rank = first_relevant_rank([h.id for h in response.passages], relevant)
        ranks.append(rank)
        by_lang.setdefault(q.lang, []).append(rank)
        if q.kind:
            by_kind.setdefault(q.kind, []).append(rank)
        if rank != 1:
            misses.append({"id": q.id, "question": q.question, "rank": rank})
    return {
        "name": name or fusion or engine.settings.fusion,
        "fusion": fusion or engine.settings.fusion,
        "weights": {**engine.weights(), **(weights or {})},
        "overall": metrics(ranks),
        "languages": {lang: metrics(r) for lang, r in sorted(by_lang.items())},
        "kinds": {kind: metrics(r) for kind, r in sorted(by_kind.items())},
        "misses": misses,
    }


def questions_for(engine, path: Path, split: str | None = None) -> list[Question]:
    """Load an evaluation file against the passages and source texts of an engine's corpus."""
    from ingest import load_corpus
    from ingest.sources import guide_page

    documents = load_corpus(engine.settings.corpus_dir)
    sources = {doc.path.name: doc.text for doc in documents}
    pages = {doc.path.name: (guide_page(doc.url), doc.language) for doc in documents}
    return load_questions(path, engine.index.passages, sources, pages, split)


SINGLE_SIGNAL = ("bm25", "dense", "latent")

# Each shipped ranking feature, switched off one at a time (weights override the settings).
ABLATIONS = {
    "no latent terms": {"latent": 0.0},
    "no BM25": {"bm25": 0.0},
    "no who-intent": {"intent": 0.0},
    "no page evidence": {"page": 0.0},
    "no clause evidence": {"clause": 0.0, "dense": 1.0},
    "no glossary expansion": {"glossary": 0.0},
}
