"""Which action a question names, read from its words: the action titles in every language the register holds them
in, and the page's address ("capacity-building-vet"), matched by the index's own stemmers.

A title word counts by how few titles hold it (IDF over the action pages): "capacity building" is in four titles
and tells little, "sport" or "VET" then tells them apart, "Erasmus Mundus" alone is enough. A question in a
language the register holds is matched in that language and, through the glossary, in English; any question is
also matched in English word for word (names and acronyms are written alike everywhere: "Jean Monnet",
"DiscoverEU", "European Youth Together"). A question in any EU language is matched, in its own language, with
the words the titles are written with there (index/data/action_terms.json: "jeunesse", "mládež" -> youth), and an
acronym of a run of title words names those words ("CB" capacity building, "CoVE", "ПОО"). The words a question
asks its field with name nothing ("participants" asks ages, not "Youth participation activities").
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..crosslang.counterparts import PREVAILING
from ..crosslang.figure_lexicon import fold
from ..crosslang.glossary import Glossary, expand_query
from ..retrieval.analyze import analyze
from .asking import pattern_words, word_matches
from .models import Register

_SHORT = 2  # a stem this short ("in", "of") names nothing
_PROGRAMME = re.compile(r"\w+\+")  # "Erasmus+" is the programme every page is of: it names no action (Erasmus Mundus)
TERMS_FILE = Path(__file__).resolve().parents[1] / "data" / "action_terms.json"
_WORD = re.compile(r"\w+", re.UNICODE)
_ACRONYM = re.compile(r"\w{2,6}")


@lru_cache(maxsize=None)
def _stopwords(language: str) -> frozenset[str]:
    from ..crosslang.glossary import _listed_stopwords

    return frozenset(analyze(" ".join(_listed_stopwords(language)), language))


def _terms(text: str, language: str) -> set[str]:
    stop = _stopwords(language)
    return {t for t in analyze(text.replace("-", " "), language) if len(t) > _SHORT and t not in stop}


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, list[tuple[tuple[str, ...], frozenset[str]]]]:
    """language ('*': every one) -> (folded words of a form, the English title stems it stands for)."""
    data = json.loads(TERMS_FILE.read_text(encoding="utf-8"))["terms"]
    out: dict[str, list] = {}
    for english, languages in data.items():
        stems = frozenset(_terms(english, PREVAILING))
        for language, forms in languages.items():
            for form in forms.split("|"):
                words = pattern_words(fold(form))
                out.setdefault(language, []).append((words, stems))
    return out


_LONG = 5  # a form's shortest word at least this long: matched in every language


@lru_cache(maxsize=None)
def _lexicon_for(language: str) -> tuple[dict, dict]:
    """The forms a question in this language is matched with (its own, every language's, and other languages'
    of long words only), by their first word: exact word -> forms, and a prefix's first two letters -> forms."""
    exact: dict[str, list] = {}
    prefix: dict[str, list] = {}
    for lang, forms in _lexicon().items():
        for form, stems in forms:
            if lang not in (language, "*") and min(len(w.rstrip("*")) for w in form) < _LONG:
                continue
            first = form[0]
            (prefix.setdefault(first[:2], []) if first.endswith("*") else exact.setdefault(first, [])).append((form, stems))
    return exact, prefix


def lexicon_terms(question: str, language: str) -> set[str]:
    """The English title stems the question's words stand for (index/data/action_terms.json): in its own language,
    and in any language by a form of long words only (a short question's language is often misread; "óg" or
    "fp" mean other things elsewhere)."""
    words = [fold(w) for w in _WORD.findall(question)]
    exact, prefix = _lexicon_for(language)
    out: set[str] = set()
    for i, word in enumerate(words):
        for form, stems in exact.get(word, []) + prefix.get(word[:2], []):
            if len(form) <= len(words) - i and all(word_matches(p, w) for p, w in zip(form, words[i:])):
                out |= stems
    return out


def _acronyms(titles: dict[str, list[str]]) -> dict[tuple[str, str], set[str]]:
    """(language, initials) -> the stems of the run of title words they abbreviate: every run of two or more
    content words of a title, where a run of four or more may leave out one inner word that a quarter of the titles hold
    ("CBHE": capacity building [field] higher education). Initials that are a title word ("VET") are left to it."""
    out: dict[tuple[str, str], set[str]] = {}
    words_of = set()
    for language, texts in titles.items():
        stop = _stopwords(language)
        runs = []
        for text in texts:
            words = [(w, analyze(w, language)) for w in re.findall(r"\w+", text.replace("-", " "))]
            runs.append([(w, stems[0]) for w, stems in words if stems and stems[0] not in stop and len(w) > 1])
        df: dict[str, int] = {}
        for content in runs:
            for stem in {stem for _, stem in content}:
                df[stem] = df.get(stem, 0) + 1
        common = {stem for stem, n in df.items() if 4 * n >= len(texts)}
        for content in runs:
            words_of |= {(language, w.casefold()) for w, _ in content}
            for i in range(len(content)):
                for j in range(i + 2, len(content) + 1):
                    run = content[i:j]
                    skips = [None] + [k for k in range(1, len(run) - 1) if len(run) >= 4 and run[k][1] in common]
                    for skip in skips:
                        kept = [c for k, c in enumerate(run) if k != skip]
                        initials = "".join(w[0] for w, _ in kept).casefold()
                        out.setdefault((language, initials), set()).update(stem for _, stem in kept)
    return {key: stems for key, stems in out.items() if key not in words_of}


def english_terms(text: str) -> set[str]:
    """The stems an English text's words are matched by."""
    return _terms(text, PREVAILING)


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
        self._acronym = _acronyms({lang: [a.title for a in register.actions if a.language == lang] for lang in complete})
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

    def question_terms(self, question: str, language: str, ignore: frozenset[str] = frozenset()) -> set[tuple[str, str]]:
        """The (language, stem) title words a question holds; `ignore`: English stems of the words it asks its
        field with, which name nothing."""
        question = _PROGRAMME.sub(" ", question)
        out = {(PREVAILING, t) for t in _terms(question, PREVAILING) - ignore}
        out |= {(PREVAILING, t) for t in lexicon_terms(question, language)}
        out |= self.acronym_terms(question)
        if language == PREVAILING:
            return out
        if language in self._complete:
            out |= {(language, t) for t in _terms(question, language)}
        if self.glossary is not None and self.glossary.entries:  # the guide's terms it names, in English
            expanded = expand_query(question, language, self.glossary, [PREVAILING])
            out |= {(PREVAILING, t) for t in _terms(expanded[len(question):], PREVAILING) - ignore}
        return out

    def acronym_terms(self, question: str) -> set[tuple[str, str]]:
        """The title words an acronym in the question stands for: a word of two to six letters, two or more of
        them capitals ("CB", "CoVE", "ПОО"), as the initials of a run of title words."""
        out: set[tuple[str, str]] = set()
        letters = [c for c in question if c.isalpha()]
        if sum(c.isupper() for c in letters) * 2 > len(letters):  # WRITTEN IN CAPITALS: no word is an acronym
            return out
        for word in _ACRONYM.findall(question):
            capitals = "".join(c for c in word if c.isupper())
            if len(capitals) < 2 or len(word) > 6 or not word.isalpha():
                continue
            for language in self._complete:
                out |= {(language, t) for t in self._acronym.get((language, capitals.casefold()), ())}
        return out

    def match(self, question: str, language: str, ignore: frozenset[str] = frozenset()) -> list[Named]:
        """Every page the question names a word of, best first."""
        asked = self.question_terms(question, language, ignore)
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

