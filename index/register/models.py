"""Typed records of the action register, shared by the CLI, the API, the calendar and the direct answers."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ..results import ActionRef, Citation, DirectAnswer  # noqa: F401 (re-exported)

FIELDS = ("apply_to", "deadlines", "duration", "grant", "who_can_apply", "partners", "ages")
Body = Literal["National Agency", "EACEA"]


class Source(BaseModel):
    """Where a field was read: the row (or paragraph) as the guide writes it, with its citation."""

    label: str = Field(description="the row's label as written (its first cell); '' for a paragraph or bullet")
    text: str = Field(description="the value as written, without the label")
    passage_ids: list[str] = Field(description="the passage(s) it was read from: a long row is cut into pieces")
    citation: Citation


class ApplyTo(BaseModel):
    body: Body
    condition: str | None = Field(None, description="when it depends on the applicant: the sentence that says so")


class Deadline(BaseModel):
    day: int
    month: int
    time: str | None = Field(None, description="time of day, 24h 'HH:MM'")
    timezone: str | None = Field(None, description="'Europe/Brussels' when the guide says Brussels time")
    body: Body | None = Field(None, description="the body the deadline is for, where the row says or implies it")
    text: str = Field(description="the part of the row that states this deadline (its round or condition)")
    citation: Citation


class Duration(BaseModel):
    min_months: int | None
    max_months: int | None
    values_months: list[int] = Field(description="every duration the row states, in months, in text order")


class GrantItem(BaseModel):
    amounts_eur: list[int] = Field(description="amounts in EUR, in text order")
    min_eur: int
    max_eur: int
    source: Source


class Partners(BaseModel):
    min_organisations: int | None = Field(description="the first number the row states")
    min_countries: int | None = Field(description="the second number the row states")


class Ages(BaseModel):
    min_age: int | None
    max_age: int | None
    values: list[int]


class Difference(BaseModel):
    field: str
    reference: str = Field(description="the English (prevailing) record's value")
    this: str = Field(description="this record's value")


class ActionRecord(BaseModel):
    """One action page in one language; a field the page does not state is null (never guessed)."""

    page: str = Field(description="the page's path under programme-guide/, the same in every language")
    page_url: str
    language: str
    title: str
    edition: str | None = None
    apply_to: list[ApplyTo] | None = None
    deadlines: list[Deadline] | None = None
    duration: Duration | None = None
    grant: list[GrantItem] | None = None
    who_can_apply: str | None = None
    partners: Partners | None = None
    ages: Ages | None = None
    sources: dict[str, Source] = Field(default_factory=dict, description=(
        "field -> the row it was read from (grant: its first item; each item carries its own)"))
    differences: list[Difference] = Field(default_factory=list, description=(
        "fields whose value differs from the English record's, as a consistency report flags them"))


class Register(BaseModel):
    version: int
    languages: list[str]
    actions: list[ActionRecord]

    def find(self, page: str, language: str | None = None) -> list[ActionRecord]:
        return [a for a in self.actions if a.page == page and (language is None or a.language == language)]
