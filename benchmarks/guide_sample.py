"""The guide sample (`../shared/guide-sample/`, team-written test material) as guidekb meets the real site.

Rendered with the sample's own `render.py`, then either crawled from its HTML site served on 127.0.0.1 or
ingested as its saved page texts, into a corpus of the languages asked for. Used by the guide-scale evaluation
and its CI check; never bundled: the sample is not the official guide.
"""
from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DEFAULT_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "guide-sample"
MODES = ("crawl", "text")


def render(sample: Path, out: Path) -> Path:
    """Run the sample's renderer into `out` (site/, text/, pages.json) once; `out` is returned."""
    if not (out / "pages.json").is_file():
        subprocess.run([sys.executable, str(Path(sample) / "render.py"), str(out)], check=True,
                       stdout=subprocess.DEVNULL)
    return out


class _SiteHandler(SimpleHTTPRequestHandler):
    """`/path` answered from `/path/index.html` directly, as the site answers its own URLs (no redirect)."""

    def translate_path(self, path):
        local = Path(super().translate_path(path))
        return str(local / "index.html") if local.is_dir() else str(local)

    def log_message(self, *args):
        pass


SITE_PORT = 18765  # the same port run after run, so a crawl gives the same URLs, ids and reusable vectors


def _site_server(site_dir: Path) -> ThreadingHTTPServer:
    handler = partial(_SiteHandler, directory=str(site_dir))
    try:
        return ThreadingHTTPServer(("127.0.0.1", SITE_PORT), handler)
    except OSError:  # taken (another run at the same time): any free port, at the cost of re-embedding
        return ThreadingHTTPServer(("127.0.0.1", 0), handler)


@contextlib.contextmanager
def serve(site_dir: Path):
    """The rendered site on 127.0.0.1; yields its base URL."""
    server = _site_server(site_dir)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def crawl_corpus(rendered: Path, corpus: Path, languages: list[str]) -> Path:
    """Crawl the rendered site on loopback into `corpus` (the real crawler, politeness delay 0)."""
    from ingest.crawl import crawl

    with serve(rendered / "site") as base:
        report = crawl(corpus, languages, base_url=base, delay=0)
    if report.failed or not report.complete:
        raise RuntimeError(f"crawl of the guide sample failed: {report.failed}")
    return corpus


def text_corpus(rendered: Path, corpus: Path, languages: list[str]) -> Path:
    """`guidekb ingest` of the saved page texts, each with its official URL."""
    from ingest.localfiles import ingest_files

    for page in json.loads((rendered / "pages.json").read_text(encoding="utf-8")):
        if page["lang"] in languages and page["path"]:
            ingest_files([rendered / page["text"]], corpus, url=page["url"])
    return corpus


def build_corpus(mode: str, rendered: Path, corpus: Path, languages: list[str]) -> Path:
    return (crawl_corpus if mode == "crawl" else text_corpus)(rendered, corpus, languages)

