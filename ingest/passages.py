"""Blocks -> citable passages: a paragraph, a bullet or a table row (long ones split on sentences), with ids and
offsets. What is embedded and what BM25 reads is the passage with what tells it apart from the alike rows of
other pages: its page title and heading path, its lead-in or its table's column names."""
from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import asdict, dataclass, replace

from .fragments import text_fragment_url
from .guidetext import CELL_SEPARATOR, FOOTNOTE_REF, GUIDE_TEXT_FORMATS, LABEL_SEPARATOR, parse_guide_text
from .sentences import clause_spans, comma_spans, sentence_spans
from .sources import SourceDocument
from .textpage import Block, parse_page_text

CHUNKER_VERSION = 4  # 4: table rows, headings of saved text, page title and heading path in what is embedded
# Measured on the evaluation set: 400/300 beat 1000/500 and 300/200 (a long bullet listing many things
# otherwise matches every question a little and crowds out the short bullet that answers it).
MAX_CHARS = 400  # a whole paragraph or bullet up to this stays one passage
TARGET_CHARS = 300  # pieces of a longer one are grouped up to about this
OUTLINE_ITEM_CHARS = 80  # each list item a lead-in passage is embedded with is cut to this


@dataclass(frozen=True, slots=True)  # slots: 100k passages are held in memory by `serve`
class Passage:
    """The unit we index, rank and cite."""

    id: str
    text: str  # exactly source[start:end]
    context: str  # lead-in that says what a bullet is about, a row's column names ("" if none)
    outline: str  # for a lead-in ending with ':', the items it introduces (embedded, not shown)
    kind: str  # "paragraph" | "bullet" | "row"
    language: str
    title: str
    section: tuple[str, ...]
    url: str  # official page URL, with a text-fragment anchor that lands on the passage
    page_url: str
    edition: str | None
    source: str  # file name in the corpus
    start: int
    end: int
    position: int  # 1-based order on the page
    page_passages: int
    outdated: bool = False  # its page is a translation that lags behind the current guide (older indexes: False)
    current_text_url: str | None = None  # then: where the current text is (the guide PDF in its language, or English)

    def embedding_text(self) -> str:
        """The passage in its context: page title and heading path, its lead-in, the passage, the list it introduces."""
        heading = " > ".join(s for s in self.section if not s.startswith(("p. ", "pp. ")))
        text = self.text.replace("\t", LABEL_SEPARATOR, 1).replace("\t", "; ") if self.kind == "row" else self.text
        return "\n".join(part for part in (heading, self.context, text, self.outline) if part)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["section"] = list(self.section)
        return data

    @classmethod
    def from_dict(cls, data: dict, shared: dict | None = None) -> "Passage":
        """`shared`: a dict kept across the passages of one load, so that a value many passages repeat (their
        page's title, section, URL, lead-in) is held once instead of once per passage (at 100k synthetic
        passages: 601 -> 475 MiB for the loaded index)."""
        data = {**data, "section": tuple(data["section"])}
        if shared is not None:
            for name in _PAGE_FIELDS:
                value = data.get(name)
                if value is not None:
                    data[name] = shared.setdefault(value, value)
        return cls(**data)


_PAGE_FIELDS = ("context", "outline", "kind", "language", "title", "section", "page_url", "edition", "source",
                "current_text_url")


def passage_id(doc_key: str, language: str, text: str, occurrence: int) -> str:
    """Content-derived id: the same text on the same page keeps its id across re-ingests."""
    digest = hashlib.sha1(f"{doc_key}\n{occurrence}\n{text}".encode("utf-8")).hexdigest()
    return f"{language}-{digest[:12]}"


def _pieces(text: str, start: int, end: int, splitters) -> list[tuple[int, int]]:
    """Cut text[start:end] with the first splitter; pieces still too long go to the next one."""
    if end - start <= MAX_CHARS or not splitters:
        return [(start, end)]
    out: list[tuple[int, int]] = []
    for s, e in splitters[0](text[start:end]):
        out.extend(_pieces(text, start + s, start + e, splitters[1:]))
    return out


def split_long(text: str) -> list[tuple[int, int]]:
    """Spans of `text`, each at most about MAX_CHARS: cut at sentences, then '; ', then ', '."""
    groups: list[tuple[int, int]] = []
    for s, e in _pieces(text, 0, len(text), (sentence_spans, clause_spans, comma_spans)):
        if groups and e - groups[-1][0] <= TARGET_CHARS:
            groups[-1] = (groups[-1][0], e)
        else:
            groups.append((s, e))
    return groups


def block_head(text: str, piece_start: int) -> str:
    """What a later piece of a split block needs to be understood: the block's opening up to ':' or its first sentence."""
    colon = text.find(":")
    first_sentence_end = sentence_spans(text)[0][1]
    end = colon + 1 if 0 <= colon < first_sentence_end else first_sentence_end
    return text[:end] if 0 < end <= piece_start else ""


def lead_in_context(block: Block, previous: Block | None) -> str:
    """A bullet's lead-in is the paragraph ending with ':' right before its list."""
    if block.kind == "bullet" and previous is not None and previous.text.rstrip().endswith(":"):
        return previous.text
    return ""


