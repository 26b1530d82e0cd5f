"""Alignment accuracy against a hand-checked gold alignment: correct passage groups / gold groups, per language pair.

Gold file: a JSON list of clause entries in page order, {"bg": [quotes], "en": [quotes], ...}; a quote is an
exact substring of one passage of that language's page, so the gold survives changes to passage ids.
"""
from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path
from typing import Iterable, Sequence

from ingest import GuidekbError, Passage

Group = tuple[tuple[str, ...], tuple[str, ...]]


def resolve_gold(path: Path, passages: Sequence[Passage]) -> list[dict[str, tuple[str, ...]]]:
    """Gold entries with each quote replaced by the id of the one passage of its language that holds it."""
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GuidekbError("gold_invalid", f"cannot read gold alignment {path}: {exc}") from exc
    resolved = []
    for n, entry in enumerate(entries, 1):
        ids = {}
        for language, quotes in entry.items():
            found = []
            for quote in quotes:
                matches = [p.id for p in passages if p.language == language and quote in p.text]
                if len(matches) != 1:
                    raise GuidekbError("gold_invalid", f"{path} entry {n}: {language} quote {quote!r} matches "
                                       f"{len(matches)} passages, not one")
                found.append(matches[0])
            if found:
                ids[language] = tuple(found)
        resolved.append(ids)
    return resolved


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
