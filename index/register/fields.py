"""Which register field a row states, and its value read with the figure readers.

A field is found by the row's label: on English pages by the English labels below; on a page in another
language by its English counterpart (the alignment carries the field across), and only where a row has no
English counterpart by the small per-language label table. Values are read by index.figures, so the same
fact reads the same in every language.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

from ..crosslang.figure_lexicon import DATA, fold
from ..crosslang.figures import Figure, extract_figures
from .models import Ages, ApplyTo, Body, Duration, Partners

# English row labels (folded, matched as the start of the label) -> field. The guide writes them alike on every
# action page; a label that is not here names no register field.
ENGLISH_LABELS = {
    "where to apply": "apply_to",
    "when to apply": "deadlines",
    "duration of project": "duration",
    "who can apply": "who_can_apply",
    "number and profile of participating organisations": "partners",
    "number of participating organisations": "partners",
    "eligible participants": "ages",
}
# Only for rows without an English counterpart (a page the index holds in one language).
FALLBACK_LABELS = {
    "bg": {"къде се кандидатства": "apply_to", "кога се кандидатства": "deadlines",
           "продължителност на проекта": "duration", "кой може да кандидатства": "who_can_apply",
           "брой и профил на участващите организации": "partners", "брой участващи организации": "partners",
           "допустими участници": "ages"},
    "de": {"wo ist der antrag": "apply_to", "wann ist der antrag": "deadlines", "projektdauer": "duration",
           "projektlaufzeit": "duration", "wer kann einen antrag": "who_can_apply",
           "anzahl und profil der teilnehmenden": "partners", "forderfahige teilnehmende": "ages"},
}
# A section whose heading holds one of these is a funding section: the amounts stated in it are the grant.
FUNDING_WORDS = {"en": ("funding",), "bg": ("финансир",), "de": ("finanzierung", "förder", "forder")}

# The two bodies an application goes to, in the EU languages (folded). EACEA is written so in every language.
_EACEA = re.compile(r"\beacea\b|executive agency|изпълнителна агенция|exekutivagentur|agence executive|"
                    r"agencia ejecutiva|agenzia esecutiva")
_NATIONAL = re.compile(
    r"national agenc|национал\w* агенц|national\w* agentur|agences? nationales?|agencias? nacional|"
    r"agenzi[ae] nazional|agencias? nacionais|agencj\w* narodow|narodn\w* agentur|národn\w* agentúr|"
    r"nacionaln\w* agencij|agenti\w* national|nemzeti iroda|εθνικ\w* μοναδ|nationa\w* agentschap|"
    r"nationale kontor|nationella kontor|kansallis\w* toimisto|riiklik\w* agentuur|valsts agentur|"
    r"nacionalin\w* agentur|agenzija nazzjonali")
_BRUSSELS = re.compile(r"brussel|bruxel|bruksel|brusel|брюксел|βρυξελ|bryssel")
FIGURE_WORDS = DATA / "figure_words.json"
MONTHS_PER = {"month": 1, "year": 12}
# What a count in a "Number of participating organisations" row counts, by the word after it (folded, EU languages).
_COUNTED_WORDS = 4  # "at least one higher education institution": the noun comes a few words after the count
_COUNTRIES = re.compile(r"countr|member|state|държав|stran|land|lander|mitgliedstaat|drittland|pays|etats?$|pais|paes|"
                        r"stat|panstw|zem|krajin|tar|orszag|χωρ|κρατ|maa|riik|vals|salis|pajjiz|tir")
_ORGANISATIONS = re.compile(r"organi[sz]|организац|partner|партньор|institution|институц|заведени|бенефициер|"
                            r"einrichtung|hochschul|gruppe|group|груп|beneficiar|consorti|консорциум|enterprise|"
                            r"provider|actor|body|bodies|organizac|organizzazion|istituz|instituc|entit|οργανισμ|φορε|"
                            r"εταιρ|szervezet|organisaat|organisatsioon|organizacij|organizācij|organizzazzjoni")


def label_and_value(text: str) -> tuple[str, str]:
    """A row passage's label (first cell) and the rest: saved text joins them with a tab, HTML ingest with ' — '."""
    for sep in ("\t", " — "):
        if sep in text:
            label, value = text.split(sep, 1)
            return label.strip(), value.strip()
    return "", text.strip()


def english_field(label: str) -> str | None:
    folded = fold(label)
    return next((f for start, f in ENGLISH_LABELS.items() if folded.startswith(start)), None)


def fallback_field(label: str, language: str) -> str | None:
    folded = fold(label)
    return next((f for start, f in FALLBACK_LABELS.get(language, {}).items() if folded.startswith(fold(start))), None)


def is_funding_section(section: tuple[str, ...], language: str) -> bool:
    words = FUNDING_WORDS.get(language, ())
    return any(w in fold(s) for s in section for w in words)


def bodies_in(text: str) -> list[Body]:
    """The bodies a text names, in the order it names them."""
    folded = fold(text)
    found = sorted([(m.start(), "EACEA") for m in _EACEA.finditer(folded)][:1]
                   + [(m.start(), "National Agency") for m in _NATIONAL.finditer(folded)][:1])
    return [body for _, body in found]


def read_apply_to(value: str) -> list[ApplyTo]:
    """The first body named is where one applies; a later sentence naming another body states its condition."""
    from ingest.sentences import sentence_spans

    out: list[ApplyTo] = []
    for s, e in sentence_spans(value):
        sentence = value[s:e]
        for body in bodies_in(sentence):
            if any(a.body == body for a in out):
                continue
            out.append(ApplyTo(body=body, condition=sentence if out else None))
    return out


