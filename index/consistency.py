"""Aligned clauses whose figures differ between language versions (pure functions over aligned text)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .figures import BARE_KINDS, KINDS, Figure, extract_figures

# Compared as sets: a translation may name a country or a reference twice, or once where the other repeats it.
SET_KINDS = ("country", "reference")


@dataclass(frozen=True)
class Difference:
    kind: str
    only_in_a: tuple[str, ...]
    only_in_b: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "only_in_a": list(self.only_in_a), "only_in_b": list(self.only_in_b)}


@dataclass(frozen=True)
class Side:
    """One language's side of an aligned group: one passage, or several (a 1:2 merge) read as one text."""
    ids: tuple[str, ...]
    text: str
    language: str

    @classmethod
    def of(cls, passages, language: str) -> "Side":
        """From (id, text) pairs in page order."""
        passages = list(passages)
        return cls(tuple(i for i, _ in passages), "\n".join(t for _, t in passages), language)


@dataclass(frozen=True)
class AlignedPair:
    a: Side  # put the prevailing version (English) here
    b: Side


@dataclass(frozen=True)
class Inconsistency:
    a: Side
    b: Side
    differences: tuple[Difference, ...]

    def to_dict(self) -> dict:
        return {"a": {"ids": list(self.a.ids), "language": self.a.language},
                "b": {"ids": list(self.b.ids), "language": self.b.language},
                "differences": [d.to_dict() for d in self.differences]}


def compare(a_text: str, a_lang: str, b_text: str, b_lang: str) -> list[Difference]:
    """The figures one text states and the other does not, by kind (empty: they agree)."""
    a, b = extract_figures(a_text, a_lang).items, extract_figures(b_text, b_lang).items
    only_a, only_b = _residuals(a, b)
    only_a, only_b = _reconcile(only_a, only_b)
    out = []
    for kind in KINDS:
        in_a = sorted(f.value for f in only_a if f.kind == kind)
        in_b = sorted(f.value for f in only_b if f.kind == kind)
        if in_a or in_b:
            out.append(Difference(kind, tuple(in_a), tuple(in_b)))
    return out


def check_pairs(pairs) -> list[Inconsistency]:
    """Every aligned pair whose figures differ, with its differences."""
    out = []
    for pair in pairs:
        differences = compare(pair.a.text, pair.a.language, pair.b.text, pair.b.language)
        if differences:
            out.append(Inconsistency(pair.a, pair.b, tuple(differences)))
    return out


def _residuals(a: tuple[Figure, ...], b: tuple[Figure, ...]) -> tuple[list[Figure], list[Figure]]:
    """Multiset difference per (kind, value); set difference for SET_KINDS; references only where both name one."""
    refs = any(f.kind == "reference" for f in a) and any(f.kind == "reference" for f in b)
    a = [f for f in a if f.kind != "reference" or refs]
    b = [f for f in b if f.kind != "reference" or refs]
    left_a, left_b = [], []
    for kind in KINDS:
        fa, fb = [f for f in a if f.kind == kind], [f for f in b if f.kind == kind]
        if kind in SET_KINDS:
            va, vb = {f.value for f in fa}, {f.value for f in fb}
            left_a += [f for f in _first_each(fa) if f.value not in vb]
            left_b += [f for f in _first_each(fb) if f.value not in va]
            continue
        budget_a, budget_b = Counter(f.value for f in fb), Counter(f.value for f in fa)
        left_a += _over(fa, budget_a)
        left_b += _over(fb, budget_b)
    return left_a, left_b


def _first_each(figures: list[Figure]) -> list[Figure]:
    seen, out = set(), []
    for f in figures:
        if f.value not in seen:
            seen.add(f.value)
            out.append(f)
    return out


def _over(figures: list[Figure], budget: Counter) -> list[Figure]:
    """Figures beyond what the other side has of the same value."""
    out = []
    for f in figures:
        if budget[f.value] > 0:
            budget[f.value] -= 1
        else:
            out.append(f)
    return out


def _reconcile(only_a: list[Figure], only_b: list[Figure]) -> tuple[list[Figure], list[Figure]]:
    """A bare number on one side and the same number with its unit on the other state the same fact (a unit one
    language leaves to the context: "aged 13 to 30" / "between 13 and 30 years"); so do an age and a duration in
    years ("18-year-olds" / "18-годишни")."""
    only_a, only_b = list(only_a), list(only_b)
    for mine, theirs in ((only_a, only_b), (only_b, only_a)):
        for f in [f for f in mine if f.kind in BARE_KINDS or f.kind == "age"]:
            match = next((g for g in theirs if _same_fact(f, g)), None)
            if match is not None and f in mine:
                mine.remove(f)
                theirs.remove(match)
    return only_a, only_b


def _same_fact(bare: Figure, other: Figure) -> bool:
    if bare.number is None or bare.number != other.number:
        return False
    if bare.kind == "age":
        return other.kind == "duration" and other.value.endswith(" year")
    return other.kind not in ("date", "time", "country", "reference")
