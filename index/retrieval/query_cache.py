"""A bounded, thread-safe LRU of encoded questions: a repeated question skips the model passes."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Hashable

QUERY_CACHE_SIZE = 1024  # entries; one is a 384-float vector plus <= 256 latent terms, about 4 KiB


def question_key(text: str) -> str:
    """The cache key of a question: runs of whitespace collapsed (case is kept: the model sees it)."""
    return " ".join(text.split())


class QueryCache:
    def __init__(self, size: int = QUERY_CACHE_SIZE):
        if size < 0:
            raise ValueError("cache size must not be negative")
        self.size = size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable):
        """The cached value for key (now the most recent), or None, counted as a hit or a miss."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
            self.misses += 1
            return None

    def put(self, key: Hashable, value) -> None:
        if self.size:
            with self._lock:
                self._entries[key] = value
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0
