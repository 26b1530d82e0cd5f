"""A saved page of the official Erasmus+ site (HTML) -> guide text of its main content, title, language, URL.

Only the main content is kept: the site header, breadcrumb, in-page table of contents, language picker,
search box, cookie banner and footer (Europa Component Library markup) are dropped, and so are lists that
only link to other pages (navigation). Headings keep their level, list items become bullets, a table becomes
its column names and one row per line ("Where to apply? — To the National Agency.", see guidetext.py) after
its caption, and footnotes are written at the end as `[n]: text`, the citing text keeping its `[n]`. The notice
of a translation that lags behind the English page is dropped too, and reported (see outdated.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from .errors import GuidekbError
from .guidetext import BULLET_PREFIX, CELL_SEPARATOR, ROW_PREFIX, TABLE_HEAD_PREFIX, footnote_line, heading_line, row_text
from .outdated import GUIDE_DOCUMENT, document_links, find_notice

# Class prefixes (ECL and the site's Drupal theme) and tags of everything around the guide text.
CHROME_CLASSES = ("ecl-site-header", "ecl-site-footer", "ecl-footer", "ecl-breadcrumb", "ecl-inpage-navigation",
                  "ecl-language-list", "ecl-search-form", "ecl-skip-link", "ecl-social-media", "ecl-menu",
                  "ecl-page-header", "cck-", "cookie", "toc", "table-of-contents", "language-switcher")
CHROME_TAGS = ("nav", "aside", "header", "footer", "form", "script", "style", "noscript", "template", "button",
               "svg", "select", "input", "iframe")
CHROME_ROLES = ("navigation", "search", "banner", "contentinfo", "dialog", "alertdialog")
BLOCK_TAGS = ("p", "div", "section", "article", "main", "blockquote", "dl", "dt", "dd", "figure", "figcaption",
              "address", "details", "summary", "pre")
HEADINGS = {f"h{n}": n for n in range(1, 7)}
BACKLINK = re.compile(r"[\u2191\u21a9\u2934\u21b5]\ufe0e?")  # ↑ ↩ arrows that lead back to the citing text
SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class HtmlPage:
    text: str  # guide text, stored as the corpus source
    title: str
    language: str | None  # from <html lang>
    url: str | None  # canonical URL the page states
    section_path: tuple[str, ...]  # breadcrumb between the guide's home and this page
    raw_text: str  # all visible text, chrome included (where an edition may be stated), links to the guide PDF aside
    outdated: bool = False  # the page carries the notice that it lags behind the current guide
    document_links: tuple[tuple[str, str | None], ...] = ()  # (href, hreflang) of links to the guide's PDF


def _classes(tag) -> list[str]:
    return [c.lower() for c in (tag.get("class") or [])] + [str(tag.get("id") or "").lower()]


def _is_chrome(tag) -> bool:
    if tag.name in CHROME_TAGS or (tag.get("role") or "").lower() in CHROME_ROLES:
        return True
    return any(c.startswith(CHROME_CLASSES) or "cookie" in c for c in _classes(tag))


def _clean(text: str) -> str:
    return SPACE.sub(" ", text.replace("\u00ad", "")).strip()


def _footnotes(main) -> dict[str, str]:
    """Footnote reference links -> their mark: <sup><a href="#id">1</a></sup> whose target is in the page."""
    marks: dict[str, str] = {}
    for link in main.select('a[href^="#"]'):
        target = link["href"][1:]
        in_sup = link.find_parent("sup") is not None or (link.get("role") or "") == "doc-noteref"
        if target and in_sup and main.find(id=target) is not None:
            marks[target] = _clean(link.get_text()).strip("[]()") or str(len(marks) + 1)
    return marks


def _inline(tag) -> str:
    for br in tag.find_all("br"):
        br.replace_with(" ")
    return _clean(tag.get_text(""))


def _table_rows(table) -> list[str]:
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    header: list[str] = []
    if rows and (table.find("thead") or all(c.name == "th" for c in rows[0].find_all(["td", "th"]))):
        header = [_inline(c).replace(CELL_SEPARATOR, " / ") for c in rows[0].find_all(["td", "th"])]
        rows = rows[1:]
    lines = [TABLE_HEAD_PREFIX + CELL_SEPARATOR.join(header)] if any(header) else []
    for tr in rows:
        cells = [_inline(c) for c in tr.find_all(["td", "th"])]
        if any(cells):
            lines.append(ROW_PREFIX + row_text(cells, header))
    return lines


def is_navigation(list_tag) -> bool:
    """A list whose every item is nothing but a link to another page: a menu or an index, not guide text."""
    items = list_tag.find_all("li", recursive=False)
    if len(items) < 2:
        return False
    for li in items:
        links = li.find_all("a", href=True)
        if not links or any(a["href"].startswith("#") for a in links):
            return False
        if _clean(li.get_text(" ")) != _clean(" ".join(a.get_text(" ") for a in links)):
            return False
    return True


def _walk(node, lines: list[str]) -> None:
    """Append the guide text of `node`'s children to `lines`, one block per line."""
    loose: list[str] = []

    def flush():
        text = _clean("".join(loose))
        if text:
            lines.append(text)
        loose.clear()

    for child in node.children:
        name = getattr(child, "name", None)
        if name is None:
            if type(child).__name__ == "NavigableString":  # not comments, doctypes, CDATA
                loose.append(str(child))
            continue
        if name in HEADINGS:
            flush()
            text = _inline(child)
            if text:
                lines.append(heading_line(HEADINGS[name], text))
        elif name in ("ul", "ol"):
            flush()
            if is_navigation(child):
                continue
            for li in child.find_all("li", recursive=False):
                nested = [sub.extract() for sub in li.find_all(["ul", "ol"], recursive=False)]
                text = _inline(li)
                if text:
                    lines.append(BULLET_PREFIX + text)
                for sub in nested:
                    _walk(_wrap(sub), lines)
        elif name == "table":
            flush()
            caption = child.find("caption")
            if caption is not None and _inline(caption):
                lines.append(_inline(caption).rstrip(":") + ":")
            lines.extend(_table_rows(child))
        elif name in BLOCK_TAGS and child.find(list(HEADINGS) + ["p", "ul", "ol", "table", "div", "section"]):
            flush()
            _walk(child, lines)
        elif name in BLOCK_TAGS or name == "li":
            flush()
            text = _inline(child)
            if text:
                lines.append(text)
        else:  # inline element: part of the running text, spaces around it kept
            for br in child.find_all("br"):
                br.replace_with(" ")
            loose.append(child.get_text(""))
    flush()


