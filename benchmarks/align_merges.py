"""Merges the guide sample's translations do not make: a check of the aligner's 1:2 and 2:1 groups on data its
parameters were not set on.

The sample (team-written test material, not the official guide) keeps every block a block in every language,
so its gold holds no merge. Here one language version of a page joins two neighbouring blocks of one kind and
section (bullets as "first; second", paragraphs with a space), drawn with a fixed seed among blocks the chunker
kept whole, the joined text short enough to stay one passage; the joined block is embedded with the index's
model as a build embeds a passage, and the page pair is aligned again with it in place of the two. Right: the
joined block linked to exactly its two counterparts (a 2:1 group). Kept: every other gold group of that page
pair still right, so a merge the aligner finds is not paid for elsewhere.

    python -m benchmarks.align_merges [--out DIR] [--mode crawl|text] [--per-page 2] [--seed 15]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, replace
from itertools import permutations
from pathlib import Path
from typing import Callable

import numpy as np

from index.crosslang.align import align_corpus, continues_block
from index.crosslang.align_eval import group_correct

from .align_sample import PASSAGE_KINDS, page_gold
from .guide_sample import DEFAULT_SAMPLE

MERGED_ID = "merged"


@dataclass
class Case:
    page: str
    merged: str  # the language whose version joins two blocks
    other: str
    kind: str  # paragraph or bullet
    right: bool  # the joined block linked to exactly its two counterparts
    kept: int  # the page pair's other gold groups still right
    others: int


def _joinable(passages, gold, blocks_a: dict[int, list[int]], max_chars: int) -> list[int]:
    """Blocks i whose block i + 1 can be joined to it: both one passage, one kind (paragraph or bullet), one
    section, the joined text within the chunker's limit."""
    out = []
    for i in sorted(blocks_a):
        a, b = blocks_a[i], blocks_a.get(i + 1)
        if b is None or len(a) != 1 or len(b) != 1 or gold.kinds[i] != gold.kinds[i + 1]:
            continue
        p, q = passages[a[0]], passages[b[0]]
        if (gold.kinds[i] in ("p", "bullet") and p.section == q.section and p.kind == q.kind
                and len(p.text) + len(q.text) + 2 <= max_chars):
            out.append(i)
    return out


def _joined(p, q):
    text = f"{p.text.rstrip(' ;.')}; {q.text}" if p.kind == "bullet" else f"{p.text} {q.text}"
    return replace(p, id=MERGED_ID, text=text, end=p.start + len(text))


