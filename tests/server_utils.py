"""Run a real `guidekb serve` (or `guidekb build`) as a subprocess on 127.0.0.1 for the server tests."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx


def guidekb_command() -> list[str]:
    script = Path(sys.executable).with_name("guidekb")
    assert script.exists(), "the guidekb console script is missing: pip install -e '.[test]'"
    return [str(script)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clone_corpus(corpus: Path, dest: Path) -> Path:
    """A copy of a corpus folder with its built index (the `current` symlink stays a symlink)."""
    shutil.copytree(corpus, dest, symlinks=True)
    return dest


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_server(corpus: Path, log_path: Path, *args: str, env: dict | None = None, timeout: float = 120):
    """`guidekb serve` on a free port, ready (index loaded) when this yields (base URL, process)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w+b") as log:
        server = subprocess.Popen(guidekb_command() + ["serve", "--host", "127.0.0.1", "--port", str(port),
                                                       "--corpus", str(corpus), *args],
                                  stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        try:
            deadline = time.monotonic() + timeout
            while True:
                assert server.poll() is None, f"server exited early: {log_path.read_text()}"
                try:
                    if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"server not ready within {timeout} s: {log_path.read_text()}"
                time.sleep(0.2)
            yield base, server
        finally:
            stop(server)


def add_page_copy(corpus: Path) -> None:
    """Add a second page (the first one's text under another URL), so the next build has passages to embed."""
    meta_path = sorted(corpus.glob("*.meta.json"))[0]
    record = json.loads(meta_path.read_text(encoding="utf-8"))
    source = corpus / record["source"]
    copy = corpus / f"zz_copy{source.suffix}"
    shutil.copy2(source, copy)
    record.update(source=copy.name, url=record["url"] + "-copy")
    (corpus / f"zz_copy{'.meta.json'}").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
