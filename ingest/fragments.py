"""URLs that land on a passage: a text fragment (#:~:text=start,end), which needs no anchor in the page."""
from __future__ import annotations

import unicodedata
from urllib.parse import quote, unquote

EDGE_WORDS = 5  # words quoted from each end of a long passage
DIRECTIVE = "#:~:text="
# kept escaped in a readable fragment: the directive's syntax (- , &), what starts an escape or a fragment (% #),
# and what ends or breaks a link pasted into an e-mail or a chat (quotes, angle brackets and the like)
_ESCAPED = set(" -,&%#\"'<>\\^`{|}")


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
            return f"{base}{DIRECTIVE}{_encode(first[:EDGE_WORDS])},{_encode(last[-EDGE_WORDS:])}"
        text = " ".join(text)
    words = text.replace("\u00a0", " ").split()
    if not words:
        return base
    if len(words) <= 2 * EDGE_WORDS:
        return f"{base}{DIRECTIVE}{_encode(words)}"
    return f"{base}{DIRECTIVE}{_encode(words[:EDGE_WORDS])},{_encode(words[-EDGE_WORDS:])}"


def _readable_part(part: str) -> str:
    return "".join("".join(f"%{b:02X}" for b in ch.encode("utf-8"))
                   if ch in _ESCAPED or unicodedata.category(ch)[0] in "CZ" else ch for ch in unquote(part))


def readable_url(url: str) -> str:
    """The same URL with its text fragment's letters as they are, in any script: only the directive's syntax,
    spaces and what would break a pasted link stay escaped. Browsers read it as the all-ASCII form."""
    base, found, directive = url.partition(DIRECTIVE)
    if not found:
        return url
    return base + DIRECTIVE + ",".join(_readable_part(part) for part in directive.split(","))


def ascii_url(url: str) -> str:
    """The all-ASCII form of a URL (every non-ASCII character percent-encoded as UTF-8), for clients that need it."""
    return quote(url, safe="".join(chr(c) for c in range(33, 127)))
