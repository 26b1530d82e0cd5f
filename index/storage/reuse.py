"""Incremental builds: the current build's vectors, for passages whose id, text and embedding text are unchanged."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ingest import GuidekbError, Passage

from ..settings import Settings
from .passes import PASSES_VERSION
from .store import ALIGNMENTS, LATENT, PASSAGES, UNIT_LATENT, UNIT_VECTORS, UNITS, VECTORS, current_build, read_manifest


@dataclass
class PreviousVectors:
    """Vectors of the current build, by (passage id, text, embedding text), for an incremental build."""

    model: dict
    dense: dict[tuple[str, str, str], np.ndarray]
    latent: object  # CSR matrix, rows as in the previous build, or None
    latent_row: dict[tuple[str, str, str], int]
    units: dict[tuple[str, str, str], list[tuple[int, int, int]]]  # key -> [(previous unit row, start, end)]
    unit_vectors: np.ndarray
    unit_latent: object
    alignments: dict  # page-pair key -> links, from the previous build's alignments file ({} if none)


def key(p: Passage) -> tuple[str, str, str]:
    return (p.id, p.text, p.embedding_text())


def previous_vectors(settings: Settings, model_name: str,
                     log: Callable[[str], None] = lambda _: None) -> PreviousVectors | None:
    """The current build's vectors if it was built with this model and settings and is intact, else None."""
    build = current_build(settings.resolved_index_dir)
    if build is None:
        return None
    try:
        manifest = read_manifest(build)  # every file's sha256: damaged vectors are never carried over
        if (manifest.get("bare_weight") != settings.bare_weight or manifest["model"]["name"] != model_name
                or manifest.get("passes_version") != PASSES_VERSION):  # vectors made another way are not mixed in
            return None
        with open(build / PASSAGES, encoding="utf-8") as fh:
            old = [Passage.from_dict(json.loads(line)) for line in fh]
        import faiss
        from scipy.sparse import load_npz

        dense = faiss.read_index(str(build / VECTORS))
        if dense.ntotal != len(old):
            return None
        rows = dense.reconstruct_n(0, dense.ntotal)  # IndexFlatIP stores the vectors as they were added
        latent = load_npz(build / LATENT).tocsr() if "latent" in manifest.get("signals", []) else None
        unit_rows = json.loads((build / UNITS).read_text(encoding="utf-8"))
        unit_vectors = np.load(build / UNIT_VECTORS)
        unit_latent = load_npz(build / UNIT_LATENT).tocsr() if latent is not None and unit_rows else None
        alignments = (json.loads((build / ALIGNMENTS).read_text(encoding="utf-8"))["pages"]
                      if (build / ALIGNMENTS).is_file() else {})
    except (GuidekbError, OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        log(f"previous index not reusable ({exc}): embedding everything")
        return None
    keys = [key(p) for p in old]
    units: dict[tuple[str, str, str], list[tuple[int, int, int]]] = {}
    for row, (i, start, end) in enumerate(unit_rows):
        units.setdefault(keys[i], []).append((row, start, end))
    return PreviousVectors(manifest["model"], {k: rows[i] for i, k in enumerate(keys)}, latent,
                           {k: i for i, k in enumerate(keys)}, units, unit_vectors, unit_latent, alignments)


def assemble_rows(n: int, fresh: list[int], fresh_matrix, reused: list[int], previous_rows: list[int], previous):
    """A CSR matrix of n rows: rows `fresh` from fresh_matrix, rows `reused` from previous[previous_rows]."""
    from scipy.sparse import csr_matrix, vstack

    parts, order = [], []
    if fresh:
        parts.append(fresh_matrix.tocsr())
        order += fresh
    if reused:
        parts.append(previous.tocsr()[previous_rows])
        order += reused
    stacked = vstack(parts, format="csr") if parts else csr_matrix((0, 0), dtype=np.float32)
    where = np.empty(n, dtype=np.int64)
    where[order] = np.arange(len(order))
    return stacked[where].astype(np.float32)


def previous_unit_rows(previous: PreviousVectors, units: list[tuple[int, int, int]], keys) -> list[int]:
    """Rows of the previous build's unit vectors for these units of reused passages (same text, same spans)."""
    rows = []
    for i, start, end in units:
        spans = {(s, e): row for row, s, e in previous.units.get(keys[i], [])}
        if (start, end) not in spans:
            raise GuidekbError("build_failed", f"passage {keys[i][0]}: its highlight units differ from the previous "
                               "build's: run `guidekb build --full` to embed everything", 500)
        rows.append(spans[(start, end)])
    return rows
