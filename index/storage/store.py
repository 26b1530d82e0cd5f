"""An index is a folder of plain files plus manifest.json; builds are written aside and swapped in atomically.

Layout: <index_dir>/current -> build-<id>/ (symlink replaced with os.replace, so a reader sees the old
build or the new one, never half of one). A build is written in .tmp-build-<id>/, whose lock file its process
holds (flock) until the folder is renamed: a folder whose lock nobody holds belongs to a build that died, and the
next build removes it.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ingest.errors import GuidekbError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CURRENT = "current"
# the files of a build
PASSAGES = "passages.jsonl"
VECTORS = "dense.faiss"
LATENT = "latent.npz"
BM25_DIR = "bm25"
UNITS = "units.json"
UNIT_VECTORS = "units.npy"
UNIT_LATENT = "units_latent.npz"
ALIGNMENTS = "alignments.json"
GLOSSARY = "glossary.json"
REQUIRED = ("format_version", "model", "corpus_hash", "passage_count", "languages", "built_at", "files")
STAGING = ".tmp-build-"
LOCK = ".building"  # inside a staging folder, flocked by the build writing it
UNLOCKED_GRACE = 60  # seconds: a staging folder without a lock file may be one whose build is just creating it


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        _fsync(path)
    _fsync(folder)


@contextmanager
def staging_dir(index_dir: Path) -> Iterator[Path]:
    """A new staging folder, locked while this build writes it and removed unless committed; the folders of
    builds that died are removed first."""
    index_dir.mkdir(parents=True, exist_ok=True)
    remove_dead_staging(index_dir)
    folder = index_dir / f"{STAGING}{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    fd = os.open(folder / f"{LOCK}.new", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.rename(folder / f"{LOCK}.new", folder / LOCK)  # so a lock file found under its name is always held
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        os.close(fd)  # after the rename: a committed build is never a staging folder without a lock


def _dead(folder: Path) -> bool:
    """Whether a staging folder's build is gone: nobody holds its lock (a killed process holds none)."""
    try:
        fd = os.open(folder / LOCK, os.O_RDWR)
    except FileNotFoundError:  # a build killed between mkdir and lock, or one from before locks
        try:
            return time.time() - folder.stat().st_mtime > UNLOCKED_GRACE
        except FileNotFoundError:
            return False
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def remove_dead_staging(index_dir: Path) -> list[str]:
    """Remove the staging folders of builds that died (killed, power cut); a live build's is left alone."""
    removed = []
    for path in Path(index_dir).glob(f"{STAGING}*"):
        if path.is_dir() and not path.is_symlink() and _dead(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


def commit_build(index_dir: Path, build_dir: Path, manifest: dict) -> Path:
    """Write the manifest last, fsync everything, then point `current` at the new build."""
    manifest = {**manifest, "format_version": FORMAT_VERSION,
                "files": {str(p.relative_to(build_dir)): file_sha256(p)
                          for p in sorted(build_dir.rglob("*")) if p.is_file() and p.name != LOCK}}
    (build_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    _fsync_tree(build_dir)
    final = index_dir / build_dir.name.replace(".tmp-", "", 1)
    os.rename(build_dir, final)
    (final / LOCK).unlink(missing_ok=True)  # still held by this process until staging_dir closes it
    previous = current_build(index_dir)
    link = index_dir / f".{CURRENT}-{uuid.uuid4().hex[:8]}"
    try:
        os.symlink(final.name, link)
        os.replace(link, index_dir / CURRENT)
    except BaseException:
        # not swapped in: put the build back under its temporary name so the caller's cleanup removes it
        link.unlink(missing_ok=True)
        os.rename(final, build_dir)
        raise
    _fsync(index_dir)
    # keep the build just replaced: a reader that resolved `current` before the swap may still be loading it
    _remove_stale(index_dir, keep={final.name} | ({previous.name} if previous else set()))
    return final


def _remove_stale(index_dir: Path, keep: set[str]) -> None:
    for path in index_dir.iterdir():
        if path.name in keep or path.name == CURRENT or path.is_symlink():
            continue
        if path.is_dir() and path.name.startswith("build-"):
            shutil.rmtree(path, ignore_errors=True)
    remove_dead_staging(index_dir)


def current_build(index_dir: Path) -> Path | None:
    link = Path(index_dir) / CURRENT
    return link.resolve() if link.exists() else None


def read_manifest(build_dir: Path, verify: bool = True) -> dict:
    """The manifest of a build; fails loudly on a wrong format version or a damaged file."""
    path = build_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GuidekbError("index_corrupt", f"index manifest {path} cannot be read ({exc}): run `guidekb build`", 503) from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files", {}), dict):
        raise GuidekbError("index_corrupt", f"index manifest {path} is not a manifest object: run `guidekb build`", 503)
    missing = [key for key in REQUIRED if key not in manifest]
    if missing or not {"name", "dim"} <= set(manifest.get("model") or {}):
        raise GuidekbError("index_corrupt", f"index manifest {path} lacks {', '.join(missing) or 'model name/dim'}: "
                           "run `guidekb build`", 503)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise GuidekbError(
            "index_incompatible",
            f"index at {build_dir} has format version {manifest.get('format_version')}, this guidekb reads "
            f"{FORMAT_VERSION}: run `guidekb build`",
            503,
        )
    if verify:
        for name, digest in manifest.get("files", {}).items():
            file = build_dir / name
            if not file.is_file() or file_sha256(file) != digest:
                raise GuidekbError("index_corrupt", f"index file {file} is missing or damaged: run `guidekb build`", 503)
    return manifest
