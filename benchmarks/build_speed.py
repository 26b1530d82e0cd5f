"""End-to-end build throughput: guidekb's build against the plain sentence-transformers + FAISS script, one run.

Each system runs in its own child process, from a corpus of the guide sample's saved page texts to an index
that loads; the two (and an older checkout, with `--compare CODE_DIR`) alternate round by round, so the machine's
speed at the moment weighs on all of them alike, and the report gives medians and the ratio of the medians.

- guidekb: `build_index` in full (every passage embedded: in context and alone, latent terms, highlight units,
  alignment across languages, glossary, BM25, FAISS, manifest), then the index loaded as `SearchEngine` loads it.
- guidekb-onnx: the same build with the model on onnxruntime (the search backend), not torch in bf16.
- plain: what a user would write instead: the same passages, each embedded once ("passage: " + its text) by the
  same model, an exact FAISS inner-product index written to disk and read back.

The model's load (about a second) is outside both timings. `--passages N` scales the corpus up with tagged copies
of the sample's pages (benchmarks/synthetic.py), embedded for real: 100,000 passages took 28 minutes for guidekb and 18 for
plain on 2 cores (docs/benchmarks.md).

    python -m benchmarks.build_speed [--runs 3] [--passages 100000] [--systems guidekb,plain] [--compare DIR]
                                     [--out bench-out/build-speed]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _child(system: str, corpus: Path, index: Path) -> dict:
    """One timed build in this process (run as a child: `python benchmarks/build_speed.py --child ...`)."""
    from ingest import corpus_passages, load_corpus
    from index.embedding import load_embedder
    from index.settings import build_settings

    settings = build_settings(corpus_dir=corpus, index_dir=index)
    if system == "guidekb":  # the build's backend, as `guidekb build` picks it (torch bf16 where it pays)
        embedder = load_embedder(settings.model, settings.e5_backend, build=True)
    else:  # plain, and guidekb-onnx: the search backend (onnxruntime), the build's backend before e5_torch.py
        embedder = load_embedder(settings.model, settings.e5_backend)
    embedder.embed_passages(["warm-up"])
    if index.exists():
        shutil.rmtree(index)
    t0 = time.perf_counter()
    if system == "plain":
        import faiss
        import numpy as np

        passages = corpus_passages(load_corpus(corpus))
        vectors = embedder.embed_passages([p.text for p in passages])
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
        index.mkdir(parents=True)
        faiss.write_index(flat, str(index / "dense.faiss"))
        with open(index / "passages.jsonl", "w", encoding="utf-8") as fh:
            for p in passages:
                fh.write(json.dumps({"id": p.id, "text": p.text}, ensure_ascii=False) + "\n")
        assert faiss.read_index(str(index / "dense.faiss")).ntotal == len(passages)
        count = len(passages)
    else:
        from index.storage.build import build_index
        from index.engine import LoadedIndex
        from index.storage.store import current_build

        report = build_index(settings, embedder, documents=load_corpus(corpus), incremental=False)
        loaded = LoadedIndex.load(current_build(index))
        count = report.passages
        assert len(loaded.passages) == count
    seconds = time.perf_counter() - t0
    import resource  # the process's peak resident memory, model included (Linux reports KiB)

    return {"system": system, "passages": count, "seconds": seconds,
            "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _run_child(system: str, corpus: Path, index: Path, code: Path | None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code or REPO), "OMP_WAIT_POLICY": "PASSIVE"}
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", system, "--corpus", str(corpus),
                          "--index", str(index)], env=env, capture_output=True, text=True, timeout=4 * 3600)
    if out.returncode != 0:
        raise RuntimeError(f"{system} build failed: {out.stderr[-1500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_corpus(sample: Path, work: Path, passages: int | None) -> Path:
    """The sample's saved texts in every language, ingested; scaled up with tagged copies to `passages` if asked."""
    from ingest import corpus_passages, load_corpus

    from .guide_sample import render, text_corpus

    corpus = work / "corpus-sample"
    if not corpus.exists():
        text_corpus(render(sample, work / "rendered"), corpus, ["en", "bg", "de"])
    if not passages:
        return corpus
    from .synthetic import write_corpus

    per_copy = len(corpus_passages(load_corpus(corpus)))
    scaled = work / f"corpus-{passages}"
    if not scaled.exists():
        write_corpus(corpus, scaled, max(1, math.ceil(passages / per_copy)))
    return scaled


SYSTEMS = ("guidekb", "guidekb-onnx", "plain")


