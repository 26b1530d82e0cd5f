"""Test pages imitating the official site's HTML (Europa Component Library markup) and a guide PDF.

All guide text here was written by the guidekb team for tests and says so on the page; it is not the official
Erasmus+ Programme Guide.
"""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian fonts-dejavu-core
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
SITE = "https://erasmus-plus.ec.europa.eu"

# Text of the site around the guide text, per language: none of it may reach a passage.
CHROME = {
    "en": ["Skip to main content", "European Commission logo", "Select your language", "български", "Search the guide",
           "This site uses cookies", "Accept all cookies", "On this page", "Home", "Contact the Erasmus+ team",
           "Privacy policy", "Follow the European Commission on social media"],
    "bg": ["Към основното съдържание", "Лого на Европейската комисия", "Изберете език", "English",
           "Търсене в ръководството", "Този сайт използва бисквитки", "Приемам всички бисквитки", "На тази страница",
           "Начало", "Свържете се с екипа на Еразъм+", "Политика за поверителност",
           "Следвайте Европейската комисия в социалните мрежи"],
    "de": ["Zum Hauptinhalt springen", "Logo der Europäischen Kommission", "Sprache auswählen", "English",
           "Im Leitfaden suchen", "Diese Website verwendet Cookies", "Alle Cookies akzeptieren", "Auf dieser Seite",
           "Startseite", "Kontakt zum Erasmus+-Team", "Datenschutzerklärung",
           "Folgen Sie der Europäischen Kommission in den sozialen Medien"],
}

PAGES = {
    "en": {
        "path": "/programme-guide/part-b/test-action/field-trips",
        "crumbs": ["Home", "Programme Guide", "Part B"],
        "title": "Test action: school field trips",
        "intro": "Fixture text written by the guidekb team for tests; it is not the official Programme Guide.",
        "h2a": "Who can apply?",
        "lead": "An application may be submitted by any of the following bodies:",
        "items": ["a primary or secondary school that teaches at least twenty pupils;",
                  "a municipal youth centre with a registered legal seat."],
        "h3": "Deadline for applications",
        "deadline": "Applicants must submit their form to the National Agency by 14 March at noon Brussels time",
        "note": "The deadline is moved to the next working day when 14 March falls on a weekend.",
        "h2b": "Funding rules",
        "table_caption": "Grant per participant",
        "table_head": ["Distance band", "Amount"],
        "table_rows": [["10 to 99 km", "23 EUR"], ["100 to 499 km", "180 EUR"]],
        "h2c": "Budget for travel",
        "budget": "The grant covers the return trip of each pupil and of one accompanying teacher per ten pupils.",
    },
    "bg": {
        "path": "/bg/programme-guide/part-b/test-action/field-trips",
        "crumbs": ["Начало", "Ръководство за програмата", "Част Б"],
        "title": "Тестово действие: училищни екскурзии",
        "intro": "Текстът е написан от екипа на guidekb за тестове; той не е официалното Ръководство за програмата.",
        "h2a": "Кой може да кандидатства?",
        "lead": "Заявление може да бъде подадено от някоя от следните организации:",
        "items": ["основно или средно училище с поне двадесет ученици;",
                  "общински младежки център с регистрирано седалище."],
        "h3": "Срок за кандидатстване",
        "deadline": "Кандидатите подават формуляра си в Националната агенция до 14 март, 12:00 часа брюкселско време",
        "note": "Срокът се премества на следващия работен ден, когато 14 март е в почивен ден.",
        "h2b": "Правила за финансиране",
        "table_caption": "Безвъзмездна помощ на участник",
        "table_head": ["Разстояние", "Сума"],
        "table_rows": [["от 10 до 99 км", "23 евро"], ["от 100 до 499 км", "180 евро"]],
        "h2c": "Бюджет за пътуване",
        "budget": "Помощта покрива пътуването на всеки ученик и на един придружаващ учител на всеки десет ученици.",
    },
}
# A third language for the crawler's fixture site (kept out of PAGES, which the ingest tests index as two languages).
MORE_PAGES = {
    "de": {
        "path": "/de/programme-guide/part-b/test-action/field-trips",
        "crumbs": ["Startseite", "Programmleitfaden", "Teil B"],
        "title": "Testaktion: Schulausflüge",
        "intro": "Dieser Text wurde vom guidekb-Team für Tests geschrieben; er ist nicht der offizielle Programmleitfaden.",
        "h2a": "Wer kann einen Antrag stellen?",
        "lead": "Ein Antrag kann von jeder der folgenden Einrichtungen eingereicht werden:",
        "items": ["eine Grundschule oder weiterführende Schule, die mindestens zwanzig Schüler unterrichtet;",
                  "ein kommunales Jugendzentrum mit eingetragenem Sitz."],
        "h3": "Antragsfrist",
        "deadline": "Die Antragsteller reichen ihr Formular bis zum 14. März um 12 Uhr Brüsseler Zeit bei der Nationalen Agentur ein",
        "note": "Fällt der 14. März auf ein Wochenende, verschiebt sich die Frist auf den nächsten Arbeitstag.",
        "h2b": "Finanzierungsregeln",
        "table_caption": "Zuschuss pro Teilnehmer",
        "table_head": ["Entfernung", "Betrag"],
        "table_rows": [["10 bis 99 km", "23 EUR"], ["100 bis 499 km", "180 EUR"]],
        "h2c": "Reisebudget",
        "budget": "Der Zuschuss deckt die Hin- und Rückreise jedes Schülers und einer Begleitlehrkraft je zehn Schüler.",
    },
}


