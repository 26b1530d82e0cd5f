"""Check gold_alignment.json against the passages our chunker makes of the seed page and its test translations.

Run from anywhere: `.venv/bin/python tests/data/translations/check_gold.py [--show]`. Exits 1 and lists every
problem if a quote does not name exactly one passage, a passage is in no entry or in two, or entries are out of
page order; otherwise prints, per language pair, the gold groups by shape. `--show` prints each entry's texts,
language by language, for reading.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import textwrap
from collections import Counter
from itertools import combinations
from pathlib import Path

from index.crosslang.align_eval import locate_quotes, read_gold
from ingest import GuidekbError, corpus_passages, load_corpus

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SEED = ROOT / "corpus" / "000_edeb0adc036bf658"
GOLD = HERE / "gold_alignment.json"
LANGUAGES = ("bg", "en", "de", "fr")
FIGURE = re.compile(r"\d+(?:[.,]\d+)*")

Entry = dict[str, list[int]]  # language -> 1-based page positions


def page_texts() -> dict[str, list[str]]:
    """Passage texts of each language's page, in page order, built by the real loader and chunker."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for path in (SEED.with_suffix(".txt"), SEED.with_suffix(".meta.json"), *sorted(HERE.glob("ka2_*"))):
            shutil.copy(path, folder)
        passages = corpus_passages(load_corpus(folder))
    pages = {language: [p.text for p in passages if p.language == language] for language in LANGUAGES}
    missing = [language for language, texts in pages.items() if not texts]
    if missing:
        raise SystemExit(f"no passages for {', '.join(missing)}: is ka2_<lang>.txt with its .meta.json there?")
    return pages


def coverage_and_order(entries: list[Entry], pages: dict[str, list[str]]) -> list[str]:
    """Every passage in exactly one entry; within an entry and from entry to entry, page order."""
    problems = []
    for language in LANGUAGES:
        seen = Counter(p for entry in entries for p in entry[language])
        twice = sorted(p for p, k in seen.items() if k > 1)
        never = [p for p in range(1, len(pages[language]) + 1) if p not in seen]
        if twice:
            problems.append(f"{language}: passages {twice} are in more than one entry")
        if never:
            problems.append(f"{language}: passages {never} are in no entry: " + "; ".join(
                repr(pages[language][p - 1][:60]) for p in never))
        last = 0
        for n, entry in enumerate(entries, 1):
            positions = entry[language]
            if positions != sorted(positions):
                problems.append(f"entry {n} {language}: passages {positions} are not in page order")
            if positions and min(positions) <= last:
                problems.append(f"entry {n} {language}: passage {min(positions)} comes before an earlier entry's {last}")
            last = max(positions, default=last)
    return problems


def figures_problems(entries: list[Entry], pages: dict[str, list[str]]) -> list[str]:
    """A translation states the same numbers as the Bulgarian clause it translates."""
    problems = []
    for n, entry in enumerate(entries, 1):
        if not entry["bg"]:
            continue
        want = sorted(FIGURE.findall(" ".join(pages["bg"][p - 1] for p in entry["bg"])))
        for language in LANGUAGES[1:]:
            got = sorted(FIGURE.findall(" ".join(pages[language][p - 1] for p in entry[language])))
            if entry[language] and got != want:
                problems.append(f"entry {n} {language}: figures {got}, Bulgarian has {want}")
    return problems


def shape_name(a: int, b: int) -> str:
    return "1:0/0:1" if (a, b) in ((1, 0), (0, 1)) else f"{a}:{b}"


def pair_shapes(entries: list[Entry]) -> dict[str, Counter]:
    """Language pair -> Counter of group shapes, the pair's view of each entry that names either language."""
    shapes = {}
    for la, lb in combinations(LANGUAGES, 2):
        shapes[f"{la}-{lb}"] = Counter(
            shape_name(len(e[la]), len(e[lb])) for e in entries if e[la] or e[lb]
        )
    return shapes


def report(entries: list[Entry]) -> str:
    lines = [f"{len(entries)} entries; passages per language: " + ", ".join(
        f"{language} {sum(len(e[language]) for e in entries)}" for language in LANGUAGES)]
    lines.append(f"{'pair':6} {'groups':>6} {'1:1':>4} {'1:2':>4} {'2:1':>4} {'1:0/0:1':>7}  other")
    for pair, shapes in pair_shapes(entries).items():
        main = [shapes.get(k, 0) for k in ("1:1", "1:2", "2:1", "1:0/0:1")]
        other = ", ".join(f"{k} x{v}" for k, v in sorted(shapes.items()) if k not in ("1:1", "1:2", "2:1", "1:0/0:1"))
        lines.append(f"{pair:6} {sum(shapes.values()):>6} {main[0]:>4} {main[1]:>4} {main[2]:>4} {main[3]:>7}  {other or '-'}")
    return "\n".join(lines)


def show(entries: list[Entry], pages: dict[str, list[str]]) -> str:
    """Every entry's passages, language under language, for reading."""
    out = []
    for n, entry in enumerate(entries, 1):
        out.append(f"=== entry {n}: " + "  ".join(f"{lang}{entry[lang]}" for lang in LANGUAGES))
        for language in LANGUAGES:
            text = " | ".join(pages[language][p - 1] for p in entry[language]) or "(none)"
            out.append(textwrap.fill(text, 118, initial_indent=f"{language}: ", subsequent_indent="    "))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each entry's texts for reading")
    parser.add_argument("--gold", type=Path, default=GOLD, help="gold file (default: the one beside this script)")
    args = parser.parse_args(argv)
    pages = page_texts()
    try:
        gold = read_gold(args.gold)
    except GuidekbError as exc:
        print(f"FAIL: {exc.message}", file=sys.stderr)
        return 1
    entries, problems = locate_quotes(gold, pages)
    problems += coverage_and_order(entries, pages) + figures_problems(entries, pages)
    if args.show:
        print(show(entries, pages))
    if problems:
        print(f"FAIL: {len(problems)} problem(s) in {args.gold}:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(report(entries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