def deadline_spans(value: str, language: str) -> list[tuple[Figure, Figure | None, int, int]]:
    """(date, time, start, end) of every deadline in a 'When to apply?' row: a day and month followed by a time
    of day (a date without one is when projects start, not a deadline). The span runs from the sentence start
    (or the end of the deadline before it in that sentence) to the last comma before the next deadline."""
    from ingest.sentences import sentence_spans

    figures = extract_figures(value, language).items
    found = []
    for i, f in enumerate(figures):
        if f.kind != "date" or not re.fullmatch(r"(\d{4}|-)-\d{2}-\d{2}", f.value):
            continue
        after = figures[i + 1] if i + 1 < len(figures) else None
        if after is not None and after.kind == "time" and after.start - f.end <= 12:
            found.append((f, after))
    out = []
    sentences = sentence_spans(value)
    for n, (date, time) in enumerate(found):
        s_start, s_end = next(((s, e) for s, e in sentences if s <= date.start < e), (0, len(value)))
        start = s_start
        if n and found[n - 1][0].start >= s_start:
            start = out[-1][3]
        end = s_end
        if n + 1 < len(found) and found[n + 1][0].start < s_end:
            comma = value.rfind(",", date.end, found[n + 1][0].start)
            end = comma if comma > (time or date).end else found[n + 1][0].start
        out.append((date, time, start, end))
    return out


def brussels_time(text: str) -> bool:
    return bool(_BRUSSELS.search(fold(text)))


def read_duration(value: str, language: str) -> Duration | None:
    figures = extract_figures(value, language).items
    months: list[int] = []
    for i, f in enumerate(figures):
        unit = _unit(f)
        if unit is None and f.kind == "count" and i + 1 < len(figures) and _unit(figures[i + 1]):
            gap = value[f.end:figures[i + 1].start].strip()
            if gap == ",":  # "12, 24 or 36 months": the unit is written once, after the last
                unit = _unit(figures[i + 1])
        if unit is not None and f.number is not None:
            months.append(int(f.number * MONTHS_PER[unit]))
    if not months:
        return None
    return Duration(min_months=min(months), max_months=max(months), values_months=list(dict.fromkeys(months)))


def _unit(f: Figure) -> str | None:
    if f.kind != "duration":
        return None
    unit = f.value.split()[-1]
    return unit if unit in MONTHS_PER else None


def read_amounts(text: str, language: str) -> list[int]:
    return [int(f.number) for f in extract_figures(text, language).items
            if f.kind == "amount" and f.value.endswith(" EUR") and f.number is not None]


def read_partners(value: str, language: str) -> Partners | None:
    """The first count of organisations and the first count of countries the row states, each told by the word
    after it ("at least three different countries" is no count of organisations; a 'Lot 1:' label number is
    neither). A count followed by neither kind of word is not read. "One" counts too when an organisation follows
    it ("at least one organisation or informal group"), and organisations "from each of" N countries are so many
    times N ("at least one higher education institution from each of at least two Member States": two)."""
    counts = [(f.start, f.end, int(f.number)) for f in extract_figures(value, language).items
              if f.kind == "count" and f.number is not None and not f.weak and not value[f.end:].startswith(":")]
    taken = {start for start, _, _ in counts}
    counts = sorted(counts + [(m.start(), m.end(), 1) for m in _ones(language).finditer(value) if m.start() not in taken])
    found: dict[str, int] = {}
    for i, (start, end, number) in enumerate(counts):
        after = value[end:counts[i + 1][0] if i + 1 < len(counts) else len(value)]
        kind = _counted(after)
        if kind == "organisations" and "organisations" not in found and i + 1 < len(counts) \
                and _EACH.search(fold(after)) and _counted(value[counts[i + 1][1]:]) == "countries":
            number *= counts[i + 1][2]  # per country, times the countries
        if kind is not None:
            found.setdefault(kind, number)
    if not found:
        return None
    return Partners(min_organisations=found.get("organisations"), min_countries=found.get("countries"))


# "from each of": organisations counted per country (folded, EU languages)
_EACH = re.compile(r"\b(each|every|всяк\w*|всеки|jede[mnrs]?|chaque|chacun\w*|cada|ciascun\w*|ogni|kazd\w*|vsak\w*|"
                   r"minden|elk|ieder|hver|varje|jokai\w*|iga|katr\w*|kiekvien\w*|kull|καθε|fiecare)\b")


@lru_cache(maxsize=None)
def _ones(language: str) -> re.Pattern:
    """The language's words for "one" that the figure reader reads only before a unit ("one month")."""
    raw = json.loads(FIGURE_WORDS.read_text(encoding="utf-8"))
    words = sorted(w for w, n in raw["number_words"].get(language, {}).items()
                   if n == 1 and w in raw["number_words_only_before_unit"])
    return re.compile(r"(?i)\b(" + "|".join(map(re.escape, words)) + r")\b" if words else r"(?!)")


def _counted(after: str) -> str | None:
    """What a count counts: the first of the next few words that names countries or organisations."""
    for word in re.findall(r"\w+", fold(after))[:_COUNTED_WORDS]:
        if _COUNTRIES.match(word):
            return "countries"
        if _ORGANISATIONS.match(word):
            return "organisations"
    return None


def read_ages(value: str, language: str) -> Ages | None:
    """Ages the row states; in a row about participants, a figure in years is an age ('18-годишна възраст')."""
    ages = [int(f.number) for f in extract_figures(value, language).items if f.number is not None and (
        f.kind == "age" or f.kind == "duration" and f.value.endswith(" year"))]
    if not ages:
        return None
    first = ages[:2]
    return Ages(min_age=min(first), max_age=max(first) if len(first) > 1 else None, values=list(dict.fromkeys(ages)))
