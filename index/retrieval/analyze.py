"""Text -> index terms: lower-case word tokens, stemmed per language (Snowball, or Savoy's light stemmer for Bulgarian)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

_WORD = re.compile(r"\w+", re.UNICODE)

# ISO 639-1 -> PyStemmer (Snowball) algorithm; languages missing here are not stemmed.
SNOWBALL = {
    "cs": "czech", "da": "danish", "de": "german", "el": "greek", "en": "english", "es": "spanish",
    "et": "estonian", "fi": "finnish", "fr": "french", "ga": "irish", "hu": "hungarian", "it": "italian",
    "lt": "lithuanian", "nl": "dutch", "pl": "polish", "pt": "portuguese", "ro": "romanian", "sv": "swedish",
}


def tokenize(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


@lru_cache(maxsize=None)
def stemmer_for(language: str | None) -> Callable[[list[str]], list[str]]:
    """The stemmer for a language; identity where we have none."""
    if language == "bg":
        from .stem_bg import stem_words

        return stem_words
    if language in SNOWBALL:
        import Stemmer

        return Stemmer.Stemmer(SNOWBALL[language]).stemWords
    return list


def analyze(text: str, language: str | None) -> list[str]:
    return stemmer_for(language)(tokenize(text))
