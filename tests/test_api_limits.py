"""API limits and odd requests: every one is a 4xx in the one error shape, never a 500; request ids; health."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from search_api.app import create_app
from search_api.middleware import MAX_BODY_BYTES
from test_error_shape import assert_error_shape

Q = "who manages capacity building in youth?"


@pytest.fixture(scope="module")
def client(engine):
    return TestClient(create_app(engine=engine))


# (method, path, keyword arguments for the client, expected status, expected code, a word the message must contain)
BAD_REQUESTS = [
    pytest.param("GET", "/search", {"params": {"q": "é" * 1001}}, 400, "query_too_long", "1000", id="get-q-1001"),
    pytest.param("GET", "/search", {"params": {"q": "a" * 5000}}, 400, "query_too_long", "1000", id="get-q-5000"),
    pytest.param("POST", "/ask", {"json": {"q": "a" * 60_000}}, 400, "query_too_long", "1000", id="post-q-60000"),
    pytest.param("GET", "/search", {"params": {"q": Q, "k": -1}}, 400, "invalid_k", "50", id="k-negative"),
    pytest.param("GET", "/search", {"params": {"q": Q, "k": 10**30}}, 400, "invalid_k", "50", id="k-huge"),
    pytest.param("POST", "/ask", {"json": {"q": Q, "k": 51}}, 400, "invalid_k", "50", id="post-k-51"),
    pytest.param("GET", "/search", {"params": {"q": Q, "k": "2.5"}}, 422, "invalid_request", "k", id="k-float"),
    pytest.param("POST", "/ask", {"json": {"q": Q, "k": "5"}}, 422, "invalid_request", "k", id="post-k-string"),
    pytest.param("GET", "/search", {"params": {"q": Q, "top_k": 3}}, 422, "invalid_request", "top_k",
                 id="get-unknown-param"),
    pytest.param("GET", "/search", {"params": {"q": Q, "question": Q}}, 422, "invalid_request", "question",
                 id="get-unknown-param-alias"),
    pytest.param("POST", "/ask", {"json": {"q": Q, "debug": True}}, 422, "invalid_request", "debug",
                 id="post-unknown-field"),
    pytest.param("POST", "/ask", {"json": {"q": 42}}, 422, "invalid_request", "q", id="post-q-number"),
    pytest.param("POST", "/ask", {"json": {"q": Q, "lang": ["en"]}}, 422, "invalid_request", "lang", id="post-lang-list"),
    pytest.param("POST", "/ask", {"json": {"q": Q, "languages": 7}}, 422, "invalid_request", "languages",
                 id="post-languages-number"),
    pytest.param("POST", "/ask", {"json": Q}, 422, "invalid_request", "body", id="post-bare-string"),
    pytest.param("GET", "/search", {"params": {"q": Q, "languages": "bg,xx"}}, 400, "unknown_language", "xx",
                 id="languages-unknown"),
    pytest.param("POST", "/ask", {"json": {"q": Q, "languages": ["klingon"]}}, 400, "unknown_language", "klingon",
                 id="post-languages-unknown"),
    pytest.param("POST", "/ask", {"content": '{"q": "café"}'.encode("latin-1"),
                                  "headers": {"content-type": "application/json"}},
                 400, "invalid_encoding", "UTF-8", id="body-latin1"),
    pytest.param("POST", "/ask", {"content": b'{"q": "\xff\xfe\xfd"}', "headers": {"content-type": "application/json"}},
                 400, "invalid_encoding", "UTF-8", id="body-invalid-bytes"),
    pytest.param("POST", "/ask", {"content": b'{"q": "youth \\ud800"}', "headers": {"content-type": "application/json"}},
                 422, "invalid_request", "surrogate", id="body-lone-surrogate-escaped"),
    pytest.param("POST", "/ask", {"content": b'{"q": "youth \xed\xa0\x80"}', "headers": {"content-type": "application/json"}},
                 422, "invalid_request", "surrogate", id="body-lone-surrogate-bytes"),
    pytest.param("POST", "/ask", {"content": b'{"q": "youth", "languages": ["bg", "\\udfff"]}',
                                  "headers": {"content-type": "application/json"}},
                 422, "invalid_request", "languages", id="body-lone-surrogate-in-list"),
    pytest.param("GET", "/search?q=youth%ED%A0%80", {}, 400, "invalid_encoding", "UTF-8", id="query-lone-surrogate"),
    pytest.param("GET", "/search?q=%00%00", {}, 422, "invalid_request", "no words", id="q-only-nul"),
    pytest.param("POST", "/ask", {"json": {"q": "\u200b\u200d\ufeff"}}, 422, "invalid_request", "no words",
                 id="q-only-zero-width"),
    pytest.param("GET", "/search?q=youth&q=KA2", {}, 422, "invalid_request", "q: given 2 times", id="q-repeated"),
    pytest.param("GET", "/search?q=youth&k=1&k=2", {}, 422, "invalid_request", "k: given 2 times", id="k-repeated"),
    pytest.param("GET", "/search?q=youth&languages=bg&languages=en", {}, 422, "invalid_request", "commas",
                 id="languages-repeated"),
    pytest.param("GET", "/search?q=youth&k=1_0", {}, 422, "invalid_request", "digits", id="k-underscore"),
    pytest.param("GET", "/search?q=youth&k=5.0", {}, 422, "invalid_request", "digits", id="k-point-zero"),
    pytest.param("GET", "/search?q=youth&k=%205", {}, 422, "invalid_request", "digits", id="k-space"),
    pytest.param("GET", "/passages/bg-x/translations?lang=en&lang=de", {}, 422, "invalid_request", "lang",
                 id="translations-lang-repeated"),
    pytest.param("GET", "/search?q=%FF%FEwho", {}, 400, "invalid_encoding", "UTF-8", id="query-invalid-utf8"),
    pytest.param("GET", "/search?q=caf%E9", {}, 400, "invalid_encoding", "UTF-8", id="query-latin1"),
    pytest.param("POST", "/ask", {"content": b"q=who", "headers": {"content-type": "application/x-www-form-urlencoded"}},
                 422, "invalid_request", "body", id="body-form-encoded"),
    pytest.param("POST", "/ask", {"content": b'{"q": "' + b"a" * (MAX_BODY_BYTES + 1) + b'"}',
                                  "headers": {"content-type": "application/json"}},
                 413, "body_too_large", str(MAX_BODY_BYTES), id="body-over-limit"),
    pytest.param("POST", "/ask", {"content": b"x" * (10 * 1024 * 1024), "headers": {"content-type": "application/json"}},
                 413, "body_too_large", str(MAX_BODY_BYTES), id="body-10MiB"),
    pytest.param("GET", "/passages/" + "x" * 300, {}, 404, "passage_not_found", "x" * 20, id="passage-long-id"),
    pytest.param("PUT", "/ask", {"json": {"q": Q}}, 405, "method_not_allowed", "PUT", id="put-ask"),
    pytest.param("GET", "/static/nope.js", {}, 404, "not_found", "/static/nope.js", id="static-missing"),
    pytest.param("GET", "/static/../pyproject.toml", {}, 404, "not_found", "", id="static-traversal"),
]


@pytest.mark.parametrize("method,path,kwargs,status,code,word", BAD_REQUESTS)
def test_bad_requests_answer_4xx_in_the_error_shape(client, method, path, kwargs, status, code, word):
    r = client.request(method, path, **kwargs)
    error = assert_error_shape(r, status, code)
    assert word in error["message"]
    assert r.headers["x-request-id"]


def test_a_lone_surrogate_is_refused_before_any_search(engine):
    from test_error_shape import BrokenEngine  # searching would raise: a 500 if the question got that far

    broken = TestClient(create_app(engine=BrokenEngine(engine)), raise_server_exceptions=False)
    r = broken.post("/ask", content=b'{"q": "\\ud83d youth"}', headers={"content-type": "application/json"})
    assert_error_shape(r, 422, "invalid_request")


@pytest.mark.parametrize("path", ["/health", "/ready", f"/search?q={Q}&k=2", "/", "/static/app.js", "/metrics",
                                  "passage"])
def test_head_is_get_without_a_body(client, engine, path):
    path = f"/passages/{engine.index.passages[0].id}" if path == "passage" else path
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    if path != "/metrics":  # its counters moved between the two requests
        assert head.headers["content-length"] == str(len(got.content))


def test_head_on_a_post_route_is_not_allowed(client):
    r = client.head("/ask")
    assert r.status_code == 405 and r.content == b"" and "POST" in r.headers["allow"]


def chunks(total: int, size: int = 8192):
    for start in range(0, total, size):
        yield b"a" * min(size, total - start)


def test_streamed_body_over_the_limit(client):
    """No Content-Length (chunked): the size is counted as the body arrives."""
    r = client.post("/ask", content=chunks(MAX_BODY_BYTES * 4), headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers
    assert_error_shape(r, 413, "body_too_large")


def test_streamed_body_under_the_limit_is_searched(client):
    body = json.dumps({"q": Q, "k": 2}).encode()
    r = client.post("/ask", content=iter([body[:10], body[10:]]), headers={"content-type": "application/json"})
    assert r.status_code == 200 and len(r.json()["passages"]) == 2


def test_body_limit_is_a_setting(engine):
    small = TestClient(create_app(engine=engine, max_body_bytes=20))
    assert_error_shape(small.post("/ask", json={"q": Q}), 413, "body_too_large")
    assert small.post("/ask", json={"q": "youth"}).status_code == 200


def test_question_at_the_limit_is_accepted(client):
    assert client.get("/search", params={"q": ("youth " * 200)[:1000], "k": 1}).status_code == 200


@pytest.mark.parametrize("k", [1, 50])
def test_k_bounds_are_inclusive(client, k):
    r = client.get("/search", params={"q": Q, "k": k})
    assert r.status_code == 200 and len(r.json()["passages"]) == min(k, 55)


# -- the passage-language filter ------------------------------------------------------------------------
LANGUAGE_FILTERS = [(method, languages, hits) for method in ("GET /search", "POST /ask")
                    for languages, hits in [("bg", True), ("en", False), ("EN, bg", True)]] + [("POST /ask", ["bg"], True)]


@pytest.mark.parametrize("method,languages,expect_hits", LANGUAGE_FILTERS)
def test_languages_filter(client, engine, method, languages, expect_hits):
    if method == "GET /search":
        r = client.get("/search", params={"q": Q, "k": 5, "languages": languages})
    else:
        r = client.post("/ask", json={"q": Q, "k": 5, "languages": languages})
    assert r.status_code == 200, r.text
    hits = r.json()["passages"]
    if not expect_hits:
        assert hits == []
        return
    assert {h["language"] for h in hits} == {"bg"}
    assert [h["rank"] for h in hits] == [1, 2, 3, 4, 5]
    assert [h["id"] for h in hits] == [h.id for h in engine.search(Q, k=5).passages]  # one language: same order


def test_empty_languages_means_no_filter(client):
    assert client.get("/search", params={"q": Q, "k": 3, "languages": ""}).json() == \
        client.get("/search", params={"q": Q, "k": 3}).json()


# -- observability --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/health", "/ready", "/search?q=youth", "/nope", "/search?q="])
def test_request_id_is_echoed(client, path):
    r = client.get(path, headers={"X-Request-ID": "help-desk.42:abc"})
    assert r.headers["x-request-id"] == "help-desk.42:abc"


@pytest.mark.parametrize("given", [None, "", "has spaces", "x" * 129, "é-accent"], ids=["none", "empty", "spaces",
                                                                                       "too-long", "non-ascii"])
def test_request_id_is_generated_when_missing_or_unsafe(client, given):
    headers = {} if given is None else {"X-Request-ID": given.encode("utf-8")}
    first = client.get("/health", headers=headers).headers["x-request-id"]
    second = client.get("/health", headers=headers).headers["x-request-id"]
    assert len(first) == 32 and int(first, 16) >= 0 and first != second


def test_request_id_on_a_413_and_a_500(engine):
    from test_error_shape import BrokenEngine

    broken = TestClient(create_app(engine=BrokenEngine(engine)), raise_server_exceptions=False)
    r = broken.get("/search", params={"q": Q}, headers={"X-Request-ID": "trace-500"})
    assert r.status_code == 500 and r.headers["x-request-id"] == "trace-500"
    r = broken.post("/ask", content=b"a" * (MAX_BODY_BYTES + 1), headers={"X-Request-ID": "trace-413"})
    assert r.status_code == 413 and r.headers["x-request-id"] == "trace-413"


def test_health_and_ready(client, engine):
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", **engine.status()}


def test_not_ready_before_the_index_loads():
    app = create_app()  # no engine, and no start-up run: the index is not loaded
    client = TestClient(app)
    assert client.get("/health").json() == {"status": "ok"}  # alive
    assert_error_shape(client.get("/ready"), 503, "not_ready")


# -- the page and its files -----------------------------------------------------------------------------
def test_page_is_served_with_its_assets(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script src=\"/static/app.js\"" in page.text and "<script>" not in page.text  # no inline script
    for asset, kind in [("/static/app.js", "javascript"), ("/static/app.css", "text/css")]:
        r = client.get(asset)
        assert r.status_code == 200 and kind in r.headers["content-type"], asset
    assert "/" not in client.get("/openapi.json").json()["paths"]  # the page is not part of the API
