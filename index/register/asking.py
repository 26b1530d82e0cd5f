"""Which register field a question asks, read from how people ask for it in the 24 EU languages (the cues in
index/data/field_cues.json), whether it compares ("the same deadline", "difference in duration") and whether it
asks what no field holds ("the award criteria").

General language knowledge, written from the languages (the interrogatives and nouns each field is asked with),
not from any question set. A cue is a word or a phrase; `*` ends a word matched as a prefix; `~` starts a weak
cue (half weight: "how much" asks the grant, "how many" may ask partners or months); `…` in a cue lets up to five
words stand there ("can … apply": "can an individual professor apply"), and such a cue weighs 0.9, so the
interrogative of another field ("where can we apply") outweighs it. A cue written with accents
matches only so written (French "où" is where, "ou" is or); one without is matched accent-insensitively. Longer
cues are matched first and use up their words ("combien de temps" is a duration, not an amount). A one-word cue
shorter than five letters counts only in the question's own language and English ("wo", "kdo", "var" mean other
things elsewhere), unless the question's language is not known.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..crosslang.figure_lexicon import fold

CUES_FILE = Path(__file__).resolve().parents[1] / "data" / "field_cues.json"
COMPARES = "compares"  # the cues of a question that compares (two actions, most often): no one value answers it
ELSEWHERE = "elsewhere"  # the cues of a question about what no field holds (criteria, priorities, objectives, points)
APPLYING = "applying"  # phrases of applying for funding ("apply for a grant"): their grant noun asks no grant
_NO_FIELD = (COMPARES, ELSEWHERE, APPLYING)


@dataclass(frozen=True)
class _Cue:
    field: str
    language: str
    words: tuple[str, ...]  # each ending in '*' when matched as a prefix; GAP where other words may stand
    weight: float
    accented: bool  # written with accents: matched on the case-folded text, not the folded one

    @property
    def gated(self) -> bool:
        """Short single words count only in their own language (and English's everywhere)."""
        return len(self.words) == 1 and len(self.words[0].rstrip("*")) < 5 and self.language != "en"


@lru_cache(maxsize=1)
def cues() -> dict[str, dict[str, str]]:
    """field (and "compares") -> language -> its cues, '|'-separated (index/data/field_cues.json)."""
    data = json.loads(CUES_FILE.read_text(encoding="utf-8"))
    return {field: languages for field, languages in data.items() if not field.startswith("_")}


@lru_cache(maxsize=1)
def _cues() -> tuple[_Cue, ...]:
    """Every cue, longest first (the order they take their words in), its words folded unless accented."""
    out = []
    for field, languages in cues().items():
        for language, spelled in languages.items():
            for cue in spelled.split("|"):
                weight = 0.5 if cue.startswith("~") else GAPPED if GAP in cue else 1.0
                cue = cue.lstrip("~").casefold()
                accented = fold(cue.replace(GAP, "")) != cue.replace(GAP, "")
                words = pattern_words(cue)
                out.append(_Cue(field, language, words if accented else tuple(fold(w) for w in words), weight, accented))
    return tuple(sorted(out, key=lambda c: (GAP in c.words, -len(c.words), -sum(map(len, c.words)))))


@lru_cache(maxsize=1)
def _by_first_word() -> tuple[dict, dict]:
    """(accented, word) -> cue numbers whose first word is that word; (accented, first two letters) -> those whose
    first word is a prefix starting so."""
    exact: dict[tuple[bool, str], list[int]] = {}
    prefix: dict[tuple[bool, str], list[int]] = {}
    for n, cue in enumerate(_cues()):
        first = cue.words[0]
        if first.endswith("*"):
            prefix.setdefault((cue.accented, first[:2]), []).append(n)
        else:
            exact.setdefault((cue.accented, first), []).append(n)
    return exact, prefix


_WORD = re.compile(r"\w+", re.UNICODE)
GAP = "…"
_GAP_WORDS = 5  # at most this many words where a cue has GAP
GAPPED = 0.9  # the weight of a cue with a gap


def pattern_words(spelled: str) -> tuple[str, ...]:
    """The words of a cue or of a form in index/data: each ending in '*' when matched as a prefix; GAP where
    other words may stand."""
    marked = spelled.replace("*", "_star_").replace(GAP, " _gap_ ")
    return tuple(GAP if w == "_gap_" else w.replace("_star_", "*") for w in _WORD.findall(marked))


def word_matches(pattern: str, word: str) -> bool:
    """A question's word against one of pattern_words: as a prefix when it ends in '*', else exactly."""
    return word.startswith(pattern[:-1]) if pattern.endswith("*") else word == pattern


def fields_asked(question: str, language: str | None) -> dict[str, float]:
    """field -> the weight of the strongest cue for it in the question (fields with none are absent)."""
    return {f: w for f, w in _found(question, language).items() if f not in _NO_FIELD}


def asks_elsewhere(question: str, language: str | None) -> bool:
    """Whether the question asks what no register field holds: "the award criteria", "the priorities", "how many
    points" (a field's words beside them, "funding" or "how many", do not make it a field question)."""
    return ELSEWHERE in _found(question, language)


def applicant_words(question: str, language: str | None) -> tuple[str, ...]:
    """The words a who-can-apply cue's gap holds: the applicant ("can [a higher education institution] apply"),
    which names no action. Case-folded, as the question writes them."""
    return _scan(question, language)[1]


def compares(question: str, language: str | None) -> bool:
    """Whether the question compares (two actions, most often): "the same deadline", "difference in duration"."""
    return COMPARES in _found(question, language)


def _found(question: str, language: str | None) -> dict[str, float]:
    return _scan(question, language)[0]


@lru_cache(maxsize=1024)
def _scan(question: str, language: str | None) -> tuple[dict[str, float], tuple[str, ...]]:
    """The fields found (with their strongest cue's weight) and the words the who-can-apply gaps let pass."""
    cased = _WORD.findall(question.casefold())
    texts = {True: cased, False: [fold(w) for w in cased]}
    known = language in cues()["deadlines"]
    every, (exact, prefix) = _cues(), _by_first_word()
    hits = []  # (cue number, position): every place a cue's words stand
    for accented, words in texts.items():
        for i, word in enumerate(words):
            for n in exact.get((accented, word), []) + prefix.get((accented, word[:2]), []):
                cue = every[n]
                if cue.gated and known and cue.language != language:
                    continue
                at = _positions(cue.words, words, i)
                if at is not None:
                    hits.append((n, at))
    used: list[str | None] = [None] * len(cased)  # the field of the cue that took each word
    found: dict[str, float] = {}
    gaps: list[str] = []
    for n, at in sorted(hits):  # longest cues first: they take their words before shorter ones can
        cue = every[n]
        # a gapped cue may share the verb of an applying phrase ("can we … [apply for a grant]")
        if any(used[k] is not None and not (GAP in cue.words and used[k] == APPLYING) for k in at):
            continue
        for k in at:
            used[k] = used[k] or cue.field
        found[cue.field] = max(found.get(cue.field, 0.0), cue.weight)
        if cue.field == "who_can_apply" and GAP in cue.words:
            gaps += [cased[k] for a, b in zip(at, at[1:]) for k in range(a + 1, b)]
    return found, tuple(gaps)


def _positions(pattern: tuple[str, ...], words: list[str], i: int) -> tuple[int, ...] | None:
    """Where a cue's words stand from word i (the words a gap lets pass are not the cue's), or None."""
    at: list[int] = []
    for n, p in enumerate(pattern):
        if p == GAP:
            rest = pattern[n + 1:]
            for j in range(i, min(i + _GAP_WORDS, len(words)) + 1):
                after = _positions(rest, words, j)
                if after is not None:
                    return (*at, *after)
            return None
        if i >= len(words) or not word_matches(p, words[i]):
            return None
        at.append(i)
        i += 1
    return tuple(at)