ALL_PAGES = {**PAGES, **MORE_PAGES}

# The notice a translated page carries when it lags behind the English one. We have never seen the site's own
# wording: these sentences are the team's, modelled on the usual wording of EU sites, and say they are a test.
OUTDATED_NOTICE = {
    "en": "This page has not yet been updated to reflect the latest version of the Programme Guide (test notice "
          "written by the guidekb team).",
    "bg": "Тази страница все още не е актуализирана и не отразява последната версия на Ръководството за "
          "програмата (тестово известие на екипа на guidekb).",
    "de": "Diese Seite wurde noch nicht aktualisiert und entspricht noch nicht der aktuellen Fassung des "
          "Programmleitfadens (Testhinweis des guidekb-Teams).",
    "fr": "Cette page n’a pas encore été mise à jour et ne reflète pas encore la dernière version du guide du "
          "programme (avis de test rédigé par l'équipe guidekb).",
}
NOTICE_LINKS = {"en": ("current guide (PDF)", "English version"), "bg": ("актуалното ръководство (PDF)", "английската версия"),
                "de": ("aktueller Leitfaden (PDF)", "englische Fassung"), "fr": ("guide actuel (PDF)", "version anglaise")}
# A sentence that mentions updates and versions but is no notice: such a page is not outdated.
MENTIONS_UPDATES = {
    "en": "Fixture text for tests: the list of eligible countries is updated every year, and the latest version of "
          "the Programme Guide always prevails.",
    "bg": "Тестов текст: списъкът на допустимите държави се актуализира всяка година и последната версия на "
          "Ръководството за програмата винаги има предимство.",
}


def guide_document(lang: str, edition: str = "2026-version-1") -> str:
    """The address of the guide's document page in a language, as the site's links name it."""
    return f"{'' if lang == 'en' else '/' + lang}/document/erasmus-programme-guide-{edition}"


def notice_html(lang: str, pdf_href: str | None, markup: bool = True) -> str:
    """The outdated-translation notice: an ECL notification box, or (markup=False) a bare paragraph."""
    pdf_label, english_label = NOTICE_LINKS[lang]
    english = ALL_PAGES[lang]["path"].split("/programme-guide")[1]
    links = (f' <a href="{pdf_href}">{pdf_label}</a>' if pdf_href else "") + \
        f' <a href="/programme-guide{english}">{english_label}</a>'
    if not markup:
        return f"<p>{OUTDATED_NOTICE[lang]}{links}</p>"
    return (f'<div class="ecl-notification ecl-notification--warning" role="alert" data-ecl-notification>'
            f'<div class="ecl-notification__content"><div class="ecl-notification__description">'
            f"{OUTDATED_NOTICE[lang]}{links}</div></div>"
            f'<button class="ecl-notification__close" type="button">×</button></div>')


