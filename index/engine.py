"""The search engine: one object built from settings, used by the CLI, the API and the evaluation."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ingest import GuidekbError, Passage

from .build import BM25_DIR, PASSAGES, UNIT_VECTORS, UNITS, VECTORS, build_index, corpus_fingerprint
from .citation import citation_for
from .dense import DenseIndex
from .embed import Embedder, load_embedder
from .fusion import FUSERS
from .highlight import best_unit
from .languages import UNDETERMINED, check_language, detect_language
from .lexical import LexicalIndex
from .results import Hit, PassageRecord, SearchResponse
from .settings import Settings
from .store import current_build, read_manifest

_build_lock = threading.Lock()


@dataclass
class LoadedIndex:
    manifest: dict
    passages: list[Passage]
    dense: DenseIndex
    lexical: LexicalIndex
    units: dict[int, list[tuple[int, int, int]]]  # passage -> [(unit row, start, end)]
    unit_vectors: np.ndarray

    @classmethod
    def load(cls, build_dir) -> "LoadedIndex":
        manifest = read_manifest(build_dir)
        with open(build_dir / PASSAGES, encoding="utf-8") as fh:
            passages = [Passage.from_dict(json.loads(line)) for line in fh]
        dense = DenseIndex.load(build_dir / VECTORS)
        lexical = LexicalIndex.load(build_dir / BM25_DIR, len(passages))
        unit_rows = json.loads((build_dir / UNITS).read_text(encoding="utf-8"))
        unit_vectors = np.load(build_dir / UNIT_VECTORS)
        count = manifest["passage_count"]
        if not (len(passages) == dense.size == count and len(unit_rows) == len(unit_vectors)):
            raise GuidekbError(
                "index_corrupt",
                f"index at {build_dir} is inconsistent ({len(passages)} passages, {dense.size} vectors, manifest "
                f"says {count}): run `guidekb build`",
                503,
            )
        units: dict[int, list[tuple[int, int, int]]] = {}
        for row, (passage, start, end) in enumerate(unit_rows):
            units.setdefault(passage, []).append((row, start, end))
        return cls(manifest, passages, dense, lexical, units, unit_vectors)


class SearchEngine:
    def __init__(self, index: LoadedIndex, embedder: Embedder, settings: Settings):
        model = index.manifest["model"]
        if model["name"] != embedder.name or model["dim"] != embedder.dim:
            raise GuidekbError(
                "model_mismatch",
                f"index was built with model {model['name']} ({model['dim']} dims), loaded {embedder.name} "
                f"({embedder.dim} dims): run `guidekb build` with the model you want to search with",
                409,
            )
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self._by_id = {p.id: i for i, p in enumerate(index.passages)}
        self._languages = list(index.manifest["languages"])

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None, build_if_missing: bool = True,
             log: Callable[[str], None] = lambda _: None) -> "SearchEngine":
        """Load the index for the settings' corpus, building it first if there is none or it is out of date."""
        index_dir = settings.resolved_index_dir
        with _build_lock:
            build = current_build(index_dir)
            stale = build is not None and _is_stale(build, settings)
            if build is None or stale:
                if not build_if_missing:
                    raise GuidekbError("index_missing", f"no up-to-date index in {index_dir}: run `guidekb build`", 503)
                log("corpus changed since the last build: rebuilding" if stale else f"no index yet in {index_dir}: building it")
                embedder = embedder or load_embedder(settings.model)
                build_index(settings, embedder, log=log)
                build = current_build(index_dir)
        loaded = LoadedIndex.load(build)
        return cls(loaded, embedder or load_embedder(settings.model), settings)

    # -- queries -------------------------------------------------------------------------------------
    def validate(self, query: str, k: int | None, lang: str | None) -> tuple[str, int, str | None]:
        s = self.settings
        if not isinstance(query, str) or not query.strip():
            raise GuidekbError("empty_query", "the question is empty: type a question about the Programme Guide")
        query = query.strip()
        if len(query) > s.max_query_chars:
            raise GuidekbError("query_too_long", f"the question has {len(query)} characters; the limit is {s.max_query_chars}")
        k = s.default_k if k is None else k
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= s.max_k:
            raise GuidekbError("invalid_k", f"k must be a whole number from 1 to {s.max_k}, got {k!r}")
        return query, k, check_language(lang) if lang else None

    def search(self, query: str, k: int | None = None, lang: str | None = None, fusion: str | None = None) -> SearchResponse:
        query, k, lang = self.validate(query, k, lang)
        fuser = FUSERS[fusion or self.settings.fusion]
        language = lang or detect_language(query)
        qvec = self.embedder.embed_queries([query])[0]
        ranked = fuser(self._dense(qvec), self._lexical(query, language), k=self.settings.rrf_k,
                       dense_weight=self.settings.dense_weight, lexical_weight=self.settings.lexical_weight,
                       alpha=self.settings.linear_alpha)
        hits = [self._hit(i, score, rank, qvec) for rank, (i, score) in enumerate(ranked[:k], 1)]
        return SearchResponse(query=query, language=language, language_detected=lang is None, passages=hits)

    def _dense(self, qvec: np.ndarray) -> list[tuple[int, float]]:
        ids, scores = self.index.dense.search(qvec, self.settings.candidates)
        return [(int(i), float(s)) for i, s in zip(ids, scores)]

    def _lexical(self, query: str, language: str) -> list[tuple[int, float]]:
        # a query may be mis-detected or mix languages: analyse it in its language and in the corpus ones
        languages = ([] if language == UNDETERMINED else [language]) + self._languages
        scores = self.index.lexical.scores(query, languages)
        n = min(self.settings.candidates, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def _hit(self, i: int, score: float, rank: int, qvec: np.ndarray) -> Hit:
        p = self.index.passages[i]
        start, end = 0, len(p.text)
        units = self.index.units.get(i)
        if units:
            _, start, end = units[best_unit(self.index.unit_vectors[[row for row, _, _ in units]], qvec)]
        return Hit(id=p.id, text=p.text, context=p.context, highlight=p.text[start:end], highlight_start=start,
                   highlight_end=end, language=p.language, score=round(score, 6), rank=rank, citation=citation_for(p))

    def get_passage(self, passage_id: str) -> PassageRecord:
        i = self._by_id.get(passage_id)
        if i is None:
            raise GuidekbError("passage_not_found", f"no passage with id {passage_id!r} in this index", 404)
        p = self.index.passages[i]
        return PassageRecord(id=p.id, text=p.text, context=p.context, language=p.language, kind=p.kind,
                             citation=citation_for(p))

    def status(self) -> dict:
        m = self.index.manifest
        return {"model": m["model"]["name"], "passages": m["passage_count"], "languages": m["languages"],
                "built_at": m["built_at"], "corpus_hash": m["corpus_hash"]}


def _is_stale(build, settings: Settings) -> bool:
    try:
        return read_manifest(build, verify=False).get("corpus_hash") != corpus_fingerprint(settings)
    except GuidekbError as exc:
        if exc.code == "index_incompatible":
            return True
        raise
