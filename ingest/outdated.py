"""Translated pages that lag behind the English one: the site's notice, and where the current text is.

The official site puts a notice box near the top of a translated page that does not yet reflect the current
guide. We have never seen the real one (no access to the site from here): it is recognised by its markup (an
ECL notification or message box, or a role=alert/status box) holding the wording below, or by the wording alone
in a short block above the page's first section. The phrasings are written by the guidekb team, modelled on the
usual wording of EU sites; the real wording is unverified, so add the site's own sentence here once seen.
"""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse, urlunparse

NOTICE_CLASSES = ("ecl-notification", "ecl-message", "messages", "alert")  # ECL v4, ECL v3, Drupal
NOTICE_ROLES = ("alert", "status", "note")
NOTICE_MAX_CHARS = 400  # a notice is a sentence or two: a longer block is page text
TOP_TAGS = 300  # a notice without its box is looked for among the page's first elements only (and above its first h2)
# Unverified, team-written phrasings (see the module docstring), matched on lower-cased text.
OUTDATED_WORDING = {
    "en": (r"\bpage has not (?:yet )?been updated",
           r"\bdoes not (?:yet )?reflect the (?:latest|current|new) (?:version|edition) of the (?:erasmus\+ )?programme guide",
           r"\bis not (?:yet )?up to date with the (?:latest|current) (?:version|edition) of the (?:erasmus\+ )?programme guide"),
    "bg": (r"страница все още не е актуализирана",
           r"страница не е (?:все още )?актуализирана",
           r"не отразява (?:все още )?(?:последната|актуалната|текущата) версия на ръководството"),
    "de": (r"seite wurde noch nicht aktualisiert",
           r"entspricht noch nicht der (?:aktuellen|neuesten|letzten) (?:fassung|version) des (?:erasmus\+-)?programmleitfadens",
           r"spiegelt noch nicht die (?:aktuelle|neueste|letzte) (?:fassung|version) des (?:erasmus\+-)?programmleitfadens"),
    "fr": (r"page n'a pas encore été mise à jour",
           r"ne (?:reflète|tient compte) pas encore (?:de )?la (?:dernière|nouvelle) version du guide du programme"),
    "es": (r"página (?:todavía|aún) no se ha actualizado",
           r"(?:todavía|aún) no refleja la (?:última|nueva) versión de la guía del programa"),
    "it": (r"pagina non è ancora stata aggiornata",
           r"non riflette ancora l'ultima versione della guida al programma"),
}
WORDING = re.compile("|".join(p for phrasings in OUTDATED_WORDING.values() for p in phrasings))
GUIDE_DOCUMENT = re.compile(r"/document/erasmus-programme-guide|programme[-_]guide[^/]*\.pdf$", re.I)
FILE_LANGUAGE = re.compile(r"[-_]([a-z]{2})\.pdf$", re.I)  # ..._bg.pdf


def says_outdated(text: str) -> bool:
    """Whether a short text is the outdated-translation notice, in any language we know it in."""
    flat = " ".join(text.replace("\u2019", "'").split()).casefold()
    return len(flat) <= NOTICE_MAX_CHARS and WORDING.search(flat) is not None


def _has_notice_markup(tag) -> bool:
    classes = [c.lower() for c in (tag.get("class") or [])]
    return (tag.get("role") or "").lower() in NOTICE_ROLES or any(c.startswith(NOTICE_CLASSES) for c in classes)


def find_notice(soup):
    """The notice element (outermost box), or None: a notice box saying it, else a short block above the first h2."""
    for tag in soup.find_all(True):
        if _has_notice_markup(tag) and says_outdated(tag.get_text(" ")):
            return tag
    candidates = []
    for tag in soup.find_all(True, limit=TOP_TAGS):
        if tag.name == "h2":
            break
        if tag.name in ("p", "div", "span", "strong", "section", "aside") and says_outdated(tag.get_text(" ")):
            candidates.append(tag)
    if not candidates:
        return None
    notice = min(candidates, key=lambda t: len(t.get_text(" ").strip()))
    while notice.parent is not None and notice.parent.name not in ("body", "main", "html", "[document]") \
            and notice.parent.get_text(" ").strip() == notice.get_text(" ").strip():
        notice = notice.parent  # its wrappers go with it
    return notice


def document_links(soup, notice=None) -> list[tuple[str, str | None]]:
    """Links to the guide's PDF or its document page, as (href, hreflang); the notice's own links first."""
    anchors = (notice.find_all("a", href=True) if notice is not None else []) + soup.find_all("a", href=True)
    links = []
    for a in anchors:
        href = a["href"].strip()
        if GUIDE_DOCUMENT.search(urlparse(href).path) and (href, a.get("hreflang")) not in links:
            links.append((href, a.get("hreflang")))
    return links


def link_language(href: str, hreflang: str | None) -> str:
    """hreflang, else a _xx.pdf file name, else the path's language prefix (none: English, as on the site)."""
    from .languages import EU_LANGUAGES

    if hreflang:
        return hreflang.split("-")[0].lower()
    path = urlparse(href).path
    if match := FILE_LANGUAGE.search(path):
        return match.group(1).lower()
    first = next((p for p in path.split("/") if p), "")
    return first.lower() if first.lower() in EU_LANGUAGES else "en"


def english_url(url: str) -> str:
    """The English page: the same path without the language prefix (slugs are English in every language)."""
    from .languages import EU_LANGUAGES

    parts = urlparse(url)
    segments = parts.path.split("/")
    if len(segments) > 1 and segments[1].lower() in EU_LANGUAGES:
        segments = segments[:1] + segments[2:]
    return urlunparse(parts._replace(path="/".join(segments) or "/", fragment=""))


def language_document(url: str, language: str, links: list[tuple[str, str | None]]) -> str | None:
    """The guide document in the page's language, as an absolute URL, if the page links to it."""
    for href, hreflang in links:
        if link_language(href, hreflang) == language:
            return urljoin(url, href)
    return None


def current_text(url: str, language: str, links: list[tuple[str, str | None]]) -> dict:
    """Where the current text of an outdated page is: the guide PDF in its language (None if not linked), the English page."""
    return {"pdf": language_document(url, language, links), "english": english_url(url)}
