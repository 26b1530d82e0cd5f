"""Text -> the figures it states (amounts, percentages, dates, durations, ages, counts, countries), normalised so
the same fact compares equal across EU languages: `extract_figures("EUR 60 000", "en")` and
`extract_figures("60 000 евро", "bg")` both hold `Figure("amount", "60000 EUR", ...)`.

Kinds and their values:
- amount "60000 EUR", percent "80%", date "2026-03-14" (or "2026-03", "--03-14"), time "12:00",
  duration "6 month", age "18", count "3" (digits or a number word), year "2027", country "BG" (ISO 3166),
  reference "KA2" / "ref:2.1" / "ref:2021/817" (a named action, article, section, part, annex or legal act).
Not figures: ordinals ("2nd", "2-ри", "2. Runde", "1er"), footnote marks ("[1]", "¹"), list enumerators ("1)"),
and numbers glued to letters ("KA220", "H2020").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .figure_lexicon import Lexicon, fold, lexicon, reference_patterns

KINDS = ("amount", "percent", "date", "time", "duration", "age", "count", "year", "country", "reference")
BARE_KINDS = ("count", "year")  # a number with no unit: may be the other language's number with its unit


@dataclass(frozen=True)
class Figure:
    kind: str
    value: str  # normalised: equal across languages for the same fact
    text: str  # as written
    start: int
    end: int
    number: Decimal | None = None  # the number itself, where the figure is one
    weak: bool = False  # a word that confirms the other text's number but states none alone ("двете": the two, both)


@dataclass(frozen=True)
class Figures:
    items: tuple[Figure, ...]

    def values(self, kind: str) -> list[str]:
        return [f.value for f in self.items if f.kind == kind]

    def __len__(self) -> int:
        return len(self.items)


# ---------------------------------------------------------------------------------------------- patterns
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\u2013": "-", "\u2014": "-",
                         "\u2212": "-", "\u2011": "-", "\u2019": "'"})
_IGNORED = re.compile(r"\[\d{1,3}\]|[\u00b9\u00b2\u00b3\u2070-\u2079]+|(?:(?<=^)|(?<=[\s;:(]))\(?\d{1,2}\)(?=\s)",
                      re.MULTILINE)
_LEGAL = re.compile(r"(?<![\d/.])(\d{1,4})/(\d{1,4})(?![\d/])")
_NUMERIC_DATE = re.compile(r"(?<![\d.,/])(\d{1,2})([./])(\d{1,2})\2(\d{4})(?![\d])")
_ISO_DATE = re.compile(r"(?<![\d.,/-])(\d{4})-(\d{2})-(\d{2})(?![\d])")
_TIME = re.compile(r"(?<![\d:.,])([01]?\d|2[0-3])[:h]([0-5]\d)(?::[0-5]\d)?(?![\d:])")
_TIME_DOT = re.compile(r"(?<=\bklo )([01]?\d|2[0-3])\.([0-5]\d)(?![\d.])")  # Finnish "klo 12.00"
_TOKEN = re.compile(r"\d{1,3}(?: \d{3})+(?![\d])(?:[.,]\d+)?|\d+(?:[.,]\d+)*|\w+(?:-\w+)*|[^\w\s]")


@dataclass
class Token:
    text: str
    folded: str
    start: int
    end: int
    number: Decimal | None = None  # digits or a number word
    word_number: bool = False
    used: bool = False


def _parse_number(text: str, dot_decimal: bool) -> Decimal | None:
    """'1 000 000', '1.000.000', '1,000,000', '2,5', '2.5' -> Decimal; None for '3.2.1' (a section number)."""
    s = text.replace(" ", "")
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        decimal_sep = "." if s.rfind(".") > s.rfind(",") else ","
        grouping = "," if decimal_sep == "." else "."
        whole, _, frac = s.rpartition(decimal_sep)
        if not _grouped(whole, grouping) or whole.count(decimal_sep):
            return None
        s = whole.replace(grouping, "") + "." + frac
    elif dots + commas > 1:
        sep = "." if dots else ","
        if not _grouped(s, sep):
            return None
        s = s.replace(sep, "")
    elif dots + commas == 1:
        sep = "." if dots else ","
        whole, _, frac = s.partition(sep)
        is_grouping = len(frac) == 3 and (sep == "," if dot_decimal else sep == ".")
        s = whole + frac if is_grouping else whole + "." + frac
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def _grouped(s: str, sep: str) -> bool:
    head, *groups = s.split(sep)
    return 1 <= len(head) <= 3 and all(len(g) == 3 for g in groups)


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---------------------------------------------------------------------------------------------- extraction
class _Scan:
    def __init__(self, text: str, language: str):
        self.original = text
        self.text = text.translate(_SPACES)
        self.lex = lexicon(language)
        self.figures: list[Figure] = []
        self.taken: list[tuple[int, int]] = []

    def add(self, kind: str, value: str, start: int, end: int, number: Decimal | None = None, weak: bool = False) -> None:
        self.figures.append(Figure(kind, value, self.original[start:end], start, end, number, weak))

    def take(self, start: int, end: int) -> None:
        self.taken.append((start, end))

    def free(self, start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in self.taken)

    def regex_pass(self) -> None:
        for m in _IGNORED.finditer(self.text):
            self.take(*m.span())
        action, section = reference_patterns()
        for m in action.finditer(self.text):
            self.add("reference", f"KA{int(m.group(1))}", *m.span())
            self.take(*m.span())
        for m in section.finditer(self.text):
            if self.free(*m.span()):
                self.add("reference", "ref:" + _latin_index(m.group(1)), *m.span())
                self.take(*m.span())
        for m in _ISO_DATE.finditer(self.text):
            self._date(m, int(m.group(1)), int(m.group(2)), int(m.group(3)))
        for m in _NUMERIC_DATE.finditer(self.text):
            if self.free(*m.span()):
                self._date(m, int(m.group(4)), int(m.group(3)), int(m.group(1)))
        for m in _LEGAL.finditer(self.text):
            a, b = m.group(1), m.group(2)
            if self.free(*m.span()) and not (_is_year(a) and _is_year(b)) and (len(a) == 4 or len(b) == 4):
                self.add("reference", f"ref:{int(a)}/{int(b)}", *m.span())
                self.take(*m.span())
        for m in (*_TIME.finditer(self.text), *_TIME_DOT.finditer(self.text)):
            if self.free(*m.span()):
                self.add("time", f"{int(m.group(1)):02d}:{m.group(2)}", *m.span())
                self.take(*m.span())

    def _date(self, m: re.Match, year: int, month: int, day: int) -> None:
        if 1 <= month <= 12 and 1 <= day <= 31:
            self.add("date", f"{year:04d}-{month:02d}-{day:02d}", *m.span())
            self.take(*m.span())

    def tokens(self) -> list[Token]:
        out = []
        for m in _TOKEN.finditer(self.text):
            if not self.free(*m.span()):
                continue
            tok = Token(m.group(0), fold(m.group(0)), m.start(), m.end())
            if tok.text[0].isdigit():
                tok.number = _parse_number(tok.text, self.lex.dot_decimal)
                if tok.number is None:
                    tok.used = True  # a section number such as 3.2.1
            else:
                value = self.lex.number_words.get(tok.folded)
                if value is not None:
                    tok.number, tok.word_number = Decimal(value), True
            out.append(tok)
        return out


def _is_year(digits: str) -> bool:
    return len(digits) == 4 and digits.isdigit() and 1900 <= int(digits) <= 2100


def _latin_index(label: str) -> str:
    """'Б' (Bulgarian part B) and 'Β' (Greek) -> 'B': index letters by their place in the alphabet."""
    if len(label) == 1 and label.isalpha() and not label.isascii():
        for alphabet in ("АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЬЮЯ", "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ"):
            if label.upper() in alphabet:
                return chr(ord("A") + alphabet.index(label.upper()))
    return label.upper()


def _adjacent(a: Token, b: Token) -> bool:
    return a.end == b.start


def _match_seq(tokens: list[Token], i: int, seqs) -> int:
    """Length of the longest of `seqs` (folded word tuples) starting at token i; 0 for none."""
    best = 0
    for seq in seqs:
        if len(seq) > best and all(i + k < len(tokens) and tokens[i + k].folded == w for k, w in enumerate(seq)):
            best = len(seq)
    return best


def _dates(scan: _Scan, toks: list[Token]) -> None:
    """Day-month-year in any order the EU languages write it, month-year, and day-month."""
    lex = scan.lex
    for i, tok in enumerate(toks):
        month = lex.months.get(tok.folded) if not tok.used and tok.number is None else None
        if month is None:
            continue
        first = last = i
        day = year = None
        j = i - 1
        while j >= 0 and (toks[j].folded in lex.fillers or toks[j].text == ".") and i - j <= 2:
            j -= 1
        if j >= 1 and toks[j].text.isalpha() and len(toks[j].text) <= 3 and _adjacent(toks[j - 1], toks[j]):
            j -= 1  # "1er mars", "the 14th of March"
        if j >= 0 and _day(toks[j]) is not None and not toks[j].used:
            day, first = _day(toks[j]), j
        k = i + 1
        if day is None and k < len(toks) and _day(toks[k]) is not None and not toks[k].word_number:
            after = k + 1 + (k + 1 < len(toks) and toks[k + 1].text == ",")
            if after < len(toks) and _year(toks[after]) is not None:  # "March 14, 2026"
                day, k = _day(toks[k]), after
        while k < len(toks) and toks[k].folded in lex.fillers | {","} and k - i <= 2:
            k += 1
        if k < len(toks) and _year(toks[k]) is not None:
            year, last = _year(toks[k]), k
            if last + 1 < len(toks) and toks[last + 1].folded in lex.year_markers:
                last += 1
        if day is None and year is None:
            continue  # "May", "mars" alone are not dates
        value = f"{year:04d}-{month:02d}" if year is not None else f"--{month:02d}"
        if day is not None:
            value += f"-{day:02d}"
        scan.add("date", value, toks[first].start, toks[last].end)
        for t in toks[first:last + 1]:
            t.used = True


def _day(tok: Token) -> int | None:
    if tok.number is None or tok.word_number or tok.number != tok.number.to_integral_value():
        return None
    return int(tok.number) if 1 <= tok.number <= 31 and len(tok.text) <= 2 else None


def _year(tok: Token) -> int | None:
    return int(tok.text) if tok.text.isdigit() and _is_year(tok.text) else None


_LINKS = frozenset({".", "de", "di", "d", "'", "of"})


@dataclass
class _Num:
    index: int
    first: int  # token span of the whole figure
    last: int
    value: Decimal
    kind: str = "count"
    unit: str = ""
    prefix_currency: bool = False


def _numbers(scan: _Scan, toks: list[Token]) -> None:
    lex = scan.lex
    nums: list[_Num] = []
    for i, tok in enumerate(toks):
        if tok.number is None or tok.used or _not_a_figure(toks, i, lex):
            continue
        num = _Num(i, i, i, tok.number)
        _classify(num, toks, lex, claimed=nums[-1].last if nums else -1)
        if tok.word_number and tok.folded in lex.only_before_unit and num.kind not in ("duration", "age"):
            continue
        nums.append(num)
    _share_units(nums, toks, lex)
    for num in nums:
        if num.kind == "count" and _age_context(toks, num.first, lex):
            num.kind = "age"
        if num.kind == "duration" and num.unit == "year" and _age_context(toks, num.first, lex):
            num.kind = "age"
        start, end = toks[num.first].start, toks[num.last].end
        weak = num.kind == "count" and num.first == num.last and toks[num.first].folded in lex.weak_words
        scan.add(num.kind, _value(num), start, end, num.value, weak)


def _not_a_figure(toks: list[Token], i: int, lex: Lexicon) -> bool:
    """Ordinals, numbers glued to letters, dot ordinals ('2. Runde')."""
    tok = toks[i]
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    prev = toks[i - 1] if i > 0 else None
    if tok.word_number:
        return False
    if prev is not None and _adjacent(prev, tok) and (prev.text[-1].isalpha() or prev.text in "#§№"):
        return True
    if nxt is not None and _adjacent(tok, nxt):
        if nxt.text[0].isalpha():
            return nxt.folded not in {"€"} and lex.currencies.get(nxt.folded) is None
        if nxt.text == "-" and i + 2 < len(toks) and _adjacent(nxt, toks[i + 2]):
            return toks[i + 2].folded in lex.ordinal_suffixes
        if nxt.text == "." and lex.dot_ordinals and len(tok.text) <= 3 and i + 2 < len(toks) \
                and toks[i + 2].text[0].isalpha() and lex.months.get(toks[i + 2].folded) is None:
            return True
    return False


def _classify(num: _Num, toks: list[Token], lex: Lexicon, claimed: int) -> None:
    """Kind, unit and span of the number at token `num.index`; tokens up to `claimed` belong to the figure before."""
    i = num.index
    prev = toks[i - 1] if i - 1 > claimed else None
    if prev is not None and not prev.used and lex.currencies.get(prev.folded):
        num.kind, num.unit, num.first, num.prefix_currency = "amount", lex.currencies.get(prev.folded), i - 1, True
    j = i + 1
    if j + 1 < len(toks) and toks[j].text == "-" and _adjacent(toks[i], toks[j]) and _adjacent(toks[j], toks[j + 1]):
        compound = next((u for stem, u in lex.compounds if toks[j + 1].folded.startswith(stem)), None)
        if compound:  # "12-month", "24-месечен", "18-year-old"
            num.kind, num.unit = ("age", "") if compound == "age" else ("duration", compound)
            num.last = j + 1
            return
    if j < len(toks) and (mult := lex.multipliers.get(toks[j].folded)):
        num.value *= mult
        num.last = j
        j += 1
        k = j
        while k < len(toks) and toks[k].folded in _LINKS and k - j < 3:
            k += 1
        if k < len(toks) and lex.currencies.get(toks[k].folded):
            j = k  # "2,5 Mio. EUR", "2,5 millones de euros", "millions d'euros"
    if j < len(toks) and (percent := _match_seq(toks, j, lex.percent)):
        num.kind, num.unit, num.last = "percent", "", j + percent - 1
        return
    if j < len(toks) and (currency := lex.currencies.get(toks[j].folded)):
        num.kind, num.unit, num.last = "amount", currency, j
        return
    if num.kind == "amount":
        return
    if j < len(toks) and toks[j].folded in lex.unit_adjectives:
        j += 1
    if j < len(toks) and (unit := lex.units.get(toks[j].folded)):
        num.kind, num.unit, num.last = "duration", unit, j
        if after := _match_seq(toks, j + 1, lex.age_after):
            num.kind, num.last = "age", j + after
        return
    if num.value == num.value.to_integral_value() and _is_year(toks[i].text):
        num.kind = "year"


def _share_units(nums: list[_Num], toks: list[Token], lex: Lexicon) -> None:
    """'12 to 36 months', 'between EUR 100 and 400': the unit written once belongs to both ends of a range."""
    for a, b in zip(nums, nums[1:]):
        if b.first - a.last != 2 or toks[a.last + 1].folded not in lex.connectors:
            continue
        if a.kind in BARE_KINDS and b.kind not in BARE_KINDS:
            a.kind, a.unit = b.kind, b.unit
        elif b.kind in BARE_KINDS and a.prefix_currency:
            after = toks[b.last + 1] if b.last + 1 < len(toks) else None
            if after is None or not after.text[0].isalpha():
                b.kind, b.unit = a.kind, a.unit


def _age_context(toks: list[Token], first: int, lex: Lexicon) -> bool:
    """An age word shortly before, in the same clause ('aged 13 to 30', 'на възраст между 13 и 30')."""
    for j in range(first - 1, max(first - 6, -1), -1):
        if toks[j].text in ".;:!?":
            return False
        if toks[j].folded in lex.age_before:
            return True
    return False


def _value(num: _Num) -> str:
    n = _num(num.value)
    if num.kind == "amount":
        return f"{n} {num.unit}"
    if num.kind == "percent":
        return f"{n}%"
    if num.kind == "duration":
        return f"{n} {num.unit}"
    return n


def _countries(scan: _Scan, toks: list[Token]) -> None:
    lex = scan.lex
    words = [t for t in toks if not t.used and t.text[0].isalpha()]
    i = 0
    while i < len(words):
        code, length = _country_at(words, i, lex)
        if code:
            scan.add("country", code, words[i].start, words[i + length - 1].end)
            i += length
        else:
            i += 1


def _country_at(words: list[Token], i: int, lex: Lexicon) -> tuple[str | None, int]:
    if not words[i].text[0].isupper():
        return None, 0
    for seq, code in lex.countries:
        if i + len(seq) <= len(words) and all(
                _country_word(words[i + k].folded, w, lex) for k, w in enumerate(seq)):
            return code, len(seq)
    return None, 0


def _country_word(folded: str, want: str, lex: Lexicon) -> bool:
    if folded == want:
        return True
    return lex.inflects_countries and any(folded == want + end for end in ("s", "n", "es", "en"))


def extract_figures(text: str, language: str) -> Figures:
    """Every figure `text` states, in text order; `language` picks number conventions and words."""
    scan = _Scan(text, language)
    scan.regex_pass()
    toks = scan.tokens()
    _dates(scan, toks)
    _numbers(scan, toks)
    _countries(scan, toks)
    return Figures(tuple(sorted(scan.figures, key=lambda f: (f.start, f.end))))
