"""Glossary mined from the gold-aligned test translations (written by the guidekb team, not the official guide)."""
from __future__ import annotations

import json

import pytest

from index.crosslang.glossary import Glossary, expand_query, mine_glossary

from gold_translations import load_gold_groups

# Hand-checked: how the gold pages translate each seed term they use (a case-folded substring of a right form).
CHECKED = {
    ("Key Action", "bg"): "ключово действие", ("Key Action", "de"): "leitaktion", ("Key Action", "fr"): "action clé",
    ("EACEA", "bg"): "eacea", ("EACEA", "de"): "eacea", ("EACEA", "fr"): "eacea",
    ("Erasmus Mundus", "bg"): "еразмус мундус", ("Erasmus Mundus", "de"): "erasmus mundus",
    ("Erasmus Mundus", "fr"): "erasmus mundus", ("Alliances", "bg"): "алианси", ("Alliances", "de"): "allianzen",
    ("Alliances", "fr"): "alliances",
    ("equal opportunities", "bg"): "равни възможности", ("equal opportunities", "de"): "chancengleichheit",
    ("equal opportunities", "fr"): "égalité des chances",
    ("labour market", "bg"): "пазара на труда", ("labour market", "de"): "arbeitsmarkt",
    ("labour market", "fr"): "marché du travail",
    ("learning outcomes", "bg"): "резултатите от обучението", ("learning outcomes", "de"): "lernergebnis",
    ("learning outcomes", "fr"): "résultats d’apprentissage",
    ("participating organisations", "bg"): "участващите организации",
    ("participating organisations", "de"): "teilnehmenden organisationen",
    ("participating organisations", "fr"): "organisations participantes",
    ("physical activity", "bg"): "физическата активност", ("physical activity", "de"): "körperliche aktivität",
    ("physical activity", "fr"): "activité physique",
    ("qualifications", "bg"): "квалификации", ("qualifications", "de"): "qualifikationen",
    ("qualifications", "fr"): "qualifications",
    ("recognition", "bg"): "признаване", ("recognition", "de"): "anerkennung", ("recognition", "fr"): "reconnaissance",
    ("social inclusion", "bg"): "социалното приобщаване", ("social inclusion", "de"): "soziale inklusion",
    ("social inclusion", "fr"): "inclusion sociale",
    ("sport", "bg"): "спорт", ("sport", "de"): "sport", ("sport", "fr"): "sport",
    ("validation", "bg"): "валидиране", ("validation", "de"): "validierung", ("validation", "fr"): "validation",
    ("youth", "bg"): "младеж", ("youth", "de"): "jugend", ("youth", "fr"): "jeunesse",
    ("youth work", "bg"): "младежка работа", ("youth work", "de"): "jugendarbeit",
    ("youth work", "fr"): "animation socio-éducative",
}


def right(entry):
    return CHECKED.get((entry.term, entry.language), "\0") in entry.form.casefold()


@pytest.fixture(scope="module")
def gold_pairs():
    """(English, other, language) for every gold entry with English and the other language."""
    return [(g["en"], g[lang], lang) for g in load_gold_groups() if "en" in g for lang in ("bg", "de", "fr") if lang in g]


@pytest.fixture(scope="module")
def glossary(gold_pairs):
    return mine_glossary(gold_pairs)


@pytest.mark.parametrize("term,language", [("Key Action", "bg"), ("Key Action", "de"), ("Key Action", "fr"),
                                           ("labour market", "bg"), ("validation", "de"), ("youth", "bg")])
def test_mined_forms_match_the_hand_checked_translations(glossary, term, language):
    assert CHECKED[term, language] in glossary.forms(term)[language].casefold()


def test_precision_and_coverage_on_the_gold_page(glossary):
    entries = glossary.entries
    precision = sum(right(e) for e in entries) / len(entries)
    assert precision >= 0.95, [(e.term, e.language, e.form) for e in entries if not right(e)]
    assert len(glossary.terms()) >= 15


def test_support_and_threshold(glossary, gold_pairs):
    assert all(e.support >= 2 or e.form.casefold() == e.term.casefold() for e in glossary.entries)
    assert all(e.score >= 0.6 and e.support <= e.term_pairs for e in glossary.entries)
    # "National Agency" and "Cooperation Partnerships" are named once on the page: too little support
    assert glossary.forms("National Agency") == {} and glossary.forms("Cooperation Partnerships") == {}
    strict = mine_glossary(gold_pairs, terms=["participating organisations", "EACEA"], min_support=3)
    assert [e.term for e in strict.entries] == ["EACEA"] * 3


def test_misaligned_pairs_find_no_term(gold_pairs):
    """Pair each English group with another group's translation: the association is gone, nothing passes."""
    shifted = [(en, gold_pairs[(k + 7) % len(gold_pairs)][1], lang) for k, (en, _, lang) in enumerate(gold_pairs)
               if gold_pairs[(k + 7) % len(gold_pairs)][2] == lang]
    mined = mine_glossary(shifted, terms=["participating organisations", "physical activity", "recognition"])
    assert mined.entries == ()


def test_expand_query_adds_the_other_languages_forms(glossary):
    expanded = expand_query("How is physical activity supported?", "en", glossary, ["bg", "de"])
    assert expanded.startswith("How is physical activity supported? ")
    assert "физическата активност" in expanded and "körperliche Aktivität" in expanded
    assert "activité" not in expanded  # only the languages asked for
    from_bg = expand_query("признаване на квалификациите", "bg", glossary, ["en", "fr"])
    assert "recognition" in from_bg and "reconnaissance" in from_bg and "qualifications" in from_bg
    assert expand_query("when is the deadline?", "en", glossary, ["bg"]) == "when is the deadline?"


def test_glossary_round_trips_through_json(glossary):
    assert Glossary.from_dict(json.loads(json.dumps(glossary.to_dict()))) == glossary
