"""A search's cost is bounded (the model reads at most MAX_QUERY_TOKENS of a question) and admission counts it."""
from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from fastapi.testclient import TestClient

from index.embedding.e5_fast import MAX_QUERY_TOKENS
from index.retrieval.first_stage import query_latent_terms
from search_api.admission import MAX_WEIGHT, Admission, weight
from search_api.app import create_app
from test_error_shape import assert_error_shape
from test_ops import SlowEngine

SHORT = "who manages capacity building in youth?"
LONG = ("youth capacity building " * 50)[:1000]


# -- what the model reads of a question -----------------------------------------------------------------
def test_the_model_reads_a_question_up_to_its_token_bound(engine):
    embedder = engine.embedder
    tokens = lambda text: len(embedder.encoder.tokenizer.content_ids("query: " + text))  # noqa: E731
    over, further = "youth " * 200, "youth " * 400 + "mobility of staff in higher education"
    assert tokens(over) > MAX_QUERY_TOKENS
    dense = embedder.embed_queries([over, further, "youth " * 10])
    assert np.allclose(dense[0], dense[1])  # the words past the bound change nothing
    assert not np.allclose(dense[0], dense[2])
    latent = query_latent_terms(embedder, [over, further])
    assert (latent[0] != latent[1]).nnz == 0
    # passages are read whole: the bound is for questions only
    passages = embedder.latent_terms([over, further])
    assert (passages[0] != passages[1]).nnz > 0


def test_a_long_question_still_ranks_by_its_words(engine):
    """Past the bound BM25 still reads the whole question; the answer is the same passage as for its start."""
    start = "изграждане на капацитет в областта на висшето образование"
    long = (start + " ") * 20
    assert engine.search(long[:1000], k=1).passages[0].id == engine.search(start, k=1).passages[0].id


# -- weights --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("chars,units", [(1, 1), (100, 1), (101, 2), (350, 4), (1000, MAX_WEIGHT), (5000, MAX_WEIGHT)])
def test_weight_grows_with_length_and_is_bounded(chars, units):
    assert weight("a" * chars) == units


def run(coroutine):
    return asyncio.run(coroutine)


def test_short_questions_find_room_while_long_ones_fill_their_share():
    async def scenario():
        admission = Admission(capacity=16, max_wait=0.05)
        async with admission.slot("/search", LONG) as first:  # 8 units: the whole share of long questions
            assert first
            async with admission.slot("/search", LONG) as second:  # no room for another long one: shed
                assert not second
            held = []
            for _ in range(8):  # but eight short ones still get in beside it
                cm = admission.slot("/search", SHORT)
                assert await cm.__aenter__()
                held.append(cm)
            async with admission.slot("/search", SHORT) as ninth:  # 16 units in use: the next waits, then is shed
                assert not ninth
            for cm in held:
                await cm.__aexit__(None, None, None)
        async with admission.slot("/search", LONG) as again:  # all given back
            assert again

    run(scenario())


def test_a_waiting_search_is_admitted_when_units_come_back_and_none_leak():
    async def scenario():
        admission = Admission(capacity=2, max_wait=5)
        order = []

        async def search(name: str, question: str, hold: float):
            async with admission.slot("/search", question) as admitted:
                order.append((name, admitted))
                await asyncio.sleep(hold)

        first = asyncio.create_task(search("first", SHORT, 0.2))
        second = asyncio.create_task(search("second", SHORT, 0.2))
        await asyncio.sleep(0.05)
        waiting = asyncio.create_task(search("waiting", SHORT, 0))
        cancelled = asyncio.create_task(search("cancelled", SHORT, 0))
        await asyncio.sleep(0.05)
        cancelled.cancel()  # a client that leaves while waiting gives up its place
        await asyncio.gather(first, second, waiting, return_exceptions=True)
        assert order == [("first", True), ("second", True), ("waiting", True)]
        budget = admission._budget
        assert budget.used == budget.heavy_used == 0 and not budget.waiting

    run(scenario())


def test_a_question_heavier_than_the_capacity_still_runs_alone():
    async def scenario():
        admission = Admission(capacity=2, max_wait=0.01)
        async with admission.slot("/ask", LONG) as alone:
            assert alone
            async with admission.slot("/ask", SHORT) as beside:
                assert beside  # the long one holds its capped share (1 of 2), not 8 units
    run(scenario())


def test_over_http_long_questions_are_shed_and_short_ones_answered(engine):
    """Eight clients sending 1,000-character questions and one sending short ones, each search held 0.6 s."""
    app = create_app(engine=SlowEngine(engine, 0.6), max_in_flight=16, max_wait=0.1)
    with TestClient(app) as client, ThreadPoolExecutor(9) as pool:
        longs = [pool.submit(client.post, "/ask", json={"q": LONG}) for _ in range(8)]
        time.sleep(0.2)
        shorts = [pool.submit(client.get, "/search", params={"q": f"{SHORT} {i}"}) for i in range(1)]
        statuses = sorted(r.result().status_code for r in longs)
        assert [s.result().status_code for s in shorts] == [200]
    assert statuses == [200] + [503] * 7  # one long question at a time: their share is half the capacity
    shed = next(r.result() for r in longs if r.result().status_code == 503)
    assert_error_shape(shed, 503, "overloaded")
    assert shed.headers["retry-after"] == "1"
