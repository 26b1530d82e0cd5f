"""Running the API: load shedding, reloads, metrics and access logs, in process over the session engine."""
from __future__ import annotations

import json
import logging
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from index import SearchEngine, build_settings
from index.storage.build import build_index
from search_api.app import create_app
from server_utils import clone_corpus, guidekb_command
from test_error_shape import assert_error_shape

Q = "who manages capacity building in youth?"
TOKEN = "s3cret-token"


class SlowEngine:
    """The real engine, but every search holds its slot for `seconds` (a stand-in for a busy CPU)."""

    def __init__(self, engine, seconds: float):
        self.engine, self.seconds, self.settings = engine, seconds, engine.settings

    def search(self, *args, **kwargs):
        time.sleep(self.seconds)
        return self.engine.search(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.engine, name)


def test_past_capacity_searches_are_shed_fast_with_retry_after_and_recover(engine):
    app = create_app(engine=SlowEngine(engine, 0.6), max_in_flight=2, max_wait=0.05)
    with TestClient(app) as client:
        def timed_search(_):
            start = time.perf_counter()
            r = client.get("/search", params={"q": Q})
            return r, time.perf_counter() - start

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(timed_search, range(8)))
        ok = [r for r, _ in results if r.status_code == 200]
        shed = [(r, s) for r, s in results if r.status_code == 503]
        assert len(ok) == 2 and len(shed) == 6
        for r, seconds in shed:
            assert_error_shape(r, 503, "overloaded")
            assert r.headers["retry-after"] == "1" and r.headers["x-request-id"]
            assert seconds < 0.5  # refused after the short wait, not after the searches ahead of it
        # load gone: every search is answered again
        assert [client.get("/search", params={"q": Q}).status_code for _ in range(3)] == [200, 200, 200]
        assert 'guidekb_shed_total{route="/search"} 6.0' in client.get("/metrics").text


def test_a_short_wait_for_a_slot_is_not_a_shed(engine):
    app = create_app(engine=SlowEngine(engine, 0.2), max_in_flight=1, max_wait=5)
    with TestClient(app) as client, ThreadPoolExecutor(3) as pool:
        statuses = list(pool.map(lambda _: client.post("/ask", json={"q": Q}).status_code, range(3)))
    assert statuses == [200, 200, 200]


def test_health_and_passages_are_not_limited(engine):
    app = create_app(engine=SlowEngine(engine, 0.5), max_in_flight=1, max_wait=0)
    with TestClient(app) as client, ThreadPoolExecutor(2) as pool:
        busy = pool.submit(client.get, "/search", params={"q": Q})
        time.sleep(0.1)
        assert client.get("/health").status_code == 200
        assert client.get(f"/passages/{engine.index.passages[0].id}").status_code == 200
        assert busy.result().status_code == 200


# -- reload --------------------------------------------------------------------------------------------
@pytest.fixture
def own_corpus(engine, corpus_dir, tmp_path):
    """A copy of the session corpus and index, and an engine over it sharing the session's model."""
    settings = build_settings(corpus_dir=clone_corpus(corpus_dir, tmp_path / "corpus"))
    return settings, SearchEngine.open(settings, embedder=engine.embedder, build_if_missing=False)


def test_reload_is_off_without_a_token(engine):
    client = TestClient(create_app(engine=engine))
    assert_error_shape(client.post("/admin/reload"), 404, "not_found")
    assert "/admin/reload" not in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"bearer {TOKEN}x", TOKEN, f"Basic {TOKEN}"])
