"""The words figures are written with in the EU languages (months, units, number words, currencies, multipliers,
age and range words, country names, action and section names), read from index/data/figure_words.json and
countries.json and folded for case- and accent-insensitive matching."""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"


def fold(word: str) -> str:
    """Case- and accent-insensitive form used for every lexicon match."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


class Forms:
    """Folded word forms -> a meaning; a form ending in '*' matches as a prefix, one starting with '*' as a suffix."""

    def __init__(self, pairs):
        self.exact: dict[str, object] = {}
        self.prefixes: list[tuple[str, object]] = []
        self.suffixes: list[tuple[str, object]] = []
        for form, meaning in pairs:
            f = fold(form)
            if f.endswith("*"):
                self.prefixes.append((f[:-1], meaning))
            elif f.startswith("*"):
                self.suffixes.append((f[1:], meaning))
            else:
                self.exact[f] = meaning
        self.prefixes.sort(key=lambda p: -len(p[0]))
        self.suffixes.sort(key=lambda p: -len(p[0]))

    def get(self, folded: str):
        if folded in self.exact:
            return self.exact[folded]
        for prefix, meaning in self.prefixes:
            if folded.startswith(prefix):
                return meaning
        for suffix, meaning in self.suffixes:
            if folded.endswith(suffix):
                return meaning
        return None


@dataclass(frozen=True)
class Lexicon:
    months: Forms
    units: Forms
    unit_adjectives: frozenset[str]
    compounds: tuple[tuple[str, str], ...]  # folded stem after "N-" -> unit (or "age")
    number_words: Forms
    only_before_unit: frozenset[str]
    weak_words: frozenset[str]  # number words that confirm the other text's count but state none alone
    currencies: Forms
    multipliers: Forms
    percent: tuple[tuple[str, ...], ...]
    age_before: frozenset[str]
    age_after: tuple[tuple[str, ...], ...]
    connectors: frozenset[str]
    ordinal_suffixes: frozenset[str]
    dot_ordinals: bool
    dot_decimal: bool
    fillers: frozenset[str]
    year_markers: frozenset[str]
    countries: tuple[tuple[tuple[str, ...], str], ...]  # folded word sequence -> ISO code, longest first
    inflects_countries: bool


@lru_cache(maxsize=None)
def _raw() -> dict:
    return json.loads((DATA / "figure_words.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _raw_countries() -> dict:
    data = json.loads((DATA / "countries.json").read_text(encoding="utf-8"))
    return {code: names for code, names in data.items() if not code.startswith("_")}


def _for(table: dict, language: str) -> list:
    """The language's entries, or every language's where it has none."""
    return [table[language]] if language in table else list(table.values())


@lru_cache(maxsize=None)
def lexicon(language: str) -> Lexicon:
    raw = _raw()
    months = [(form, n) for per in _for(raw["months"], language) for n, forms in enumerate(per, 1) for form in forms]
    units = [(form, unit) for per in _for(raw["units"], language) for unit, forms in per.items() for form in forms]
    compounds = {fold(stem): unit for per in _for(raw["unit_compounds"], language) for stem, unit in per.items()}
    words = [(w, v) for w, v in raw["number_words"].get(language, {}).items()]  # no guessing across languages
    countries = {}
    for code, names in _raw_countries().items():
        for per in _for(names, language):
            for name in per:
                countries[tuple(fold(w) for w in _words(name))] = code
    return Lexicon(
        months=Forms(months),
        units=Forms(units),
        unit_adjectives=frozenset(fold(w) for w in raw["unit_adjectives"]),
        compounds=tuple(sorted(compounds.items(), key=lambda kv: -len(kv[0]))),
        number_words=Forms(words),
        only_before_unit=frozenset(fold(w) for w in raw["number_words_only_before_unit"]),
        weak_words=frozenset(fold(w) for w in raw["number_words_weak"]),
        currencies=Forms((form, code) for code, forms in raw["currencies"].items() for form in forms),
        multipliers=Forms((form, int(m)) for m, forms in raw["multipliers"].items() for form in forms),
        percent=tuple(tuple(fold(w) for w in seq) for seq in raw["percent"]),
        age_before=frozenset(fold(w) for w in raw["age_before"]),
        age_after=tuple(tuple(fold(w) for w in seq) for seq in raw["age_after"]),
        connectors=frozenset(fold(w) for w in raw["range_connectors"]),
        ordinal_suffixes=frozenset(raw["ordinal_suffixes"].get(language, ())),
        dot_ordinals=language in raw["dot_ordinal_languages"],
        dot_decimal=language in raw["dot_decimal_languages"],
        fillers=frozenset(raw["date_fillers"]),
        year_markers=frozenset(raw["year_markers"]),
        countries=tuple(sorted(countries.items(), key=lambda kv: -len(kv[0]))),
        inflects_countries=language == "de",
    )


def _alternation(names: list[str]) -> str:
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True))


@lru_cache(maxsize=None)
def reference_patterns() -> tuple[re.Pattern, re.Pattern]:
    """Named actions ("Key Action 2" -> group 1 "2") and sections, articles, parts, annexes ("Part B", "2.1")."""
    raw = _raw()
    action = re.compile(rf"\b(?:{_alternation(raw['action_names'])})\s*(\d+)\b", re.IGNORECASE)
    section = re.compile(
        rf"\b(?:{_alternation(raw['section_names'])})\.?\s+(\d+(?:\.\d+)*|(?-i:[IVXLC]+|[A-ZА-ЯΑ-Ω])\b)", re.IGNORECASE)
    return action, section


def _words(text: str) -> list[str]:
    return re.findall(r"\w+(?:-\w+)*", text)
