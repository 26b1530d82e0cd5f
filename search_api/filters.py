"""Request parameters -> the engine's search arguments: language and edition filters, language preferences."""
from __future__ import annotations

from ingest.languages import check_language
from index.results import SearchResponse

ORIGINAL = "original"  # prefer=original: passages in the language they ranked in


def parse_list(value: str | list[str] | None) -> list[str] | None:
    """Items of "a,b" or ["a", "b"], stripped; None when nothing is given."""
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else value
    return [p.strip() for p in parts if p.strip()] or None


def parse_languages(value: str | list[str] | None) -> list[str] | None:
    """Codes from "bg,en" or ["bg", "en"], each checked; None (no filter) when nothing is given."""
    codes = parse_list(value)
    return None if codes is None else [check_language(code) for code in codes]


def parse_prefer(value: str | list[str] | None) -> list[str] | None:
    """None: the engine's default (the question's language); "original": []; else checked codes in order."""
    codes = parse_list(value)
    if codes == [ORIGINAL]:
        return []
    return parse_languages(codes)


def search(engine, q: str, k: int | None, lang: str | None, languages=None, prefer=None,
           editions=None) -> SearchResponse:
    return engine.search(q, k=k, lang=lang, languages=parse_languages(languages), prefer=parse_prefer(prefer),
                         editions=parse_list(editions))
