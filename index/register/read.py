"""Passages -> the action register: one record per action page and language, each field with the row it was read
from. A pure function of the passages and their alignments; the build stores its result (register.json)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

from ingest import Passage
from ingest.sources import guide_page

from ..citation import citation_for
from ..crosslang.align import continues_block, page_key
from ..crosslang.counterparts import PREVAILING, Counterparts
from .fields import (bodies_in, brussels_time, deadline_spans, english_field, fallback_field, is_funding_section, label_and_value,
                     read_ages, read_amounts, read_apply_to, read_duration, read_partners)
from .models import FIELDS, ActionRecord, Deadline, Difference, GrantItem, Partners, Register, Source

REGISTER_VERSION = 3  # bump when what the register reads changes: builds with another version are read anew
REGISTER_FILE = "register.json"
log = logging.getLogger("guidekb")


@dataclass
class _Block:
    """A paragraph, bullet or row with every piece the chunker cut it into."""

    passages: list[Passage]
    label: str
    value: str
    offsets: list[int]  # where each piece begins in `value`
    field: str | None = None

    @property
    def first(self) -> Passage:
        return self.passages[0]

    def source(self) -> Source:
        return Source(label=self.label, text=self.value, passage_ids=[p.id for p in self.passages],
                      citation=citation_for(self.first))


def _blocks(passages: Sequence[Passage]) -> list[_Block]:
    blocks: list[_Block] = []
    for p, continues in zip(passages, continues_block(passages)):
        if continues and blocks:
            block = blocks[-1]
            block.passages.append(p)
            block.offsets.append(len(block.value) + 1)
            block.value = f"{block.value} {p.text.strip()}"
            continue
        label, value = label_and_value(p.text) if p.kind == "row" else ("", p.text.strip())
        blocks.append(_Block([p], label, value, [0]))
    return blocks


def _own_field(block: _Block, english: bool) -> str | None:
    """The field a block states, read from its own label (English) or the fallback table (other languages)."""
    p = block.first
    if p.kind == "row":
        field = english_field(block.label) if english else fallback_field(block.label, p.language)
        if field:
            return field
    if is_funding_section(p.section, PREVAILING if english else p.language) and read_amounts(block.value, p.language):
        return "grant"
    return None


def assign_fields(blocks: list[_Block], counterparts: Counterparts) -> None:
    """English blocks by their labels; every other block by its English counterpart's field, or (no counterpart)
    by its own label in the fallback table."""
    english_of = {}
    for block in blocks:
        if block.first.language == PREVAILING:
            block.field = _own_field(block, english=True)
            for p in block.passages:
                english_of[p.id] = block
    for block in blocks:
        if block.first.language == PREVAILING:
            continue
        linked = [english_of[i] for p in block.passages for c in counterparts.of(p.id, [PREVAILING])
                  for i in c.ids if i in english_of]
        if linked:
            block.field = linked[0].field
            if block.field == "grant" and not read_amounts(block.value, block.first.language):
                block.field = None  # the English amounts are not in this text: nothing to read here
        else:
            block.field = _own_field(block, english=False)


def _record(page: str, blocks: list[_Block]) -> ActionRecord:
    first = blocks[0].first
    language = first.language
    record = ActionRecord(page=page, page_url=first.page_url, language=language, title=first.title,
                          edition=first.edition)
    for block in blocks:
        field = block.field
        if field is None or (field != "grant" and field in record.sources):
            continue  # a field is read from the first row that states it
        value = block.value
        if field == "apply_to":
            record.apply_to = read_apply_to(value) or None
        elif field == "deadlines":
            record.deadlines = _deadlines(block, record) or None
        elif field == "duration":
            record.duration = read_duration(value, language)
        elif field == "who_can_apply":
            record.who_can_apply = value or None
        elif field == "partners":
            # a row that states no count still answers ("the applicant ... is the sole beneficiary"): its text
            record.partners = read_partners(value, language) or (Partners(min_organisations=None, min_countries=None)
                                                                 if value else None)
        elif field == "ages":
            record.ages = read_ages(value, language)
        elif field == "grant":
            amounts = read_amounts(value, language)
            item = GrantItem(amounts_eur=amounts, min_eur=min(amounts), max_eur=max(amounts), source=block.source())
            record.grant = [*(record.grant or []), item]
        if getattr(record, field) is not None and field not in record.sources:
            record.sources[field] = block.source()
    return record


def _deadlines(block: _Block, record: ActionRecord) -> list[Deadline]:
    out: list[Deadline] = []
    default = record.apply_to[0].body if record.apply_to else None
    for date, time, start, end in deadline_spans(block.value, block.first.language):
        text = block.value[start:end].strip(" ,;")
        named = bodies_in(text)
        body = named[0] if named else (out[-1].body if out else default)
        piece = _piece_at(block, date.start)
        day, month = int(date.value[-2:]), int(date.value[-5:-3])
        out.append(Deadline(day=day, month=month, time=time.value if time else None,
                            timezone="Europe/Brussels" if time and brussels_time(text) else None, body=body, text=text,
                            citation=citation_for(piece)))
    return out


def _piece_at(block: _Block, offset: int) -> Passage:
    """The piece of a block that holds the character at `offset` of its value."""
    return next(p for p, start in zip(reversed(block.passages), reversed(block.offsets)) if start <= offset)


def _summary(record: ActionRecord, field: str) -> str | None:
    """A field's value as compared across languages (the facts, not the words)."""
    value = getattr(record, field)
    if value is None:
        return None
    if field == "apply_to":
        return ", ".join(a.body for a in value)
    if field == "deadlines":
        return ", ".join(f"{d.day:02d}-{d.month:02d}{' ' + d.time if d.time else ''}" for d in value)
    if field == "duration":
        return ", ".join(f"{m} months" for m in value.values_months)
    if field == "grant":
        return ", ".join(f"EUR {a}" for item in value for a in item.amounts_eur)
    if field == "partners":
        return f"{value.min_organisations} organisations, {value.min_countries} countries"
    if field == "ages":
        return ", ".join(map(str, value.values))
    return None  # who_can_apply is text: its words differ by language


