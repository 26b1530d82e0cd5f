"""URLs that land on a passage: a text fragment (#:~:text=start,end), which needs no anchor in the page."""
from __future__ import annotations

from urllib.parse import quote

EDGE_WORDS = 5  # words quoted from each end of a long passage


def _encode(words: list[str]) -> str:
    # '-', ',' and '&' are syntax inside a text directive and must be percent-encoded
    return quote(" ".join(words), safe="").replace("-", "%2D")


def text_fragment_url(page_url: str, text: str | tuple[str, str]) -> str:
    """`text`: the passage as the page shows it, or (its first part, its last part) where the page shows other
    text between them (a table row's cells): the fragment then runs from the first's start to the last's end."""
    base = page_url.split("#", 1)[0]
    if isinstance(text, tuple):
        first, last = (part.replace("\u00a0", " ").split() for part in text)
        if first and last:
            return f"{base}#:~:text={_encode(first[:EDGE_WORDS])},{_encode(last[-EDGE_WORDS:])}"
        text = " ".join(text)
    words = text.replace("\u00a0", " ").split()
    if not words:
        return base
    if len(words) <= 2 * EDGE_WORDS:
        return f"{base}#:~:text={_encode(words)}"
    return f"{base}#:~:text={_encode(words[:EDGE_WORDS])},{_encode(words[-EDGE_WORDS:])}"
