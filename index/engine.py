"""The search engine: one object built from settings, used by the CLI, the API and the evaluation."""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ingest import GuidekbError, Passage, load_corpus
from ingest.editions import normalise_edition
from ingest.languages import UNDETERMINED, check_language, detect_language
from ingest.outdated import english_url
from ingest.sources import guide_page

from .citation import WEB_EDITION, citation_for
from .crosslang.align import page_key
from .crosslang.counterparts import PREVAILING, Counterpart, Counterparts
from .crosslang.glossary import Glossary, expand_query
from .embedding import Embedder, build_embedder_searches, configure_openmp, load_embedder, release_freed_memory
from .ranking.fusion import FUSERS, clause_evidence, page_evidence
from .ranking.highlight import best_unit
from .ranking.intent import asks_who, names_actor
from .register import AnswerFinder, Register
from .register.store import load_register
from .results import (ConsistencyIssue, ConsistencyReport, FigureDifference, Hit, PassageRecord, SearchResponse, Translation,
                      TranslationsResponse)
from .retrieval.dense import DenseIndex
from .retrieval.first_stage import FirstStage, VectorRetrieval, top
from .retrieval.latent import LatentIndex
from .retrieval.lexical import LexicalIndex
from .settings import Settings
from .storage.build import build_index, corpus_fingerprint
from .storage.store import (ALIGNMENTS, BM25_DIR, GLOSSARY, LATENT, PASSAGES, UNIT_LATENT, UNIT_VECTORS, UNITS, VECTORS,
                            current_build, read_manifest)

_build_lock = threading.Lock()
log = logging.getLogger("guidekb")


@dataclass(frozen=True)
class QueryVectors:
    """A question as every signal sees it, computed once per search."""

    text: str
    language: str
    dense: np.ndarray | None  # None when the model failed: the search is degraded to BM25
    latent: object  # scipy CSR row, or None when the model has no latent-term head (or failed)
    asks_who: bool


