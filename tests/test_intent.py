"""Who-questions: the interrogative opens the question or one of its clauses; further in it is a relative pronoun."""
from __future__ import annotations

import pytest

from index.ranking.intent import asks_who, names_actor


@pytest.mark.parametrize("question, language", [
    ("who manages capacity building in youth?", "en"),
    ("Кой управлява виртуалния обмен по КД1 – националната агенция ли?", "bg"),
    ("Quem gere o reforço de capacidades no ensino superior – a agência nacional ou a EACEA?", "pt"),
    ("KA2 cooperation partnerships: wer entscheidet über den Antrag?", "de"),
    ("Et pour les partenariats de coopération, qui gère les candidatures ?", "fr"),
])
def test_a_question_that_opens_with_who_asks_who(question, language):
    assert asks_who(question, language)


@pytest.mark.parametrize("question, language", [
    ("C'est l'agence nationale qui signe le contrat et qui verse la subvention ?", "fr"),  # relative "qui"
    ("DiscoverEU befogadási akció: hogyan számolják ki az utazási költségek támogatását?", "hu"),  # particle "ki"
    ("what is the deadline for capacity building in sport?", "en"),
    ("wie lange dauert eine Kooperationspartnerschaft?", "de"),  # German "wie" is how, Dutch "wie" is who
])
def test_who_further_in_or_another_languages_word_does_not(question, language):
    assert not asks_who(question, language)


def test_actor_cues_name_bodies_in_several_languages():
    assert names_actor("managed by the European Education and Culture Executive Agency (EACEA)")
    assert names_actor("от националните агенции")
    assert not names_actor("young people aged 13 to 30")
