"""Question intent: a "who" question asks for a body (an agency, the Commission), so passages naming one rank higher.

Interrogatives are per language (German "wie" means how, Dutch "wie" means who); the actor cues are the words for
agency and commission in the guide's languages, matched as word prefixes.
"""
from __future__ import annotations

import re

WHO = {
    "bg": ["кой", "коя", "кои", "кого"], "cs": ["kdo", "koho"], "da": ["hvem"], "de": ["wer", "wem", "wen"],
    "el": ["ποιος", "ποια", "ποιοι", "ποιον", "ποιες"], "en": ["who", "whom"], "es": ["quién", "quiénes"],
    "et": ["kes", "kelle"], "fi": ["kuka", "ketkä", "kenen"], "fr": ["qui"], "ga": ["cé"],
    "hr": ["tko", "koga"], "hu": ["ki", "kik", "kinek"], "it": ["chi"], "lt": ["kas", "kuris", "kuri"],
    "lv": ["kas", "kurš", "kura"], "mt": ["min"], "nl": ["wie"], "pl": ["kto", "kogo"], "pt": ["quem"],
    "ro": ["cine", "cui"], "sk": ["kto", "koho"], "sl": ["kdo", "koga"], "sv": ["vem", "vilka"],
}
ACTOR_CUES = re.compile(
    r"\b(агенци|комиси|eacea|agenc|agentur|agence|agenzi|agencj|agentsch|agênci|agenți|agenţi|υπηρεσί"
    r"|virasto|ügynöks|agentūr|aġenzij|agentúr|agencij|myndighet|styrelse|kommission|commission|komisj|comisi)",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+", re.UNICODE)


_CLAUSE_BREAK = re.compile(r"[:;,?!–—]")
LEAD_WORDS = 2  # the interrogative opens the question or one of its clauses: "Who manages ...", "KA2 – who ...?"


def asks_who(query: str, language: str) -> bool:
    """A question (or one of its clauses) that opens with a "who" word, within its first two words; further in,
    the same word is mostly a relative pronoun (French "l'agence qui signe", Hungarian "ki" as a verb particle)."""
    who = set(WHO.get(language, ()))
    return any(set(_WORD.findall(clause)[:LEAD_WORDS]) & who for clause in _CLAUSE_BREAK.split(query.casefold()))


def names_actor(text: str) -> bool:
    return bool(ACTOR_CUES.search(text))