@dataclass
class LoadedIndex:
    manifest: dict
    passages: list[Passage]
    dense: DenseIndex
    lexical: LexicalIndex
    latent: LatentIndex | None
    actors: np.ndarray  # 1.0 where the passage names a body (agency, commission)
    units: dict[int, list[tuple[int, int, int]]]  # passage -> [(unit row, start, end)]
    unit_vectors: np.ndarray
    unit_latent: LatentIndex | None
    counterparts: Counterparts
    glossary: Glossary
    path: Path | None = None  # the build folder it was read from
    register: Register | None = None  # the action register (index/register): read at build time, stored beside the manifest

    @classmethod
    def load(cls, build_dir) -> "LoadedIndex":
        try:
            return cls._load(build_dir)
        except (OSError, ValueError, KeyError) as exc:  # a file the manifest does not cover, or unreadable
            raise GuidekbError("index_corrupt", f"index at {build_dir} cannot be read ({exc}): run `guidekb build`", 503) from exc

    @classmethod
    def _load(cls, build_dir) -> "LoadedIndex":
        manifest = read_manifest(build_dir)
        with open(build_dir / PASSAGES, encoding="utf-8") as fh:
            shared: dict = {}
            passages = [Passage.from_dict(json.loads(line), shared) for line in fh]
        dense = DenseIndex.load(build_dir / VECTORS)
        lexical = LexicalIndex.load(build_dir / BM25_DIR, len(passages))
        latent = LatentIndex.load(build_dir / LATENT) if "latent" in manifest.get("signals", []) else None
        unit_rows = json.loads((build_dir / UNITS).read_text(encoding="utf-8"))
        unit_vectors = np.load(build_dir / UNIT_VECTORS)
        unit_latent = LatentIndex.load(build_dir / UNIT_LATENT) if latent is not None and unit_rows else None
        count = manifest["passage_count"]
        if not (len(passages) == dense.size == count and len(unit_rows) == len(unit_vectors)
                and (latent is None or latent.size == count)):
            raise GuidekbError(
                "index_corrupt",
                f"index at {build_dir} is inconsistent ({len(passages)} passages, {dense.size} vectors, manifest "
                f"says {count}): run `guidekb build`",
                503,
            )
        units: dict[int, list[tuple[int, int, int]]] = {}
        for row, (passage, start, end) in enumerate(unit_rows):
            units.setdefault(passage, []).append((row, start, end))
        actors = np.array([names_actor(p.text) for p in passages], dtype=np.float32)
        alignments = json.loads((build_dir / ALIGNMENTS).read_text(encoding="utf-8"))["pages"]
        counterparts = Counterparts.from_pages(alignments, {p.id: p.language for p in passages})
        glossary = Glossary.from_dict(json.loads((build_dir / GLOSSARY).read_text(encoding="utf-8")))
        register = load_register(build_dir, passages, counterparts)
        return cls(manifest, passages, dense, lexical, latent, actors, units, unit_vectors, unit_latent, counterparts,
                   glossary, Path(build_dir), register)


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
        self.counterparts = index.counterparts
        self.retrieval = VectorRetrieval(embedder, index, settings.candidates)
        self.query_cache = self.retrieval.cache  # per engine: a reload opens a new engine, so a new, empty cache
        self._row_language = np.array([p.language for p in index.passages])
        self._row_edition = np.array([edition_label(p.edition) for p in index.passages])
        pages: dict[str, int] = {}  # a page is one in every language
        self._page_of = np.array([pages.setdefault(page_key(p.page_url), len(pages)) for p in index.passages])
        self.answers = AnswerFinder(index.register, embedder, index.dense.scores, self._by_id, glossary=index.glossary) \
            if index.register and index.register.actions else None

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None, build_if_missing: bool = True,
             log: Callable[[str], None] = lambda _: None, build_embedder: Embedder | None = None) -> "SearchEngine":
        """Load the index for the settings' corpus, building it first if there is none or it is out of date.

        A build runs on `build_embedder`, else `embedder`, else the settings' build backend; the searches on
        `embedder`, else the settings' search backend (the two agree: see index/embedding)."""
        configure_openmp()
        index_dir = settings.resolved_index_dir
        documents = load_corpus(settings.corpus_dir)  # checks the corpus before any model loads
        fingerprint = corpus_fingerprint(settings, documents)
        with _build_lock:
            build = current_build(index_dir)
            stale = build is not None and _is_stale(build, fingerprint)
            if build is None or stale:
                if not build_if_missing:
                    why = "was built from another corpus or by another guidekb version" if stale else "does not exist"
                    raise GuidekbError("index_missing", f"the index in {index_dir} {why}: run `guidekb build`", 503)
                log("corpus changed since the last build: rebuilding" if stale else f"no index yet in {index_dir}: building it")
                builder = build_embedder or embedder or load_embedder(settings.model, settings.e5_backend,
                                                                      settings.device, build=True)
                build_index(settings, builder, log=log, documents=documents)
                if embedder is None and build_embedder_searches(settings.model, settings.e5_backend):
                    embedder = builder  # load no second model
                del builder
                release_freed_memory()  # the build's model and batches, now the process serves
                build = current_build(index_dir)
        loaded = LoadedIndex.load(build)
        built_with = loaded.manifest["model"]["name"]
        if embedder is None and built_with != settings.model:  # say so before loading a model for nothing
            raise GuidekbError("model_mismatch", f"index was built with model {built_with}, asked for {settings.model}: "
                               f"run `guidekb build --model {settings.model}` to rebuild it with that model", 409)
        return cls(loaded, embedder or load_embedder(settings.model, settings.e5_backend, settings.device), settings)

    # -- queries -------------------------------------------------------------------------------------
    def validate(self, query: str, k: int | None, lang: str | None) -> tuple[str, int, str | None]:
        return validate_query(self.settings, query, k, lang)

    def search(self, query: str, k: int | None = None, lang: str | None = None, fusion: str | None = None,
               weights: dict[str, float] | None = None, prefer: Sequence[str] | None = None,
               languages: Sequence[str] | None = None, editions: Sequence[str] | None = None) -> SearchResponse:
        """Best passages for a question, one per clause of the guide.

        A passage that has an aligned counterpart in a `prefer`red language (default: the question's, then English
        for a language the index does not hold) is shown in that language; the same clause never appears twice,
        whatever languages the index holds. `prefer=[]` shows passages as ranked. `languages` and `editions` limit
        the passages searched (None: all). `fusion` and `weights` override the settings (for evaluation).
        """
        query, k, lang = self.validate(query, k, lang)
        language = lang or detect_language(query)
        prefer = [check_language(code) for code in prefer] if prefer is not None else self._default_prefer(language)
        allowed = self._allowed(languages, editions)
        weights = {**self.weights(), **(weights or {})}
        expanded = self._expand(query, language) if weights.get("glossary") else query
        query_vectors, first, lexical = self._first_stage(expanded, language, allowed)
        degraded = first is None
        signals = self._signals(query_vectors, first, lexical, allowed)
        fuse = FUSERS["bm25" if degraded else fusion or self.settings.fusion]
        ranked = fuse(signals, weights, k=self.settings.rrf_k)
        hits = self._present(ranked, k, query_vectors, weights, prefer, allowed)
        raw_vector = query_vectors.dense if expanded == query else None  # the answer reads the question as asked
        answer = self.answers.answer(query, raw_vector, language, self._pages(ranked)) \
            if self.answers and not degraded else None
        return SearchResponse(query=query, language=language, language_detected=lang is None, passages=hits,
                              degraded=degraded, expansion=expanded[len(query):].strip() or None, answer=answer)

    def _pages(self, ranked: list[tuple[int, float]], n: int = 10) -> list[str]:
        """The guide pages of the n best-ranked passages, in rank order (what they say the question is about)."""
        return [guide_page(self.index.passages[i].page_url) for i, _ in ranked[:n]]

    def _default_prefer(self, language: str) -> list[str]:
        """The question's language; for one the index does not hold, English (it prevails)."""
        if language == UNDETERMINED:
            return []
        return [language] if language in self._languages else [language, PREVAILING]

    def _expand(self, query: str, language: str) -> str:
        """The question plus the glossary's forms, in the index's other languages, of the guide terms it names."""
        if language == UNDETERMINED or not self.index.glossary.entries:
            return query
        return expand_query(query, language, self.index.glossary, self._languages)

    def _present(self, ranked: list[tuple[int, float]], k: int, q: QueryVectors, weights: dict[str, float],
                 prefer: Sequence[str], allowed: np.ndarray | None) -> list[Hit]:
        """The top k clauses of a ranking: each shown once, in a preferred language when it is aligned there."""
        shown: set[str] = set()
        hits: list[Hit] = []
        for i, score in ranked:
            if len(hits) == k:
                break
            passage_id = self.index.passages[i].id
            if passage_id in shown:
                continue
            row = self._preferred_row(i, prefer, q, allowed)
            if self.index.passages[row].id in shown:  # alignments that disagree across languages: shown already
                continue
            shown |= self.counterparts.clause(passage_id) | self.counterparts.clause(self.index.passages[row].id)
            hits.append(self._hit(row, score, len(hits) + 1, q, weights, shown_for=passage_id if row != i else None))
        return hits

    def _preferred_row(self, i: int, prefer: Sequence[str], q: QueryVectors, allowed: np.ndarray | None) -> int:
        """Row of passage i's counterpart in the first preferred language that has one (i itself if none)."""
        p = self.index.passages[i]
        if not prefer or p.language in prefer:
            return i
        for language in prefer:
            for counterpart in self.counterparts.of(p.id, [language]):
                if counterpart.confidence >= self.settings.swap_confidence:
                    rows = [self._by_id[pid] for pid in counterpart.ids]
                    if allowed is not None and not allowed[rows].all():
                        continue
                    if len(rows) == 1 or q.dense is None:
                        return rows[0]
                    return max(rows, key=lambda r: float(self.index.dense.scores(q.dense, [r])[0]))
        return i

    def _allowed(self, languages: Sequence[str] | None, editions: Sequence[str] | None) -> np.ndarray | None:
        """Mask of the rows a filtered search may return, or None when nothing is filtered."""
        if languages is None and editions is None:
            return None
        mask = np.ones(len(self.index.passages), dtype=bool)
        if languages is not None:
            mask &= np.isin(self._row_language, sorted({check_language(code) for code in languages}))
        if editions is not None:
            mask &= np.isin(self._row_edition, sorted({normalise_edition(e) for e in editions}))
        return mask

    def weights(self) -> dict[str, float]:
        s = self.settings
        return {"dense": s.dense_weight, "clause": s.clause_weight, "latent": s.latent_weight if self.index.latent else 0.0,
                "bm25": s.lexical_weight, "intent": s.intent_weight, "page": s.page_weight,
                "glossary": 1.0 if s.expand_queries else 0.0}  # a switch: the question expanded with the glossary

    def _first_stage(self, query: str, language: str, allowed: np.ndarray | None):
        """(the question as every signal sees it, the vector retrievers' results or None when the model failed,
        (every passage's BM25 score, 0 outside `allowed`; the top candidates by it))."""
        def lexical():
            bm25 = self._lexical_scores(query, language)
            if allowed is not None:
                bm25 = np.where(allowed, bm25, 0.0)
            return bm25, top(bm25, self.settings.candidates)

        who = asks_who(query, language)
        try:
            first, bm25 = self.retrieval.run(query, allowed, meanwhile=lexical)
        except Exception:  # a model that fails must not take search down: answer from BM25, marked degraded
            log.exception("embedding the question failed: answering from BM25 alone")
            return QueryVectors(query, language, None, None, who), None, lexical()
        return QueryVectors(query, language, first.dense, first.latent, who), first, bm25

    def _signals(self, q: QueryVectors, first: FirstStage | None, lexical: tuple[np.ndarray, list[int]],
                 allowed: np.ndarray | None = None) -> dict[str, dict[int, float]]:
        """Each signal's score for the union of every retriever's top candidates (among `allowed` rows, if given)."""
        n = self.settings.candidates
        bm25, bm25_top = lexical
        if first is None:
            return {"bm25": {i: float(s) for i, s in enumerate(bm25) if s > 0}}
        candidates = set(int(i) for i in first.dense_ids) | set(bm25_top)
        latent = first.latent_scores
        if latent is not None:
            candidates |= set(top(latent if allowed is None else np.where(allowed, latent, -np.inf), n))
        order = sorted(i for i in candidates if allowed is None or allowed[i])  # a short top-n may pad with others
        dense = self.index.dense.scores(q.dense, order)
        signals = {"dense": dict(zip(order, map(float, dense))),
                   "bm25": {i: float(bm25[i]) for i in order if bm25[i] > 0}}
        signals["clause"] = self._clause_evidence(q.dense, signals["dense"])
        if latent is not None:
            signals["latent"] = {i: float(latent[i]) for i in order}
        if q.asks_who:
            signals["intent"] = {i: float(self.index.actors[i]) for i in order if self.index.actors[i]}
        signals["page"] = page_evidence(signals["dense"], self._page_of)
        return signals

    def _clause_evidence(self, query: np.ndarray, dense: dict[int, float]) -> dict[int, float]:
        """Mean dense cosine of each candidate's clause over its versions in every language held (see
        `clause_evidence`); the versions that are not candidates themselves are scored here."""
        members = {i: [i] + [self._by_id[pid] for c in self.counterparts.of(self.index.passages[i].id) for pid in c.ids]
                   for i in dense}
        extra = sorted({j for rows in members.values() for j in rows} - dense.keys())
        scores = {**dense, **dict(zip(extra, map(float, self.index.dense.scores(query, extra))))} if extra else dense
        return clause_evidence(members, scores)

    def _lexical_scores(self, query: str, language: str) -> np.ndarray:
        # a query may be mis-detected or mix languages: analyse it in its language and in the corpus ones
        languages = ([] if language == UNDETERMINED else [language]) + self._languages
        return self.index.lexical.scores(query, languages)

    def _hit(self, i: int, score: float, rank: int, q: QueryVectors, weights: dict[str, float],
             shown_for: str | None = None) -> Hit:
        p = self.index.passages[i]
        # the same clause in the question's language, in English (prevailing) and in the language it ranked in
        wanted = {q.language, PREVAILING} | ({self.index.passages[self._by_id[shown_for]].language} if shown_for else set())
        start, end = 0, len(p.text)
        units = self.index.units.get(i) if q.dense is not None else None  # degraded: the whole passage
        if units:
            rows = [row for row, _, _ in units]
            signals = {"dense": self.index.unit_vectors[rows] @ q.dense}
            if q.latent is not None and self.index.unit_latent is not None:
                signals["latent"] = self.index.unit_latent.scores(q.latent)[rows]
            if q.asks_who:
                signals["intent"] = [float(names_actor(p.text[s:e])) for _, s, e in units]
            # a unit has no versions of its own in other languages: its cosine carries the clause's weight too
            unit_weights = {**weights, "dense": weights.get("dense", 0.0) + weights.get("clause", 0.0)}
            _, start, end = units[best_unit(signals, unit_weights)]
        return Hit(id=p.id, text=p.text, context=p.context, highlight=p.text[start:end], highlight_start=start,
                   highlight_end=end, language=p.language, score=round(score, 6), rank=rank, citation=citation_for(p),
                   translations=self._translations(p.id, wanted - {p.language}), shown_for=shown_for)

    def get_passage(self, passage_id: str) -> PassageRecord:
        i = self._by_id.get(passage_id)
        if i is None:
            raise GuidekbError("passage_not_found", f"no passage with id {passage_id!r} in this index", 404)
        p = self.index.passages[i]
        return PassageRecord(id=p.id, text=p.text, context=p.context, language=p.language, kind=p.kind,
                             citation=citation_for(p))

    def translations(self, passage_id: str, languages: Sequence[str] | None = None) -> TranslationsResponse:
        """The passage and its aligned counterparts (all languages, or those asked), English first."""
        record = self.get_passage(passage_id)
        wanted = None if languages is None else [check_language(code) for code in languages]
        return TranslationsResponse(passage=record, translations=self._translations(passage_id, wanted))

    def _translations(self, passage_id: str, languages) -> list[Translation]:
        return [self._translation(c) for c in self.counterparts.of(passage_id, languages)]

    def _translation(self, c: Counterpart) -> Translation:
        return Translation(language=c.language, prevailing=c.language == PREVAILING, confidence=c.confidence,
                           group=list(c.group), passages=[self.get_passage(pid) for pid in c.ids])

    def check_consistency(self, languages: Sequence[str] | None = None, reference: str = PREVAILING) -> ConsistencyReport:
        """Aligned clauses whose figures (amounts, percentages, dates, durations, ages, counts, countries) differ
        from the reference language's (English by default: it prevails), for `languages` (default: all others);
        grouped by page, in page order."""
        from .crosslang.consistency import check_pairs, clause_pairs

        reference = check_language(reference)
        wanted = sorted({check_language(c) for c in languages} if languages else set(self._languages))
        wanted = [lang for lang in wanted if lang != reference]
        pairs = clause_pairs(self.index.passages, self.counterparts, reference, wanted)
        confidence = {(pair.a.ids, pair.b.ids): conf for pair, conf in pairs}
        issues = [ConsistencyIssue(
            language=found.b.language, page=english_url(self.index.passages[self._by_id[found.b.ids[0]]].page_url),
            passages=[self.get_passage(i) for i in found.b.ids],
            reference=[self.get_passage(i) for i in found.a.ids], confidence=confidence[found.a.ids, found.b.ids],
            differences=[FigureDifference(kind=d.kind, only_in_reference=list(d.only_in_a), only_in_this=list(d.only_in_b),
                                          written_in_reference=list(d.written_a), written_in_this=list(d.written_b))
                         for d in found.differences])
            for found in check_pairs(pair for pair, _ in pairs)]
        order = {page: n for n, page in enumerate(dict.fromkeys(english_url(p.page_url) for p in self.index.passages))}
        issues.sort(key=lambda i: (order[i.page], i.passages[0].citation.position.passage, i.language))
        return ConsistencyReport(reference_language=reference, languages=wanted, clauses_checked=len(pairs), issues=issues)

    def status(self) -> dict:
        m = self.index.manifest
        return {"model": m["model"]["name"], "passages": m["passage_count"], "languages": m["languages"],
                "built_at": m["built_at"], "corpus_hash": m["corpus_hash"],
                **({"left_out": m["left_out"]} if m.get("left_out") else {}),
                **({"build": self.index.path.name} if self.index.path else {})}


def validate_query(s: Settings, query, k, lang) -> tuple[str, int, str | None]:
    """Checked question, k and language, or a GuidekbError saying what is wrong; needs no model or index."""
    if not isinstance(query, str) or not query.strip():
        raise GuidekbError("empty_query", "the question is empty: type a question about the Programme Guide")
    query = query.strip()
    if len(query) > s.max_query_chars:
        raise GuidekbError("query_too_long", f"the question has {len(query)} characters; the limit is {s.max_query_chars}")
    k = s.default_k if k is None else k
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= s.max_k:
        raise GuidekbError("invalid_k", f"k must be a whole number from 1 to {s.max_k}, got {k!r}")
    return query, k, check_language(lang) if lang else None


def _is_stale(build, fingerprint: str) -> bool:
    try:
        return read_manifest(build, verify=False).get("corpus_hash") != fingerprint
    except GuidekbError as exc:
        if exc.code == "index_incompatible":
            return True
        raise


def edition_label(edition: str | None) -> str:
    """The edition a filter matches: the stated one, or 'web version' for pages that state none."""
    return normalise_edition(edition or WEB_EDITION)
