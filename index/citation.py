"""Passage -> citation a help desk can paste: edition, language, section path, URL with anchor, position."""
from __future__ import annotations

from ingest import Passage

from .results import Citation, Position

WEB_EDITION = "web version"


def citation_for(p: Passage) -> Citation:
    section = " › ".join(p.section)
    edition = p.edition or WEB_EDITION
    reference = (f"Erasmus+ Programme Guide ({edition}, {p.language.upper()}), {section}, "
                 f"passage {p.position} of {p.page_passages}: {p.url}")
    return Citation(title=p.title, section=section, url=p.url, edition=edition, language=p.language,
                    position=Position(passage=p.position, of=p.page_passages, char_start=p.start, char_end=p.end),
                    reference=reference)
