"""Any sentence-transformers model (the `st` extra), on the device choose_device picks."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ingest.errors import GuidekbError

from .base import _normalise
from .device import choose_device


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