def run(sample: Path, out: Path, runs: int, passages: int | None, compare: Path | None,
        log=lambda m: print(m, file=sys.stderr, flush=True), systems: tuple[str, ...] = SYSTEMS) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    corpus = make_corpus(sample, out / "work", passages)
    if "plain" not in systems:
        raise ValueError("the plain baseline is what the others are measured against: keep it in systems")
    systems = [(s, None) for s in systems] + ([("guidekb", compare)] if compare else [])
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rounds = []
    for r in range(runs):
        row = {}
        for system, code in systems:
            name = system if code is None else f"{system} at {code}"
            log(f"round {r + 1} of {runs}: {name}")
            row[name] = _run_child(system, corpus, out / "work" / f"index-{system}-{'other' if code else 'this'}", code)
            log(f"  {row[name]['passages']} passages in {row[name]['seconds']:.1f} s: "
                f"{row[name]['passages'] / row[name]['seconds']:.1f}/s")
        rounds.append(row)
        (out / "rounds.json").write_text(json.dumps(rounds, indent=2), encoding="utf-8")  # kept if a later round fails
    names = list(rounds[0])
    result = {"started": started, "ended": time.strftime("%H:%M UTC", time.gmtime()), "corpus": str(corpus),
              "passages": rounds[0][names[0]]["passages"], "rounds": rounds,
              "per_second": {n: statistics.median(r[n]["passages"] / r[n]["seconds"] for r in rounds) for n in names}}
    plain = result["per_second"]["plain"]
    result["ratio_to_plain"] = {n: v / plain for n, v in result["per_second"].items()}
    if compare:
        other = result["per_second"][f"guidekb at {compare}"]
        result["paired_ratio_to_compared"] = statistics.median(
            (r["guidekb"]["passages"] / r["guidekb"]["seconds"]) /
            (r[f"guidekb at {compare}"]["passages"] / r[f"guidekb at {compare}"]["seconds"]) for r in rounds)
        result["ratio_to_compared"] = result["per_second"]["guidekb"] / other
    (out / "build_speed.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    (out / "build_speed.md").write_text(format_result(result), encoding="utf-8")
    return result


def format_result(result: dict) -> str:
    names = list(result["rounds"][0])
    lines = [f"End-to-end build, {result['passages']} passages ({result['corpus']}), {len(result['rounds'])} rounds "
             f"{result['started']} to {result.get('ended', '?')}; passages/s, median of the rounds", "",
             "| system | " + " | ".join(f"round {i + 1}" for i in range(len(result["rounds"]))) +
             " | median | vs plain | peak memory |",
             "|---|" + "---|" * (len(result["rounds"]) + 3)]
    for n in names:
        cells = [f"{r[n]['passages'] / r[n]['seconds']:.1f}" for r in result["rounds"]]
        peak = max((r[n].get("peak_mib", 0) for r in result["rounds"]), default=0)
        lines.append(f"| {n} | " + " | ".join(cells) + f" | {result['per_second'][n]:.1f} | "
                     f"{result['ratio_to_plain'][n]:.2f} | {f'{peak:,} MiB' if peak else '?'} |")
    if "paired_ratio_to_compared" in result:
        lines += ["", f"guidekb against the compared checkout: {result['ratio_to_compared']:.2f} (ratio of medians), "
                  f"{result['paired_ratio_to_compared']:.2f} (median of the rounds' ratios)"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    from .guide_sample import DEFAULT_SAMPLE

    p = argparse.ArgumentParser(prog="python -m benchmarks.build_speed", description=__doc__.splitlines()[0])
    p.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE)
    p.add_argument("--out", type=Path, default=Path("bench-out") / "build-speed")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--passages", type=int, help="scale the corpus up to about this many passages (tagged copies)")
    p.add_argument("--compare", type=Path, help="also build with the guidekb checkout in this folder")
    p.add_argument("--systems", default=",".join(SYSTEMS), help=f"which to run, comma-separated (default {','.join(SYSTEMS)})")
    args = p.parse_args(argv)
    systems = tuple(s.strip() for s in args.systems.split(",") if s.strip())
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or "plain" not in systems:
        p.error(f"--systems: choose from {', '.join(SYSTEMS)}, plain included")
    print(format_result(run(args.sample, args.out, args.runs, args.passages, args.compare, systems=systems)))


if __name__ == "__main__":
    if "--child" in sys.argv:
        a = argparse.ArgumentParser()
        a.add_argument("--child")
        a.add_argument("--corpus", type=Path)
        a.add_argument("--index", type=Path)
        ns = a.parse_args()
        print(json.dumps(_child(ns.child, ns.corpus, ns.index)))
    else:
        sys.path.insert(0, str(REPO))
        from benchmarks.build_speed import main as _main

        _main()
