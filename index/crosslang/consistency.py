"""Aligned clauses whose figures differ between language versions (pure functions over aligned text).

A clause is compared as a whole: every piece of the blocks (paragraph, bullet, row) an alignment links, on both
sides, read as one text, so a figure the chunker put in the next piece in one language is still found.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .figures import BARE_KINDS, KINDS, Figure, extract_figures

# Compared as sets: a translation may name a country or a reference twice, or once where the other repeats it.
SET_KINDS = ("country", "reference")


@dataclass(frozen=True)
class Difference:
    kind: str
    only_in_a: tuple[str, ...]  # normalised values
    only_in_b: tuple[str, ...]
    written_a: tuple[str, ...] = ()  # the same figures as each text writes them
    written_b: tuple[str, ...] = ()

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
    only_a, only_b = _repetitions(only_a, only_b, a, b)
    only_a = [f for f in only_a if not f.weak]  # "двете" (the two, both) confirms a 2; alone it is no figure
    only_b = [f for f in only_b if not f.weak]
    out = []
    for kind in KINDS:
        in_a = sorted((f for f in only_a if f.kind == kind), key=lambda f: f.value)
        in_b = sorted((f for f in only_b if f.kind == kind), key=lambda f: f.value)
        if in_a or in_b:
            out.append(Difference(kind, tuple(f.value for f in in_a), tuple(f.value for f in in_b),
                                  tuple(f.text for f in in_a), tuple(f.text for f in in_b)))
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


def _repetitions(only_a: list[Figure], only_b: list[Figure], a, b) -> tuple[list[Figure], list[Figure]]:
    """Drop, per kind, what one side only repeats: values the other side states too, while the other side has
    nothing of that kind left over ("one travel day before and one after" / "ein Reisetag vor und ein Reisetag
    nach")."""
    out_a, out_b = list(only_a), list(only_b)
    for kind in KINDS:
        mine_a = [f for f in only_a if f.kind == kind]
        mine_b = [f for f in only_b if f.kind == kind]
        values_a, values_b = {f.value for f in a if f.kind == kind}, {f.value for f in b if f.kind == kind}
        if mine_a and not mine_b and all(f.value in values_b for f in mine_a):
            out_a = [f for f in out_a if f not in mine_a]
        if mine_b and not mine_a and all(f.value in values_a for f in mine_b):
            out_b = [f for f in out_b if f not in mine_b]
    return out_a, out_b


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


def clause_pairs(passages, counterparts, reference: str, languages) -> list[tuple[AlignedPair, float]]:
    """Every aligned clause of `languages` with the `reference` language, with its lowest alignment confidence:
    per language, the blocks that alignment links join into one clause (blocks connected through links, on both
    sides), each block with all its pieces. In corpus order of the clause's first block."""
    from .align import continues_block

    block_of, blocks = [], []
    for row, piece in enumerate(continues_block(passages)):
        if not piece:
            blocks.append([])
        block_of.append(len(blocks) - 1)
        blocks[-1].append(row)
    row_of = {p.id: i for i, p in enumerate(passages)}
    out = []
    for language in sorted(set(languages) - {reference}):
        parent: dict[int, int] = {}

        def find(x: int) -> int:
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        confidence: dict[int, float] = {}
        for row, p in enumerate(passages):
            if p.language != language:
                continue
            for c in counterparts.of(p.id, [reference]):
                ends = {block_of[row_of[i]] for i in (*c.ids, *c.group)}
                root = find(ends.pop())
                for other in ends:
                    parent[find(other)] = root
                confidence[block_of[row]] = min(confidence.get(block_of[row], 1.0), c.confidence)
        clauses: dict[int, list[int]] = {}
        for b in sorted(parent):
            clauses.setdefault(find(b), []).append(b)
        for members in clauses.values():
            rows = [r for b in members for r in blocks[b]]
            side = {lang: [(passages[r].id, passages[r].text) for r in rows if passages[r].language == lang]
                    for lang in (reference, language)}
            lowest = min(confidence.get(b, 1.0) for b in members)
            out.append((rows[0], AlignedPair(Side.of(side[reference], reference), Side.of(side[language], language)),
                        lowest))
    return [(pair, conf) for _, pair, conf in sorted(out, key=lambda x: x[0])]
