"""Sentence boundaries with offsets, for splitting long paragraphs and picking highlights."""
from __future__ import annotations

import re

# A sentence ends at . ! ? ; or … followed by space and an upper-case letter, digit or quote.
_BOUNDARY = re.compile(r"(?<=[.!?…])[\s\u00a0]+(?=[\"„“«(]?[A-ZА-ЯΑ-ΩÀ-ÞĀ-Ž0-9])")
# Inside a very long sentence, list items end at "; " (or ", " in a comma-separated list).
_CLAUSE = re.compile(r"(?<=;)[\s\u00a0]+")
_COMMA = re.compile(r"(?<=,)[\s\u00a0]+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, whitespace trimmed."""
    return _split(text, _BOUNDARY)


def clause_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each ';'-separated clause in `text`."""
    return _split(text, _CLAUSE)


def comma_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each ','-separated item in `text`."""
    return _split(text, _COMMA)


def _split(text: str, pattern: re.Pattern) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in pattern.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
