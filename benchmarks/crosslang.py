"""Cross-language figures over the guide sample (team-written test material, not the official guide): alignment
accuracy per language pair and block kind, and the consistency check's reports, precision and recall.

    python -m benchmarks.crosslang align [--out DIR] [--mode crawl|text] [--misses]
    python -m benchmarks.crosslang consistency [--out DIR] [--mode crawl|text] [--copies 3] [--seed 15]

The sample is rendered, crawled from 127.0.0.1 (or ingested as saved texts) and built once under `--out`
(default guide-eval-out/crosslang); later runs reuse that corpus and its vectors.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from .guide_sample import DEFAULT_SAMPLE, build_corpus, render

OUT = Path(__file__).resolve().parents[1] / "guide-eval-out" / "crosslang"
LANGUAGES = ["en", "bg", "de"]
KIND_ORDER = ("paragraph", "bullet", "row", "heading", "all")


def open_sample(out: Path, mode: str = "crawl", sample: Path = DEFAULT_SAMPLE, embedder=None, settings=None,
                log=lambda _: None):
    """A search engine over the sample in every language, its corpus made once (crawled or ingested) under `out`."""
    from index import SearchEngine, build_settings

    corpus_dir = out / f"{mode}-all" / "corpus"
    if not corpus_dir.exists():
        build_corpus(mode, render(sample, out / "rendered"), corpus_dir, LANGUAGES)
    base = settings or build_settings()
    settings = replace(base, corpus_dir=corpus_dir, index_dir=out / f"{mode}-all" / "index")
    return SearchEngine.open(settings, embedder=embedder, log=log)


def alignment_report(engine, sample: Path = DEFAULT_SAMPLE) -> dict:
    """Accuracy of the engine's stored alignments against the sample's block-order gold."""
    from index.crosslang.align_eval import predicted_groups
    from index.storage.store import ALIGNMENTS

    from .align_sample import accuracy_by_kind, misaligned, sample_gold

    passages = engine.index.passages
    gold = sample_gold(passages, sample)
    alignments = json.loads((engine.index.path / ALIGNMENTS).read_text(encoding="utf-8"))["pages"]
    predicted = predicted_groups(alignments, {p.id: p.language for p in passages})
    return {"accuracy": accuracy_by_kind(gold, predicted), "exceptions": gold.exceptions,
            "misses": misaligned(gold, predicted)}


def format_alignment(report: dict) -> str:
    kinds = [k for k in KIND_ORDER if any(k in r for r in report["accuracy"].values())]
    lines = ["| pair | " + " | ".join(kinds) + " |", "|---|" + "---|" * len(kinds)]
    for pair, by_kind in report["accuracy"].items():
        cells = [f"{by_kind[k]['accuracy']:.4f} ({by_kind[k]['correct']}/{by_kind[k]['gold']})" if k in by_kind else "-"
                 for k in kinds]
        lines.append(f"| {pair} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crosslang", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("align", "consistency"))
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--mode", choices=("crawl", "text"), default="crawl")
    parser.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE)
    parser.add_argument("--misses", action="store_true", help="print every gold group aligned wrong")
    parser.add_argument("--copies", type=int, default=3, help="planted copies of the sample (consistency)")
    parser.add_argument("--seed", type=int, default=15, help="seed of the first planted copy (consistency)")
    args = parser.parse_args(argv)
    log = lambda message: print(message, file=sys.stderr)
    engine = open_sample(args.out, args.mode, args.sample, log=log)
    if args.what == "align":
        report = alignment_report(engine, args.sample)
        print(format_alignment(report))
        for problem in report["exceptions"]:
            print("exception:", problem)
        if args.misses:
            text = {p.id: p.text for p in engine.index.passages}
            for pair, (a, b), kind in report["misses"]:
                print(f"miss {pair} {kind}: {[text[i][:70] for i in a]} | {[text[i][:70] for i in b]}")
        return 0
    from .plant import consistency_run

    t0 = time.perf_counter()
    print(consistency_run(engine, args.out, args.mode, args.sample, args.copies, args.seed, log=log))
    log(f"{time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
