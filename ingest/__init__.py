"""Ingest: corpus folder -> source documents -> citable passages."""
from .editions import normalise_edition
from .errors import GuidekbError
from .localfiles import ingest_files
from .passages import Passage, corpus_passages, document_passages
from .sources import SourceDocument, corpus_hash, load_corpus

__all__ = [
    "GuidekbError",
    "Passage",
    "SourceDocument",
    "corpus_hash",
    "corpus_passages",
    "document_passages",
    "ingest_files",
    "load_corpus",
    "normalise_edition",
]
