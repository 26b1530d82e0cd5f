"""Passage -> citation a help desk can paste: edition, language, section path, URL with anchor, position."""
from __future__ import annotations

from ingest import Passage
from ingest.fragments import ascii_url, readable_url

from .results import Citation, Position

WEB_EDITION = "web version"


def citation_for(p: Passage) -> Citation:
    section = " › ".join(p.section)
    edition = p.edition or WEB_EDITION
    url = readable_url(p.url)  # what a person pastes and reads; browsers take it as the all-ASCII form
    reference = (f"Erasmus+ Programme Guide ({edition}, {p.language.upper()}), {section}, "
                 f"passage {p.position} of {p.page_passages}: {url}")
    if p.outdated:  # said in the pasted line too, so the reader knows to check the current text
        reference += f" (outdated translation; current text: {p.current_text_url or 'the English page'})"
    return Citation(title=p.title, section=section, url=url, ascii_url=ascii_url(url), edition=edition, language=p.language,
                    position=Position(passage=p.position, of=p.page_passages, char_start=p.start, char_end=p.end),
                    reference=reference, outdated=p.outdated, current_text_url=p.current_text_url if p.outdated else None)
