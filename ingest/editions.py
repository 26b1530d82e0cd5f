"""Guide editions ("2026 v1"): found in a page, a PDF or a URL, and written one way everywhere.

`normalise_edition` is the one spelling of an edition: records, passages, citations and the search filter all
go through it, so a filter value "2026-v1" or "2026 version 1" matches a page that states "Version 1 (2026)".
"""
from __future__ import annotations

import re

# "Version" in the EU languages (and "v" in short forms); Greek έκδοση, Danish udgave, Swedish utgåva.
VERSION_WORDS = ("version|versión|versione|versão|versie|wersja|versiunea|verze|verzia|versija|versioon|versio|"
                 "verzió|verzija|udgave|utgåva|версия|έκδοση")
YEAR = r"(?P<year>20\d\d)"
NUMBER = r"(?P<version>\d{1,2})(?!\d)"
SEP = r"[\s\-\u2013\u2014_,(]*"  # between year and version: "2025 (version 2)", "2025, version 2", "2025-version-2"
# In running text and URLs: "Version 2 (2025)" (the PDF cover and the web pages), "Версия 1 (2024)",
# "Programme Guide 2025 (version 2)", "erasmus-programme-guide-2025-version-2" (the PDF's address).
EDITION_IN_TEXT = (re.compile(rf"\b(?:{VERSION_WORDS})\s+{NUMBER}\s*\(\s*{YEAR}\s*\)", re.I),
                   re.compile(rf"\b{YEAR}{SEP}(?:{VERSION_WORDS}){SEP}{NUMBER}", re.I),
                   re.compile(rf"\b{YEAR}[\w\-+]*?[-_]v{NUMBER}(?:[-_.]|$)", re.I))  # 2025-...-guide-v2_bg.pdf
# A value given on its own (a filter, a record): also the short forms "2026 v1", "2026-v1", "v1 2026".
EDITION_VALUE = (re.compile(rf"^{YEAR}\s*[\s\-\u2013_,(]\s*(?:{VERSION_WORDS}|v)\.?{SEP}{NUMBER}\s*\)?$", re.I),
                 re.compile(rf"^{YEAR}v{NUMBER}$", re.I),
                 re.compile(rf"^(?:{VERSION_WORDS}|v)\.?\s*{NUMBER}\s*[\s\-\u2013_,(]\s*{YEAR}\s*\)?$", re.I))


def _label(match: re.Match) -> str:
    return f"{match['year']} v{int(match['version'])}"


def normalise_edition(value: str) -> str:
    """The one spelling of an edition: "2026 v1" from "2026-v1", "2026 version 1", "Version 1 (2026)" ...;
    a value that names no year and version ("web version", "2027") is only trimmed and lower-cased."""
    text = " ".join(str(value).split())
    for pattern in EDITION_VALUE:
        if match := pattern.match(text):
            return _label(match)
    found = edition_of(text)
    return found if found is not None else text.casefold()


def edition_of(text: str) -> str | None:
    """The edition a text (or URL) states first, normalised; None when it states none."""
    matches = [m for pattern in EDITION_IN_TEXT if (m := pattern.search(text))]
    return _label(min(matches, key=lambda m: m.start())) if matches else None