def _compare(records: list[ActionRecord]) -> None:
    english = next((r for r in records if r.language == PREVAILING), None)
    if english is None:
        return
    for record in records:
        if record is english:
            continue
        for field in FIELDS:
            ref, this = _summary(english, field), _summary(record, field)
            if (ref is not None or this is not None) and ref != this and field != "who_can_apply":
                record.differences.append(Difference(field=field, reference=ref or "-", this=this or "-"))


def build_register(passages: Sequence[Passage], counterparts: Counterparts) -> Register:
    """Every action page (one that says where or when to apply, in English where the index holds it) in every
    language the index holds it in."""
    blocks = [b for b in _blocks(passages) if b.first.kind in ("row", "paragraph", "bullet")]
    assign_fields(blocks, counterparts)
    pages: dict[str, dict[str, list[_Block]]] = {}
    for block in blocks:
        pages.setdefault(page_key(block.first.page_url), {}).setdefault(block.first.language, []).append(block)
    actions: list[ActionRecord] = []
    for versions in pages.values():
        main = versions.get(PREVAILING) or next(iter(versions.values()))
        if not any(b.field in ("apply_to", "deadlines") for b in main):
            continue
        records = [_record(guide_page(main[0].first.page_url), versions[lang])
                   for lang in sorted(versions, key=lambda lang: (lang != PREVAILING, lang))]
        _compare(records)
        actions.extend(records)
    return Register(version=REGISTER_VERSION, languages=sorted({a.language for a in actions}), actions=actions)


def safe_register(passages: Sequence[Passage], counterparts: Counterparts) -> Register | None:
    """The register, or None (logged) when it cannot be read: it never stops a build or a search."""
    try:
        return build_register(passages, counterparts)
    except Exception:  # noqa: BLE001 - a register error must not take the build down
        log.exception("the action register could not be read: search works, the register is empty")
        return None