def table_context(blocks: list[Block], at: int) -> str:
    """A row's context: its table's caption (the lead-in ending with ':' right before it) and its column names."""
    first = at
    while first > 0 and blocks[first - 1].kind in ("row", "table-head"):
        first -= 1
    before = blocks[first - 1] if first > 0 else None
    caption = before.text if before is not None and before.kind == "paragraph" and before.text.rstrip().endswith(":") else ""
    return "\n".join(part for part in (caption, CELL_SEPARATOR.join(blocks[at].columns)) if part)


def list_outline(blocks: list[Block], at: int) -> str:
    """The bullets a lead-in paragraph introduces, shortened: what the lead-in is about."""
    items = []
    for block in blocks[at + 1 :]:
        if block.kind != "bullet":
            break
        items.append(block.text[:OUTLINE_ITEM_CHARS])
    return "\n".join(items)


def _blocks(doc: SourceDocument) -> tuple[list[Block], str]:
    """The document's blocks, each with its full section path, and its title, read the way its record's `format` says."""
    if doc.format in GUIDE_TEXT_FORMATS:
        return parse_guide_text(doc.text, doc.section_path), doc.title
    blocks = parse_page_text(doc.text, doc.title)
    title = next((b.text for b in blocks if b.kind == "heading"), doc.title)
    return [replace(b, section=(*doc.section_path, title, *b.section)) for b in blocks], title


def fragment_text(block: Block, start: int, end: int, text: str) -> str | tuple[str, str]:
    """What a passage's text fragment quotes: a whole row runs from its label (first cell) to its last words,
    which are in other cells of the page than the ' — ' that joins them in the passage."""
    if block.kind == "row" and len(block.cells) > 1 and start == block.start and end == block.end:
        return block.cells[0], block.cells[-1]
    return text


def pdf_pages(doc: SourceDocument, start: int, end: int) -> tuple[int, int] | None:
    """First and last PDF page of doc.text[start:end], from the record's [offset, page] list."""
    pages = doc.meta.get("pages") if doc.format == "pdf" else None
    if not pages:
        return None
    offsets = [offset for offset, _ in pages]
    first = pages[max(0, bisect_right(offsets, start) - 1)][1]
    last = pages[max(0, bisect_right(offsets, max(start, end - 1)) - 1)][1]
    return first, last


def document_passages(doc: SourceDocument) -> list[Passage]:
    """All passages of one document, in page order."""
    blocks, title = _blocks(doc)
    guide_text = doc.format in GUIDE_TEXT_FORMATS
    drafts: list[tuple[Block, str, str, int, int]] = []  # block, context, outline, start, end
    lead_in: Block | None = None
    for at, block in enumerate(blocks):
        if block.kind in ("heading", "table-head"):  # a table's column names are its rows' context
            if block.kind == "heading":  # a list's lead-in does not reach across a heading
                lead_in = None
            continue
        if block.kind == "paragraph":
            lead_in = block
        context = table_context(blocks, at) if block.kind == "row" else lead_in_context(block, lead_in)
        outline = list_outline(blocks, at) if block.kind == "paragraph" and block.text.rstrip().endswith(":") else ""
        for s, e in split_long(block.text):
            head = block_head(block.text, s)
            notes = [f"{mark} {note}" for mark, note in block.notes if mark in block.text[s:e]]
            piece_context = "\n".join(c for c in (context, head, *notes) if c)
            drafts.append((block, piece_context, outline, block.start + s, block.start + e))
    seen: dict[str, int] = {}
    passages = []
    for position, (block, context, outline, start, end) in enumerate(drafts, 1):
        kind, block_section = block.kind, block.section
        text = doc.text[start:end]
        occurrence = seen.get(text, 0)
        seen[text] = occurrence + 1
        quoted = fragment_text(block, start, end, text)
        if guide_text:
            quoted = tuple(FOOTNOTE_REF.sub("", q) for q in quoted) if isinstance(quoted, tuple) else FOOTNOTE_REF.sub("", quoted)
        url = text_fragment_url(doc.url, quoted)
        pages = pdf_pages(doc, start, end)
        if pages:  # a PDF passage says its page, in the section path and in the URL (RFC 8118 #page=)
            block_section = (*block_section, f"p. {pages[0]}" if pages[0] == pages[1] else f"pp. {pages[0]}–{pages[1]}")
            url = f"{doc.url.split('#', 1)[0]}#page={pages[0]}"
        passages.append(
            Passage(
                id=passage_id(doc.doc_key, doc.language, text, occurrence),
                text=text,
                context=context,
                outline=outline,
                kind=kind,
                language=doc.language,
                title=title,
                section=block_section,
                url=url,
                page_url=doc.url,
                edition=doc.edition,
                source=doc.path.name,
                start=start,
                end=end,
                position=position,
                page_passages=len(drafts),
                outdated=doc.outdated,
                current_text_url=doc.current_text_url,
            )
        )
    return passages


def corpus_passages(documents: list[SourceDocument]) -> list[Passage]:
    return [p for doc in documents for p in document_passages(doc)]
