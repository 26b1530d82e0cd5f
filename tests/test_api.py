"""The HTTP API over the real session engine, in process (TestClient) and as a real `guidekb serve`."""
from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from index import SearchEngine
from search_api.app import create_app
from server_utils import running_server

QUESTION = "who manages capacity building in youth?"
HIT_KEYS = {"id", "text", "highlight", "language", "score", "rank", "citation"}
CITATION_KEYS = {"title", "section", "url", "edition", "position", "language", "reference"}


def page_urls(corpus_dir: Path) -> set[str]:
    return {json.loads(p.read_text(encoding="utf-8"))["url"] for p in corpus_dir.glob("*.meta.json")}


def assert_search_response(body: dict, corpus_dir: Path, k: int) -> None:
    """Shape, best-first order and citable URLs of one SearchResponse body."""
    assert {"query", "language", "language_detected", "passages"} <= body.keys()
    hits = body["passages"]
    assert 1 <= len(hits) <= k
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len({h["id"] for h in hits}) == len(hits)
    pages = page_urls(corpus_dir)
    for h in hits:
        assert HIT_KEYS <= h.keys() and CITATION_KEYS <= h["citation"].keys()
        assert h["highlight"] and h["highlight"] in h["text"]
        url = h["citation"]["url"]
        assert url.split("#", 1)[0] in pages and "#:~:text=" in url
        assert url in h["citation"]["reference"]


@pytest.fixture(scope="module")
def client(engine):
    return TestClient(create_app(engine=engine))


@pytest.mark.parametrize("method", ["GET /search", "POST /ask"])
def test_search_shape_order_and_citations(client, engine, corpus_dir, method):
    if method == "GET /search":
        r = client.get("/search", params={"q": QUESTION, "k": 5})
    else:
        r = client.post("/ask", json={"q": QUESTION, "k": 5})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert_search_response(body, corpus_dir, k=5)
    assert body["query"] == QUESTION and body["language"] == "en" and body["language_detected"] is True
    assert body == engine.search(QUESTION, k=5).model_dump()


def test_search_and_ask_agree(client):
    get = client.get("/search", params={"q": QUESTION, "k": 3}).json()
    post = client.post("/ask", json={"question": QUESTION, "k": 3}).json()  # `question` is an alias of `q`
    assert get == post and len(get["passages"]) == 3


def test_default_k_and_given_language(client, engine):
    r = client.get("/search", params={"q": QUESTION, "lang": "EN"})
    assert r.status_code == 200
    body = r.json()
    assert body["language"] == "en" and body["language_detected"] is False
    assert len(body["passages"]) == engine.settings.default_k


def test_passage_roundtrip(client, engine):
    hits = client.get("/search", params={"q": QUESTION, "k": 3}).json()["passages"]
    for hit in hits:
        r = client.get(f"/passages/{hit['id']}")
        assert r.status_code == 200
        record = r.json()
        assert record["id"] == hit["id"] and record["text"] == hit["text"]
        assert record["citation"] == hit["citation"]
        assert record == engine.get_passage(hit["id"]).model_dump()


def test_unicode_is_sent_as_utf8(client):
    r = client.get("/search", params={"q": "Кой управлява проектите?", "k": 1})
    assert r.status_code == 200
    assert r.json()["language"] == "bg"
    assert "Ключово".encode("utf-8") in r.content  # not \u-escaped


def test_health(client, engine):
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["passages"] == engine.status()["passages"] == len(engine.index.passages)
    assert body["model"] == engine.embedder.name and body["languages"]


def test_docs_and_openapi(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/search", "/ask", "/passages/{passage_id}", "/health"} <= spec["paths"].keys()
    errors = spec["paths"]["/search"]["get"]["responses"]
    assert errors["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")


def test_engine_opened_once_at_startup(monkeypatch, engine, settings):
    calls = []

    def fake_open(cls, s, **kwargs):
        calls.append(s)
        return engine

    monkeypatch.setattr(SearchEngine, "open", classmethod(fake_open))
    app = create_app(settings=settings)
    assert calls == []  # nothing heavy when the app is built
    with TestClient(app) as c:
        assert calls == [settings]
        for _ in range(3):
            assert c.get("/search", params={"q": QUESTION}).status_code == 200
        assert c.get("/health").status_code == 200
    assert calls == [settings]


# -- a real server --------------------------------------------------------------------------------------
@pytest.mark.server
def test_real_server_end_to_end(engine, corpus_dir, tmp_path):
    with running_server(corpus_dir, tmp_path / "server.log") as (base, _):
        expected = engine.search(QUESTION, k=5)
        got = httpx.get(f"{base}/search", params={"q": QUESTION, "k": 5}, timeout=30)
        assert got.status_code == 200
        assert_search_response(got.json(), corpus_dir, k=5)
        assert got.json()["passages"][0]["id"] == expected.passages[0].id

        asked = httpx.post(f"{base}/ask", json={"q": QUESTION, "k": 5}, timeout=30)
        assert asked.status_code == 200
        assert asked.json()["passages"][0]["id"] == expected.passages[0].id
        assert [h["id"] for h in asked.json()["passages"]] == [h.id for h in expected.passages]

        missing = httpx.get(f"{base}/passages/no-such-id", timeout=30)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "passage_not_found"