def page_url(lang: str) -> str:
    return SITE + ALL_PAGES[lang]["path"]


def guide_html(lang: str, lang_attribute: str | None = None, canonical: bool = True, page: dict | None = None,
               notice: str = "", above_main: str = "", sidebar: str = "") -> str:
    """A saved guide page as the official site serves it, with all its chrome (`page`: other text, same layout;
    `notice`: HTML at the top of the main content, `above_main` between header and main, `sidebar` in the aside)."""
    p, c = page or ALL_PAGES[lang], CHROME[lang]
    prefix = p["path"].split("/programme-guide")[0]
    hrefs = [f"{prefix}/", f"{prefix}/programme-guide", f"{prefix}/programme-guide/part-b"]
    crumbs = "".join(f'<li class="ecl-breadcrumb__segment"><a class="ecl-breadcrumb__link" href="{h}">{x}</a></li>'
                     for x, h in zip(p["crumbs"], hrefs)) + f'<li class="ecl-breadcrumb__segment" aria-current="page">{p["title"]}</li>'
    rows = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in p["table_rows"])
    link = f'<link rel="canonical" href="{page_url(lang)}" />' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="{lang_attribute or lang}" dir="ltr">
<head><meta charset="utf-8" /><title>{p["title"]} | Erasmus+</title>{link}</head>
<body>
<a class="ecl-skip-link" href="#main-content">{c[0]}</a>
<div id="cookie-consent-banner" class="cck-container"><p>{c[5]}</p><button>{c[6]}</button></div>
<header class="ecl-site-header" role="banner">
  <div class="ecl-site-header__top"><img alt="{c[1]}" src="logo.svg"/><span>{c[1]}</span></div>
  <div class="ecl-site-header__language"><a class="ecl-site-header__language-selector" href="#">{c[2]}</a>
    <div class="ecl-language-list"><ul><li><a href="/bg/">{c[3]}</a></li></ul></div></div>
</header>
{above_main}
<main id="main-content" class="ecl-container">
{notice}
<div class="ecl-page-header">
  <nav class="ecl-breadcrumb" aria-label="breadcrumb"><ol class="ecl-breadcrumb__container">{crumbs}</ol></nav>
  <h1 class="ecl-page-header__title">{p["title"]}</h1>
</div>
<div class="ecl-search-form"><label>{c[4]}</label><input type="search"/><span>{c[4]}</span></div>
  <div class="ecl-row">
    <aside class="ecl-col-l-3"><nav class="ecl-inpage-navigation"><div class="ecl-inpage-navigation__title">{c[7]}</div>
      <ul><li><a href="#who">{p["h2a"]}</a></li><li><a href="#funding">{p["h2b"]}</a></li></ul></nav>{sidebar}</aside>
    <div class="ecl-col-l-9 ecl-editor">
      <p>{p["intro"]}</p>
      <h2 id="who">{p["h2a"]}</h2>
      <p>{p["lead"]}</p>
      <ul><li>{p["items"][0]}</li><li>{p["items"][1]}</li></ul>
      <h3>{p["h3"]}</h3>
      <p>{p["deadline"]}<sup><a href="#footnote1" id="ref1">1</a></sup>.</p>
      <h2 id="funding">{p["h2b"]}</h2>
      <table class="ecl-table"><caption>{p["table_caption"]}</caption>
        <thead><tr><th>{p["table_head"][0]}</th><th>{p["table_head"][1]}</th></tr></thead><tbody>{rows}</tbody></table>
      <h2>{p["h2c"]}</h2>
      <p>{p["budget"]}</p>
      <div class="footnotes"><ol><li id="footnote1"><p>{p["note"]} <a href="#ref1">↑</a></p></li></ol></div>
      <div class="ecl-social-media-share"><p>{c[11]}</p></div>
    </div>
  </div>
