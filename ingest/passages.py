"""Blocks -> citable passages: a paragraph or a bullet (long ones split on sentences), with ids and offsets."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

from .fragments import text_fragment_url
from .sentences import clause_spans, sentence_spans
from .sources import SourceDocument
from .textpage import Block, parse_page_text

CHUNKER_VERSION = 1
MAX_CHARS = 1000  # a whole paragraph or bullet up to this stays one passage
TARGET_CHARS = 500  # pieces of a longer one are grouped up to about this


@dataclass(frozen=True)
class Passage:
    """The unit we index, rank and cite."""

    id: str
    text: str  # exactly source[start:end]
    context: str  # lead-in that says what a bullet is about ("" if none)
    kind: str  # "paragraph" | "bullet"
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

    def embedding_text(self) -> str:
        """What the models see: where the passage sits, its lead-in, then the passage."""
        parts = [self.title]
        if self.context:
            parts.append(self.context)
        parts.append(self.text)
        return "\n".join(parts)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["section"] = list(self.section)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Passage":
        return cls(**{**data, "section": tuple(data["section"])})


def passage_id(doc_key: str, language: str, text: str, occurrence: int) -> str:
    """Content-derived id: the same text on the same page keeps its id across re-ingests."""
    digest = hashlib.sha1(f"{doc_key}\n{occurrence}\n{text}".encode("utf-8")).hexdigest()
    return f"{language}-{digest[:12]}"


def split_long(text: str) -> list[tuple[int, int]]:
    """Spans of `text`, each at most MAX_CHARS where sentence or clause boundaries allow."""
    if len(text) <= MAX_CHARS:
        return [(0, len(text))]
    pieces: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        if e - s <= MAX_CHARS:
            pieces.append((s, e))
        else:
            pieces.extend((s + cs, s + ce) for cs, ce in clause_spans(text[s:e]))
    groups: list[tuple[int, int]] = []
    for s, e in pieces:
        if groups and e - groups[-1][0] <= TARGET_CHARS:
            groups[-1] = (groups[-1][0], e)
        else:
            groups.append((s, e))
    return groups


def lead_in_context(block: Block, previous: Block | None) -> str:
    """A bullet's lead-in is the paragraph ending with ':' right before its list."""
    if block.kind == "bullet" and previous is not None and previous.text.rstrip().endswith(":"):
        return previous.text
    return ""


def document_passages(doc: SourceDocument) -> list[Passage]:
    """All passages of one document, in page order."""
    blocks = parse_page_text(doc.text, doc.title)
    title = next((b.text for b in blocks if b.kind == "heading"), doc.title)
    section = (*doc.section_path, title)
    drafts: list[tuple[str, str, int, int]] = []  # kind, context, start, end
    lead_in: Block | None = None
    for block in blocks:
        if block.kind == "heading":
            continue
        if block.kind == "paragraph":
            lead_in = block
        context = lead_in_context(block, lead_in)
        for s, e in split_long(block.text):
            piece_context = context
            if s > 0 and block.kind == "paragraph" and not context:
                # later pieces of a split paragraph keep its opening sentence as context
                first_end = sentence_spans(block.text)[0][1]
                piece_context = block.text[:first_end] if first_end <= s else ""
            drafts.append((block.kind, piece_context, block.start + s, block.start + e))
    seen: dict[str, int] = {}
    passages = []
    for position, (kind, context, start, end) in enumerate(drafts, 1):
        text = doc.text[start:end]
        occurrence = seen.get(text, 0)
        seen[text] = occurrence + 1
        passages.append(
            Passage(
                id=passage_id(doc.doc_key, doc.language, text, occurrence),
                text=text,
                context=context,
                kind=kind,
                language=doc.language,
                title=title,
                section=section,
                url=text_fragment_url(doc.url, text),
                page_url=doc.url,
                edition=doc.edition,
                source=doc.path.name,
                start=start,
                end=end,
                position=position,
                page_passages=len(drafts),
            )
        )
    return passages


def corpus_passages(documents: list[SourceDocument]) -> list[Passage]:
    return [p for doc in documents for p in document_passages(doc)]
