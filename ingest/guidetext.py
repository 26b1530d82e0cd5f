"""Guide text, the plain text that HTML and PDF ingest store -> blocks, each with its section path.

One block per line: `# ` .. `###### ` headings (level = number of #), ` • ` bullets (list items), table rows
(`| ` and the row as it reads: "Where to apply? — To the National Agency.", after a `|| ` line of the table's
column names separated by ` | `), paragraphs, and at the end `[n]: text` footnotes. A block that cites `[n]` carries that footnote's text
in `notes`, which passages put in their context. Offsets point into this text, which the corpus stores.
"""
from __future__ import annotations

import re
from dataclasses import replace

from .textpage import BULLET, Block

HEADING = re.compile(r"^(#{1,6}) +(\S.*)$")
FOOTNOTE = re.compile(r"^\[(\w{1,8})\]: +(\S.*)$")
FOOTNOTE_REF = re.compile(r"\[(\w{1,8})\]")
BULLET_PREFIX = " • "
ROW_PREFIX = "| "
TABLE_HEAD_PREFIX = "|| "
CELL_SEPARATOR = " | "
LABEL_SEPARATOR = " — "  # between a row's label (its first cell) and the rest
GUIDE_TEXT_FORMATS = ("html", "pdf")


def heading_line(level: int, text: str) -> str:
    return f"{'#' * level} {text}"


def footnote_line(mark: str, text: str) -> str:
    return f"[{mark}]: {text}"


def row_text(cells: list[str], columns: list[str]) -> str:
    """A table row as a sentence that keeps its label and column names: "label — value" for two columns,
    "label — column: value; column: value" for more."""
    label, rest = (cells[0], cells[1:]) if cells else ("", [])
    named = list(zip(columns[1:] + [""] * len(rest), rest)) if len(cells) > 2 else [("", v) for v in rest]
    values = "; ".join(f"{h}: {v}" if h else v for h, v in named if v)
    return LABEL_SEPARATOR.join(part for part in (label, values) if part)


def _label_and_last(text: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    """A row's first and last cell as the page shows them (for its text fragment), from the row's text."""
    label, _, rest = text.partition(LABEL_SEPARATOR)
    if not rest:
        return (label,)
    last = rest.rsplit("; ", 1)[-1] if len(columns) > 2 else rest
    named = next((c for c in columns[1:] if c and last.startswith(f"{c}: ")), None)
    return label, last[len(named) + 2:] if named else last


def parse_guide_text(text: str, base_section: tuple[str, ...] = ()) -> list[Block]:
    """Blocks of a guide text in order; headings are blocks too (kind 'heading'), footnotes are not."""
    blocks: list[Block] = []
    notes: dict[str, Block] = {}
    headings: list[str] = []  # headings[i] is the open heading of level i + 1
    offset = 0
    for raw in text.splitlines(keepends=True):
        line_start = offset
        offset += len(raw)
        line = raw.splitlines()[0]
        if not line.strip():
            continue
        if match := HEADING.match(line):
            level = len(match.group(1))
            headings = headings[: level - 1] + [""] * max(0, level - 1 - len(headings)) + [match.group(2).rstrip()]
            start = line_start + match.start(2)
            blocks.append(Block("heading", match.group(2).rstrip(), start, start + len(match.group(2).rstrip()),
                                section=(*base_section, *filter(None, headings))))
            continue
        if match := FOOTNOTE.match(line):
            content = match.group(2).rstrip()
            start = line_start + match.start(2)
            notes[match.group(1)] = Block("paragraph", content, start, start + len(content),
                                          section=(*base_section, *filter(None, headings[:1])))
            continue
        if line.startswith(TABLE_HEAD_PREFIX):
            content = line[len(TABLE_HEAD_PREFIX):].rstrip()
            start = line_start + len(TABLE_HEAD_PREFIX)
            columns = tuple(content.split(CELL_SEPARATOR))
            blocks.append(Block("table-head", content, start, start + len(content), section=(*base_section, *filter(None, headings)),
                                cells=columns))
            continue
        if line.startswith(ROW_PREFIX):
            content = line[len(ROW_PREFIX):].rstrip()
            start = line_start + len(ROW_PREFIX)
            previous = blocks[-1] if blocks else None
            columns = (previous.cells if previous.kind == "table-head" else previous.columns) if previous is not None and \
                previous.kind in ("table-head", "row") else ()
            blocks.append(Block("row", content, start, start + len(content), section=(*base_section, *filter(None, headings)),
                                cells=_label_and_last(content, columns), columns=columns))
            continue
        if match := BULLET.match(line):
            kind, content_start = "bullet", match.end()
        else:
            kind, content_start = "paragraph", len(line) - len(line.lstrip(" \t\u00a0"))
        content = line[content_start:].rstrip(" \t\u00a0")
        start = line_start + content_start
        blocks.append(Block(kind, content, start, start + len(content), section=(*base_section, *filter(None, headings))))
    return _attach_notes(blocks, notes)


def _attach_notes(blocks: list[Block], notes: dict[str, Block]) -> list[Block]:
    """Each block that cites a footnote carries it; a footnote nobody cites becomes a paragraph of its own."""
    cited: set[str] = set()
    out = []
    for block in blocks:
        marks = [m for m in FOOTNOTE_REF.findall(block.text) if m in notes] if block.kind != "heading" else []
        cited.update(marks)
        if marks:
            block = replace(block, notes=tuple((f"[{m}]", notes[m].text) for m in dict.fromkeys(marks)))
        out.append(block)
    out.extend(note for mark, note in notes.items() if mark not in cited)  # never drop text
    return out