</main>
<footer class="ecl-footer" role="contentinfo"><p>{c[9]}</p><a href="#">{c[10]}</a></footer>
</body></html>
"""


PDF_HEADER = "Erasmus+ Programme Guide 2025 (version 2) — тестов документ"
PDF_FOOTER = "Текст на екипа на guidekb за тестове, не официалното ръководство"
PDF_TITLE = "Тестово ръководство за мобилност"
PDF_SECTIONS = [
    ("1 Обща информация", [
        "Този документ е написан от екипа на guidekb за тестове и не е официалното Ръководство за програмата.",
        "Проектите за мобилност позволяват на учениците да прекарат до тридесет дни в партньорско училище в "
        "друга държава, като участието се организира от изпращащото училище заедно с приемащата организация.",
    ]),
    ("1.1 Допустими участници", [
        "Могат да участват ученици на възраст от четиринадесет години нагоре, записани в училище, което има "
        "валидна акредитация по програмата към датата на подаване на заявлението.",
    ]),
    ("2 Финансиране", [
        "Безвъзмездната помощ за индивидуална подкрепа се изчислява за всеки ден от престоя на участника в "
        "приемащата държава и покрива разходите за храна, местен транспорт и застраховка.",
        "Организацията бенефициер получава и организационна подкрепа за подготовката на участниците, езиковото "
        "обучение и наблюдението на дейностите по време на целия престой в чужбина.",
    ]),
    ("3 Отчитане", [
        "След края на мобилността всеки участник попълва онлайн доклад, а училището отчита резултатите от "
        "проекта в срок от шестдесет дни след последната дейност.",
    ]),
]
HYPHENATED = ("отговор", "ност")  # split across two lines by the PDF writer below: "отговор-" / "ност ..."
HYPHEN_PARAGRAPH = ("Крайната ", " за безопасността на учениците остава на изпращащото училище през целия период "
                    "на мобилността, включително по време на пътуването.")


def guide_pdf(path: Path, header: str = PDF_HEADER) -> Path:
    """A 3-page Cyrillic PDF with running header, footer, page numbers, numbered headings and a hyphenated word."""
    from fpdf import FPDF

    class Pdf(FPDF):
        def header(self):
            self.set_font("dejavu", size=8)
            self.cell(0, 6, header, new_x="LMARGIN", new_y="NEXT", align="C")
            self.ln(4)

        def footer(self):
            self.set_y(-15)
            self.set_font("dejavu", size=8)
            self.cell(0, 5, PDF_FOOTER, new_x="LMARGIN", new_y="NEXT", align="C")
            self.cell(0, 5, str(self.page_no()), align="C")

    pdf = Pdf()
    pdf.add_font("dejavu", "", str(FONT))
    pdf.add_font("dejavu", "B", str(FONT_BOLD))
    pdf.set_title(PDF_TITLE)
    for number, (heading, paragraphs) in enumerate(PDF_SECTIONS):
        if number != 1:
            pdf.add_page()
        if number == 0:
            pdf.set_font("dejavu", "B", 18)
            pdf.multi_cell(0, 10, PDF_TITLE, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        pdf.set_font("dejavu", "B", 13)
        pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.set_font("dejavu", "", 11)
        for text in paragraphs:
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        if number == 2:  # the hyphenated word, broken by hand at the end of a line
            pdf.cell(0, 6, HYPHEN_PARAGRAPH[0] + HYPHENATED[0] + "-", new_x="LMARGIN", new_y="NEXT")
            pdf.multi_cell(0, 6, HYPHENATED[1] + HYPHEN_PARAGRAPH[1], new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def serve_fixture(log: list[dict], answer):
    """An HTTP server on 127.0.0.1 (a free port) that logs each GET and lets `answer(handler)` reply with
    `handler._send(status, content_type, body, headers, length)`; shut it down and close it when done."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            log.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                        "host": self.headers.get("host"), "at": time.monotonic()})
            answer(self)

        def _send(self, status, kind, body, headers=(), length=True):
            self.send_response(status)
            if kind:
                self.send_header("Content-Type", kind)
            for k, v in headers:
                self.send_header(k, v)
            if length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
