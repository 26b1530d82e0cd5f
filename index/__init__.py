"""Index: embed, dense, lexical, fusion, build, and the search engine that ties them together.

Importing this package loads no model and reads no index; `SearchEngine.open` does.
"""
from .engine import SearchEngine
from .results import Citation, Hit, PassageRecord, SearchResponse
from .settings import Settings, build_settings

__all__ = ["Citation", "Hit", "PassageRecord", "SearchEngine", "SearchResponse", "Settings", "build_settings"]
