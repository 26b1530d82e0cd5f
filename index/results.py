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
    url: str = Field(description="official page URL with a text fragment that lands on the passage")
    edition: str = Field(description="guide edition, or 'web version' when the page does not state it")
    position: Position
    language: str
    reference: str = Field(description="ready-to-paste citation")


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


class SearchResponse(BaseModel):
    query: str
    language: str = Field(description="detected or given query language")
    language_detected: bool
    passages: list[Hit]
    degraded: bool = Field(False, description="true when the embedding model failed and the ranking is BM25 alone")


class PassageRecord(BaseModel):
    id: str
    text: str
    context: str
    language: str
    kind: str
    citation: Citation
