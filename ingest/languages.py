"""The guide's languages and query language detection (langdetect, deterministic, limited to them)."""
from __future__ import annotations

import json
import threading
from pathlib import Path

from .errors import GuidekbError

# The 24 official EU languages, in which the Programme Guide is published.
EU_LANGUAGES = {
    "bg": "Bulgarian", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "et": "Estonian", "fi": "Finnish", "fr": "French", "ga": "Irish", "hr": "Croatian",
    "hu": "Hungarian", "it": "Italian", "lt": "Lithuanian", "lv": "Latvian", "mt": "Maltese", "nl": "Dutch",
    "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "sk": "Slovak", "sl": "Slovenian", "sv": "Swedish",
}
UNDETERMINED = "und"
_lock = threading.Lock()
_factory = None


def check_language(code: str) -> str:
    """Normalise a user-given language code or say which ones exist."""
    norm = code.strip().lower()
    if norm not in EU_LANGUAGES:
        raise GuidekbError(
            "unknown_language",
            f"unknown language code {code!r}: use one of {', '.join(sorted(EU_LANGUAGES))}",
            detail={"supported": sorted(EU_LANGUAGES)},
        )
    return norm


def _detector_factory():
    """A langdetect factory holding only the EU languages' profiles (langdetect has none for ga, mt)."""
    global _factory
    with _lock:
        if _factory is None:
            from langdetect.detector_factory import DetectorFactory
            from langdetect.utils.lang_profile import LangProfile
            import langdetect

            profiles = Path(langdetect.__file__).parent / "profiles"
            codes = sorted(c for c in EU_LANGUAGES if (profiles / c).exists())
            factory = DetectorFactory()
            factory.seed = 0
            for i, code in enumerate(codes):
                data = json.loads((profiles / code).read_text(encoding="utf-8"))
                factory.add_profile(LangProfile(**data), i, len(codes))
            _factory = factory
    return _factory


def detect_language(text: str) -> str:
    """Most probable EU language of `text`, or 'und' where the text has no letters to go by."""
    from langdetect.lang_detect_exception import LangDetectException

    factory = _detector_factory()
    with _lock:  # langdetect seeds the global `random`; one detection at a time keeps it deterministic
        detector = factory.create()
        detector.append(text)
        try:
            return detector.detect()
        except LangDetectException:
            return UNDETERMINED
