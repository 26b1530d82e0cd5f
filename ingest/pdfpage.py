"""A PDF of the guide -> guide text with the PDF page of every character, headings and an edition if stated.

Running headers and footers (a line at the top or bottom of most pages, digits aside), page numbers and
table-of-contents entries ("Eligible countries ...... 33") are dropped; a word hyphenated at a line end is
joined again unless the document writes it with the hyphen elsewhere; headings are lines set larger than the
body text, or bold numbered lines ("2.1 Eligibility"). The text is read in line order: one column.
"""
from __future__ import annotations

import io
import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from .errors import GuidekbError
from .guidetext import BULLET_PREFIX, heading_line
from .textpage import BULLET

EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be running headers or footers
RUNNING_SHARE = 0.5  # ... when found (digits aside) on at least this share of the pages, and on 2 or more
PAGE_NUMBER = re.compile(r"^(?:(?:page|p\.|стр\.|страница|seite|página|pagina)\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?"
                         r"(?:\s*(?:/|of|от|von|de|di|z)\s*\d{1,4})?$", re.I)
TOC_ENTRY = re.compile(r"(?:\.\s?){4,}\s*\d{1,4}$")  # "Eligible countries ........ 33": a contents page, not text
NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+\S")
END_OF_SENTENCE = re.compile(r"[.!?:;…]$")
HYPHEN_END = re.compile(r"(\w+)[-\u00ad]$")
WORD_START = re.compile(r"^(\w+)")


@dataclass
class Line:
    text: str
    page: int
    top: float
    bottom: float
    size: float
    bold: bool


@dataclass
class Draft:
    kind: str  # heading | paragraph | bullet
    level: int = 0
    parts: list[tuple[str, int]] = field(default_factory=list)  # (text, page) of each joined line


@dataclass(frozen=True)
class PdfDocument:
    text: str  # guide text, stored as the corpus source
    pages: list[tuple[int, int]]  # (offset in text, PDF page) where each page's text begins
    title: str
    raw_text: str  # all text before cleaning (where an edition may be stated)
    page_count: int


def _lines(data: bytes, name: str) -> tuple[list[list[Line]], str]:
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages, title = [], (pdf.metadata or {}).get("Title") or ""
            for number, page in enumerate(pdf.pages, 1):
                lines = []
                for raw in page.extract_text_lines(return_chars=True, strip=True):
                    chars = [c for c in raw["chars"] if c["text"].strip()]
                    if not raw["text"].strip() or not chars:
                        continue
                    bold = sum("bold" in str(c.get("fontname", "")).lower() for c in chars) > len(chars) / 2
                    size = round(statistics.median(c["size"] for c in chars), 1)
                    lines.append(Line(raw["text"].strip(), number, raw["top"], raw["bottom"], size, bold))
                pages.append(lines)
    except GuidekbError:
        raise
    except Exception as exc:  # pdfminer raises many types for a damaged file
        raise GuidekbError("bad_input", f"{name} is not a readable PDF ({type(exc).__name__}: {exc})") from exc
    return pages, str(title)


def _running(pages: list[list[Line]]) -> set[int]:
    """ids of header, footer and page-number lines."""
    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text.casefold())

    edges = [page[:EDGE_LINES] + page[-EDGE_LINES:] for page in pages]
    counts = Counter(k for edge in edges for k in {key(line) for line in edge})
    needed = max(2, math.ceil(RUNNING_SHARE * len(pages)))
    return {id(line) for edge in edges for line in edge if counts[key(line)] >= needed or PAGE_NUMBER.match(line.text)}


def _heading_levels(lines: list[Line], body: float) -> dict[int, int]:
    """id(line) -> heading level, from font size and numbering."""
    larger = sorted({line.size for line in lines if line.size >= body + 1.0}, reverse=True)
    numbered = [line for line in lines if NUMBERED.match(line.text) and len(line.text) <= 120
                and not END_OF_SENTENCE.search(line.text) and (line.bold or line.size >= body + 1.0)]
    levels = {id(line): larger.index(line.size) + 1 for line in lines if line.size in larger and len(line.text) <= 200}
    if numbered:
        base = min(larger.index(line.size) + 1 if line.size in larger else len(larger) + 1 for line in numbered)
        for line in numbered:
            levels[id(line)] = base + NUMBERED.match(line.text).group(1).count(".")
    return {k: min(v, 6) for k, v in levels.items()}


