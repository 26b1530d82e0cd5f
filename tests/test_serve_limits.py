"""The connection layer of a real `guidekb serve` (search_api/protocol.py) against clients that misbehave.

Idle and half-sent requests, a cap on connections, header and target limits, raw UTF-8 in the request line,
HEAD, bodies over the limit sent whole, invalid text: every answer in the error shape, none a 5xx or a reset.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from search_api.middleware import MAX_BODY_BYTES
from server_utils import running_server

pytestmark = pytest.mark.server
MAX_CONNECTIONS = 40
TIMEOUT = 2  # --request-timeout of the server under test
BG_Q = "изграждане на капацитет"
RAW_Q = BG_Q.replace(" ", "+")  # typed into a URL: spaces as +, the Cyrillic as it is (curl sends it raw)


@pytest.fixture(scope="module")
def server(engine, corpus_dir, tmp_path_factory):
    log = tmp_path_factory.mktemp("serve-limits") / "server.log"
    with running_server(corpus_dir, log, "--max-connections", str(MAX_CONNECTIONS),
                        "--request-timeout", str(TIMEOUT)) as (base, process):
        process.quiet_sockets = open_sockets(process.pid)  # no client connected
        yield int(base.rsplit(":", 1)[1]), process


def wait_until_quiet(process, seconds: float = 30) -> None:
    """Until the server has let go of the connections of earlier tests (it counts them against its cap)."""
    deadline = time.monotonic() + seconds
    while open_sockets(process.pid) > process.quiet_sockets:
        assert time.monotonic() < deadline, "the server kept connections of earlier tests open"
        time.sleep(0.05)


def connect(port: int, timeout: float = 15) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.settimeout(timeout)
    return s


def read_answer(s: socket.socket) -> tuple[int, dict, bytes]:
    """Status, headers and body of one answer read off a raw socket (Content-Length framed)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        assert chunk, f"connection closed before an answer: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    while len(body) < int(headers.get("content-length", 0)):
        chunk = s.recv(65536)
        assert chunk, "connection closed inside the body"
        body += chunk
    return int(lines[0].split()[1]), headers, body


def exchange(port: int, request: bytes) -> tuple[int, dict, bytes]:
    with connect(port) as s:
        s.sendall(request)
        return read_answer(s)


def assert_error(answer, status: int, code: str) -> dict:
    got, headers, body = answer
    assert got == status, body
    assert headers["content-type"].startswith("application/json") and headers["x-request-id"]
    error = json.loads(body)["error"]
    assert error["code"] == code and error["message"]
    return error


def closed_by_server(s: socket.socket) -> bytes:
    """What the server sends before it closes the connection (raises socket.timeout if it never does)."""
    data = b""
    try:
        while chunk := s.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def open_descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def open_sockets(pid: int) -> int:
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:  # closed meanwhile
            pass
    return count