def run(engine, sample: Path = DEFAULT_SAMPLE, per_page: int = 2, seed: int = 15,
        align: Callable = align_corpus) -> list[Case]:
    """Every drawn merge of every page pair of the engine's index, aligned by `align` (align_corpus's signature)."""
    import faiss

    from index.storage.passes import embed_passages_for_build
    from index.storage.store import VECTORS
    from ingest.passages import MAX_CHARS
    from ingest.sources import guide_page

    passages = engine.index.passages
    index = faiss.read_index(str(engine.index.path / VECTORS))
    vectors = index.reconstruct_n(0, index.ntotal)
    continues = continues_block(passages)
    bare = float(engine.index.manifest.get("bare_weight", 0.0))
    rows_of: dict[str, dict[str, list[int]]] = {}
    for row, p in enumerate(passages):
        rows_of.setdefault(guide_page(p.page_url), {}).setdefault(p.language, []).append(row)
    drawn = []  # (page, merged language, other language, block i, joined passage)
    for page, versions in sorted(rows_of.items()):
        golds = {lang: page_gold(lang, page, [passages[r] for r in rows], sample) for lang, rows in versions.items()}
        for la, lb in permutations(sorted(versions), 2):
            ga, gb = golds[la], golds[lb]
            if ga is None or gb is None or ga.kinds != gb.kinds:
                continue
            blocks_a = _by_block(ga, versions[la], passages)
            candidates = _joinable(passages, ga, blocks_a, MAX_CHARS)
            rng = random.Random(f"{seed}:{page}:{la}:{lb}")
            chosen: list[int] = []
            for i in rng.sample(candidates, len(candidates)):
                if len(chosen) < per_page and all(abs(i - j) > 1 for j in chosen):
                    chosen.append(i)
            for i in sorted(chosen):
                p, q = (passages[blocks_a[i][0]], passages[blocks_a[i + 1][0]])
                drawn.append((page, la, lb, i, _joined(p, q)))
    joined = [d[4] for d in drawn]
    made = embed_passages_for_build(engine.embedder, [p.embedding_text() for p in joined], [p.text for p in joined],
                                    [[] for _ in joined], bool(bare))
    fresh = (1 - bare) * made.context + (bare * made.bare if bare else 0.0)
    cases = []
    for (page, la, lb, i, merged), vector in zip(drawn, fresh):
        ga = page_gold(la, page, [passages[r] for r in rows_of[page][la]], sample)
        gb = page_gold(lb, page, [passages[r] for r in rows_of[page][lb]], sample)
        blocks_a = _by_block(ga, rows_of[page][la], passages)
        blocks_b = _by_block(gb, rows_of[page][lb], passages)
        gone = {blocks_a[i][0], blocks_a[i + 1][0]}
        rows_a = [r for r in rows_of[page][la] if r not in gone or r == blocks_a[i][0]]
        local = [*rows_a, *rows_of[page][lb]]
        ps = [merged if r == blocks_a[i][0] else passages[r] for r in local]
        vs = np.stack([vector if r == blocks_a[i][0] else vectors[r] for r in local])
        flags = [False if r == blocks_a[i][0] else continues[r] for r in local]
        links = align([p.id for p in ps], [p.page_url for p in ps], [p.language for p in ps], [p.section for p in ps],
                      [len(p.text) for p in ps], vs, engine.index.manifest["model"]["name"],
                      kinds=[p.kind for p in ps], continues=flags)[0]
        language_of = {p.id: p.language for p in ps}
        groups = []  # (merged side, other side) per link
        for ids_a, ids_b, _ in next(iter(links.values()), []):
            groups.append((tuple(ids_a), tuple(ids_b)) if language_of[ids_a[0]] == la else (tuple(ids_b), tuple(ids_a)))
        id_of = lambda rows: tuple(passages[r].id for r in rows)
        target = ((MERGED_ID,), id_of(blocks_b[i]) + id_of(blocks_b.get(i + 1, [])))
        others = [(id_of(blocks_a.get(k, [])), id_of(blocks_b.get(k, [])))
                  for k in sorted(set(blocks_a) | set(blocks_b)) if k not in (i, i + 1) and ga.kinds[k] in PASSAGE_KINDS]
        cases.append(Case(page, la, lb, PASSAGE_KINDS[ga.kinds[i]], group_correct(target, groups),
                          sum(group_correct(g, groups) for g in others), len(others)))
    return cases


def _by_block(gold, rows: list[int], passages) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for r in rows:
        block = gold.block_of.get(passages[r].id)
        if block is not None:
            out.setdefault(block, []).append(r)
    return out


def summary(cases: list[Case]) -> dict[str, dict]:
    """Per "merged language > other" and kind, and over all: merges right and other groups kept."""
    table: dict[str, list[int]] = {}
    for c in cases:
        for key in (f"{c.merged}>{c.other} {c.kind}", f"{c.merged}>{c.other}", "all"):
            t = table.setdefault(key, [0, 0, 0, 0])
            t[0] += 1
            t[1] += c.right
            t[2] += c.kept
            t[3] += c.others
    return {k: {"merges": n, "right": r, "right_share": round(r / n, 4), "others": o, "kept": kept,
                "kept_share": round(kept / o, 4) if o else 1.0} for k, (n, r, kept, o) in sorted(table.items())}


def format_summary(table: dict[str, dict]) -> str:
    lines = ["| merged > other | merges right | other groups kept |", "|---|---|---|"]
    lines += [f"| {k} | {v['right_share']:.4f} ({v['right']}/{v['merges']}) | {v['kept_share']:.4f} "
              f"({v['kept']}/{v['others']}) |" for k, v in table.items()]
    return "\n".join(lines)


def main(argv=None) -> int:
    from .crosslang import OUT, open_sample

    parser = argparse.ArgumentParser(prog="python -m benchmarks.align_merges", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--mode", choices=("crawl", "text"), default="crawl")
    parser.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE)
    parser.add_argument("--per-page", type=int, default=2, help="merges drawn per page and pair of languages")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    engine = open_sample(args.out, args.mode, args.sample, log=lambda m: print(m, file=sys.stderr))
    table = summary(run(engine, args.sample, args.per_page, args.seed))
    print(json.dumps(table, indent=1) if args.json else format_summary(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
