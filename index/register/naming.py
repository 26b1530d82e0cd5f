"""Which action a question names, read from its words: the action titles in every language the register holds them
in, and the page's address ("capacity-building-vet"), matched by the index's own stemmers.

A title word counts by how few titles hold it (IDF over the action pages): "capacity building" is in four titles
and tells little, "sport" or "VET" then tells them apart, "Erasmus Mundus" alone is enough. A question in a
language the register holds is matched in that language and, through the glossary, in English; any question is
also matched in English word for word (names and acronyms are written alike everywhere: "Jean Monnet",
"DiscoverEU", "European Youth Together"). Languages the register does not hold are left to the model.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from ..crosslang.counterparts import PREVAILING
from ..crosslang.glossary import Glossary, expand_query
from ..retrieval.analyze import analyze
from .models import Register

_SHORT = 2  # a stem this short ("in", "of") names nothing
_PROGRAMME = re.compile(r"\w+\+")  # "Erasmus+" is the programme every page is of: it names no action (Erasmus Mundus)


@lru_cache(maxsize=None)
def _stopwords(language: str) -> frozenset[str]:
    from ..crosslang.glossary import _listed_stopwords

    return frozenset(analyze(" ".join(_listed_stopwords(language)), language))


def _terms(text: str, language: str) -> set[str]:
    stop = _stopwords(language)
    return {t for t in analyze(text.replace("-", " "), language) if len(t) > _SHORT and t not in stop}


def _complete(register: Register) -> set[str]:
    """The languages the register titles every action page in (English, the prevailing one, always: page names)."""
    pages = {a.page for a in register.actions}
    held = {lang: {a.page for a in register.actions if a.language == lang} for lang in {a.language for a in register.actions}}
    return {PREVAILING} | {lang for lang, titled in held.items() if titled == pages}


@dataclass(frozen=True)
class Named:
    """An action page's lexical match: the weight of its title words the question holds, over its title's own."""

    page: str
    score: float  # sum of the IDF of the matched words
    share: float  # score over the page's best title's total IDF (1.0: every word of a title named)
    words: frozenset[tuple[str, str]]  # (language, stem) matched
    weights: tuple[float, ...] = ()  # the IDF of each of `words`, in sorted order

    def own(self, other: "Named") -> float:
        """The weight of the words naming this page that do not name `other` (in any language)."""
        theirs = {t for _, t in other.words}
        return max((sum(w for (lang, t), w in zip(sorted(self.words), self.weights) if lang == language and t not in theirs)
                    for language in {lang for lang, _ in self.words}), default=0.0)


class ActionNames:
    def __init__(self, register: Register, glossary: Glossary | None = None):
        self.glossary = glossary
        self.languages = sorted({a.language for a in register.actions})
        terms: dict[str, dict[str, list[set[str]]]] = {}  # page -> language -> each title's terms
        complete = _complete(register)
        for a in register.actions:
            if a.language not in complete:  # a language that titles some actions only: its IDF would mislead
                continue
            by_language = terms.setdefault(a.page, {})
            by_language.setdefault(a.language, []).append(_terms(a.title, a.language))
            slug = a.page.rsplit("/", 1)[-1]
            by_language.setdefault(PREVAILING, []).append(_terms(slug, PREVAILING))
        self.pages = sorted(terms)
        self._complete = complete
        self._titles = terms
        df: dict[tuple[str, str], int] = {}
        for page, by_language in terms.items():
            for language, titles in by_language.items():
                for term in set().union(*titles):
                    df[language, term] = df.get((language, term), 0) + 1
        n = len(self.pages)
        self.idf = {key: math.log(1 + n / count) for key, count in df.items()}

    def distinctive(self, page: str, title: str) -> str:
        """The words of a page's English title that its nearest title (the one sharing the most weight with it)
        lacks: "Capacity building in the field of youth" -> "youth"; the whole title when it shares nothing."""
        mine = set().union(*self._titles[page].get(PREVAILING, [set()]))
        shared = {other: sum(self.idf[PREVAILING, t] for t in mine & set().union(*titles.get(PREVAILING, [set()])))
                  for other, titles in self._titles.items() if other != page}
        best = max(shared.values(), default=0.0)
        if best <= 0:
            return title
        near = set().union(*(set().union(*self._titles[o].get(PREVAILING, [set()])) for o, w in shared.items() if w == best))
        stop = _stopwords(PREVAILING)
        kept = [w for w in re.findall(r"\w+", title) for stem in analyze(w, PREVAILING)
                if len(stem) > _SHORT and stem not in stop and stem not in near]
        return " ".join(kept) or title

    def full(self, language: str | None) -> bool:
        """Whether the register titles every action page in this language (then a page named is named in words)."""
        return language in self._complete

    def question_terms(self, question: str, language: str) -> set[tuple[str, str]]:
        question = _PROGRAMME.sub(" ", question)
        out = {(PREVAILING, t) for t in _terms(question, PREVAILING)}
        if language == PREVAILING:
            return out
        if language in self._complete:
            out |= {(language, t) for t in _terms(question, language)}
        if self.glossary is not None and self.glossary.entries:  # the guide's terms it names, in English
            expanded = expand_query(question, language, self.glossary, [PREVAILING])
            out |= {(PREVAILING, t) for t in _terms(expanded[len(question):], PREVAILING)}
        return out

    def match(self, question: str, language: str) -> list[Named]:
        """Every page the question names a word of, best first."""
        asked = self.question_terms(question, language)
        found = []
        for page in self.pages:
            words: set[tuple[str, str]] = set()
            best_share = 0.0
            for title_language, titles in self._titles[page].items():
                for title in titles:
                    keys = {(title_language, t) for t in title}
                    hit = keys & asked
                    words |= hit
                    total = sum(self.idf[k] for k in keys)
                    if total:
                        best_share = max(best_share, sum(self.idf[k] for k in hit) / total)
            if words:  # the best language's words: a bg question named in bg and, by the glossary, in English counts once
                score = max(sum(self.idf[k] for k in words if k[0] == lang) for lang in {k[0] for k in words})
                found.append(Named(page, score, best_share, frozenset(words), tuple(self.idf[k] for k in sorted(words))))
        return sorted(found, key=lambda n: (-n.score, -n.share, n.page))

