"""Local HTML, PDF or plain-text files -> corpus pages with their records (`guidekb ingest`).

HTML and PDF are stored as the guide text extracted from them (the source every passage offset points into),
with the original file beside it (`original`, `original_sha256` in the record). Every file is converted and
checked before anything is written: a bad one leaves the corpus as it was.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .editions import edition_of
from .errors import GuidekbError
from .outdated import current_text, language_document, says_outdated
from .sources import META_SUFFIX, sha256_bytes
from .textpage import parse_page_text

SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf", ".txt": "page-text", ".text": "page-text"}


@dataclass(frozen=True)
class Converted:
    path: Path
    stem: str
    text: str  # what the corpus stores as the page
    original: bytes | None  # the HTML or PDF, kept beside it
    original_suffix: str
    record: dict


def file_format(path: Path, data: bytes) -> str:
    """html, pdf or page-text, from the content first and the suffix second."""
    head = data[:1024].lstrip().lower()
    if data.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "html"
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None or fmt in ("html", "pdf"):  # an .html without markup or a .pdf without the PDF header
        raise GuidekbError("bad_input", f"{path}: unknown format (not HTML, not PDF, not a .txt page text): "
                           f"ingest takes {', '.join(sorted(SUFFIXES))} files")
    return fmt


def settle_language(name: str, text: str, **claims: str | None) -> str:
    """The page's language: every claim (lang attribute, URL, --language) and the text itself must agree."""
    from .languages import UNDETERMINED, check_language, detect_language

    said = {source: check_language(code) for source, code in claims.items() if code}
    detected = detect_language(text)
    found = dict(said, **({"text": detected} if detected != UNDETERMINED else {}))
    if not found:
        raise GuidekbError("language_unknown", f"{name}: the language of its text cannot be told: pass --language xx")
    if len(set(found.values())) > 1:
        what = ", ".join(f"{source.replace('_', ' ')} says {code}" for source, code in found.items())
        raise GuidekbError("language_mismatch", f"{name}: language mismatch ({what}): not ingested; check the file "
                           "and its URL, or pass the right --language", detail={"file": name, **found})
    return next(iter(found.values()))


def _stem(url: str, language: str) -> str:
    """Named after the URL, so ingesting a page again replaces it."""
    return f"{language}_{hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]}"


def _record(converted_text: str, fmt: str, language: str, title: str, url: str, stem: str, **extra) -> dict:
    return {"source": f"{stem}.txt", "sha256": sha256_bytes(converted_text.encode("utf-8")), "format": fmt,
            "language": language, "title": title, "url": url, **extra,
            "ingested": time.strftime("%Y-%m-%d", time.gmtime())}


