"""Light Bulgarian stemmer: J. Savoy, "Searching strategies for the Bulgarian language" (Information
Retrieval 10, 2007), with the rule set and length limits of Lucene's BulgarianStemmer (org.apache.lucene.analysis.bg)."""
from __future__ import annotations

import re

# Every rule keys on a Cyrillic letter, so a word without one could never change; say so up front.
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _remove_article(w: str) -> str:
    """Drop the postposed definite article. The length limits keep short stems like мъжът intact."""
    n = len(w)
    if n > 6 and w.endswith("ият"):  # masculine full article after -и (красивият)
        return w[:-3]
    if n > 5 and w.endswith(("ът", "то", "те", "та", "ия")):  # full/neuter/plural/feminine, short masc.
        return w[:-2]
    if n > 4 and w.endswith("ят"):  # masculine full article after a soft stem (пътят)
        return w[:-2]
    return w


def _remove_plural(w: str) -> str:
    """Drop plural endings, undoing the consonant/vowel alternations that plurals cause."""
    n = len(w)
    if n > 6:
        if w.endswith("овци"):  # дядовци -> дядо (the -о then goes in the final-vowel step)
            return w[:-3]
        if w.endswith("ове"):  # градове -> град
            return w[:-3]
        if w.endswith("еве"):  # строеве -> строй: the stem's й turned into е before -ве
            return w[:-3] + "й"
    if n > 5:
        if w.endswith("ища"):  # пътища -> път
            return w[:-3]
        if w.endswith("та"):  # neuter plural -та (морета -> море)
            return w[:-2]
        if w.endswith("ци"):  # palatalised к: собственици -> собственик
            return w[:-2] + "к"
        if w.endswith("зи"):  # palatalised г: подлози -> подлог
            return w[:-2] + "г"
        if w[-3] == "е" and w[-1] == "и":  # я/е alternation: промени -> промян
            return w[:-3] + "я" + w[-2]
    if n > 4:
        if w.endswith("си"):  # palatalised х: кожуси -> кожух
            return w[:-2] + "х"
        if w.endswith("и"):  # the common plural -и (народи, вести)
            return w[:-1]
    return w


def stem(word: str) -> str:
    """Stem one lower-case word; words under 4 letters or without Cyrillic come back unchanged."""
    if len(word) < 4 or not _CYRILLIC.search(word):
        return word
    # Plural -ища with nothing else to strip: done (Lucene returns here, skipping all later steps).
    if len(word) > 5 and word.endswith("ища"):
        return word[:-3]
    w = _remove_plural(_remove_article(word))
    if len(w) > 3:
        # Final vowels that are endings rather than stem: -я (masculine short article / plural
        # братя), then one of -а/-о/-е (short article, neuter/feminine singular, vocative).
        if w.endswith("я"):
            w = w[:-1]
        if w.endswith(("а", "о", "е")):
            w = w[:-1]
    # Fleeting vowels, so singular and plural meet: песен/песни -> песн, център/центрове -> центр.
    # (Savoy's paper lists the ен -> н rule twice; Lucene and Savoy's Perl code apply it once.)
    if len(w) > 4 and w.endswith("ен"):
        w = w[:-2] + "н"
    if len(w) > 5 and w[-2] == "ъ":
        w = w[:-2] + w[-1]
    return w


def stem_words(words: list[str]) -> list[str]:
    """Stem each word in order (same shape as PyStemmer's stemWords, so analyze.py can swap it in)."""
    return [stem(w) for w in words]
