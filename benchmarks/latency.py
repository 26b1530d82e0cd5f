"""Query latency in-process and over HTTP, concurrent throughput, start-up to first answer; all bounded in time."""
from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path
from typing import Sequence

from .machine import free_port, guidekb_command, percentiles, run_child, vm_hwm_mib


def in_process(engine, queries: Sequence[str], warmup: int = 3, budget: float = 120.0) -> dict:
    """SearchEngine.search wall time per query (k=5, language detected), after a few warm-up queries."""
    for q in queries[:warmup]:
        engine.search(q, k=5)
    times, t_end = [], time.monotonic() + budget
    for q in queries:
        t0 = time.perf_counter()
        engine.search(q, k=5)
        times.append(time.perf_counter() - t0)
        if time.monotonic() > t_end:
            break
    return percentiles(times)


def stages(engine, queries: Sequence[str], dense_vectors, latent_rows, budget: float = 120.0) -> dict:
    """Each retrieval step of a search alone, on precomputed query vectors: where the time goes as the index grows.

    Not timed here: encoding the question (see query_embedding), candidate rescoring, fusion and highlights.
    """
    from index.languages import UNDETERMINED, detect_language

    corpus_languages = list(engine.index.manifest["languages"])
    times: dict[str, list[float]] = {"language detection": [], "dense search (FAISS)": [], "latent-term scores": [],
                                     "BM25 scores": []}
    t_end = time.monotonic() + budget
    for i, q in enumerate(queries):
        t0 = time.perf_counter()
        language = detect_language(q)
        t1 = time.perf_counter()
        engine.index.dense.search(dense_vectors[i], engine.settings.candidates)
        t2 = time.perf_counter()
        if engine.index.latent is not None and latent_rows is not None:
            engine.index.latent.scores(latent_rows[i])
        t3 = time.perf_counter()
        engine.index.lexical.scores(q, ([] if language == UNDETERMINED else [language]) + corpus_languages)
        t4 = time.perf_counter()
        for name, seconds in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            times[name].append(seconds)
        if time.monotonic() > t_end:
            break
    return {name: percentiles(v) for name, v in times.items()}


def query_embedding(engine, queries: Sequence[str]) -> dict:
    """The model's share of a query: the dense and latent-term encodings of the question alone."""
    has_latent = callable(getattr(engine.embedder, "latent_terms", None)) and engine.index.latent is not None
    times = []
    for q in queries:
        t0 = time.perf_counter()
        engine.embedder.embed_queries([q])
        if has_latent:
            engine.embedder.latent_terms([q])
        times.append(time.perf_counter() - t0)
    return percentiles(times)


def embedding_throughput(embedder, texts: Sequence[str]) -> dict:
    """Passages per second for the dense encoder and for the latent-term head, on real passage texts."""
    texts = list(texts)
    t0 = time.perf_counter()
    embedder.embed_passages(texts)
    dense = time.perf_counter() - t0
    out = {"texts": len(texts), "dense_seconds": dense, "dense_per_s": len(texts) / dense}
    if callable(getattr(embedder, "latent_terms", None)):
        t0 = time.perf_counter()
        embedder.latent_terms(texts)
        latent = time.perf_counter() - t0
        out.update(latent_seconds=latent, latent_per_s=len(texts) / latent)
    return out


def startup(corpus: Path, index: Path, question: str, runs: int, timeout: float = 600.0) -> dict:
    """`guidekb ask --json` as a fresh process on a built index: wall time to the answer and peak RSS."""
    walls, rss, errors = [], [], []
    for _ in range(runs):
        child = run_child(guidekb_command("ask", question, "--corpus", str(corpus), "--index", str(index), "--json"), timeout)
        if child.returncode != 0:
            errors.append(child.stderr.strip()[-300:])
            continue
        walls.append(child.seconds)
        rss.append(child.peak_rss_mib)
    return {"runs": runs, "seconds": walls, "median_s": _median(walls), "peak_rss_mib": max(rss, default=float("nan")),
            "errors": errors}


class Server:
    """A `guidekb serve` child on 127.0.0.1 and a free port; stopped on exit."""

    def __init__(self, corpus: Path, index: Path, ready_timeout: float = 600.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.corpus, self.index, self.ready_timeout = corpus, index, ready_timeout
        self.proc: subprocess.Popen | None = None
        self.ready_seconds = float("nan")

    def __enter__(self) -> "Server":
        import httpx

        cmd = guidekb_command("serve", "--corpus", str(self.corpus), "--index", str(self.index),
                              "--port", str(self.port), "--log-level", "warning")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"guidekb serve exited: {self.proc.stderr.read().decode('utf-8', 'replace')[-500:]}")
            try:
                status = httpx.get(self.url + "/ready", timeout=2).status_code
                if status == 404:  # a server without a readiness endpoint answers only once loaded
                    status = httpx.get(self.url + "/health", timeout=2).status_code
                if status == 200:
                    self.ready_seconds = time.perf_counter() - t0
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError(f"guidekb serve not ready after {self.ready_timeout:.0f}s")

    def peak_rss_mib(self) -> float:
        return vm_hwm_mib(self.proc.pid) if self.proc else float("nan")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _timed_search(client, q: str) -> float | None:
    """Seconds for one GET /search answered 200, or None for any other answer or a transport error."""
    import httpx

    t0 = time.perf_counter()
    try:
        ok = client.get("/search", params={"q": q, "k": 5}).status_code == 200
    except httpx.HTTPError:
        return None
    return time.perf_counter() - t0 if ok else None


def http_sequential(url: str, queries: Sequence[str], budget: float = 60.0) -> dict:
    """GET /search one request at a time: client-measured round trip per request."""
    import httpx

    times, errors, t_end = [], 0, time.monotonic() + budget
    with httpx.Client(base_url=url, timeout=60) as client:
        client.get("/search", params={"q": queries[0], "k": 5})  # warm the connection
        for q in queries:
            seconds = _timed_search(client, q)
            if seconds is None:
                errors += 1
            else:
                times.append(seconds)
            if time.monotonic() > t_end:
                break
    return {**percentiles(times), "errors": errors}


def http_concurrent(url: str, queries: Sequence[str], clients: int = 8, seconds: float = 20.0) -> dict:
    """`clients` threads, each with its own connection, sending GET /search back to back for `seconds`."""
    import httpx

    lock = threading.Lock()
    times: list[float] = []
    errors = [0]
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def worker(offset: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            start.wait()
            i = offset
            while time.monotonic() < stop_at[0]:
                q = queries[i % len(queries)]
                i += clients
                seconds = _timed_search(client, q)
                with lock:
                    if seconds is None:
                        errors[0] += 1
                    else:
                        times.append(seconds)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.monotonic() + seconds
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join(timeout=seconds + 120)
    elapsed = time.perf_counter() - t0
    return {"clients": clients, "seconds": elapsed, "ok": len(times), "errors": errors[0],
            "qps": len(times) / elapsed if elapsed else 0.0, "latency": percentiles(times)}


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values) if values else float("nan")
