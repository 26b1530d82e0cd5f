"""Load: 50 concurrent clients against a real `guidekb serve` for a bounded time; throughput, latency, errors.

Phase 1, capacity above the client count: every request is answered (no 5xx, no shed).
Phase 2, capacity 2: the excess is shed with 503 and Retry-After, and the server recovers afterwards. How fast
sheds are answered is printed, not asserted: speed is checked in benchmarks, not in timed tests.
Run: pytest -m load -s tests/test_load.py (GUIDEKB_LOAD_SECONDS sets the phase-1 length, 10 s by default).
"""
from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest

from server_utils import running_server
from conftest import DATA

pytestmark = [pytest.mark.load, pytest.mark.server]
CLIENTS = 50
SECONDS = float(os.environ.get("GUIDEKB_LOAD_SECONDS", "10"))


def questions() -> list[dict]:
    lines = (DATA / "eval_questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [{"q": json.loads(line)["question"], "k": 5} for line in lines if line.strip()]


@dataclass
class Run:
    seconds: float = 0.0
    samples: list[tuple[int, float, str]] = field(default_factory=list)  # (status, latency s, error code)

    def latencies(self, status: int | None = None) -> list[float]:
        return sorted(s for code, s, _ in self.samples if status is None or code == status)

    def figures(self, status: int | None = None) -> dict:
        lat = self.latencies(status)
        pick = lambda p: round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None  # noqa: E731
        return {"requests": len(lat), "per_second": round(len(lat) / self.seconds, 1),
                "p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99)}

    def count(self, predicate) -> int:
        return sum(1 for sample in self.samples if predicate(*sample))


def hammer(base: str, seconds: float, clients: int = CLIENTS) -> Run:
    """`clients` threads, each with its own connection, asking question after question for `seconds`."""
    run, lock, qs = Run(), threading.Lock(), questions()
    start_line = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        mine = []
        with httpx.Client(base_url=base, timeout=60) as http:
            start_line.wait()
            i = n
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                try:
                    r = http.get("/search", params=qs[i % len(qs)])
                    code = r.json()["error"]["code"] if r.status_code != 200 else ""
                    mine.append((r.status_code, time.perf_counter() - t0, code))
                except httpx.HTTPError as exc:
                    mine.append((0, time.perf_counter() - t0, type(exc).__name__))
                i += 1
        with lock:
            run.samples.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + seconds
    t0 = time.perf_counter()
    start_line.wait()
    for t in threads:
        t.join()
    run.seconds = time.perf_counter() - t0
    return run


def report(capsys, title: str, figures: dict) -> None:
    with capsys.disabled():
        print(f"\n{title}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))


def is_shed(status: int, _seconds: float, code: str) -> bool:
    return status == 503 and code == "overloaded"


def test_fifty_clients_within_capacity_get_every_answer(engine, corpus_dir, tmp_path, capsys):
    with running_server(corpus_dir, tmp_path / "server.log", "--max-in-flight", str(CLIENTS + 14)) as (base, _):
        run = hammer(base, SECONDS)
        metrics = httpx.get(f"{base}/metrics").text
    errors = run.count(lambda status, _s, _c: status != 200)
    report(capsys, f"load, {CLIENTS} clients, capacity {CLIENTS + 14}, {run.seconds:.1f} s",
           {**run.figures(), "errors": errors})
    assert run.count(lambda status, _s, _c: status == 0 or status >= 500) == 0  # no 5xx, no dropped connection
    assert errors == 0 and run.count(is_shed) == 0
    assert len(run.samples) >= CLIENTS  # every client got at least one answer
    assert f'guidekb_requests_total{{method="GET",route="/search",status="200"}} {float(len(run.samples))}' in metrics


def test_past_capacity_sheds_fast_and_recovers(engine, corpus_dir, tmp_path, capsys):
    with running_server(corpus_dir, tmp_path / "server.log", "--max-in-flight", "2", "--max-wait", "0.02") as (base, _):
        run = hammer(base, min(SECONDS, 5))
        shed = run.count(is_shed)
        ok = run.count(lambda status, _s, _c: status == 200)
        report(capsys, f"overload, {CLIENTS} clients, capacity 2, {run.seconds:.1f} s",
               {"answered": ok, "shed": shed, **{f"shed_{k}": v for k, v in run.figures(503).items()},
                "answered_p95_ms": run.figures(200)["p95_ms"]})
        assert run.count(lambda status, s, c: not (status == 200 or is_shed(status, s, c))) == 0
        assert shed > 0 and ok > 0
        # load gone: the next questions are all answered
        with httpx.Client(base_url=base, timeout=30) as http:
            assert [http.get("/search", params={"q": "KA2 sport events"}).status_code for _ in range(10)] == [200] * 10
