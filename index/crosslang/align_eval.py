"""Alignment accuracy against a hand-checked gold alignment: correct passage groups / gold groups, per language pair.

Gold file: a JSON list of clause entries in page order, {"bg": [quotes], "en": [quotes], ...}; a quote is an
exact substring (20 to 80 characters) of one passage of that language's page, so the gold survives changes to
passage ids. tests/data/translations/check_gold.py checks a gold file by hand against its pages.
"""
from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from ingest import GuidekbError, Passage

Group = tuple[tuple[str, ...], tuple[str, ...]]
QUOTE_CHARS = (20, 80)  # long enough to name one passage, short enough to survive a re-chunk


def read_gold(path: Path) -> list[dict[str, list[str]]]:
    """The entries of a gold file, as written."""
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GuidekbError("gold_invalid", f"cannot read gold alignment {path}: {exc}") from exc
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise GuidekbError("gold_invalid", f"{path} must hold a JSON list of objects")
    return entries


def locate_quotes(entries: Sequence[dict[str, list[str]]],
                  pages: Mapping[str, Sequence[str]]) -> tuple[list[dict[str, list[int]]], list[str]]:
    """Each quote -> the 1-based position of the one text of its language in `pages` that holds it (every language
    of `pages` in every entry, in its order); and every problem found on the way, none raised."""
    located: list[dict[str, list[int]]] = []
    problems: list[str] = []
    for n, raw in enumerate(entries, 1):
        unknown = set(raw) - set(pages)
        if unknown:
            problems.append(f"entry {n}: unknown language(s) {sorted(unknown)}")
        entry = {}
        for language, texts in pages.items():
            positions = []
            for quote in raw.get(language, []):
                if not QUOTE_CHARS[0] <= len(quote) <= QUOTE_CHARS[1]:
                    problems.append(f"entry {n} {language}: quote {quote!r} has {len(quote)} characters, "
                                    f"not {QUOTE_CHARS[0]}-{QUOTE_CHARS[1]}")
                hits = [i for i, text in enumerate(texts, 1) if quote in text]
                if len(hits) != 1:
                    problems.append(f"entry {n} {language}: quote {quote!r} matches {len(hits)} passages {hits}, not one")
                else:
                    positions.append(hits[0])
            entry[language] = positions
        if not any(entry.values()):
            problems.append(f"entry {n} names no passage")
        located.append(entry)
    return located, problems


def resolve_gold(path: Path, passages: Sequence[Passage]) -> list[dict[str, tuple[str, ...]]]:
    """Gold entries with each quote replaced by the id of the one passage of its language that holds it."""
    by_language: dict[str, list[Passage]] = {}
    for p in passages:
        by_language.setdefault(p.language, []).append(p)
    located, problems = locate_quotes(read_gold(path), {
        language: [p.text for p in ps] for language, ps in by_language.items()})
    if problems:
        raise GuidekbError("gold_invalid", f"{path}: {len(problems)} problem(s): " + "; ".join(problems))
    return [{language: tuple(by_language[language][i - 1].id for i in positions)
             for language, positions in entry.items() if positions} for entry in located]


def gold_groups(entries: Iterable[dict[str, tuple[str, ...]]], languages: Iterable[str]) -> dict[tuple[str, str], list[Group]]:
    """(language a, language b), a < b -> the gold groups of that pair, a side empty where a passage has no
    counterpart in the other language."""
    languages = sorted(set(languages))
    pairs: dict[tuple[str, str], list[Group]] = {pair: [] for pair in combinations(languages, 2)}
    for entry in entries:
        for la, lb in pairs:
            a, b = entry.get(la, ()), entry.get(lb, ())
            if a or b:
                pairs[la, lb].append((a, b))
    return pairs


def predicted_groups(alignments: dict[str, list], language_of: dict[str, str]) -> dict[tuple[str, str], list[Group]]:
    """The links of a build's alignments (its `pages` mapping), by language pair, each as (side a, side b)."""
    pairs: dict[tuple[str, str], list[Group]] = {}
    for links in alignments.values():
        for ids_a, ids_b, _ in links:
            la, lb = language_of[ids_a[0]], language_of[ids_b[0]]
            group = (tuple(ids_a), tuple(ids_b)) if la < lb else (tuple(ids_b), tuple(ids_a))
            pairs.setdefault((min(la, lb), max(la, lb)), []).append(group)
    return pairs


def group_correct(group: Group, links: Sequence[Group]) -> bool:
    """The links touching a gold group cover exactly its passages (none, for a passage without counterpart).

    For a 1:1, 1:2 or 2:1 group that means exactly that link. A larger group (the chunker cut a long paragraph
    at different words in two languages, so its pieces do not pair up) is right when the links inside it
    cover it and none crosses its edge: how its pieces pair inside cannot be judged.
    """
    a, b = set(group[0]), set(group[1])
    touching = [(la, lb) for la, lb in links if a & set(la) or b & set(lb)]
    covered_a = {x for la, _ in touching for x in la}
    covered_b = {x for _, lb in touching for x in lb}
    if not (a and b):  # a passage without counterpart is right when nothing links it
        return not touching
    return covered_a == a and covered_b == b


def accuracy(gold: dict[tuple[str, str], list[Group]], predicted: dict[tuple[str, str], list[Group]]) -> dict[str, dict]:
    """Per language pair "a-b": gold groups, links predicted, groups aligned right, accuracy (right / gold)."""
    report = {}
    for pair in sorted(gold):
        groups, links = gold[pair], predicted.get(pair, [])
        right = sum(group_correct(g, links) for g in groups)
        report["-".join(pair)] = {"gold": len(groups), "links": len(links), "correct": right,
                                  "accuracy": round(right / len(groups), 4) if groups else 1.0}
    return report
