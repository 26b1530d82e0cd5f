"""A real `guidekb serve` while `guidekb build` rebuilds its index in another process: no errors, then reloads."""
from __future__ import annotations

import json
import signal
import subprocess
import threading
import time

import httpx
import pytest

from index.storage.store import current_build
from server_utils import add_page_copy, clone_corpus, guidekb_command, running_server

pytestmark = [pytest.mark.server, pytest.mark.slow]
Q = "who manages capacity building in youth?"
TOKEN = "reload-token-for-tests"


def build(corpus) -> None:
    run = subprocess.run(guidekb_command() + ["build", "--corpus", str(corpus)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr


def test_build_in_another_process_then_reload_and_sighup(engine, corpus_dir, tmp_path):
    corpus = clone_corpus(corpus_dir, tmp_path / "corpus")
    log_path = tmp_path / "server.log"
    with running_server(corpus, log_path, env={"GUIDEKB_ADMIN_TOKEN": TOKEN}) as (base, server):
        first = httpx.get(f"{base}/health").json()["build"]
        stop, outcomes = threading.Event(), []

        def query_loop():
            with httpx.Client(base_url=base, timeout=30) as client:
                while not stop.is_set():
                    try:
                        r = client.get("/search", params={"q": Q, "k": 3})
                        outcomes.append(r.status_code if r.status_code != 200 or r.json()["passages"] else "empty")
                    except httpx.HTTPError as exc:
                        outcomes.append(repr(exc))

        workers = [threading.Thread(target=query_loop) for _ in range(4)]
        for w in workers:
            w.start()
        try:
            add_page_copy(corpus)
            build(corpus)  # a build that embeds (model load, 55 passages, swap) while the server answers
            second = current_build(corpus / ".index").name
            assert second != first
            assert httpx.get(f"{base}/health").json()["build"] == first  # still serving what it loaded

            denied = httpx.post(f"{base}/admin/reload", headers={"Authorization": "Bearer nope"})
            assert denied.status_code == 401
            r = httpx.post(f"{base}/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
            assert r.status_code == 200, r.text
            assert (r.json()["previous"]["build"], r.json()["current"]["build"]) == (first, second)
            assert r.json()["current"]["passages"] == 2 * r.json()["previous"]["passages"]  # the page added
            time.sleep(0.5)
        finally:
            stop.set()
            for w in workers:
                w.join()
        assert len(outcomes) > 10 and set(outcomes) == {200}, {o for o in outcomes if o != 200}

        build(corpus)
        third = current_build(corpus / ".index").name
        server.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while httpx.get(f"{base}/health").json()["build"] != third:
            assert time.monotonic() < deadline, "SIGHUP did not reload the index within 30 s"
            time.sleep(0.2)
        assert httpx.get(f"{base}/search", params={"q": Q}).status_code == 200
        metrics = httpx.get(f"{base}/metrics").text
        assert 'guidekb_reloads_total{outcome="ok"} 2.0' in metrics

    access = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    searches = [a for a in access if a["path"] == "/search"]
    assert len(searches) >= len(outcomes) and {a["status"] for a in searches} == {200}
    assert all({"request_id", "method", "path", "status", "duration_ms"} <= a.keys() for a in access)
    assert "index reloaded" in log_path.read_text()
