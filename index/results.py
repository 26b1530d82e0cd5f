"""Typed results shared by every edge: the API, `ask --json` and the web page serialise these."""
from __future__ import annotations

from pydantic import BaseModel, Field


class Position(BaseModel):
    passage: int = Field(description="1-based order of the passage on its page")
    of: int = Field(description="number of passages on the page")
    char_start: int = Field(description="offset of the passage in the source file (characters)")
    char_end: int


class Citation(BaseModel):
    title: str = Field(description="page title")
    section: str = Field(description="section path, joined with ' › '")
    url: str = Field(description=(
        "official page URL with a text fragment that lands on the passage, readable: letters of any script as they "
        "are, only spaces and the fragment's syntax (- , &) escaped"))
    ascii_url: str = Field(description="the same URL with every non-ASCII character percent-encoded")
    edition: str = Field(description="guide edition, or 'web version' when the page does not state it")
    position: Position
    language: str
    reference: str = Field(description="ready-to-paste citation")
    outdated: bool = Field(False, description="true when the page is a translation the site says lags behind the current guide")
    current_text_url: str | None = Field(None, description=(
        "for an outdated page: where the current text is (the guide PDF in that language, else the English page)"))


class PassageRecord(BaseModel):
    id: str
    text: str
    context: str
    language: str
    kind: str
    citation: Citation


class Translation(BaseModel):
    """The same clause in another language, aligned at build time."""

    language: str
    prevailing: bool = Field(description="true for English: where language versions conflict, it prevails")
    confidence: float = Field(description="cosine of the aligned passages' embeddings (0..1); below about 0.8, check by reading")
    group: list[str] = Field(description="ids on the asked side that this counterpart covers (two when the other "
                                         "language keeps whole what this one splits)")
    passages: list[PassageRecord] = Field(description="the counterpart: one passage, or two when that language splits it")


class Hit(BaseModel):
    id: str
    text: str
    context: str = Field("", description="lead-in the passage depends on (a bullet's list introduction)")
    highlight: str = Field(description="the sentence that best answers the question")
    highlight_start: int = Field(description="offset of the highlight inside `text`")
    highlight_end: int
    language: str
    score: float
    rank: int
    citation: Citation
    translations: list[Translation] = Field(default_factory=list, description=(
        "the same clause in the question's language and in English (the prevailing version), when aligned"))
    shown_for: str | None = Field(None, description=(
        "id of the passage that ranked, when this is its counterpart in a preferred language"))


class ActionRef(BaseModel):
    title: str
    page: str = Field(description="the page's path under programme-guide/, the same in every language")
    page_url: str


class DirectAnswer(BaseModel):
    """A register field of one action, read from the row that states it: shown above the passages."""

    field: str = Field(description="apply_to, deadlines, duration, grant, who_can_apply, partners or ages")
    value: str = Field(description="the value as the guide writes it, in `language`")
    language: str = Field(description="the question's language where the index holds the page in it, else English")
    action: ActionRef
    citation: Citation
    confidence: float = Field(description="the model's score of the (action, field) pair: a weighted sum of cosines")


class SearchResponse(BaseModel):
    query: str
    language: str = Field(description="detected or given query language")
    language_detected: bool
    passages: list[Hit]
    degraded: bool = Field(False, description="true when the embedding model failed and the ranking is BM25 alone")
    expansion: str | None = Field(None, description=(
        "guide terms the question names, in the index's other languages, added from the glossary mined from aligned "
        "passages (none when the index holds one language)"))
    answer: DirectAnswer | None = Field(None, description=(
        "when the question asks one register field of exactly one action: its value and the row's citation; "
        "the passages stay as they are"))


class TranslationsResponse(BaseModel):
    passage: PassageRecord
    translations: list[Translation]


class FigureDifference(BaseModel):
    kind: str = Field(description="amount, percent, date, time, duration, age, count, year, country or reference")
    only_in_reference: list[str] = Field(description="figures the reference (prevailing) version states and this one does not")
    only_in_this: list[str] = Field(description="figures this version states and the reference one does not")
    written_in_reference: list[str] = Field(default_factory=list, description="only_in_reference as the reference text writes them")
    written_in_this: list[str] = Field(default_factory=list, description="only_in_this as this version writes them")


class ConsistencyIssue(BaseModel):
    language: str
    page: str = Field(description="the page's English URL (reports come grouped by page, in page order)")
    passages: list[PassageRecord] = Field(description="the clause in this language")
    reference: list[PassageRecord] = Field(description="the same clause in the reference language (English: prevails)")
    confidence: float = Field(description="alignment confidence of the two")
    differences: list[FigureDifference]


class ConsistencyReport(BaseModel):
    reference_language: str
    languages: list[str]
    clauses_checked: int
    issues: list[ConsistencyIssue]
