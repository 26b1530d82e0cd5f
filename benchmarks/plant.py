"""Copies of the guide sample (team-written test material, not the official guide) with differences planted in
one language version by a script with a fixed seed, and the consistency check's precision and recall on them.

A plant changes one figure of one block (paragraph, bullet or table row) of one page version: a number (amount,
date, time, duration, age, count, year, percentage) written in digits or as a word, or a country dropped from
or added to a list. The planter reads figures with its own small rules, not with index/crosslang/figures.py, so what the
check cannot read is planted as well. Not planted: headings (never passages), ordinals ("14th", "14-ия"), codes
glued to letters ("KA220"). Gold: every (page, language, block) whose clause differs from English; a plant in
English makes its block differ in every other language version of the page. Blocks that differ in the sample
itself (the real differences, found on the unmodified sample) are neither planted nor scored.
"""
from __future__ import annotations

import random
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .align_sample import _label, page_gold
from .guide_sample import DEFAULT_SAMPLE

LANGUAGES = ("en", "bg", "de")
# number words the planter changes (one/един/ein are articles as often as numbers: left alone)
WORDS = {"en": ["two", "three", "four", "five", "six", "seven", "eight", "ten"],
         "bg": ["два", "три", "четири", "пет", "шест", "седем", "осем", "десет"],
         "de": ["zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "zehn"]}
COUNTRIES = {"en": ["Iceland", "Liechtenstein", "Norway", "North Macedonia", "Serbia", "Türkiye"],
             "bg": ["Исландия", "Лихтенщайн", "Норвегия", "Северна Македония", "Сърбия", "Турция"],
             "de": ["Island", "Liechtenstein", "Norwegen", "Nordmazedonien", "Serbien", "Türkei"]}
ADDED = {"en": "Switzerland", "bg": "Швейцария", "de": "die Schweiz"}
NUMBER = re.compile(r"(?<![\w.,:/-])\d{1,3}(?:[ \u00a0.,]\d{3})+(?:,\d+)?(?![\w])|(?<![\w.,:/-])\d+(?:[.,]\d+)?(?![\w])")
ORDINAL_AFTER = re.compile(r"^(?:st|nd|rd|th|-?(?:ви|ри|ти|ми|ва|ра|та|ма|во|ро|то|мо|ия|ият|ния|ният|ата|ото|ите))\b|^\.\s+(?!Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)[A-ZÄÖÜa-zäöü]")
KIND_AFTER = [  # (kind, what follows the number), checked in order; the rest are counts (or years)
    ("amount", re.compile(r"^\s*(?:000\s*)?(?:EUR|евро|Euro|млрд|млн|Mio|Mrd|million|billion)", re.I)),
    ("percent", re.compile(r"^\s*(?:%|per ?cent|процент|на сто|Prozent)", re.I)),
    ("time", re.compile(r"^:\d\d")),
    ("date", re.compile(r"^\.?\s*(?:January|February|March|April|May|June|July|August|September|October|November|"
                        r"December|януари|февруари|март|април|май|юни|юли|август|септември|октомври|ноември|декември|"
                        r"Januar|Februar|März|Juni|Juli|Oktober|Dezember)", re.I)),
    ("duration", re.compile(r"^[\s-]*(?:working |calendar |additional |travel )?(?:days?|weeks?|months?|years?|hours?|"
                            r"ден|дни|дена|седмиц|месец|месеца|години|година|часа|Tag|Tage|Wochen?|Monat|Monate|Jahr|"
                            r"Jahre|Stunden|месечен|годишн|monatig|jährig)", re.I)),
]
CURRENCY_BEFORE = re.compile(r"(?:EUR|€)\s*$")


@dataclass(frozen=True)
class Plant:
    page: str
    language: str
    block: int  # index in label.kinded_blocks of the page
    kind: str
    old: str
    new: str


def _kind(line: str, start: int, end: int, digits: str) -> str:
    after, before = line[end:], line[:start]
    if CURRENCY_BEFORE.search(before):
        return "amount"
    for kind, pattern in KIND_AFTER:
        if pattern.search(after):
            return "age" if kind == "duration" and re.search(r"aged|възраст|Alter|-year-old|годишн|jährig", line[max(0, start - 40):end + 20]) else kind
    if re.fullmatch(r"(19|20)\d\d", digits):
        return "year"
    if re.search(r"aged|възраст|Alter", line[max(0, start - 40):start]):
        return "age"
    return "count"


def _changed_number(text: str) -> str:
    """Another plausible number in the same writing: a year one later, small numbers one more, larger ones with
    their first digit raised."""
    digits = re.sub(r"\D", "", text)
    if re.fullmatch(r"(19|20)\d\d", text):
        return str(int(text) + 1)
    if len(digits) <= 2 and not re.search(r"[.,]", text):
        return str(int(text) + 1) if int(text) not in (23, 31, 59) else str(int(text) - 1)
    first = next(i for i, c in enumerate(text) if c.isdigit())
    raised = str(int(text[first]) % 9 + 1)
    return text[:first] + raised + text[first + 1:]


def _candidates(line: str, language: str) -> list[tuple[str, int, int, str]]:
    """(kind, start, end, replacement) of every change the planter can make in one Markdown line."""
    out = []
    for m in NUMBER.finditer(line):
        if ORDINAL_AFTER.search(line[m.end():]):
            continue
        out.append((_kind(line, m.start(), m.end(), m.group()), m.start(), m.end(), _changed_number(m.group())))
    words = WORDS[language]
    for m in re.finditer(r"\b(" + "|".join(words) + r")\b", line, re.I):
        i = words.index(m.group().lower())
        new = words[(i + 1) % len(words)]
        out.append((_kind(line, m.start(), m.end(), ""), m.start(), m.end(), new if m.group().islower() else new.capitalize()))
    named = [(m.start(), m.end()) for c in COUNTRIES[language] for m in re.finditer(re.escape(c), line)]
    if len(named) >= 2:  # a list of countries: drop one (with its separator) or add one
        start, end = sorted(named)[len(named) // 2]
        if line[end:end + 2] == ", ":
            out.append(("country", start, end + 2, ""))
        out.append(("country", start, end, line[start:end] + ", " + ADDED[language]))
    return out


def _block_lines(md: str) -> list[tuple[int, str]]:
    """Lines of a Markdown page a plant may touch: paragraph, bullet and table body lines (no headings, no table
    header or separator), with their line number."""
    lines = md.splitlines()
    out = []
    for n, line in enumerate(lines):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("|"):
            if set(s) <= set("|-: ") or n + 1 < len(lines) and set(lines[n + 1].strip()) <= set("|-: ") and lines[n + 1].strip():
                continue  # separator, or the header row above it
        out.append((n, line))
    return out


def _changed_block(lang: str, page: str, before: Path, after: Path) -> int:
    old = _label().kinded_blocks(lang, page, before)
    new = _label().kinded_blocks(lang, page, after)
    changed = [i for i, (a, b) in enumerate(zip(old, new)) if a != b]
    return changed[0] if len(changed) == 1 and len(old) == len(new) else None


def plant_copy(dest: Path, seed: int, plants: int = 40, sample: Path = DEFAULT_SAMPLE,
               skip: frozenset[tuple[str, str, int]] = frozenset()) -> list[Plant]:
    """A copy of the sample in `dest` with `plants` differences, at most one per block; `skip`: (page, language,
    block) left alone."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(sample, dest, ignore=shutil.ignore_patterns("__pycache__"))
    rng = random.Random(seed)
    pages = sorted(p.relative_to(sample / "en").with_suffix("").as_posix() for p in (sample / "en").rglob("*.md"))
    done: list[Plant] = []
    touched: set[tuple[str, str, int]] = set(skip)
    attempts = 0
    while len(done) < plants and attempts < plants * 50:
        attempts += 1
        page = rng.choice(pages)
        langs = [lang for lang in LANGUAGES if (sample / lang / f"{page}.md").is_file()]
        lang = rng.choice(langs)
        path = dest / lang / f"{page}.md"
        md = path.read_text(encoding="utf-8")
        lines = _block_lines(md)
        n, line = rng.choice(lines)
        options = _candidates(line, lang)
        if not options:
            continue
        kind, start, end, new = rng.choice(options)
        all_lines = md.splitlines(keepends=True)
        changed_line = line[:start] + new + line[end:]
        all_lines[n] = all_lines[n].replace(line, changed_line, 1)
        before = dest.parent / f".before-{seed}"
        if before.exists():
            shutil.rmtree(before)
        (before / lang / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, before / lang / f"{page}.md")
        path.write_text("".join(all_lines), encoding="utf-8")
        block = _changed_block(lang, page, before, dest)
        shutil.rmtree(before)
        if block is None or (page, lang, block) in touched or (lang == "en" and any((page, o, block) in touched for o in langs)) \
                or (lang != "en" and (page, "en", block) in touched):
            path.write_text(md, encoding="utf-8")  # one plant per clause
            continue
        touched.add((page, lang, block))
        done.append(Plant(page, lang, block, kind, line[start:end], new))
    return done


def planted_gold(plants: list[Plant], sample: Path) -> dict[tuple[str, str, int], Plant]:
    """(page, language other than English, block) -> the plant that makes that clause differ from English."""
    gold = {}
    for plant in plants:
        if plant.language != "en":
            gold[plant.page, plant.language, plant.block] = plant
            continue
        for lang in LANGUAGES[1:]:
            if (sample / lang / f"{plant.page}.md").is_file():
                gold[plant.page, lang, plant.block] = plant
    return gold


def reported_blocks(engine, report, sample: Path) -> list[set[tuple[str, str, int]]]:
    """Per issue of a consistency report: the (page, language, block) its passages in that language stand in."""
    from ingest.sources import guide_page

    by_page: dict[tuple[str, str], list] = {}
    for p in engine.index.passages:
        by_page.setdefault((guide_page(p.page_url), p.language), []).append(p)
    golds = {key: page_gold(key[1], key[0], ps, sample) for key, ps in by_page.items()}
    out = []
    for issue in report.issues:
        blocks = set()
        for p in issue.passages:
            key = (guide_page(p.citation.url), p.language)
            gold = golds.get(key)
            if gold is not None and p.id in gold.block_of:
                blocks.add((*key, gold.block_of[p.id]))
        out.append(blocks)
    return out


def score(gold: dict, reported: list[set], known: set) -> dict:
    """Recall over planted clauses, precision over reports (those naming only known real differences left out),
    per language and per planted kind."""
    found = {g for blocks in reported for g in blocks if g in gold}
    scored = [blocks for blocks in reported if not blocks or not blocks <= known]
    right = [blocks for blocks in scored if blocks & gold.keys()]
    def tally(key) -> dict:
        total, hit = Counter(key(g) for g in gold), Counter(key(g) for g in found)
        return {k: (hit[k], n) for k, n in total.items()}

    per_language = tally(lambda g: f"en-{g[1]}")
    per_kind = tally(lambda g: gold[g].kind)
    return {"planted": len(gold), "found": len(found), "reports": len(scored), "right": len(right),
            "recall": round(len(found) / len(gold), 4) if gold else 1.0,
            "precision": round(len(right) / len(scored), 4) if scored else 1.0,
            "per_language": per_language, "per_kind": per_kind,
            "missed": [gold[g] for g in gold if g not in found],
            "false": [blocks for blocks in scored if not blocks & gold.keys()]}


def consistency_run(engine, out: Path, mode: str, sample: Path, copies: int, seed: int, log=lambda _: None) -> str:
    """The report on the unmodified sample, then precision and recall on `copies` planted copies; as Markdown."""
    import time

    from .crosslang import open_sample

    t0 = time.perf_counter()
    report = engine.check_consistency()
    seconds = time.perf_counter() - t0
    real = reported_blocks(engine, report, sample)
    known = {b for blocks in real for b in blocks}
    lines = [f"Unmodified sample: {report.clauses_checked} clauses checked in {seconds:.2f} s, "
             f"{len(report.issues)} report(s):", ""]
    for issue in report.issues:
        diffs = "; ".join(f"{d.kind}: EN {', '.join(d.written_in_reference) or '-'} / {issue.language.upper()} "
                          f"{', '.join(d.written_in_this) or '-'}" for d in issue.differences)
        lines.append(f"- {issue.page} ({issue.language}): {diffs}")
    totals = Counter()
    per_language, per_kind, misses, false = Counter(), Counter(), [], []
    for n in range(copies):
        copy_seed = seed + n
        base = out / f"planted-{copy_seed}"
        if (base / "rendered").exists():
            shutil.rmtree(base / "rendered")
        plants = plant_copy(base / "sample", copy_seed, sample=sample, skip=frozenset(known))
        gold = planted_gold(plants, sample)
        if (base / f"{mode}-all").exists():
            shutil.rmtree(base / f"{mode}-all" / "corpus")
        else:  # start from the unmodified build: only the changed passages are embedded
            shutil.copytree(out / f"{mode}-all" / "index", base / f"{mode}-all" / "index", symlinks=True)
        planted_engine = open_sample(base, mode, base / "sample", embedder=engine.embedder, settings=engine.settings,
                                     log=log)
        t0 = time.perf_counter()
        planted_report = planted_engine.check_consistency()
        log(f"copy {copy_seed}: {len(plants)} plants, check {time.perf_counter() - t0:.2f} s")
        result = score(gold, reported_blocks(planted_engine, planted_report, base / "sample"), known)
        totals.update({k: result[k] for k in ("planted", "found", "reports", "right")})
        for key, (hit, total) in result["per_language"].items():
            per_language[key, "hit"] += hit
            per_language[key, "total"] += total
        for key, (hit, total) in result["per_kind"].items():
            per_kind[key, "hit"] += hit
            per_kind[key, "total"] += total
        misses += result["missed"]
        false += result["false"]
    recall = totals["found"] / totals["planted"] if totals["planted"] else 1.0
    precision = totals["right"] / totals["reports"] if totals["reports"] else 1.0
    lines += ["", f"Planted copies: {copies} (seeds {seed}-{seed + copies - 1}), {totals['planted']} planted clauses, "
              f"{totals['reports']} reports: recall {recall:.4f} ({totals['found']}/{totals['planted']}), "
              f"precision {precision:.4f} ({totals['right']}/{totals['reports']})", "",
              "| pair | recall |", "|---|---|"]
    lines += [f"| {k} | {per_language[k, 'hit'] / per_language[k, 'total']:.4f} ({per_language[k, 'hit']}/"
              f"{per_language[k, 'total']}) |" for k in sorted({k for k, _ in per_language})]
    lines += ["", "| planted kind | recall |", "|---|---|"]
    lines += [f"| {k} | {per_kind[k, 'hit'] / per_kind[k, 'total']:.4f} ({per_kind[k, 'hit']}/{per_kind[k, 'total']}) |"
              for k in sorted({k for k, _ in per_kind})]
    lines += [f"missed: {p}" for p in misses] + [f"false report: {sorted(b)}" for b in false]
    return "\n".join(lines)
