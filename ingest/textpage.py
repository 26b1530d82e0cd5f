"""Saved page text -> blocks (heading, paragraphs, bullets) with offsets into the source."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .outdated import says_outdated

# Lines the official site prints around every guide page; they are not guide text.
CHROME_LINES = frozenset(
    {
        "skip to main content",
        "erasmus+",
        "eu programme for education, training, youth and sport",
        "search the guide",
    }
)
BULLET = re.compile(r"^[ \t\u00a0]*[•\u2022\u25cf\u25aa\-–*][ \t\u00a0]+")


@dataclass(frozen=True)
class Block:
    kind: str  # "heading" | "paragraph" | "bullet"
    text: str
    start: int  # offsets of `text` in the source string
    end: int
    section: tuple[str, ...] = ()  # guide text only: the headings above the block
    notes: tuple[tuple[str, str], ...] = ()  # guide text only: (mark, text) of the footnotes it cites


def is_chrome(line: str) -> bool:
    """A line of the site around the guide text, or the notice that a translation lags behind (outdated.py)."""
    return line.strip().casefold() in CHROME_LINES or says_outdated(line)


def parse_page_text(text: str, title: str | None = None) -> list[Block]:
    """Split a saved page into blocks; the first non-chrome line (or the known title) is the heading."""
    blocks: list[Block] = []
    offset = 0
    seen_heading = False
    for raw in text.splitlines(keepends=True):
        line_start = offset
        offset += len(raw)
        line = raw.splitlines()[0]  # without its terminator, also \u2028, \x0c, \x85 (splitlines cuts there)
        if not line.strip() or is_chrome(line):
            continue
        match = BULLET.match(line)
        if match:
            kind, content_start = "bullet", match.end()
        else:
            kind, content_start = "paragraph", len(line) - len(line.lstrip(" \t\u00a0"))
        content = line[content_start:].rstrip(" \t\u00a0")
        start = line_start + content_start
        if not seen_heading and kind == "paragraph" and (title is None or content.strip() == title.strip()):
            kind = "heading"
            seen_heading = True
        blocks.append(Block(kind, content, start, start + len(content)))
    return blocks