def convert_file(path: Path, language: str | None = None, url: str | None = None) -> Converted:
    """Read, convert and check one file; nothing is written."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GuidekbError("bad_input", f"{path} cannot be read: {exc}") from exc
    fmt = file_format(path, data)
    if fmt == "pdf":
        return _convert_pdf(path, data, language, url)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GuidekbError("bad_input", f"{path} is not UTF-8 text: {exc}") from exc
    return _convert_html(path, text, language, url) if fmt == "html" else _convert_text(path, text, language, url)


def _need_url(path: Path, url: str | None) -> str:
    if not url or not url.strip():
        raise GuidekbError("bad_input", f"{path} does not state its official URL: pass --url with the address it was saved from")
    return url.strip()


def _convert_html(path: Path, html: str, language: str | None, url: str | None) -> Converted:
    from .htmlpage import parse_html, url_language

    page = parse_html(html, str(path))
    url = _need_url(path, url or page.url)
    lang = settle_language(str(path), page.text, lang_attribute=page.language, URL=url_language(url), given=language)
    stem = _stem(url, lang)
    edition = edition_of(page.raw_text)
    if edition is None and not page.outdated:  # a current page is of the edition its PDF link names
        edition = edition_of(language_document(url, lang, list(page.document_links)) or "")
    record = _record(page.text, "html", lang, page.title, url, stem, section_path=list(page.section_path),
                     edition=edition, **_lag(page.outdated, url, lang, page.document_links),
                     original=f"{stem}.html", original_sha256=sha256_bytes(html.encode("utf-8")))
    return Converted(path, stem, page.text, html.encode("utf-8"), ".html", record)


def _convert_pdf(path: Path, data: bytes, language: str | None, url: str | None) -> Converted:
    from .htmlpage import url_language
    from .pdfpage import parse_pdf

    doc = parse_pdf(data, str(path))
    url = _need_url(path, url)
    lang = settle_language(str(path), doc.text, URL=url_language(url), given=language)
    stem = _stem(url, lang)
    record = _record(doc.text, "pdf", lang, doc.title or path.stem, url, stem, section_path=[],
                     edition=edition_of(doc.raw_text) or edition_of(url), original=f"{stem}.pdf", original_sha256=sha256_bytes(data),
                     pages=[list(p) for p in doc.pages], page_count=doc.page_count)
    return Converted(path, stem, doc.text, data, ".pdf", record)


def _convert_text(path: Path, text: str, language: str | None, url: str | None) -> Converted:
    from .htmlpage import url_language

    url = _need_url(path, url)
    blocks = parse_page_text(text)
    if not any(b.kind != "heading" for b in blocks):
        raise GuidekbError("bad_input", f"{path} holds no text to index (a title line and at least one paragraph)")
    title = next(b.text for b in blocks if b.kind == "heading")
    lang = settle_language(str(path), text, URL=url_language(url), given=language)
    stem = _stem(url, lang)
    outdated = any(says_outdated(line) for line in text.splitlines())  # parse_page_text leaves that line out
    return Converted(path, stem, text, None, "", _record(text, "page-text", lang, title, url, stem, section_path=[],
                                                         edition=edition_of(text), **_lag(outdated, url, lang)))


def _lag(outdated: bool, url: str, language: str, links=()) -> dict:
    """The record's word on a translation that lags behind: where the current text is, if it does."""
    return {"outdated": outdated, "current_text": current_text(url, language, list(links)) if outdated else None}


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _urls_held(corpus_dir: Path) -> dict[str, str]:
    held = {}
    for record in corpus_dir.glob(f"*{META_SUFFIX}"):
        try:
            meta = json.loads(record.read_text(encoding="utf-8"))
            held[meta["url"]] = meta["source"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # load_corpus reports broken records when the corpus is used
    return held


def ingest_files(paths: list[Path], corpus_dir: Path, language: str | None = None, url: str | None = None) -> list[Converted]:
    """Convert every file, check them all, then write each page, its original and its record (record last)."""
    if url and len(paths) > 1:
        raise GuidekbError("bad_input", "--url names one page: ingest one file at a time when you give it")
    converted = [convert_file(Path(p), language, url) for p in paths]
    corpus_dir = Path(corpus_dir)
    held = _urls_held(corpus_dir) if corpus_dir.is_dir() else {}
    seen: dict[str, Path] = {}
    for c in converted:
        url_ = c.record["url"]
        if url_ in seen:
            raise GuidekbError("bad_input", f"{seen[url_]} and {c.path} are both {url_}: ingest one of them")
        seen[url_] = c.path
        if held.get(url_, c.record["source"]) != c.record["source"]:
            raise GuidekbError("bad_input", f"the corpus already holds {url_} as {held[url_]}: remove that page "
                               f"and its record first, or ingest {c.path} with another --url")
    for c in converted:
        write_converted(c, corpus_dir)
    return converted


def convert_html(html: str, name: str, url: str, language: str | None = None) -> Converted:
    """Convert a page fetched from `url` (the crawler's entry into the same conversion `ingest` uses)."""
    return _convert_html(Path(name), html, language, url)


def write_converted(c: Converted, corpus_dir: Path) -> None:
    """Write one page, its original and its record (record last, so a crash leaves no record without its text)."""
    corpus_dir = Path(corpus_dir)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    if c.original is not None:
        _write_atomic(corpus_dir / f"{c.stem}{c.original_suffix}", c.original)
    _write_atomic(corpus_dir / c.record["source"], c.text.encode("utf-8"))
    _write_atomic(corpus_dir / f"{c.stem}{META_SUFFIX}",
                  (json.dumps(c.record, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def remove_page(corpus_dir: Path, url: str) -> bool:
    """Remove the page held for `url` (record first, then its text and original); False if none is held."""
    corpus_dir = Path(corpus_dir)
    for record in corpus_dir.glob(f"*{META_SUFFIX}"):
        try:
            meta = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict) and meta.get("url") == url:
            record.unlink()
            for key in ("source", "original"):
                if isinstance(meta.get(key), str) and "/" not in meta[key]:
                    (corpus_dir / meta[key]).unlink(missing_ok=True)
            return True
    return False
