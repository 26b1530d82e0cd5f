"""Direct answers: when a question asks one register field of exactly one action, that field's value, read from
the row that states it, in the question's language where the index holds the page in it (else English).

The field is read from the question's words (asking.py: how each field is asked in the EU languages), the model
choosing among tied cues or where there is none. The action is read from its words (naming.py: the title words
it holds, weighed by how few titles hold them) where its language titles the actions, and else by the model (the
question's cosine to the rows that state the field, to "field description — action title", to the titles and to
their distinctive words) with the pages of the best-ranked passages. Conservative: a question that compares, or
names two actions, or none, gets no answer; one read by the model alone needs a gain over the field description
alone, the passages' vote and a margin over the next action (docs/action-register.md).
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..crosslang.counterparts import PREVAILING
from ..crosslang.glossary import Glossary
from ..results import ActionRef, DirectAnswer
from .asking import GAPPED, applicant_words, asks_elsewhere, compares, fields_asked
from .models import ActionRecord, Register
from .naming import ActionNames, Named, english_terms

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

# The English words each field is asked with: in a question asking that field they name no action ("how old must
# participants be" is no "Youth participation activities"; "how long does the project last" no "Mobility projects").
FIELD_WORDS = {
    "apply_to": "application submit submitted agency",
    "deadlines": "application deadline date submitted",
    "duration": "project projects months years duration",
    "grant": "project grant money amount lump sum funding",
    "who_can_apply": "organisation organisations organization applicant apply eligible",
    "partners": "organisations organizations partners countries participating number",
    "ages": "participants participant young people age old",
}


@dataclass(frozen=True)
class AnswerParams:
    """Set on the dev split of tests/data/register_eval (benchmarks/register_eval.py; docs/action-register.md)."""

    rows: float = 0.34  # weight of the question's cosine to the rows that state the field on the page
    joint: float = 0.33  # ... to "field description — action title" (English)
    title: float = 0.33  # ... to the action's title (best over the languages held)
    distinct: float = 0.3  # the action's score: plus its cosine to the words of its English title that the nearest
    # title lacks ("sport", "youth": what tells "capacity building in the field of ..." apart)
    lexical: float = 0.05  # weight of the action's title words the question holds (over the best page's)
    named_min: float = 2.5  # IDF the question's title words need to name an action (one word of one title: 2.9)
    two_ratio: float = 0.5  # a second page named with this share of the first's weight ...
    own_min: float = 1.5  # ... by words of its own of this weight: the question names two actions
    vote: float = 0.05  # weight of the page's share of the best-ranked passages
    vote_min: float = 0.3  # no action named in words: the share of the best-ranked passages its page needs
    gain_min: float = -0.02  # no action named in words: the model's best pair over the field description alone
    field_margin: float = 0.01  # no field asked in words: over the same action's next field
    action_margin: float = 0.01  # over the next action's score, for an action named in words
    model_margin: float = 0.02  # ... for one the model alone reads (the question's language titles no action)


@dataclass(frozen=True)
class Match:
    field: str
    page: str
    score: float  # the model's score of the pair (a weighted sum of cosines): the answer's confidence
    gain: float
    field_margin: float
    action_margin: float
    fields_asked: tuple[str, ...] = ()  # the fields the question asks in words (strongest cues)
    named: tuple[str, ...] = ()  # the pages it names in words, best first
    two_actions: bool = False
    complete: bool = False  # the question's language titles every action: an action it names, it names in words
    vote: float = 0.0  # the page's share of the best-ranked passages
    by_words: bool = False  # one action named over every other by words of its own: no margin over the next needed
    elsewhere: bool = False  # the question asks what no field holds ("the award criteria"): no answer


class AnswerFinder:
    """Built once per engine; the descriptions, titles and joint prototypes are embedded at the first question."""

    def __init__(self, register: Register, embedder, row_scores: Callable[[np.ndarray, list[int]], np.ndarray],
                 row_of: dict[str, int], params: AnswerParams = AnswerParams(), glossary: Glossary | None = None):
        self.register = register
        self.embedder = embedder
        self.row_scores = row_scores  # (question vector, passage rows) -> their dense cosines
        self.params = params
        self.names = ActionNames(register, glossary)
        self._field_words = {f: frozenset(english_terms(words)) for f, words in FIELD_WORDS.items()}
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
                own = sorted({page: self.names.distinctive(page, title) for page, title in english.items()}.items())
                texts = [t for _, t in descriptions] + [t for _, t in titles] + [t for _, t in joint] + [t for _, t in own]
                vectors = self.embedder.embed_queries(texts)
                n, m, j = len(descriptions), len(descriptions) + len(titles), len(texts) - len(own)
                self._vectors = (vectors[:n], [p for p, _ in titles], vectors[n:m], [k for k, _ in joint], vectors[m:j],
                                 [p for p, _ in own], vectors[j:])
            return self._vectors

    def scores(self, vector: np.ndarray) -> tuple[dict[tuple[str, str], float], float, dict[str, float]]:
        """The model's score of every (action, field) pair the register holds, of the field descriptions alone, and
        of each action's distinctive title words."""
        descriptions, pages, title_vectors, joint_keys, joint_vectors, own_pages, own_vectors = self._prototypes()
        p = self.params
        title = _best_per(pages, title_vectors @ vector)
        joint = _best_per(joint_keys, joint_vectors @ vector)
        own = _best_per(own_pages, own_vectors @ vector)
        scores = {}
        for pair in self._pairs:
            row = float(np.max(self.row_scores(vector, self._rows[pair])))
            scores[pair] = p.rows * row + p.joint * joint.get(pair, row) + p.title * title[pair[0]]
        return scores, float(np.max(descriptions @ vector)), own

    def match(self, vector: np.ndarray, question: str = "", language: str | None = None,
              pages: Sequence[str] = ()) -> Match | None:
        """The best (action, field) pair for a question, with the evidence an answer needs."""
        if not self._pairs:
            return None
        scores, plain, own = self.scores(vector)
        asked = fields_asked(question, language)
        top = max(asked.values(), default=0.0)
        ignore = frozenset().union(*(self._field_words[f] for f, w in asked.items() if w == top))
        named = question
        if asked.get("who_can_apply") == top:  # "can [a higher education institution] apply": the applicant
            applicant = set(applicant_words(question, language))
            named = " ".join(w for w in re.findall(r"\w+|\W+", question) if w.casefold() not in applicant)
        return decide(scores, plain, own, asked, self.names.match(named, language or "", ignore),
                      page_votes(pages), self.names.full(language), compares(question, language), self.params,
                      asks_elsewhere(question, language))

    def answer(self, question: str, vector: np.ndarray | None, language: str,
               pages: Sequence[str] = ()) -> DirectAnswer | None:
        """`vector`: the question's embedding when the caller has it (else embedded here); `pages`: the guide pages
        of the best-ranked passages, in rank order."""
        if not self._pairs:
            return None
        if vector is None:
            vector = self.embedder.embed_queries([question])[0]
        m = self.match(vector, question, language, pages)
        if m is None or not is_sure(m, self.params):
            return None
        record = _in_language(self.register.find(m.page), language)
        return None if record is None else _direct(record, m)


