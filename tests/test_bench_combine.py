"""Several benchmark runs combined: medians of figures, the highest peak memory, every error kept."""
from __future__ import annotations

import subprocess
import sys

from benchmarks.combine import combine_runs


def _run(p50: float, qps: float, rss: float, errors: list[str], started: str) -> dict:
    size = {"passages": 1000, "in_process": {"p50_ms": p50, "p95_ms": p50 * 2, "n": 121},
            "http": {"p95_ms": p50 * 3, "errors": len(errors)}, "concurrent": {"qps": qps, "ok": 100},
            "serve_peak_rss_mib": rss, "errors": errors, "faiss": {"chosen": "Flat fp32 (exact)"},
            "model_pass": {"p50_ms": p50 / 2, "two_at_once": {"p50_ms": p50}}}
    return {"started": started, "machine": {"cpu": "test"}, "embedding": {"dense_per_s": qps / 2},
            "quick": False, "cpu": {"other_cores": 0.1}, "sizes": [size]}


def test_figures_are_medians_memory_the_highest_and_errors_all_kept():
    runs = [_run(10.0, 50.0, 800.0, [], "a"), _run(30.0, 40.0, 900.0, ["timeout"], "b"),
            _run(20.0, 60.0, 850.0, ["refused"], "c")]
    combined = combine_runs(runs)
    size = combined["sizes"][0]
    assert size["in_process"]["p50_ms"] == 20.0 and size["in_process"]["p95_ms"] == 40.0
    assert size["concurrent"]["qps"] == 50.0 and combined["embedding"]["dense_per_s"] == 25.0
    assert size["serve_peak_rss_mib"] == 900.0  # a peak is the worst run's, not the median
    assert size["errors"] == ["timeout", "refused"] and size["http"]["errors"] == 2
    assert size["in_process"]["n"] == 121 and isinstance(size["in_process"]["n"], int)
    assert combined["machine"] == {"cpu": "test"} and combined["quick"] is False and combined["started"] == "a"
    assert [r["in-process p50 ms"] for r in combined["runs"]] == [10.0, 30.0, 20.0]
    assert [r["started"] for r in combined["runs"]] == ["a", "b", "c"]
    assert [r["one question's model pass ms (machine speed)"] for r in combined["runs"]] == [5.0, 15.0, 10.0]
    assert [r["the same, two at once on 2 threads ms"] for r in combined["runs"]] == [10.0, 30.0, 20.0]


def test_runs_below_one_is_refused_before_anything_runs(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--runs", "0", "--out", str(tmp_path / "b")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--runs must be at least 1" in proc.stderr
    assert not (tmp_path / "b").exists()