# -- idle connections and the cap ------------------------------------------------------------------------
def test_idle_and_half_sent_connections_are_capped_closed_and_health_answers(server):
    port, process = server
    wait_until_quiet(process)
    before = open_descriptors(process.pid)
    idle = []
    for i in range(5 * MAX_CONNECTIONS):
        s = connect(port)
        if i % 2:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Half: ")  # half a head, never finished
        idle.append(s)
    status, _, body = exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, _, body = exchange(port, f"GET /search?q={RAW_Q}&k=1 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status == 200 and len(json.loads(body)["passages"]) == 1
    # the server holds at most its cap of them: the oldest idle ones were closed to let new ones in
    assert open_descriptors(process.pid) <= before + MAX_CONNECTIONS + 2
    # and every one is closed in the end: the newest half-sent ones with a 408, the silent ones without a word
    answers = [closed_by_server(s) for s in idle]
    timed_out = [a for a in answers if a]
    assert timed_out and all(a.startswith(b"HTTP/1.1 408 ") and b'"request_timeout"' in a for a in timed_out)
    for s in idle:
        s.close()


def test_past_the_cap_of_busy_connections_a_new_one_gets_503(server):
    port, process = server
    wait_until_quiet(process)
    busy = []
    for _ in range(MAX_CONNECTIONS):  # each one's head is in and the app waits for its body: none is idle
        s = connect(port)
        s.sendall(b"POST /ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n"
                  b"Expect: 100-continue\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 100 Continue")
        busy.append(s)
    status, headers, body = exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert_error((status, headers, body), 503, "overloaded")
    assert headers["retry-after"] == "1"
    for s in busy:  # the body never comes: 408 after the timeout, and the server takes new clients again
        assert_error(read_answer(s), 408, "request_timeout")
        s.close()
    deadline = time.monotonic() + 30
    while exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")[0] != 200:
        assert time.monotonic() < deadline
        time.sleep(0.1)


# -- limits on the request head -------------------------------------------------------------------------
HEAD_LIMITS = [
    pytest.param(b"GET /health HTTP/1.1\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n", 431, "headers_too_large",
                 id="one-1MB-header"),
    pytest.param(b"GET /health HTTP/1.1\r\nX-A: " + b"a" * 9000 + b"\r\n\r\n", 431, "headers_too_large",
                 id="one-9KB-header"),
    pytest.param(b"GET /health HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n", 431,
                 "headers_too_large", id="150-headers"),
    pytest.param(b"GET /health HTTP/1.1\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"a" * 4000) for i in range(10)) +
                 b"\r\n", 431, "headers_too_large", id="40KB-of-headers"),
    pytest.param(b"GET /search?q=" + b"a" * 65536 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long",
                 id="64KB-target"),
    pytest.param(b"NOT HTTP AT ALL\r\n\r\n", 400, "bad_request", id="garbage"),
    pytest.param(b"GET /search?q=caf\xe9 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_encoding", id="raw-latin1-target"),
]


@pytest.mark.parametrize("request_bytes,status,code", HEAD_LIMITS)
def test_request_head_limits_answer_in_the_error_shape(server, request_bytes, status, code):
    with connect(server[0]) as s:
        s.sendall(request_bytes)
        answer = read_answer(s)
        assert_error(answer, status, code)
        if status != 400 or code == "bad_request":  # refused by the connection layer: it closes after the answer
            assert answer[1]["connection"] == "close" and closed_by_server(s) == b""


def test_huge_headers_at_once_do_not_grow_the_server(server):
    port, process = server
    rss = lambda: int(Path(f"/proc/{process.pid}/status").read_text().split("VmRSS:")[1].split()[0]) // 1024  # noqa: E731
    before = rss()
    answers = []

    def send_huge_header():
        with connect(port) as s:
            sender = threading.Thread(target=_send_quietly, args=(s, b"GET /health HTTP/1.1\r\nX-Big: " +
                                                                  b"a" * (32 << 20) + b"\r\n\r\n"))
            sender.start()
            answers.append(read_answer(s))
            sender.join()

    clients = [threading.Thread(target=send_huge_header) for _ in range(8)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    assert [a[0] for a in answers] == [431] * 8
    assert rss() - before < 64  # MiB; unbounded headers took the server from 367 to 708 MB


def _send_quietly(s: socket.socket, data: bytes) -> None:
    try:
        s.sendall(data)
    except OSError:  # the server stopped reading after its answer: expected
        pass


# -- the request line ------------------------------------------------------------------------------------
def test_raw_utf8_in_the_request_line_is_read_as_percent_encoded(server):
    status, _, body = exchange(server[0], f"GET /search?q={RAW_Q}&k=2 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status == 200
    answer = json.loads(body)
    assert answer["query"] == BG_Q and len(answer["passages"]) == 2
    error = assert_error(exchange(server[0], "GET /кой HTTP/1.1\r\nHost: x\r\n\r\n".encode()), 404, "not_found")
    assert "/кой" in error["message"]


def test_a_request_line_split_across_reads_is_encoded_whole(server):
    with connect(server[0]) as s:
        for part in (f"GET /search?q={RAW_Q}"[:18].encode(), f"GET /search?q={RAW_Q}"[18:].encode() + b"&k=1 HTTP/1.1\r\n",
                     b"Host: x\r\n\r\n"):
            s.sendall(part)
            time.sleep(0.05)
        status, _, body = read_answer(s)
    assert status == 200 and json.loads(body)["query"] == BG_Q


def test_keep_alive_requests_each_get_their_line_encoded(server):
    with connect(server[0]) as s:
        for _ in range(3):
            s.sendall(f"GET /search?q={RAW_Q}&k=1 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            status, _, body = read_answer(s)
            assert status == 200 and json.loads(body)["query"] == BG_Q


# -- HEAD ------------------------------------------------------------------------------------------------
def test_head_answers_like_get_without_a_body(server, engine):
    port = server[0]
    for path in ["/health", f"/search?q={RAW_Q}&k=1", "/", f"/passages/{engine.index.passages[0].id}"]:
        got = exchange(port, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        with connect(port) as s:
            s.sendall(f"HEAD {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            raw = closed_by_server(s)
        head, _, rest = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ") and rest == b"", path
        assert f"content-length: {len(got[2])}".encode() in head.lower(), path


# -- bodies ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [MAX_BODY_BYTES + 10, 10 << 20])
def test_a_body_over_the_limit_sent_whole_gets_its_413(server, size):
    """urllib sends the whole body before reading, with Connection: close: it must read the 413, not a reset."""
    body = b'{"q": "' + b"a" * size + b'"}'
    request = urllib.request.Request(f"http://127.0.0.1:{server[0]}/ask", data=body,
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=30)
    assert raised.value.code == 413
    assert json.loads(raised.value.read())["error"]["code"] == "body_too_large"


def surrogate_bodies(n: int, seed: int = 16) -> list[bytes]:
    """JSON bodies with lone surrogates (escaped and as raw bytes), valid pairs and other broken UTF-8."""
    rng = random.Random(seed)
    bodies = []
    for i in range(n):
        lone = chr(rng.randint(0xD800, 0xDFFF))
        escaped = json.dumps(lone)[1:-1]  # "\udxxx"
        raw = lone.encode("utf-8", "surrogatepass")  # ED A0 80 ...
        word = rng.choice(["youth", BG_Q, "KA2", ""])
        kind = i % 6
        if kind == 0:
            bodies.append(json.dumps({"q": f"{word} {lone}"}).encode())
        elif kind == 1:
            bodies.append(b'{"q": "' + word.encode() + b" " + raw + b'"}')
        elif kind == 2:
            bodies.append(json.dumps({"q": word or "youth", rng.choice(["lang", "languages", "prefer", "editions"]):
                                      rng.choice([lone, [lone], f"bg,{lone}"])}).encode())
        elif kind == 3:
            bodies.append(('{"q": "' + word + " " + escaped + escaped + '"}').encode())  # two lone ones in a row
        elif kind == 4:
            bodies.append(json.dumps({"q": f"{word} \U0001F600 youth"}).encode())  # a valid pair: searched
        else:
            bodies.append(b'{"q": "' + bytes(rng.randint(0x80, 0xFF) for _ in range(3)) + b' youth"}')
    return bodies


def test_fuzz_of_invalid_text_gives_no_5xx_and_no_reset(server):
    statuses, reconnects = {}, 0
    conn = http.client.HTTPConnection("127.0.0.1", server[0], timeout=30)
    for body in surrogate_bodies(600):
        conn.request("POST", "/ask", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()  # a reset or a dropped keep-alive connection raises here
        payload = r.read()
        statuses[r.status] = statuses.get(r.status, 0) + 1
        assert r.status in (200, 400, 422), payload
        if r.status != 200:
            assert json.loads(payload)["error"]["code"] in ("invalid_request", "invalid_encoding", "empty_query")
        if r.getheader("connection") == "close":
            reconnects += 1
            conn = http.client.HTTPConnection("127.0.0.1", server[0], timeout=30)
    conn.close()
    assert statuses.get(422, 0) >= 300 and statuses.get(200, 0) >= 50, statuses
    assert reconnects == 0  # every answer kept the connection
