"""The guide-scale evaluation: the sample's question set over the sample, every way guidekb can meet it.

Corpora: bg only, en only, and every language the sample holds (en, bg, de); each reached by crawling the
rendered site on 127.0.0.1 and by ingesting its saved page texts. For each, BM25 only, dense only and the
shipped ranking, overall, per language and per question kind. Builds live in `out/<mode>-<corpus>/` and keep
their vectors between runs (an unchanged passage is not embedded again).
"""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Callable

from .guide_sample import DEFAULT_SAMPLE, MODES, build_corpus, render

CORPORA = {"bg": ["bg"], "en": ["en"], "all": ["en", "bg", "de"]}
RANKINGS = (("BM25 only", "bm25"), ("dense only", "dense"), ("shipped", None))


def sample_engine(mode: str, corpus: str, out: Path, sample: Path = DEFAULT_SAMPLE, embedder=None, settings=None,
                  log: Callable[[str], None] = lambda _: None, build_embedder=None):
    """A search engine over one corpus of the sample, built (or brought up to date) under `out`: built on
    `build_embedder` and searched on `embedder`, as `guidekb build` and `guidekb ask` would."""
    from index import SearchEngine, build_settings

    rendered = render(sample, out / "rendered")
    corpus_dir = out / f"{mode}-{corpus}" / "corpus"
    if corpus_dir.exists():  # ingest anew: what a passage is may have changed; the index keeps its vectors
        shutil.rmtree(corpus_dir)
    build_corpus(mode, rendered, corpus_dir, CORPORA[corpus])
    base = settings or build_settings()
    settings = replace(base, corpus_dir=corpus_dir, index_dir=out / f"{mode}-{corpus}" / "index")
    return SearchEngine.open(settings, embedder=embedder, log=log, build_embedder=build_embedder)


def run(questions_file: Path, out: Path, split: str | None = "test", modes=MODES, corpora=tuple(CORPORA),
        sample: Path = DEFAULT_SAMPLE, log: Callable[[str], None] = lambda _: None) -> list[dict]:
    """One result per (mode, corpus): each ranking's metrics overall, per language and per kind."""
    from index.embedding import build_embedder_searches, load_embedder
    from index.evaluate import evaluate, questions_for
    from index import build_settings

    settings = build_settings()
    embedder = load_embedder(settings.model, settings.e5_backend, settings.device)
    builder = embedder if build_embedder_searches(settings.model, settings.e5_backend) else \
        load_embedder(settings.model, settings.e5_backend, settings.device, build=True)
    results = []
    for mode in modes:
        for corpus in corpora:
            log(f"{mode} / {corpus}: ingesting and building")
            engine = sample_engine(mode, corpus, out, sample, embedder, settings, log, builder)
            questions = questions_for(engine, questions_file, split)
            rankings = [evaluate(engine, questions, fusion=fusion, name=name) for name, fusion in RANKINGS]
            results.append({"mode": mode, "corpus": corpus, "passages": len(engine.index.passages),
                            "questions": len(questions), "rankings": rankings})
    return results


def _row(label: str, n: int, metrics: list[dict]) -> str:
    cells = [f"{m['recall@1']:.3f} / {m['recall@5']:.3f} / {m['mrr@10']:.3f}" for m in metrics]
    return f"| {label} | {n} | " + " | ".join(cells) + " |"


def format_results(results: list[dict]) -> str:
    """Markdown tables: every corpus overall; then per language and per kind for each corpus."""
    names = [r["name"] for r in results[0]["rankings"]]
    head = "| | questions | " + " | ".join(f"{n} R@1 / R@5 / MRR@10" for n in names) + " |\n|" + "---|" * (2 + len(names))
    lines = ["Overall", "", head]
    for r in results:
        lines.append(_row(f"{r['mode']}, {r['corpus']} ({r['passages']} passages)", r["questions"],
                          [x["overall"] for x in r["rankings"]]))
    for r in results:
        for part in ("languages", "kinds"):
            keys = r["rankings"][0][part]
            lines += ["", f"{r['mode']}, {r['corpus']}: per {'language' if part == 'languages' else 'question kind'}", "", head]
            lines += [_row(k, keys[k]["questions"], [x[part][k] for x in r["rankings"]]) for k in keys]
    return "\n".join(lines)
