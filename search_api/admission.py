"""Admission of searches by cost, not by count: a long question weighs more, and long ones cannot fill the server.

A search's cost is its two model passes, about linear in the question's tokens up to the 128 the model reads
(index/embedding/e5_fast.py MAX_QUERY_TOKENS): measured here, a question of 128 tokens costs 6 to 7 times one of 16. A
question weighs one unit per 100 characters (at most 8); at most `capacity` units run at once, and questions
heavier than one unit together hold at most `heavy_share` of them, so short questions always find room while
long ones wait. A search that finds no room within `max_wait` seconds is shed with 503 and Retry-After.
"""
from __future__ import annotations

import asyncio
import math
from contextlib import asynccontextmanager
from typing import AsyncIterator, Callable

CHARS_PER_UNIT = 100
MAX_WEIGHT = 8
HEAVY_SHARE = 0.5


def weight(question: str) -> int:
    """Cost units of a question: 1 up to 100 characters, one more per 100, at most MAX_WEIGHT."""
    return min(MAX_WEIGHT, max(1, math.ceil(len(question) / CHARS_PER_UNIT)))


class Admission:
    def __init__(self, capacity: int = 16, max_wait: float = 0.5, heavy_share: float = HEAVY_SHARE,
                 on_shed: Callable[[str], None] | None = None) -> None:
        if capacity < 1 or max_wait < 0 or not 0 < heavy_share <= 1:
            raise ValueError("capacity must be at least 1, max_wait not negative and heavy_share in (0, 1]")
        self.capacity = capacity
        self.heavy_capacity = max(1, int(capacity * heavy_share))
        self.max_wait = max_wait
        self.on_shed = on_shed or (lambda path: None)
        self._budget: _Budget | None = None  # made on first use, inside the server's event loop
        self._loop = None

    @asynccontextmanager
    async def slot(self, path: str, question: str) -> AsyncIterator[bool]:
        """Yields True once the search may run (its units held until the block ends), False when it is shed."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # futures belong to one loop (a test client may run several in turn)
            self._budget, self._loop = _Budget(self.capacity, self.heavy_capacity), loop
        budget, units = self._budget, weight(question)
        if not await budget.acquire(units, self.max_wait):
            self.on_shed(path)
            yield False
            return
        try:
            yield True
        finally:
            budget.release(units)


class _Budget:
    """The units of one event loop: held by running searches, and the searches waiting for some."""

    def __init__(self, capacity: int, heavy_capacity: int) -> None:
        self.capacity, self.heavy_capacity = capacity, heavy_capacity
        self.used = 0
        self.heavy_used = 0  # held by questions heavier than one unit
        self.waiting: list[tuple[asyncio.Future, int]] = []  # oldest first; each admitted whenever it fits

    def _units(self, units: int) -> tuple[int, bool]:
        heavy = units > 1
        return min(units, self.heavy_capacity if heavy else self.capacity), heavy  # too heavy: runs alone

    def _fits(self, units: int) -> bool:
        units, heavy = self._units(units)
        return self.used + units <= self.capacity and not (heavy and self.heavy_used + units > self.heavy_capacity)

    def _take(self, units: int, sign: int) -> None:
        units, heavy = self._units(units)
        self.used += sign * units
        self.heavy_used += sign * units if heavy else 0

    def release(self, units: int) -> None:
        """Give the units back and admit every waiting search that fits now, oldest first."""
        self._take(units, -1)
        for entry in list(self.waiting):
            waiter, wanted = entry
            if not waiter.done() and self._fits(wanted):
                self._take(wanted, +1)  # taken on the waiter's behalf before it resumes: nothing can cut in
                waiter.set_result(True)
                self.waiting.remove(entry)

    async def acquire(self, units: int, max_wait: float) -> bool:
        if self._fits(units):
            self._take(units, +1)
            return True
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        entry = (waiter, units)
        self.waiting.append(entry)
        timer = loop.call_later(max_wait, lambda: waiter.done() or waiter.set_result(False))
        try:
            return await waiter
        except asyncio.CancelledError:  # the client left; units granted meanwhile go to the next in line
            if waiter.done() and not waiter.cancelled() and waiter.result():
                self.release(units)
            raise
        finally:
            timer.cancel()
            if entry in self.waiting:
                self.waiting.remove(entry)
