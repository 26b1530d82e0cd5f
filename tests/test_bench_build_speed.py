"""The end-to-end build benchmark: both systems for real on the bundled page, and its report lines."""
from __future__ import annotations

import shutil

from benchmarks.build_speed import _run_child, format_result
from benchmarks.report import _build_speed_lines
from index.settings import BUNDLED_CORPUS


def test_both_systems_build_the_same_passages(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus, ignore=shutil.ignore_patterns(".index"))
    guidekb = _run_child("guidekb", corpus, tmp_path / "index-guidekb", None)
    plain = _run_child("plain", corpus, tmp_path / "index-plain", None)
    assert guidekb["passages"] == plain["passages"] == 55
    assert guidekb["seconds"] > 0 and plain["seconds"] > 0
    assert guidekb["peak_mib"] > 100 and plain["peak_mib"] > 100  # the model alone is more
    assert (tmp_path / "index-guidekb" / "current" / "manifest.json").is_file()
    assert (tmp_path / "index-plain" / "dense.faiss").is_file()


def test_the_report_gives_each_round_the_medians_and_the_ratio():
    rounds = [{"guidekb": {"passages": 100, "seconds": 4.0, "peak_mib": 1200}, "plain": {"passages": 100, "seconds": 1.0}},
              {"guidekb": {"passages": 100, "seconds": 5.0}, "plain": {"passages": 100, "seconds": 2.0}}]
    result = {"started": "2026-12-02 15:00 UTC", "ended": "15:10 UTC", "corpus": "c", "passages": 100, "rounds": rounds,
              "per_second": {"guidekb": 22.5, "plain": 75.0}, "ratio_to_plain": {"guidekb": 0.3, "plain": 1.0}}
    table = format_result(result)
    assert "| guidekb | 25.0 | 20.0 | 22.5 | 0.30 | 1,200 MiB |" in table  # the peak over the rounds
    assert "| plain | 100.0 | 50.0 | 75.0 | 1.00 | ? |" in table  # not recorded
    lines = "\n".join(_build_speed_lines(result))
    assert "guidekb 22.5 passages/s" in lines and "75.0 passages/s: ratio 0.30" in lines
    assert _build_speed_lines({"skipped": "no sample"})[2] == "Not measured: no sample."
