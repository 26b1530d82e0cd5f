"""Vectors and passages -> a committed index folder: every file a build holds, written in one place.

`guidekb build` and the benchmark's synthetic scale-up both write through here, so a new index file is added once.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from ingest import Passage

from ..crosslang.align import ALIGNER_VERSION, align_corpus, continues_block
from ..crosslang.counterparts import PREVAILING, Counterparts
from ..crosslang.glossary import mine_glossary
from ..register import REGISTER_FILE, safe_register
from ..retrieval.dense import DenseIndex
from ..retrieval.latent import LatentIndex
from ..retrieval.lexical import LexicalIndex
from .store import (ALIGNMENTS, BM25_DIR, GLOSSARY, LATENT, PASSAGES, UNIT_LATENT, UNIT_VECTORS, UNITS, VECTORS,
                    commit_build, staging_dir)


def english_pairs(alignments: dict[str, list], passages: list[Passage]) -> list[tuple[str, str, str]]:
    """(English text, other text, other language) of every aligned group with English: the glossary's input."""
    by_id = {p.id: p for p in passages}
    pairs = []
    for links in alignments.values():
        for ids_a, ids_b, _ in links:
            a, b = [by_id[i] for i in ids_a], [by_id[i] for i in ids_b]
            if b[0].language == PREVAILING:
                a, b = b, a
            if a[0].language == PREVAILING:
                pairs.append((" ".join(p.text for p in a), " ".join(p.text for p in b), b[0].language))
    return pairs


def write_build(index_dir: Path, passages: list[Passage], vectors: np.ndarray, latent, units: list,
                unit_vectors: np.ndarray, unit_latent, manifest: dict, previous_alignments: dict | None = None,
                timings: dict | None = None) -> dict:
    """Align the passages across languages, mine the glossary, write every file, commit; return the manifest.

    `manifest` holds what the caller knows (model, signals, corpus hash, ...); the counts, languages, FAISS type
    and alignment figures are added here. `timings`, when given, receives the seconds of each step.
    """
    timings = {} if timings is None else timings
    clock = [time.perf_counter()]

    def step(name: str) -> None:
        now = time.perf_counter()
        timings[name] = now - clock[0]
        clock[0] = now

    alignments, aligned_anew = align_corpus(
        [p.id for p in passages], [p.page_url for p in passages], [p.language for p in passages],
        [p.section for p in passages], [len(p.text) for p in passages], vectors, manifest["model"]["name"],
        previous_alignments, kinds=[p.kind for p in passages], continues=continues_block(passages))
    glossary = mine_glossary(english_pairs(alignments, passages))
    step("alignments_glossary")
    register = safe_register(passages, Counterparts.from_pages(alignments, {p.id: p.language for p in passages}))
    step("register")
    with staging_dir(index_dir) as build_dir:
        with open(build_dir / PASSAGES, "w", encoding="utf-8") as fh:
            for p in passages:
                fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
        step("passages_jsonl")
        dense = DenseIndex.build(vectors)  # its FAISS type chosen by size (index/retrieval/dense.py)
        dense.save(build_dir / VECTORS)
        step("faiss")
        if latent is not None:
            LatentIndex(latent).save(build_dir / LATENT)
        (build_dir / UNITS).write_text(json.dumps(units), encoding="utf-8")
        np.save(build_dir / UNIT_VECTORS, unit_vectors.astype(np.float32))
        if unit_latent is not None:
            LatentIndex(unit_latent).save(build_dir / UNIT_LATENT)
        step("latent_and_units")
        (build_dir / BM25_DIR).mkdir()
        LexicalIndex.build([p.embedding_text() for p in passages], [p.language for p in passages]).save(build_dir / BM25_DIR)
        step("bm25")
        (build_dir / ALIGNMENTS).write_text(json.dumps({"version": ALIGNER_VERSION, "pages": alignments},
                                                       ensure_ascii=False), encoding="utf-8")
        (build_dir / GLOSSARY).write_text(json.dumps(glossary.to_dict(), ensure_ascii=False), encoding="utf-8")
        if register is not None:  # a register that could not be read is logged and left out; search works
            (build_dir / REGISTER_FILE).write_text(register.model_dump_json(), encoding="utf-8")
        manifest = {
            **manifest,
            "signals": ["dense", "bm25", *(["latent"] if latent is not None else [])],
            "dense_index": dense.kind,
            "passage_count": len(passages),
            "unit_count": len(units),
            "languages": sorted({p.language for p in passages}),
            "alignment": {"page_pairs": len(alignments), "aligned_anew": aligned_anew,
                          "links": sum(len(links) for links in alignments.values()),
                          "glossary_entries": len(glossary.entries)},
            "register": {"version": register.version, "actions": len(register.actions)} if register else None,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        commit_build(index_dir, build_dir, manifest)
        step("manifest_sha256_fsync")
    return manifest
