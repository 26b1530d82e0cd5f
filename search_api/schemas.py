"""API request and error models; the result models are the shared ones from index.results.

Value limits (question length, k range, language codes) are checked by the engine, so the API, the CLI and
the evaluation reject the same inputs with the same error codes; these models only check types.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

from index.results import Citation, Hit, PassageRecord, Position, SearchResponse, Translation, TranslationsResponse

__all__ = ["AskRequest", "Citation", "SearchParams", "ErrorBody", "ErrorResponse", "Hit", "PassageRecord", "Position",
           "SearchResponse", "Translation", "TranslationsParams", "TranslationsResponse"]

Q_HELP = "the question, in any EU language (at most max_query_chars characters, 1000 by default)"
K_HELP = "how many passages to return (1 to max_k, 50 by default; default_k, 5, when omitted)"
LANG_HELP = "two-letter language of the question (e.g. en, bg); detected when omitted"
LANGUAGES_HELP = ("only passages in these languages: two-letter codes separated by commas (e.g. bg,en); "
                  "all languages when omitted")
PREFER_HELP = ("show each answer in the first of these languages that has an aligned translation of it (e.g. el,en); "
               "default: the question's language; `original` shows passages in the language they ranked in")
EDITIONS_HELP = "only passages of these guide editions, separated by commas (e.g. 2026 v1); 'web version' for pages that state none"
TRANSLATION_LANG_HELP = "languages of the translations to return, separated by commas (e.g. en,de); all when omitted"


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: str) -> str:
    # JSON's "\ud800" (and Python's JSON reader on the bytes ED A0 80) gives a string no answer can be encoded in
    if _SURROGATE.search(value):
        raise ValueError("holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text: send Unicode "
                         "characters, as UTF-8 or as surrogate pairs")
    return value


Text = Annotated[str, AfterValidator(_text)]


def _question(value: str) -> str:
    # NULs and zero-width characters strip to nothing a search can use; blank questions stay the engine's empty_query
    if value.strip() and not any(unicodedata.category(c)[0] in "LN" for c in value):
        raise ValueError("the question has no words (only symbols, control or invisible characters): "
                         "type a question about the Programme Guide")
    return value


def _digits(value):
    # a query string's k: digits only (pydantic would also read "1_0" as 10, "5.0" and " 5" as 5)
    if isinstance(value, str) and not re.fullmatch(r"-?[0-9]+", value):
        raise ValueError("k must be a whole number written in digits, e.g. 5")
    return value


Question = Annotated[Text, AfterValidator(_question)]


class SearchParams(BaseModel):
    """The query string of GET /search; an unknown parameter is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    q: Question = Field(description=Q_HELP)
    k: Annotated[int | None, BeforeValidator(_digits)] = Field(None, description=K_HELP)
    lang: Text | None = Field(None, description=LANG_HELP)
    languages: Text | None = Field(None, description=LANGUAGES_HELP)
    prefer: Text | None = Field(None, description=PREFER_HELP)
    editions: Text | None = Field(None, description=EDITIONS_HELP)


class TranslationsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lang: Text | None = Field(None, description=TRANSLATION_LANG_HELP)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: Question = Field(validation_alias=AliasChoices("q", "question"), description=Q_HELP,
                        examples=["who manages capacity building in youth?"])
    k: int | None = Field(None, strict=True, description=K_HELP)  # strict: JSON true or "5" is not a count
    lang: Text | None = Field(None, description=LANG_HELP)
    languages: Text | list[Text] | None = Field(None, description=LANGUAGES_HELP + "; or a list of codes")
    prefer: Text | list[Text] | None = Field(None, description=PREFER_HELP + "; or a list of codes")
    editions: Text | list[Text] | None = Field(None, description=EDITIONS_HELP + "; or a list")


class ErrorBody(BaseModel):
    code: str = Field(description="stable machine-readable error code, e.g. empty_query, invalid_request")
    message: str = Field(description="what went wrong and what to do next")
    detail: dict | None = Field(None, description="extra structured information, when there is any")


class ErrorResponse(BaseModel):
    """The one error shape of the API: {"error": {"code", "message", "detail"?}}."""

    error: ErrorBody