def _join(left: str, right: str, hyphenated: set[str]) -> tuple[str, str]:
    """How two lines of one paragraph meet: ("", right) repairs a line-end hyphen, (" ", right) otherwise."""
    end, start = HYPHEN_END.search(left), WORD_START.match(right)
    if end and start and right[0].islower() and f"{end.group(1)}-{start.group(1)}".casefold() not in hyphenated:
        return "", right
    return " ", right


def parse_pdf(data: bytes, name: str) -> PdfDocument:
    pages, meta_title = _lines(data, name)
    raw_text = "\n".join(line.text for page in pages for line in page)
    if not raw_text.strip():
        raise GuidekbError("bad_input", f"{name} has no text layer (a scanned PDF?): it cannot be indexed")
    running = _running(pages)
    body_lines = [line for page in pages for line in page if id(line) not in running and not TOC_ENTRY.search(line.text)]
    body = Counter(line.size for line in body_lines for _ in line.text).most_common(1)[0][0]
    levels = _heading_levels(body_lines, body)
    gaps = [b.top - a.bottom for page in pages for a, b in zip(page, page[1:]) if id(a) not in levels and id(b) not in levels]
    gap = statistics.median([g for g in gaps if g >= 0] or [2.0])
    hyphenated = {w.casefold() for w in re.findall(r"\w+-\w+", raw_text)}

    drafts: list[Draft] = []
    previous: Line | None = None
    for line in body_lines:
        level = levels.get(id(line))
        bullet = BULLET.match(line.text)
        last = drafts[-1] if drafts else None
        new_page = previous is not None and line.page != previous.page
        continues = (last is not None and last.kind != "heading" and level is None and not bullet and (
            (not new_page and line.top - previous.bottom <= gap * 1.8 + 1.0)
            or (new_page and not END_OF_SENTENCE.search(last.parts[-1][0]) and line.text[:1].islower())))
        heading_goes_on = (last is not None and last.kind == "heading" and level == last.level and not new_page
                           and line.top - previous.bottom <= gap * 1.8 + 1.0 and not NUMBERED.match(line.text))
        if continues or heading_goes_on:
            last.parts.append((line.text, line.page))
        elif level is not None:
            drafts.append(Draft("heading", level, [(line.text, line.page)]))
        elif bullet:
            drafts.append(Draft("bullet", 0, [(line.text[bullet.end():], line.page)]))
        else:
            drafts.append(Draft("paragraph", 0, [(line.text, line.page)]))
        previous = line
    return _write(drafts, hyphenated, meta_title, raw_text, len(pages))


def _write(drafts: list[Draft], hyphenated: set[str], meta_title: str, raw_text: str, page_count: int) -> PdfDocument:
    """Guide text, one block per line, and the offset where each page's text begins."""
    out: list[str] = []
    pages: list[tuple[int, int]] = []
    offset = 0
    for draft in drafts:
        prefix = heading_line(draft.level, "") if draft.kind == "heading" else BULLET_PREFIX if draft.kind == "bullet" else ""
        line = prefix
        for i, (text, page) in enumerate(draft.parts):
            if i:
                glue, text = _join(line, text, hyphenated)
                if glue == "":
                    line = line[:-1]  # the hyphen
                line += glue
            if not pages or page != pages[-1][1]:
                pages.append((offset + len(line), page))
            line += text
        out.append(line)
        offset += len(line) + 1
    headings = [d for d in drafts if d.kind == "heading"]
    title = next((" ".join(t for t, _ in d.parts) for d in sorted(headings, key=lambda d: d.level)), "") or meta_title
    return PdfDocument("\n".join(out) + "\n", pages, title.strip(), raw_text, page_count)