def page_votes(pages: Sequence[str]) -> dict[str, float]:
    """Each page's share of the best-ranked passages, a passage at rank r weighing 1/r."""
    votes: dict[str, float] = {}
    for rank, page in enumerate(pages, 1):
        votes[page] = votes.get(page, 0.0) + 1.0 / rank
    total = sum(votes.values())
    return {page: v / total for page, v in votes.items()} if total else {}


def decide(scores: dict[tuple[str, str], float], plain: float, own: dict[str, float], asked: dict[str, float],
           named: list[Named],
           votes: dict[str, float], complete: bool, compared: bool, p: AnswerParams,
           elsewhere: bool = False) -> Match | None:
    """The (action, field) a question asks: the field its words ask (the model's among tied cues, or with none),
    the action by the model's score plus the weight of the title words it names and the passages' votes.
    `complete`: the question's language titles every action, so an action it names is named in words;
    `compared`: the question compares (two actions); `elsewhere`: it asks what no field holds (criteria...)."""
    strong = [n for n in named if n.score >= p.named_min]
    lexical = {n.page: n.score / strong[0].score for n in strong}
    rivals = [n for n in strong[1:] if n.score >= p.two_ratio * strong[0].score]
    # two actions named, each by words of its own; or one named over another by no word of its own ("CB VET":
    # "VET" names two pages alike): either way no one action is asked
    two = compared or any(n.own(strong[0]) >= p.own_min or strong[0].own(n) < p.own_min for n in rivals)
    top = max(asked.values(), default=0.0)
    wanted = {f for f, w in asked.items() if w == top}
    total = {pair: s + p.lexical * lexical.get(pair[0], 0.0) + p.vote * votes.get(pair[0], 0.0)
             + p.distinct * own.get(pair[0], 0.0) for pair, s in scores.items()}
    ranked = sorted(((pair, s) for pair, s in total.items() if not wanted or pair[1] in wanted), key=lambda kv: -kv[1])
    # one action named over every other by words of its own: the words decide it, the model only its field
    by_words = bool(strong) and not two
    mine = [(pair, s) for pair, s in ranked if pair[0] == strong[0].page] if by_words else ranked
    if not mine:
        return None  # the action named in words does not state the field asked
    (page, field), best = mine[0]
    if strong and page not in lexical:  # the model's action is named by no strong word: nor is one action asked
        return None
    every = sorted(total.items(), key=lambda kv: -kv[1])
    other_field = next((s for (a, f), s in every if a == page and f != field), -1.0)
    other_action = next((s for (a, _), s in ranked if a != page), -1.0)
    return Match(field, page, scores[page, field], scores[page, field] - plain, best - other_field, best - other_action,
                 tuple(sorted(wanted)) if top >= GAPPED else (), tuple(n.page for n in strong), two, complete,
                 votes.get(page, 0.0), by_words, elsewhere)


def is_sure(m: Match, p: AnswerParams) -> bool:
    """Whether a match is sure enough to answer: one action (named in words; in a language that does not title
    every action, or by the model with a gain over the field alone and the passages' vote), one field (asked in
    words, or by the model with a margin), a margin over the next action."""
    if m.two_actions or m.elsewhere:
        return False
    if m.page not in m.named and (m.complete or m.gain < p.gain_min or m.vote < p.vote_min):
        return False
    if not m.fields_asked and m.field_margin < p.field_margin:
        return False
    return m.by_words or m.action_margin >= (p.action_margin if m.page in m.named else p.model_margin)


def _best_per(keys: list[str], scores: np.ndarray) -> dict[str, float]:
    best: dict[str, float] = {}
    for key, score in zip(keys, scores):
        best[key] = max(best.get(key, -1.0), float(score))
    return best


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