def test_reload_needs_the_token(own_corpus, header):
    settings, own = own_corpus
    client = TestClient(create_app(settings, own, admin_token=TOKEN))
    r = client.post("/admin/reload", headers={"Authorization": header} if header else {})
    assert_error_shape(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"
    assert client.app.state.engine is own


def test_reload_swaps_in_the_new_build_without_failing_searches(own_corpus):
    settings, own = own_corpus
    app = create_app(settings, own, admin_token=TOKEN)
    with TestClient(app) as client:
        before = client.get("/health").json()["build"]
        stop, statuses = threading.Event(), []

        def query_loop():
            while not stop.is_set():
                statuses.append(client.get("/search", params={"q": Q, "k": 3}).status_code)

        worker = threading.Thread(target=query_loop)
        worker.start()
        try:
            build_index(settings, own.embedder)  # a new build of the same corpus while searches run
            r = client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
            time.sleep(0.3)
        finally:
            stop.set()
            worker.join()
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["previous"]["build"] == before != body["current"]["build"]
        assert client.get("/health").json()["build"] == body["current"]["build"] == settings.resolved_index_dir.joinpath("current").resolve().name
        assert app.state.engine is not own and app.state.engine.embedder is own.embedder  # the model is reused
        assert statuses and set(statuses) == {200}
        assert 'guidekb_reloads_total{outcome="ok"} 1.0' in client.get("/metrics").text


def test_failed_reload_keeps_serving_the_previous_index(own_corpus):
    settings, own = own_corpus
    current = settings.resolved_index_dir / "current"
    (current.resolve() / "dense.faiss").write_bytes(b"truncated")
    client = TestClient(create_app(settings, own, admin_token=TOKEN))
    r = client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
    assert "dense.faiss" in assert_error_shape(r, 503, "index_corrupt")["message"]
    assert client.app.state.engine is own
    assert client.get("/search", params={"q": Q}).status_code == 200


# -- observability -------------------------------------------------------------------------------------
def test_one_json_access_line_per_request(engine, caplog):
    client = TestClient(create_app(engine=engine))
    with caplog.at_level(logging.INFO, logger="guidekb.access"):
        client.get("/search", params={"q": Q}, headers={"X-Request-ID": "req-42"})
        client.get("/passages/nope")
        client.get("/no/such/route")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "guidekb.access"]
    assert [(l["method"], l["path"], l["route"], l["status"]) for l in lines] == [
        ("GET", "/search", "/search", 200),
        ("GET", "/passages/nope", "/passages/{passage_id}", 404),
        ("GET", "/no/such/route", "unmatched", 404)]
    assert lines[0]["request_id"] == "req-42" and all(l["request_id"] for l in lines)
    assert all(isinstance(l["duration_ms"], float) and l["duration_ms"] >= 0 for l in lines)


class FailingEngine(SlowEngine):
    def search(self, *args, **kwargs):
        raise RuntimeError("bug")


def test_an_unhandled_error_is_logged_and_counted_as_500(engine, caplog):
    client = TestClient(create_app(engine=FailingEngine(engine, 0)), raise_server_exceptions=False)
    with caplog.at_level(logging.INFO, logger="guidekb.access"):
        r = client.get("/search", params={"q": Q})
    assert_error_shape(r, 500, "internal_error")
    line = json.loads([rec for rec in caplog.records if rec.name == "guidekb.access"][-1].getMessage())
    assert (line["status"], line["request_id"]) == (500, r.headers["x-request-id"])
    assert 'guidekb_requests_total{method="GET",route="/search",status="500"} 1.0' in client.get("/metrics").text


def test_prometheus_metrics_by_route_and_status(engine):
    client = TestClient(create_app(engine=engine))
    for _ in range(2):
        client.get("/search", params={"q": Q})
    client.get("/search", params={"q": ""})
    client.get(f"/passages/{engine.index.passages[0].id}")
    client.get("/passages/nope")
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert 'guidekb_requests_total{method="GET",route="/search",status="200"} 2.0' in text
    assert 'guidekb_requests_total{method="GET",route="/search",status="400"} 1.0' in text
    assert 'guidekb_requests_total{method="GET",route="/passages/{passage_id}",status="404"} 1.0' in text
    assert 'guidekb_request_duration_seconds_count{method="GET",route="/search",status="200"} 2.0' in text
    assert 'guidekb_request_duration_seconds_bucket{le="10.0",method="GET",route="/search",status="200"} 2.0' in text


@pytest.mark.parametrize("flag,value", [("--max-in-flight", "0"), ("--max-wait", "-1"), ("--max-wait", "nan")])
def test_serve_refuses_a_bad_limit_before_loading_anything(flag, value):
    run = subprocess.run(guidekb_command() + ["serve", flag, value], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "--max-in-flight must be at least 1" in run.stderr
