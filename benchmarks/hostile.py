"""Short questions against a real `guidekb serve` under hostile load: idle connections, long questions, both.

Issue 16's bar: under 2,000 idle connections and 8 clients sending 1,000-character questions, a short question
from another client is answered in under 100 ms at p95, or gets a fast 503 with Retry-After.

    python -m benchmarks.hostile --corpus DIR [--idle 2000] [--long-clients 8] [--seconds 20] [--json]

The idle connections are kept open (reopened as the server closes them), half of them having sent half a request
head. The short-question client asks one question at a time on one keep-alive connection, each question new (no
cache hit). Run it against another checkout by putting that checkout first on PYTHONPATH.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import selectors
import socket
import threading
import time
from pathlib import Path

from .latency import Server
from .machine import percentiles

_NEW = itertools.count()  # every question asked in a run is new: the server's question cache never answers one
SHORT = ["who manages capacity building in youth?", "KA2 sport events", "кой управлява изграждането на капацитет",
         "deadline for youth exchanges", "изграждане на капацитет висше образование", "mobility of staff"]


class IdleFlood:
    """`count` connections held open without a finished request; each one the server closes is opened again.

    In a child process at the lowest CPU priority: an attacker's machine is not the server's, and in this process
    its reconnect loop would take the GIL from the short-question client that is being timed."""

    def __init__(self, port: int, count: int):
        self.port, self.count = port, count
        self.closed_by_server = None
        self._process = None

    def __enter__(self) -> "IdleFlood":
        if self.count:
            import multiprocessing

            self._stop, self._reopened = multiprocessing.Event(), multiprocessing.Value("i", 0)
            self._process = multiprocessing.get_context("fork").Process(
                target=_flood, args=(self.port, self.count, self._stop, self._reopened), daemon=True)
            self._process.start()
            time.sleep(1.0)
        return self

    def __exit__(self, *exc) -> None:
        if self._process is not None:
            self._stop.set()
            self._process.join(10)
            self.closed_by_server = self._reopened.value


def _flood(port: int, count: int, stop, reopened) -> None:
    os.nice(19)
    selector = selectors.DefaultSelector()

    def open_one(n: int) -> None:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            return
        if n % 2:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Half: ")  # half a head, never finished
        s.setblocking(False)
        selector.register(s, selectors.EVENT_READ)

    for n in range(count):
        open_one(n)
    n = count
    while not stop.is_set():
        for key, _ in selector.select(timeout=0.2):
            try:
                data = key.fileobj.recv(65536)
            except OSError:
                data = b""
            if not data:  # closed by the server: keep the pressure up
                selector.unregister(key.fileobj)
                key.fileobj.close()
                with reopened.get_lock():
                    reopened.value += 1
                open_one(n)
                n += 1


class LongQuestions:
    """`clients` threads, each posting 1,000-character questions (all different) one after another."""

    def __init__(self, port: int, clients: int, words: list[str]):
        self.port, self.clients, self.words = port, clients, words
        self.samples: list[tuple[int, float]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(clients)]

    def _question(self, i: int) -> str:
        out, j = [str(i)], i * 7919
        while len(" ".join(out)) < 1000:
            out.append(self.words[j % len(self.words)])
            j += 31
        return " ".join(out)[:1000]

    def _run(self, n: int) -> None:
        conn, mine = None, []
        while not self._stop.is_set():
            body = json.dumps({"q": self._question(next(_NEW))})
            status, seconds, conn = timed_request(conn, self.port, "POST", "/ask", body)
            mine.append((status, seconds))
            if status == 503:
                time.sleep(0.05)  # what a client honouring Retry-After at its shortest would do, roughly
        self.samples.extend(mine)

    def __enter__(self) -> "LongQuestions":
        for t in self._threads:
            t.start()
        time.sleep(1.0)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()


def timed_request(conn, port: int, method: str, path: str, body: str | None = None):
    """(status or 0 on a transport error, seconds, the connection to reuse or None) of one request."""
    t0 = time.perf_counter()
    try:
        conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - t0, conn
    except (OSError, http.client.HTTPException):
        return 0, time.perf_counter() - t0, None


def short_questions(port: int, seconds: float) -> dict:
    """One client, one question at a time, each new: statuses and latency of the answered and of the shed."""
    samples, conn, deadline = [], None, time.monotonic() + seconds
    while time.monotonic() < deadline:
        i = next(_NEW)
        status, seconds, conn = timed_request(conn, port, "GET", "/search?" + urlencode(
            {"q": f"{SHORT[i % len(SHORT)]} {i}", "k": 5}))
        samples.append((status, seconds))
        time.sleep(0.05)
    return summary(samples)


def summary(samples: list[tuple[int, float]]) -> dict:
    statuses: dict[str, int] = {}
    for status, _ in samples:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    answered = [s for status, s in samples if status == 200]
    shed = [s for status, s in samples if status == 503]
    return {"statuses": statuses, "answered": _rounded(answered), "shed": _rounded(shed)}


def _rounded(seconds: list[float]) -> dict | None:
    if not seconds:
        return None
    return {k: round(v, 1) if isinstance(v, float) else v
            for k, v in {**percentiles(seconds), "max_ms": 1000 * max(seconds)}.items()}


def urlencode(params: dict) -> str:
    from urllib.parse import urlencode as encode

    return encode(params)


def server_state(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(status.split("VmRSS:")[1].split()[0]) // 1024
    return {"rss_mib": rss, "open_fds": len(os.listdir(f"/proc/{pid}/fd"))}


def run(corpus: Path, index: Path, idle: int, long_clients: int, seconds: float) -> dict:
    words = " ".join(p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))).split()
    results = {}
    with Server(corpus, index) as server:
        for name, flood, longs in [("quiet", 0, 0), (f"{idle} idle", idle, 0), (f"{long_clients} long", 0, long_clients),
                                   (f"{idle} idle + {long_clients} long", idle, long_clients)]:
            with IdleFlood(server.port, flood) as f, LongQuestions(server.port, longs, words) as lq:
                short = short_questions(server.port, seconds)
                state = server_state(server.proc.pid)
            results[name] = {"short": short, "long": summary(lq.samples) if longs else None, "server": state,
                             "idle_reopened": f.closed_by_server}
    return results


def format_results(results: dict) -> str:
    lines = ["| load | short: statuses | short p50 / p95 / max ms | short shed p95 ms | long: statuses | "
             "server RSS MiB, fds |", "|---|---|---|---|---|---|"]
    for name, r in results.items():
        a, shed = r["short"]["answered"] or {}, r["short"]["shed"] or {}
        lines.append(f"| {name} | {r['short']['statuses']} | {a.get('p50_ms', '-')} / {a.get('p95_ms', '-')} / "
                     f"{a.get('max_ms', '-')} | {shed.get('p95_ms', '-')} | {r['long']['statuses'] if r['long'] else '-'} | "
                     f"{r['server']['rss_mib']}, {r['server']['open_fds']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hostile", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a corpus folder (its index is built if missing)")
    parser.add_argument("--index", type=Path, help="index folder (default <corpus>/.index)")
    parser.add_argument("--idle", type=int, default=2000, help="idle connections held open (default 2000)")
    parser.add_argument("--long-clients", type=int, default=8, help="clients sending 1,000-character questions")
    parser.add_argument("--seconds", type=float, default=20, help="seconds of short questions per load (default 20)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.corpus, args.index or args.corpus / ".index", args.idle, args.long_clients, args.seconds)
    print(json.dumps(results, indent=2) if args.json else format_results(results))


if __name__ == "__main__":
    main()
