"""Corpus folder -> source documents: each text file with its metadata record, checked."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .editions import normalise_edition
from .errors import GuidekbError

META_SUFFIX = ".meta.json"
REQUIRED_META = ("source", "sha256", "language", "title", "url")
# page-text: a saved page as it is; html, pdf: guide text extracted by `guidekb ingest` (see guidetext.py)
FORMATS = ("page-text", "html", "pdf")


@dataclass(frozen=True)
class SourceDocument:
    """One saved guide page and where it came from."""

    path: Path
    text: str
    language: str
    title: str
    url: str
    sha256: str
    section_path: tuple[str, ...] = ()
    edition: str | None = None
    retrieved: str | None = None
    format: str = "page-text"
    outdated: bool = False  # a translation the site says lags behind the current guide
    current_text_url: str | None = None  # then: the guide PDF in its language, else the English page
    meta: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def doc_key(self) -> str:
        """Stable key of the document: its URL, which does not change with the file name."""
        return self.url


def guide_page(url: str) -> str:
    """A page's name in the guide, as evaluation labels give it: its URL path below programme-guide/
    (`part-b/key-action-2`, the same in every language; '' for the guide's entry page); the whole path else."""
    from urllib.parse import urlparse

    path = urlparse(url).path.strip("/")
    return path.split("programme-guide", 1)[1].strip("/") if "programme-guide" in path else path


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_corpus(corpus_dir: Path) -> list[SourceDocument]:
    """Read every `*.meta.json` record in a corpus folder and the file it describes."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise GuidekbError(
            "corpus_missing",
            f"corpus folder {corpus_dir} does not exist: pass --corpus with a folder of "
            f"guide pages and their {META_SUFFIX} records",
        )
    records = sorted(corpus_dir.glob(f"*{META_SUFFIX}"))
    if not records:
        raise GuidekbError(
            "corpus_empty",
            f"corpus folder {corpus_dir} has no {META_SUFFIX} records: each page needs one "
            "(see corpus/ in the guidekb repository for the format)",
        )
    return [_load_one(record) for record in records]


def _load_one(record: Path) -> SourceDocument:
    try:
        meta = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GuidekbError("corpus_corrupt", f"metadata record {record} is not valid JSON: {exc}") from exc
    if not isinstance(meta, dict):
        raise GuidekbError("corpus_corrupt", f"metadata record {record} must hold a JSON object")
    missing = [key for key in REQUIRED_META if not isinstance(meta.get(key), str) or not meta[key].strip()]
    if missing:
        raise GuidekbError("corpus_corrupt", f"metadata record {record} lacks {', '.join(missing)} (each a non-empty string)")
    section_path = meta.get("section_path") or []
    if not isinstance(section_path, list) or not all(isinstance(s, str) for s in section_path):
        # a bare string would otherwise become a tuple of its characters
        raise GuidekbError("corpus_corrupt", f"metadata record {record}: section_path must be a list of strings")
    if meta.get("format", "page-text") not in FORMATS:
        raise GuidekbError("corpus_corrupt", f"metadata record {record}: format {meta.get('format')!r} is not one of {', '.join(FORMATS)}")
    current = meta.get("current_text")
    if not isinstance(meta.get("outdated", False), bool) or not (current is None or isinstance(current, dict) and all(
            isinstance(current.get(k), (str, type(None))) for k in ("pdf", "english"))):
        raise GuidekbError("corpus_corrupt", f"metadata record {record}: outdated must be true or false and "
                           'current_text null or {"pdf": URL or null, "english": URL}')
    language = _page_language(record, meta["language"])
    path = record.parent / meta["source"]
    if record.parent.resolve() not in path.resolve().parents:
        raise GuidekbError("corpus_corrupt", f"{record} names {meta['source']!r}, which is outside the corpus folder")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GuidekbError("corpus_corrupt", f"{record} names {path}, which cannot be read: {exc}") from exc
    digest = sha256_bytes(data)
    if digest != meta["sha256"]:
        raise GuidekbError(
            "corpus_corrupt",
            f"{path} does not match the sha256 in {record.name} (file {digest[:12]}…, record "
            f"{str(meta['sha256'])[:12]}…): restore the file or update its record",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GuidekbError("corpus_corrupt", f"{path} is not UTF-8 text: {exc}") from exc
    return SourceDocument(
        path=path,
        text=text,
        language=language,
        title=meta["title"],
        url=meta["url"],
        sha256=digest,
        section_path=tuple(section_path),
        edition=normalise_edition(meta["edition"]) if meta.get("edition") else None,
        retrieved=meta.get("retrieved"),
        format=meta.get("format", "page-text"),
        outdated=meta.get("outdated", False),
        current_text_url=((current or {}).get("pdf") or (current or {}).get("english")) if meta.get("outdated") else None,
        meta=meta,
    )


def _page_language(record: Path, code: str) -> str:
    """The record's language as every later step spells it (lower case), or an error naming the record."""
    from .languages import EU_LANGUAGES

    language = code.strip().lower()
    if language not in EU_LANGUAGES:
        raise GuidekbError("corpus_corrupt", f"metadata record {record}: language {code!r} is not one of the guide's "
                           f"languages ({', '.join(sorted(EU_LANGUAGES))})")
    return language


def corpus_hash(documents: list[SourceDocument]) -> str:
    """Hash of the corpus content and metadata: changes exactly when a rebuild is needed."""
    h = hashlib.sha256()
    for doc in sorted(documents, key=lambda d: d.doc_key):
        h.update(json.dumps(doc.meta, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        h.update(doc.sha256.encode())
    return h.hexdigest()