def _wrap(list_tag):
    """A nested list as a node whose only child is that list, so _walk writes its items as bullets."""
    from bs4 import BeautifulSoup

    holder = BeautifulSoup("<div></div>", "html.parser").div
    holder.append(list_tag)
    return holder


def _breadcrumb(soup) -> list[str]:
    """The breadcrumb below the guide's home: the site's home and /programme-guide itself are not sections."""
    crumbs = []
    for item in soup.select(".ecl-breadcrumb__segment, .ecl-breadcrumb__item, .ecl-breadcrumb li"):
        link = item.find("a", href=True)
        path = [p for p in urlparse(link["href"]).path.split("/") if p] if link else None
        if path is not None and len(path) > 0 and len(path[0]) == 2:  # /bg/... : the language prefix
            path = path[1:]
        if path is not None and path in ([], ["programme-guide"]):
            continue
        text = _inline(item)
        if text and text not in crumbs:
            crumbs.append(text)
    return crumbs


def parse_html(html: str, name: str) -> HtmlPage:
    """Extract the main content of a saved page; `name` (the file) is named in every error."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    notice = find_notice(soup)
    links = document_links(soup, notice)
    if notice is not None:
        notice.decompose()  # chrome: never a passage, never where the edition is read
    raw_text = _visible_text(soup)
    html_tag = soup.find("html")
    language = (html_tag.get("lang") or "").split("-")[0].strip().lower() if html_tag else ""
    canonical = soup.find("link", rel="canonical") or soup.find("meta", property="og:url")
    url = (canonical.get("href") or canonical.get("content")) if canonical else None
    crumbs = _breadcrumb(soup)
    main = soup.find("main") or soup.find(attrs={"role": "main"}) or soup.find(id="main-content") or soup.body
    if main is None:
        raise GuidekbError("bad_input", f"{name} has no <body>: is it an HTML page?")
    h1 = main.find("h1") or soup.find("h1")
    title = _inline(h1) if h1 is not None else ""
    if not title:
        raise GuidekbError("bad_input", f"{name} has no <h1> title: is it a guide page of the official site?")

    notes = _footnotes(main)
    note_lines = []
    for target, mark in notes.items():
        note = main.find(id=target)
        for link in note.select('a[href^="#"]'):
            link.decompose()  # the back-link to the citing text
        text = BACKLINK.sub("", _inline(note)).strip()
        text = re.sub(rf"^\[?{re.escape(mark)}[\].)]?\s+", "", text)  # the note's own number, written once below
        note_lines.append(footnote_line(mark, text))
        holder = note.find_parent(["ol", "ul"]) if note.name == "li" else None
        note.decompose()
        if holder is not None and not holder.find("li"):
            holder.decompose()
    for link in main.select('a[href^="#"]'):
        target = link["href"][1:]
        if target in notes:
            (link.find_parent("sup") or link).replace_with(f"[{notes[target]}]")
    for section in main.find_all(class_=re.compile("footnote", re.I)):
        if not _clean(section.get_text()) or _clean(section.get_text()).casefold() in ("footnotes", "бележки"):
            section.decompose()

    for tag in main.find_all(True):
        if tag.parent is not None and tag.decomposed is False and _is_chrome(tag):
            tag.decompose()
    lines: list[str] = []
    _walk(main, lines)
    if not lines or not lines[0].startswith("# "):
        lines.insert(0, heading_line(1, title))
    if not any(not line.startswith("#") for line in lines + note_lines):
        raise GuidekbError("navigation_page", f"{name} holds no guide text, only its title and links to other pages")
    section_path = tuple(c for c in crumbs if c != title)
    return HtmlPage("\n".join(lines + note_lines) + "\n", title, language or None, url, section_path, raw_text,
                    notice is not None, tuple(links))


def _visible_text(soup) -> str:
    """The page's text without scripts and without the links to the guide PDF (they state the PDF's edition)."""
    skip = ("script", "style", "noscript", "template")
    parts = [s for s in soup.find_all(string=True) if type(s).__name__ == "NavigableString"
             and s.find_parent(skip) is None
             and not any(GUIDE_DOCUMENT.search(urlparse(a["href"]).path) for a in s.find_parents("a", href=True))]
    return _clean(" ".join(parts))


def url_language(url: str) -> str | None:
    """Language of an official guide URL: /bg/programme-guide/... is Bulgarian; English pages have no prefix."""
    from .languages import EU_LANGUAGES

    parts = [p for p in urlparse(url).path.split("/") if p]
    if parts and parts[0].lower() in EU_LANGUAGES:
        return parts[0].lower()
    if parts and parts[0] == "programme-guide":
        return "en"
    return None
