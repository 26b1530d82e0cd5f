#!/usr/bin/env python3
"""Labels for the guide-sample question set: an English quote -> the same clause quoted in every language.

The sample's translations keep the English block order (heading i, paragraph i, bullet i, table row i of one
language is block i of the other), so a quote found in English block i, cell c, sentence s is carried to
block i, cell c, sentence s of each other language version of the page. Where the sentence counts differ,
the whole cell is the quote (printed as a warning, to be checked by hand).

    label.py check DRAFTS.jsonl...          # every English quote exists, once, in one block of its page
    label.py fill DRAFTS.jsonl... -o OUT    # write questions with quotes in every language (en, bg, de)

A draft row: {"id", "lang", "kind", "question", "answers": [{"page": "part-b/...", "en": "exact English quote"}]}.
Standard library only; reads the sample's own Markdown parser (../shared/guide-sample/render.py).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[4] / "shared" / "guide-sample"
LANGUAGES = ("en", "bg", "de")
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=\S)")


def _render():
    spec = importlib.util.spec_from_file_location("guide_sample_render", SAMPLE / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def kinded_blocks(lang: str, page: str, sample: Path = SAMPLE) -> list[tuple[str, list[str]]] | None:
    """The page's blocks in order as (kind, cells): kind title, h2, h3, p, bullet, table-head or row; cells one
    but for table rows. None if no such page."""
    md = Path(sample) / lang / f"{page}.md"
    if not md.is_file():
        return None
    title, blocks = _render().parse(md.read_text(encoding="utf-8"))
    out = [("title", [title])]
    for b in blocks:
        if b[0] in ("h2", "h3", "p"):
            out.append((b[0], [b[1]]))
        elif b[0] == "ul":
            out.extend(("bullet", [item]) for item in b[1])
        else:
            out.append(("table-head", list(b[1])))
            out.extend(("row", list(row)) for row in b[2])
    return out


def page_blocks(lang: str, page: str) -> list[list[str]] | None:
    """The page's blocks in order, each a list of cells (one cell but for table rows); None if no such page."""
    blocks = kinded_blocks(lang, page)
    return None if blocks is None else [cells for _, cells in blocks]


def locate(blocks: list[list[str]], quote: str) -> list[tuple[int, int]]:
    return [(i, c) for i, cells in enumerate(blocks) for c, cell in enumerate(cells) if quote in cell]


def sentences(text: str) -> list[str]:
    return SENTENCE_END.split(text)


def carry(quote: str, cell: str, other: str) -> tuple[str, bool]:
    """The part of `other` (the same cell in another language) that says what `quote` says in `cell`."""
    if quote == cell:
        return other, True
    mine, theirs = sentences(cell), sentences(other)
    hit = [s for s, sentence in enumerate(mine) if quote in sentence]
    if len(mine) == len(theirs) and len(hit) == 1 and len(mine) > 1:
        return theirs[hit[0]], True
    return other, len(mine) == 1  # one sentence: the whole cell is the same clause


def split_of(qid: str) -> str:
    """Fixed before any tuning: half the questions to dev, half to test, by a hash of the id."""
    return "dev" if int(hashlib.sha1(qid.encode()).hexdigest(), 16) % 2 == 0 else "test"


def read(paths) -> list[dict]:
    rows = []
    for path in paths:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                row["_where"] = f"{path}:{n}"
                rows.append(row)
    return rows


def label(row: dict, problems: list[str], warnings: list[str]) -> dict:
    answers = []
    for answer in row["answers"]:
        page, quote = answer["page"], answer["en"]
        en = page_blocks("en", page)
        if en is None:
            problems.append(f"{row['_where']}: no English page {page}")
            continue
        found = locate(en, quote)
        text = "\n".join(c for cells in en for c in cells)
        if len(found) != 1 or text.count(quote) != 1:
            problems.append(f"{row['_where']}: {quote!r} occurs {text.count(quote)} times on {page} (needs 1)")
            continue
        (i, c), = found
        quotes = {"en": quote}
        for lang in LANGUAGES[1:]:
            blocks = page_blocks(lang, page)
            if blocks is None:
                continue
            if len(blocks) != len(en) or len(blocks[i]) != len(en[i]):
                problems.append(f"{row['_where']}: {lang} {page} has another block structure than English")
                continue
            carried, sure = carry(quote, en[i][c], blocks[i][c])
            if not sure:
                warnings.append(f"{row['_where']}: {lang} quote is the whole cell (sentence counts differ): {carried[:80]!r}")
            whole = "\n".join(x for cells in blocks for x in cells)
            if whole.count(carried) != 1:
                problems.append(f"{row['_where']}: {lang} quote {carried[:60]!r} is not unique on {page}")
                continue
            quotes[lang] = carried
        answers.append({"page": page, "quotes": quotes})
    out = {k: v for k, v in row.items() if not k.startswith("_") and k != "answers"}
    out["split"] = split_of(row["id"])
    out["answers"] = answers
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("check", "fill"))
    parser.add_argument("drafts", nargs="+", type=Path)
    parser.add_argument("-o", "--out", type=Path)
    args = parser.parse_args(argv)
    rows = read(args.drafts)
    problems: list[str] = []
    warnings: list[str] = []
    ids = [r.get("id") for r in rows]
    for qid in {q for q in ids if ids.count(q) > 1}:
        problems.append(f"duplicate id {qid}")
    for row in rows:
        missing = {"id", "lang", "kind", "question", "answers"} - row.keys()
        if missing:
            problems.append(f"{row['_where']}: missing {sorted(missing)}")
    labelled = [label(r, problems, warnings) for r in rows if {"id", "answers"} <= r.keys()]
    for w in warnings:
        print("warning:", w, file=sys.stderr)
    for p in problems:
        print("error:", p, file=sys.stderr)
    if problems:
        return 1
    if args.command == "fill":
        if not args.out:
            parser.error("fill needs -o OUT")
        args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in labelled), encoding="utf-8")
    print(f"{len(labelled)} questions, {len({r['lang'] for r in labelled})} languages, "
          f"{sum(r['split'] == 'test' for r in labelled)} in test", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
