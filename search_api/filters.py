"""The passage-language filter of the API and the page, applied over the engine's ranking."""
from __future__ import annotations

from index.languages import check_language
from index.results import SearchResponse


def parse_languages(value: str | list[str] | None) -> frozenset[str] | None:
    """Codes from "bg,en" or ["bg", "en"], each checked; None (no filter) when nothing is given."""
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else value
    codes = [p for p in parts if p.strip()]
    return frozenset(check_language(code) for code in codes) or None


def search(engine, q: str, k: int | None, lang: str | None, languages) -> SearchResponse:
    """The engine's answer, keeping only passages in `languages` (ranks renumbered).

    The engine has no language filter yet, so this ranks its top `max_k` and filters those: a language
    whose passages all rank below max_k returns fewer than k.
    """
    wanted = parse_languages(languages)
    if wanted is None:
        return engine.search(q, k=k, lang=lang)
    q, k, lang = engine.validate(q, k, lang)  # same errors as unfiltered, before the larger search
    response = engine.search(q, k=engine.settings.max_k, lang=lang)
    kept = [h for h in response.passages if h.language in wanted][:k]
    passages = [h.model_copy(update={"rank": rank}) for rank, h in enumerate(kept, 1)]
    return response.model_copy(update={"passages": passages})
