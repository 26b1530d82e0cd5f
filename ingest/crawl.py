"""`guidekb crawl`: fetch the programme-guide pages of the official site into a corpus, incrementally.

State lives in `<corpus>/.crawl/`: per page (`pages/<key>.json`: URL, ETag, Last-Modified, sha256) and its raw
HTML (`raw/<key>.html`), written atomically after each page; and `run.jsonl`, the journal of the run in
progress (one line per page visited, with the links found), from which an interrupted run resumes. A page is
re-ingested only when its bytes changed; a page answering 404 or 410 is removed from the corpus.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urljoin, urlparse

from .crawl_fetch import FetchError, PoliteClient, origin
from .errors import GuidekbError
from .localfiles import _urls_held, convert_html, remove_page, write_converted
from .sources import META_SUFFIX

STATE_DIR = ".crawl"
JOURNAL = "run.jsonl"
HTML_TYPES = ("text/html", "application/xhtml+xml")
DEFAULT_BASE = "https://erasmus-plus.ec.europa.eu"


@dataclass
class CrawlReport:
    fetched: int = 0  # pages requested (a 304 counts)
    unchanged: int = 0
    new: int = 0
    changed: int = 0
    removed: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # url -> reason
    skipped_robots: int = 0  # links robots.txt disallows: never requested
    off_host_links: int = 0  # links to another host: never requested
    navigation: int = 0  # pages that only link to others (the guide's index): followed, not stored
    complete: bool = False  # False when --max-pages stopped the run: the next crawl resumes it
    resumed: bool = False

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def tree_prefix(base_url: str, language: str) -> str:
    """/programme-guide for English (no language prefix), /bg/programme-guide for the others."""
    base = urlparse(base_url).path.rstrip("/")
    return f"{base}/programme-guide" if language == "en" else f"{base}/{language}/programme-guide"


def normalise(url: str) -> str | None:
    """Without fragment and trailing slash; None for links with a query (search, facets) or not http(s)."""
    url = url.split("#", 1)[0]
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or parts.query:
        return None
    path = parts.path.rstrip("/") or "/"
    return f"{parts.scheme}://{parts.netloc.lower()}{path}"


def _key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class CrawlState:
    """Per-page state and raw pages in `<corpus>/.crawl/`, plus the journal of the run in progress."""

    def __init__(self, corpus_dir: Path):
        self.root = Path(corpus_dir) / STATE_DIR
        (self.root / "pages").mkdir(parents=True, exist_ok=True)
        (self.root / "raw").mkdir(exist_ok=True)

    def page(self, url: str) -> dict | None:
        try:
            return json.loads((self.root / "pages" / f"{_key(url)}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def raw(self, url: str) -> bytes | None:
        try:
            return (self.root / "raw" / f"{_key(url)}.html").read_bytes()
        except OSError:
            return None

    def save(self, url: str, info: dict, body: bytes | None) -> None:
        if body is not None:
            _write_atomic(self.root / "raw" / f"{_key(url)}.html", body)
        _write_atomic(self.root / "pages" / f"{_key(url)}.json", json.dumps(info, ensure_ascii=False).encode("utf-8"))

    def drop(self, url: str) -> None:
        (self.root / "pages" / f"{_key(url)}.json").unlink(missing_ok=True)
        (self.root / "raw" / f"{_key(url)}.html").unlink(missing_ok=True)

    def known(self, language: str) -> list[str]:
        urls = []
        for path in sorted((self.root / "pages").glob("*.json")):
            try:
                info = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if info.get("language") == language:
                urls.append(info["url"])
        return urls

    # -- journal of the run in progress --------------------------------------------------------------
    def resume(self, header: dict) -> list[dict] | None:
        """Lines of an unfinished run with the same header, or None (and a fresh journal)."""
        path = self.root / JOURNAL
        lines = []
        try:
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    try:
                        lines.append(json.loads(line))
                    except ValueError:
                        break  # a line torn by the interruption: the page is simply visited again
        except OSError:
            pass
        if lines and lines[0] == header:
            self._journal = open(path, "a", encoding="utf-8")
            return lines[1:]
        self._journal = open(path, "w", encoding="utf-8")
        self.append(header)
        return None

    def append(self, entry: dict) -> None:
        self._journal.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._journal.flush()
        os.fsync(self._journal.fileno())

    def finish(self, complete: bool) -> None:
        self._journal.close()
        if complete:
            (self.root / JOURNAL).unlink(missing_ok=True)


def extract_links(html: bytes, page_url: str) -> list[str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    links = []
    for a in soup.find_all("a", href=True):
        url = normalise(urljoin(page_url, a["href"].strip()))
        if url and url not in links:
            links.append(url)
    return links


class Crawler:
    def __init__(self, corpus_dir: Path, languages: list[str], base_url: str = DEFAULT_BASE, max_pages: int = 5000,
                 log: Callable[[str], None] = lambda _: None,
                 progress: Callable[[int, str], None] | None = None, **client_options):
        from .languages import check_language

        if not languages:
            raise GuidekbError("bad_input", "--languages names no language: pass e.g. --languages bg,en,de")
        if urlparse(base_url).scheme not in ("http", "https") or not urlparse(base_url).netloc:
            raise GuidekbError("bad_input", f"--base-url {base_url!r} is not an http(s) address")
        if max_pages < 1:
            raise GuidekbError("bad_input", "--max-pages must be at least 1")
        if client_options.get("delay", 1.0) < 0 or client_options.get("max_bytes", 1) < 1:
            raise GuidekbError("bad_input", "--delay must not be negative and --max-bytes must be at least 1")
        self.corpus_dir = Path(corpus_dir)
        self.languages = list(dict.fromkeys(check_language(code) for code in languages))
        self.base_url = base_url.rstrip("/")
        self.max_pages = max_pages
        self.prefixes = {lang: tree_prefix(self.base_url, lang) for lang in self.languages}
        self.log, self.progress = log, progress
        self.client_options = client_options

    def language_of(self, url: str) -> str | None:
        """The language whose tree holds `url` (same origin, path under its prefix), or None."""
        if origin(url) != origin(self.base_url):
            return None
        path = urlparse(url).path
        for lang, prefix in self.prefixes.items():
            if path == prefix or path.startswith(prefix + "/"):
                return lang
        return None

    def entry(self, language: str) -> str:
        scheme, host = origin(self.base_url)
        return f"{scheme}://{host}{self.prefixes[language]}"

    def run(self) -> CrawlReport:
        report = CrawlReport()
        self.state = CrawlState(self.corpus_dir)
        self.held = _urls_held(self.corpus_dir)
        self.client = PoliteClient(self.base_url, **self.client_options)
        try:
            self.client.load_robots()
            self._run(report)
        finally:
            self.client.close()
        return report

    def _run(self, report: CrawlReport) -> None:
        header = {"run": "guidekb crawl", "base_url": self.base_url, "languages": self.languages}
        done_lines = self.state.resume(header)
        report.resumed = done_lines is not None
        visited: set[str] = set()
        queue: deque[str] = deque(self.entry(lang) for lang in self.languages)
        for lang in self.languages:  # pages seen before: revisited, so one that disappeared is noticed
            queue.extend(self.state.known(lang))
        for line in done_lines or []:
            visited.update(line["visited"])
            queue.extend(line["links"])
        if report.resumed:
            self.log(f"resuming an interrupted crawl: {len(visited)} page(s) already visited")
        requests = 0
        try:
            while queue:
                url = queue.popleft()
                if url in visited or self.language_of(url) is None:
                    continue
                if not self.client.robots.allowed(url):
                    visited.add(url)
                    report.skipped_robots += 1
                    continue
                if requests >= self.max_pages:
                    queue.appendleft(url)
                    break
                requests += 1
                seen, links = self._visit(url, report)
                visited.update(seen)
                for link in links:
                    if origin(link) != origin(self.base_url):
                        report.off_host_links += 1
                    elif link not in visited and self.language_of(link):
                        queue.append(link)
                self.state.append({"visited": sorted(seen), "links": [l for l in links if self.language_of(l)]})
                if self.progress:
                    self.progress(requests, url)
            report.complete = not queue
        finally:
            self.state.finish(report.complete)

    def _visit(self, url: str, report: CrawlReport) -> tuple[set[str], list[str]]:
        """Fetch one page and bring the corpus up to date with it; returns the URLs it settled and its links."""
        previous = self.state.page(url)
        headers = {}
        if previous and self.state.raw(url) is not None and self._held(previous):
            if previous.get("etag"):
                headers["If-None-Match"] = previous["etag"]
            if previous.get("last_modified"):
                headers["If-Modified-Since"] = previous["last_modified"]
        report.fetched += 1
        try:
            got = self.client.fetch(url, headers, lambda target: self.language_of(target) is not None)
        except FetchError as exc:
            return self._fail(report, url, str(exc))
        seen = {url, got.url}
        if got.status == 304:
            report.unchanged += 1
            return seen, extract_links(self.state.raw(url) or b"", url)
        if got.status in (404, 410):
            if previous:
                remove_page(self.corpus_dir, previous["url"])
                self.state.drop(url)
                report.removed += 1
                self.log(f"removed {url} (HTTP {got.status})")
                return seen, []
            return self._fail(report, url, f"HTTP {got.status} (broken link)", seen)
        if got.status != 200:
            return self._fail(report, url, f"HTTP {got.status}", seen)
        kind = got.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in HTML_TYPES:
            return self._fail(report, url, f"not an HTML page ({kind or 'no content type'})", seen)
        links = extract_links(got.body, got.url)
        final = got.url
        before = self.state.page(final) if final != url else previous
        digest = hashlib.sha256(got.body).hexdigest()
        info = {"url": final, "language": self.language_of(final), "etag": got.headers.get("etag"),
                "last_modified": got.headers.get("last-modified"), "sha256": digest,
                "checked": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        if before and before.get("sha256") == digest and self._held(before):
            self.state.save(final, {**before, **info}, got.body)
            report.unchanged += 1
            return seen, links
        try:
            converted = convert_html(self._decode(got), final, final, info["language"])
        except GuidekbError as exc:
            if exc.code == "navigation_page":  # an index of other pages: its links are followed, nothing is stored
                report.navigation += 1
                return seen, links
            return self._fail(report, final, exc.message, seen, links)
        held = self.held.get(final, converted.record["source"])
        if held != converted.record["source"]:  # e.g. a page saved by hand: never overwritten by the crawler
            return self._fail(report, final, f"the corpus already holds this page as {held}: remove that page "
                              "and its record, or crawl into another --corpus", seen, links)
        write_converted(converted, self.corpus_dir)
        self.held[final] = converted.record["source"]
        self.state.save(final, {**info, "source": converted.record["source"]}, got.body)
        if before:
            report.changed += 1
        else:
            report.new += 1
        return seen, links

    def _held(self, info: dict) -> bool:
        """Whether the corpus still holds the page's text and record (else it must be fetched in full)."""
        source = info.get("source")
        return bool(source) and (self.corpus_dir / source).is_file() and \
            (self.corpus_dir / source.replace(".txt", META_SUFFIX)).is_file()

    @staticmethod
    def _decode(got) -> str:
        charset = "utf-8"
        for param in got.headers.get("content-type", "").split(";")[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                charset = value.strip().strip('"')
        try:
            return got.body.decode(charset, "replace")
        except LookupError:
            return got.body.decode("utf-8", "replace")

    def _fail(self, report: CrawlReport, url: str, reason: str, seen: set[str] | None = None,
              links: list[str] | None = None) -> tuple[set[str], list[str]]:
        report.failed[url] = reason  # listed by the summary, not logged twice
        return seen or {url}, links or []


def crawl(corpus_dir: Path, languages: list[str], **options) -> CrawlReport:
    """Crawl each language's programme-guide tree into `corpus_dir`; see Crawler for the options."""
    return Crawler(corpus_dir, languages, **options).run()
