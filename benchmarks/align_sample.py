"""Alignment at guide scale: a gold alignment of every page pair of the guide sample (team-written test material,
not the official guide), read from its Markdown, and the aligner's accuracy against it per language pair and
per block kind.

The sample's translations keep the English block order: heading i, paragraph i, bullet i, table row i of one
language is block i of the other (tests/data/guide_eval/label.py reads the blocks). Each passage of a built
index is placed in the block of its page that holds its text; the passages of block i in two languages are one
gold group. A page whose language versions have another block structure is listed as an exception, to check by
hand, and left out of the gold.
"""
from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Sequence

from index.crosslang.align_eval import Group, group_correct

from .guide_sample import DEFAULT_SAMPLE

LABEL = Path(__file__).resolve().parents[1] / "tests" / "data" / "guide_eval" / "label.py"
PASSAGE_KINDS = {"p": "paragraph", "bullet": "bullet", "row": "row"}
HEADINGS = ("title", "h2", "h3")
_NOT_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=1)
def _label():
    spec = importlib.util.spec_from_file_location("guide_eval_label", LABEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _key(text: str) -> str:
    """Letters and digits only: a passage's text and its block's cells compare alike whatever joins the cells."""
    return _NOT_WORD.sub("", text.casefold())


@dataclass
class PageGold:
    """One page in one language: its Markdown blocks and which block each of its passages is in."""
    kinds: list[str]  # per block: title, h2, h3, p, bullet, table-head, row
    block_of: dict[str, int]  # passage id -> block index
    headings_of: list[tuple[int, ...]]  # per block: the heading blocks it sits under (title, h2, h3)
    unplaced: list[str] = field(default_factory=list)  # passages whose text no block holds


def page_gold(lang: str, page: str, passages: Sequence, sample: Path = DEFAULT_SAMPLE) -> PageGold | None:
    """Place each passage (in page order) in the first block, at or after the last one used, that holds its text."""
    blocks = _label().kinded_blocks(lang, page, sample)
    if blocks is None:
        return None
    keys, head = [], []
    for kind, cells in blocks:
        head = cells if kind == "table-head" else head
        forms = [_key("".join(cells))]
        if kind == "row" and len(cells) > 2 and len(head) == len(cells):  # crawled: "label — Column: cell; ..."
            forms.append(_key("".join([cells[0], *(h + c for h, c in zip(head[1:], cells[1:]))])))
        keys.append(forms)
    headings, chain = [], {}
    for i, (kind, _) in enumerate(blocks):
        if kind in HEADINGS:
            level = HEADINGS.index(kind)
            chain = {lvl: b for lvl, b in chain.items() if lvl < level} | {level: i}
        headings.append(tuple(chain[lvl] for lvl in sorted(chain)))
    gold = PageGold([k for k, _ in blocks], {}, headings)
    at = 0
    for p in passages:
        want = _key(p.text)
        found = next((i for i in range(at, len(blocks)) if want and any(want in form for form in keys[i])
                      and blocks[i][0] in PASSAGE_KINDS), None)
        if found is None:
            gold.unplaced.append(p.id)
        else:
            gold.block_of[p.id] = at = found
    return gold


@dataclass
class SampleGold:
    groups: dict[tuple[str, str], list[tuple[Group, str]]]  # (lang a, lang b) -> [(gold group, block kind)]
    headings: dict[tuple[str, str], list[tuple[set[str], set[str]]]]  # per pair: passages under heading i, each side
    exceptions: list[str]  # what could not be read by block order (checked by hand)


def sample_gold(passages: Sequence, sample: Path = DEFAULT_SAMPLE) -> SampleGold:
    """The gold of every page held in two or more languages, from the passages of one index."""
    from ingest.sources import guide_page

    by_page: dict[str, dict[str, list]] = {}
    for p in passages:
        by_page.setdefault(guide_page(p.page_url), {}).setdefault(p.language, []).append(p)
    groups: dict[tuple[str, str], list] = {}
    headings: dict[tuple[str, str], list] = {}
    exceptions: list[str] = []
    for page, versions in sorted(by_page.items()):
        golds = {lang: page_gold(lang, page, ps, sample) for lang, ps in versions.items()}
        for lang, g in golds.items():
            if g is None:
                exceptions.append(f"{lang} {page}: no Markdown page")
            elif g.unplaced:
                exceptions.append(f"{lang} {page}: {len(g.unplaced)} passage(s) in no block: {g.unplaced[:3]}")
        for la, lb in combinations(sorted(l for l, g in golds.items() if g is not None), 2):
            ga, gb = golds[la], golds[lb]
            if ga.kinds != gb.kinds:
                exceptions.append(f"{la}/{lb} {page}: another block structure ({len(ga.kinds)} vs {len(gb.kinds)} blocks)")
                continue
            ids_a, ids_b = _ids_by_block(ga), _ids_by_block(gb)
            for i, kind in enumerate(ga.kinds):
                a, b = ids_a.get(i, ()), ids_b.get(i, ())
                if a or b:
                    groups.setdefault((la, lb), []).append(((a, b), PASSAGE_KINDS[kind]))
            for i, kind in enumerate(ga.kinds):
                if kind in HEADINGS:
                    under_a = {pid for pid, blk in ga.block_of.items() if i in ga.headings_of[blk]}
                    under_b = {pid for pid, blk in gb.block_of.items() if i in gb.headings_of[blk]}
                    if under_a or under_b:
                        headings.setdefault((la, lb), []).append((under_a, under_b))
    return SampleGold(groups, headings, exceptions)


def _ids_by_block(gold: PageGold) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    for pid, block in gold.block_of.items():  # insertion order is page order
        out.setdefault(block, []).append(pid)
    return {b: tuple(ids) for b, ids in out.items()}


def heading_correct(under: tuple[set[str], set[str]], links: Sequence[Group]) -> bool:
    """A heading is matched right when every link from a passage under it, in either language, lands under its
    counterpart, and some link does."""
    a, b = under
    touching = [(la, lb) for la, lb in links if a & set(la) or b & set(lb)]
    return bool(touching) and all(set(la) <= a and set(lb) <= b for la, lb in touching)


def accuracy_by_kind(gold: SampleGold, predicted: dict[tuple[str, str], list[Group]]) -> dict[str, dict[str, dict]]:
    """pair "a-b" -> kind (paragraph, bullet, row, heading, all passages) -> {gold, correct, accuracy}."""
    report: dict[str, dict[str, dict]] = {}
    for pair in sorted(set(gold.groups) | set(gold.headings)):
        links = predicted.get(pair, [])
        counts: dict[str, list[int]] = {}
        for group, kind in gold.groups.get(pair, []):
            right = group_correct(group, links)
            for k in (kind, "all"):
                c = counts.setdefault(k, [0, 0])
                c[0] += 1
                c[1] += right
        for under in gold.headings.get(pair, []):
            c = counts.setdefault("heading", [0, 0])
            c[0] += 1
            c[1] += heading_correct(under, links)
        report["-".join(pair)] = {k: {"gold": n, "correct": r, "accuracy": round(r / n, 4) if n else 1.0}
                                  for k, (n, r) in counts.items()}
    return report


def misaligned(gold: SampleGold, predicted: dict[tuple[str, str], list[Group]]) -> list[tuple[str, Group, str]]:
    """The gold groups the aligner got wrong, for reading: (pair, group, kind)."""
    return [("-".join(pair), group, kind) for pair, groups in sorted(gold.groups.items())
            for group, kind in groups if not group_correct(group, predicted.get(pair, []))]
