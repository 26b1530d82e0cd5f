"""What a build says while it runs: how long it will take before it starts, then its progress with passages/s
and time left (a bar on a terminal, a line every few seconds in a log), so a long build is never silent."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

from ingest.errors import GuidekbError

from .store import current_build, read_manifest

# passages/s assumed when no earlier build here was timed: about the slowest builds measured on the loaded 2-core
# machine (3.7-12.2 end to end on the guide sample, docs/benchmarks.md), so a first estimate errs long
DEFAULT_RATE = 4.0
MIN_TIMED = 20  # a build that embedded fewer passages was mostly start-up: its rate is not a good estimate


def measured_rate(index_dir: Path) -> float | None:
    """Passages/s the builds here embedded at (the manifest's `embed_rate`), None when none was timed."""
    try:
        build = current_build(index_dir)
        rate = read_manifest(build, verify=False).get("embed_rate") if build is not None else None
    except GuidekbError:  # an unreadable old build: the cautious default
        return None
    return float(rate) if isinstance(rate, (int, float)) and rate > 0 else None


def rate_to_keep(embedded: int, seconds: float, before: float | None) -> float | None:
    """What the manifest keeps as `embed_rate`: this build's, when it embedded enough to time, else the one before."""
    return round(embedded / seconds, 2) if embedded >= MIN_TIMED and seconds > 0 else before


def plan_line(fresh: int, total: int, model: str, rate: float | None) -> str:
    """`embedding 1849 of 1849 passages with M: about 8 min at 4.0 passages/s (...)`: before a build starts."""
    if not fresh:
        return f"nothing to embed: all {total} passages are unchanged since the last build"
    reused = f" (the other {total - fresh} unchanged)" if fresh < total else ""
    source = "the last builds' rate here" if rate else "a cautious guess: no earlier build here to time"
    rate = rate or DEFAULT_RATE
    return (f"embedding {fresh} of {total} passages{reused} with {model}: about {about(fresh / rate)} "
            f"at {rate:.1f} passages/s ({source})")


def about(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def clock(seconds: float | None) -> str:
    """`0:25`, `12:05`, `3:14:35`; `--:--` when not known yet."""
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _rate_and_left(done: int, total: int, seconds: float) -> tuple[float, str]:
    rate = done / seconds if seconds > 0 else 0.0
    return rate, clock((total - done) / rate if rate > 0 else None)


def format_progress(label: str, done: int, total: int, seconds: float, width: int = 24) -> str:
    filled = int(width * done / total) if total else width
    rate, left = _rate_and_left(done, total, seconds)
    return f"{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} passages  {rate:.1f}/s  {left} left"


def format_log_progress(label: str, done: int, total: int, seconds: float) -> str:
    rate, left = _rate_and_left(done, total, seconds)
    share = 100 * done // total if total else 100
    return f"{label}: {done}/{total} passages ({share}%), {rate:.1f}/s, {left} left, {clock(seconds)} so far"


class TerminalProgress:
    """`embedding  812/1849 passages  61.2/s  0:17 left` on one line of stderr, only when it is a terminal."""

    def __init__(self, label: str = "embedding", stream=None, every: float = 0.25):
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.label, self.every = label, every
        self.t0 = time.perf_counter()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.last < self.every and done < total:
            return
        self.last = now
        self.stream.write("\r" + format_progress(self.label, done, total, now - self.t0) + "\x1b[K")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


class LogProgress:
    """The same figures as whole lines through `log` (a file, a service's journal): one every `every` seconds and
    one at the end, so a log never goes quiet for minutes while a build runs."""

    def __init__(self, log: Callable[[str], None], label: str = "embedding", every: float = 10.0):
        self.log, self.label, self.every = log, label, every
        self.t0 = self.last = time.perf_counter()
        self.finished = False

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if self.finished or (now - self.last < self.every and done < total):
            return
        self.last, self.finished = now, done >= total
        self.log(format_log_progress(self.label, done, total, now - self.t0))


def build_progress(log: Callable[[str], None], stream=None) -> Callable[[int, int], None]:
    """A bar when stderr is a terminal, else lines through `log`."""
    bar = TerminalProgress(stream=stream)
    return bar if bar.enabled else LogProgress(log)
