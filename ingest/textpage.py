"""Saved page text -> blocks (title, headings, paragraphs, bullets, table rows) with offsets into the source.

A page saved from a browser keeps no markup: the title is the first line that is not the site's own, a heading
is a short line without the punctuation that ends a sentence or a lead-in, a bullet starts with a bullet sign,
and a table row is a line of tab-separated cells (the first row of a table is its header). A heading that
directly follows another is read as its subsection; one after text as a section of its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .outdated import says_outdated

# Lines the official site prints around every guide page, in every language (the guide sample's README lists
# them as the site prints them today; older saved pages lack some); they are not guide text.
CHROME_LINES = frozenset(
    {
        "skip to main content",
        "erasmus+",
        "eu programme for education, training, youth and sport",
        "this guide is a detailed technical description of the erasmus+ programme. it is mainly intended for "
        "organisations applying for funding.",
        "if you are looking for a quicker overview, please read how to take part.",
        "search the guide",
    }
)
BULLET = re.compile(r"^[ \t\u00a0]*[•\u2022\u25cf\u25aa\-–*][ \t\u00a0]+")
SENTENCE_END = (".", ":", ";", ",", "!", "…")
HEADING_MAX_CHARS = 160


@dataclass(frozen=True)
class Block:
    kind: str  # "heading" | "paragraph" | "bullet" | "row" (a table row) | "table-head" (its column names)
    text: str
    start: int  # offsets of `text` in the source string
    end: int
    section: tuple[str, ...] = ()  # the headings above the block (page text: below the title)
    notes: tuple[tuple[str, str], ...] = ()  # guide text only: (mark, text) of the footnotes it cites
    cells: tuple[str, ...] = ()  # rows and table heads: the cells
    columns: tuple[str, ...] = ()  # rows: the table's column names (its head's cells), () if it has none


def is_chrome(line: str) -> bool:
    """A line of the site around the guide text, or the notice that a translation lags behind (outdated.py)."""
    return line.strip().casefold() in CHROME_LINES or says_outdated(line)


def looks_like_heading(line: str) -> bool:
    text = line.strip()
    return 0 < len(text) <= HEADING_MAX_CHARS and not text.endswith(SENTENCE_END) and "\t" not in text


def parse_page_text(text: str, title: str | None = None) -> list[Block]:
    """Split a saved page into blocks; the first non-chrome line (or the known title) is the title heading."""
    lines: list[tuple[str, int, str]] = []  # (kind, start, content)
    offset = 0
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
        if kind == "paragraph" and "\t" in content.strip("\t"):
            kind = "row"
        lines.append((kind, line_start + content_start, content))
    return _structure(lines, title)


def _structure(lines: list[tuple[str, int, str]], title: str | None) -> list[Block]:
    blocks: list[Block] = []
    seen_title = False
    headings: list[str] = []  # below the title
    after_heading = False
    for n, (kind, start, content) in enumerate(lines):
        end = start + len(content)
        if not seen_title:
            if kind == "paragraph" and (title is None or content.strip() == title.strip()):
                seen_title = True
                blocks.append(Block("heading", content, start, end))
                after_heading = True
                continue
        elif kind == "paragraph" and looks_like_heading(content) and n + 1 < len(lines):
            headings = (headings + [content]) if after_heading and headings else [content]
            blocks.append(Block("heading", content, start, end, section=tuple(headings)))
            after_heading = True
            continue
        after_heading = False
        if kind == "row":
            cells = tuple(c.strip() for c in content.split("\t"))
            previous = lines[n - 1][0] if n else ""
            following = lines[n + 1][0] if n + 1 < len(lines) else ""
            if previous != "row" and following == "row":  # a table's first row names its columns
                blocks.append(Block("table-head", content, start, end, tuple(headings), cells=cells))
                continue
            above = blocks[-1] if previous == "row" else None  # the table's head or the row before
            columns = (above.cells if above.kind == "table-head" else above.columns) if above is not None else ()
            blocks.append(Block("row", content, start, end, tuple(headings), cells=cells, columns=columns))
            continue
        blocks.append(Block(kind, content, start, end, tuple(headings)))
    return blocks
