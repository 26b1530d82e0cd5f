"""URLs that land on a passage: a text fragment (#:~:text=start,end), which needs no anchor in the page."""
from __future__ import annotations

from urllib.parse import quote

EDGE_WORDS = 5  # words quoted from each end of a long passage


def _encode(words: list[str]) -> str:
    # '-', ',' and '&' are syntax inside a text directive and must be percent-encoded
    return quote(" ".join(words), safe="").replace("-", "%2D")


def text_fragment_url(page_url: str, text: str) -> str:
    words = text.replace("\u00a0", " ").split()
    base = page_url.split("#", 1)[0]
    if not words:
        return base
    if len(words) <= 2 * EDGE_WORDS:
        return f"{base}#:~:text={_encode(words)}"
    return f"{base}#:~:text={_encode(words[:EDGE_WORDS])},{_encode(words[-EDGE_WORDS:])}"
