"""Polite HTTP for the crawler: robots.txt, one request at a time with a delay, bounded retries, no other host.

Redirects are not followed by httpx: each hop is checked here (same scheme, host and port, inside the
crawled tree, allowed by robots.txt) and a hop anywhere else is refused without being requested.
"""
from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urljoin, urlparse
from urllib.robotparser import RobotFileParser

from .errors import GuidekbError

USER_AGENT = "guidekb/0.1 (guidekb crawler; Erasmus+ Programme Guide search)"
ROBOT_NAME = "guidekb"
REDIRECTS = (301, 302, 303, 307, 308)
RETRY_STATUS = (429, 500, 502, 503, 504)
MAX_REDIRECTS = 5


class FetchError(Exception):
    """A page that could not be fetched; the message is the reason the crawl summary reports."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after same-host redirects
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


def origin(url: str) -> tuple[str, str]:
    parts = urlparse(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _float_crawl_delay(text: str) -> float | None:
    """Crawl-delay for us or for `*` (urllib.robotparser reads only whole seconds)."""
    delays: dict[str, float] = {}
    agents: list[str] = []
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (s.strip() for s in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
        else:
            in_rules = True
            if key == "crawl-delay":
                try:
                    delay = float(value)
                except ValueError:
                    continue
                for agent in agents:
                    delays.setdefault(agent, delay)
    mine = [d for a, d in delays.items() if a != "*" and a in USER_AGENT.lower()]
    return mine[0] if mine else delays.get("*")


class Robots:
    def __init__(self, text: str | None, allow_all: bool = False, disallow_all: bool = False):
        self._parser = RobotFileParser()
        self._parser.parse((text or "").splitlines())
        self._parser.allow_all, self._parser.disallow_all = allow_all, disallow_all
        self.delay = _float_crawl_delay(text or "") or 0.0

    def allowed(self, url: str) -> bool:
        return self._parser.can_fetch(ROBOT_NAME, url)


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class PoliteClient:
    """Sequential GET requests to one origin, `delay` seconds apart, with retries on 429/5xx and a size cap."""

    def __init__(self, base_url: str, delay: float = 1.0, timeout: float = 20.0, retries: int = 3,
                 backoff: float = 2.0, max_retry_after: float = 60.0, max_bytes: int = 5_000_000,
                 user_agent: str = USER_AGENT, sleep: Callable[[float], None] = time.sleep):
        try:
            import httpx
        except ImportError as exc:
            raise GuidekbError("crawl_unavailable", "the crawler needs httpx: pip install -e '.[crawl]'") from exc
        self._httpx = httpx
        self.origin = origin(base_url)
        self.delay, self.retries, self.backoff = delay, retries, backoff
        self.max_retry_after, self.max_bytes = max_retry_after, max_bytes
        self.robots = Robots(None, allow_all=True)
        self._sleep = sleep
        self._last = 0.0
        self._client = httpx.Client(follow_redirects=False, timeout=timeout, trust_env=False,
                                    headers={"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml"})

    def close(self) -> None:
        self._client.close()

    @property
    def gap(self) -> float:
        return max(self.delay, self.robots.delay)

    def load_robots(self) -> Robots:
        scheme, host = self.origin
        url = f"{scheme}://{host}/robots.txt"
        try:
            got = self._get(url, {})
        except FetchError as exc:
            raise GuidekbError("crawl_failed", f"{url} could not be read ({exc}): not crawling; try again later") from exc
        if got.status == 200:
            self.robots = Robots(got.body.decode("utf-8", "replace"))
        elif got.status in (401, 403):
            self.robots = Robots(None, disallow_all=True)
        elif 400 <= got.status < 500:
            self.robots = Robots(None, allow_all=True)
        else:
            raise GuidekbError("crawl_failed", f"{url} answered HTTP {got.status}: not crawling; try again later")
        return self.robots

    def fetch(self, url: str, headers: dict[str, str], in_scope: Callable[[str], bool]) -> Fetched:
        """GET `url`, following redirects only to allowed pages of the same origin inside the tree."""
        for _ in range(MAX_REDIRECTS + 1):
            if origin(url) != self.origin:
                raise FetchError(f"refused: {url} is on another host")
            if not self.robots.allowed(url):
                raise FetchError(f"refused: {url} is disallowed by robots.txt")
            got = self._get(url, headers)
            if got.status not in REDIRECTS:
                return got
            target = urljoin(url, got.headers.get("location", "")).split("#", 1)[0]
            if origin(target) != self.origin:
                raise FetchError(f"redirect to another host refused: {target}")
            if not in_scope(target):
                raise FetchError(f"redirect outside the programme-guide tree refused: {target}")
            url, headers = target, {}
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

    def _wait(self, at_least: float = 0.0) -> None:
        pause = max(at_least, self._last + self.gap - time.monotonic())
        if pause > 0:
            self._sleep(pause)

    def _get(self, url: str, headers: dict[str, str]) -> Fetched:
        httpx = self._httpx
        wait = 0.0
        for attempt in range(self.retries + 1):
            self._wait(wait)
            last = attempt == self.retries
            try:
                with self._client.stream("GET", url, headers=headers) as response:
                    status = response.status_code
                    if status in RETRY_STATUS and not last:
                        wait = retry_after(response.headers.get("retry-after"))
                        wait = self.backoff * 2 ** attempt if wait is None else wait
                        if wait > self.max_retry_after:
                            raise FetchError(f"HTTP {status}, asked to wait {wait:.0f}s (over the {self.max_retry_after:.0f}s limit)")
                        continue
                    body = self._read(response) if status == 200 else b""
                    return Fetched(url, status, {k.lower(): v for k, v in response.headers.items()}, body)
            except httpx.HTTPError as exc:
                if last:
                    raise FetchError(f"{type(exc).__name__}: {exc}") from exc
                wait = self.backoff * 2 ** attempt
            finally:
                self._last = time.monotonic()
        raise FetchError(f"HTTP {status} after {self.retries + 1} attempts")

    def _read(self, response) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"page of {int(declared)} bytes is over the {self.max_bytes}-byte cap")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(f"page is over the {self.max_bytes}-byte cap (aborted)")
            chunks.append(chunk)
        return b"".join(chunks)
