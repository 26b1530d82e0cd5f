"""Every API error has one shape, {"error": {"code", "message", "detail"?}}, with a stable code."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from search_api.app import create_app

Q = "who manages capacity building in youth?"
LONG = "a" * 1001

# (request params, expected status, expected code, a word the message must contain)
BAD_INPUTS = [
    pytest.param({"q": ""}, 400, "empty_query", "empty", id="empty-q"),
    pytest.param({"q": "   \t "}, 400, "empty_query", "empty", id="whitespace-q"),
    pytest.param({"q": LONG}, 400, "query_too_long", "1000", id="q-too-long"),
    pytest.param({"q": Q, "k": 0}, 400, "invalid_k", "50", id="k-0"),
    pytest.param({"q": Q, "k": 51}, 400, "invalid_k", "50", id="k-51"),
    pytest.param({"q": Q, "k": "abc"}, 422, "invalid_request", "k", id="k-abc"),
    pytest.param({"q": Q, "lang": "xx"}, 400, "unknown_language", "xx", id="lang-xx"),
    pytest.param({"k": 3}, 422, "invalid_request", "q", id="missing-q"),
]


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert {"code", "message"} <= set(error) <= {"code", "message", "detail"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"].strip()
    assert "Traceback" not in response.text
    return error


@pytest.fixture(scope="module")
def client(engine):
    return TestClient(create_app(engine=engine))


@pytest.mark.parametrize("params,status,code,word", BAD_INPUTS)
@pytest.mark.parametrize("method", ["GET /search", "POST /ask"])
def test_bad_inputs(client, method, params, status, code, word):
    if method == "GET /search":
        r = client.get("/search", params=params)
    else:
        r = client.post("/ask", json=params)
    error = assert_error_shape(r, status, code)
    assert word in error["message"]


def test_lang_is_case_insensitive(client):
    for method in ("get", "post"):
        r = client.get("/search", params={"q": Q, "lang": "EN"}) if method == "get" else \
            client.post("/ask", json={"q": Q, "lang": "EN"})
        assert r.status_code == 200 and r.json()["language"] == "en"


def test_validation_detail_names_each_field(client):
    error = assert_error_shape(client.post("/ask", json={"k": "abc", "top_k": 3}), 422, "invalid_request")
    fields = {e["field"] for e in error["detail"]["errors"]}
    assert fields == {"q", "k", "top_k"}  # missing, wrong type, unknown
    for name in fields:
        assert name in error["message"]


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b""], ids=["malformed", "array", "empty"])
def test_unusable_json_body(client, body):
    r = client.post("/ask", content=body, headers={"content-type": "application/json"})
    error = assert_error_shape(r, 422, "invalid_request")
    assert error["message"].startswith("body: ")


def test_strict_k_in_json_body(client):
    assert_error_shape(client.post("/ask", json={"q": Q, "k": True}), 422, "invalid_request")


def test_unknown_passage(client):
    error = assert_error_shape(client.get("/passages/no-such-id"), 404, "passage_not_found")
    assert "no-such-id" in error["message"]


def test_unknown_route(client):
    error = assert_error_shape(client.get("/nope"), 404, "not_found")
    assert "/nope" in error["message"]


def test_method_not_allowed(client):
    r = client.delete("/search")
    assert_error_shape(r, 405, "method_not_allowed")
    assert "GET" in r.headers["allow"]


class BrokenEngine:
    """The real engine, except that searching hits a bug."""

    def __init__(self, engine):
        self._engine = engine

    def search(self, *args, **kwargs):
        raise RuntimeError("secret internals /srv/guidekb/index.py line 42")

    def __getattr__(self, name):
        return getattr(self._engine, name)


def test_internal_error_hides_details(engine, caplog):
    client = TestClient(create_app(engine=BrokenEngine(engine)), raise_server_exceptions=False)
    r = client.get("/search", params={"q": Q})
    error = assert_error_shape(r, 500, "internal_error")
    assert "secret" not in r.text and "RuntimeError" not in r.text
    assert "detail" not in error
    assert any("secret internals" in str(rec.exc_info[1]) for rec in caplog.records if rec.exc_info)  # logged, not sent
    assert client.get("/health").status_code == 200  # the app keeps serving
