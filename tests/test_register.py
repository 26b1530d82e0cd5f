"""The action register over the guide sample (team-written test material in ../shared/guide-sample, not the
official guide): every action page in en and bg, where to apply and the deadlines' day and month as the sample's
Markdown states them; the calendar read back by a real iCalendar parser; direct answers; the CLI and the API."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from benchmarks.guide_sample import DEFAULT_SAMPLE, render, text_corpus
from index.crosslang.counterparts import Counterparts
from index.register import build_register, safe_register
from index.register.ics import deadlines_ics
from ingest import load_corpus
from ingest.passages import corpus_passages

NA, EACEA = "National Agency", "EACEA"
# Written from ../shared/guide-sample/en/part-b/**.md ("Where to apply?", "When to apply?" rows): the bodies in the
# order the row names them, and each deadline's (day, month) in the order the row states them.
EXPECTED = {
    "key-action-1/mobility-vet": ([NA], [(19, 2), (1, 10)]),
    "key-action-1/discovereu-inclusion-action": ([NA], [(19, 2), (1, 10)]),
    "key-action-1/mobility-higher-education": ([NA], [(19, 2)]),
    "key-action-1/youth-exchanges": ([NA], [(19, 2), (1, 10)]),
    "key-action-1/youth-participation-activities": ([NA], [(19, 2), (1, 10)]),
    "key-action-2/alliances-for-innovation": ([EACEA], [(12, 3)]),
    "key-action-2/capacity-building-higher-education": ([EACEA], [(10, 2)]),
    "key-action-2/capacity-building-sport": ([EACEA], [(26, 2)]),
    "key-action-2/capacity-building-vet": ([EACEA], [(26, 2)]),
    "key-action-2/capacity-building-youth": ([EACEA], [(26, 2)]),
    "key-action-2/centres-of-vocational-excellence": ([EACEA], [(3, 9)]),
    "key-action-2/cooperation-partnerships": ([NA, EACEA], [(5, 3), (1, 10), (5, 3)]),
    "key-action-2/erasmus-mundus": ([EACEA], [(12, 2)]),
    "key-action-2/not-for-profit-european-sport-events": ([EACEA], [(5, 3)]),
    "key-action-2/small-scale-partnerships": ([NA, EACEA], [(5, 3), (1, 10), (5, 3)]),
    "key-action-3/european-youth-together": ([EACEA], [(6, 3)]),
    "jean-monnet-actions/jean-monnet-higher-education": ([EACEA], [(4, 2)]),
}


@pytest.fixture(scope="module")
def text_passages(tmp_path_factory):
    rendered = render(DEFAULT_SAMPLE, tmp_path_factory.mktemp("sample") / "rendered")
    return corpus_passages(load_corpus(text_corpus(rendered, tmp_path_factory.mktemp("corpus"), ["en", "bg"])))


def _check_table(register, languages=("en", "bg")):
    pages = {(a.page, a.language): a for a in register.actions}
    assert {page for page, _ in pages} == {f"part-b/{p}" for p in EXPECTED}
    for page, (bodies, days) in EXPECTED.items():
        for language in languages:
            record = pages[f"part-b/{page}", language]
            assert [x.body for x in record.apply_to] == bodies, (page, language)
            assert [(d.day, d.month) for d in record.deadlines] == days, (page, language, record.deadlines)
            assert record.sources["deadlines"].citation.language == language
            assert all(d.timezone == "Europe/Brussels" and d.time in ("12:00", "17:00") for d in record.deadlines)


def test_register_without_alignments_reads_every_action_page_by_its_labels(text_passages):
    """Saved page texts, no alignment: English rows by their labels, Bulgarian ones by the fallback label table."""
    register = build_register(text_passages, Counterparts([], {}))
    _check_table(register)
    small = register.find("part-b/key-action-2/small-scale-partnerships", "en")[0]
    assert small.apply_to[1].condition.startswith("Proposals in the field of sport")
    assert [d.body for d in small.deadlines] == [NA, NA, EACEA]
    assert [d.time for d in small.deadlines] == ["12:00", "12:00", "17:00"]
    assert small.duration.min_months == 6 and small.duration.max_months == 24
    assert small.grant[0].amounts_eur == [30000, 60000]
    youth = register.find("part-b/key-action-2/capacity-building-youth", "bg")[0]
    assert youth.duration.values_months == [12, 24, 36]  # "12, 24 или 36 месеца": the unit written once
    assert youth.grant[0].min_eur == 100000 and youth.grant[0].max_eur == 300000
    assert (youth.partners.min_organisations, youth.partners.min_countries) == (4, 2)
    exchanges = register.find("part-b/key-action-1/youth-exchanges", "en")[0]
    assert (exchanges.ages.min_age, exchanges.ages.max_age) == (13, 30)
    # each count by the word after it: "from at least three different countries" counts no organisations
    for language in ("en", "bg"):
        mundus = register.find("part-b/key-action-2/erasmus-mundus", language)[0]
        assert (mundus.partners.min_organisations, mundus.partners.min_countries) == (None, 3)
        cove = register.find("part-b/key-action-2/centres-of-vocational-excellence", language)[0]
        assert (cove.partners.min_organisations, cove.partners.min_countries) == (8, 4)  # not "Lot 1"
        # "the applicant ... is the sole beneficiary": no count, but the row answers, so it is kept
        monnet = register.find("part-b/jean-monnet-actions/jean-monnet-higher-education", language)[0]
        assert (monnet.partners.min_organisations, monnet.partners.min_countries) == (None, None)
        assert "sole beneficiary" in monnet.sources["partners"].text or language != "en"
        participation = register.find("part-b/key-action-1/youth-participation-activities", language)[0]
        assert participation.partners.min_organisations == 1  # "National activities: at least one organisation"
    # the sample's Bulgarian cooperation partnerships page says 12 to 24 months where English says 12 to 36
    cooperation = register.find("part-b/key-action-2/cooperation-partnerships", "bg")[0]
    assert [(d.field, d.reference, d.this) for d in cooperation.differences] == [
        ("duration", "12 months, 36 months", "12 months, 24 months")]


def test_a_page_whose_table_lacks_a_field_leaves_it_empty(text_passages):
    """Drop the 'When to apply?' row of one page: its deadlines are null, nothing is guessed, the rest is read."""
    page = "key-action-2/capacity-building-sport"
    kept = [p for p in text_passages if not (p.page_url.endswith(page) and p.kind == "row"
                                             and p.text.startswith(("When to apply?", "Кога се кандидатства?")))]
    register = build_register(kept, Counterparts([], {}))
    for record in register.find(f"part-b/{page}"):
        assert record.deadlines is None and "deadlines" not in record.sources
        assert [x.body for x in record.apply_to] == [EACEA]
    # a page with neither where nor when to apply is not an action page at all
    assert not register.find("part-a/eligible-countries")


def test_a_register_that_cannot_be_read_stops_nothing(caplog):
    with caplog.at_level(logging.ERROR, logger="guidekb"):
        assert safe_register([object()], Counterparts([], {})) is None
    assert "register could not be read" in caplog.text


def test_the_calendar_opens_in_a_real_parser_with_the_right_dates(text_passages):
    icalendar = pytest.importorskip("icalendar")  # declared in the test extra: never skipped in CI
    from zoneinfo import ZoneInfo

    register = build_register(text_passages, Counterparts([], {}))
    assert {a.edition for a in register.actions} == {None}  # saved page texts state no edition:
    assert "BEGIN:VEVENT" not in deadlines_ics(register, "en")  # no year, no event (none is guessed)
    text = deadlines_ics(register, "en", year=2026, stamp="20261202T094500Z")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))  # folded, CRLF
    calendar = icalendar.Calendar.from_ical(text)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == sum(len(days) for _, days in EXPECTED.values())
    by_summary = {}
    for event in events:
        by_summary.setdefault(str(event["SUMMARY"]), []).append(event)
    (sport,) = by_summary["Deadline: Capacity building in the field of sport (EACEA)"]
    start = sport.decoded("DTSTART")
    assert (start.year, start.month, start.day, start.hour) == (2026, 2, 26, 17)
    assert start.utcoffset() == ZoneInfo("Europe/Brussels").utcoffset(start.replace(tzinfo=None))
    assert str(sport["URL"]).startswith("https://erasmus-plus.ec.europa.eu/programme-guide/part-b/key-action-2/"
                                        "capacity-building-sport#:~:text=")
    assert "Applicants must submit their grant application by 26 February" in str(sport["DESCRIPTION"])
    assert len({str(e["UID"]) for e in events}) == len(events)
    bulgarian = icalendar.Calendar.from_ical(deadlines_ics(register, "bg", year=2026))
    assert any("Изграждане на капацитет" in str(e["SUMMARY"]) for e in bulgarian.walk("VEVENT"))


# -- over a real index: alignment carries the fields, answers, CLI, API ---------------------------------------
@pytest.fixture(scope="module")
def sample_engine(tmp_path_factory):
    from benchmarks.guide_eval import sample_engine

    return sample_engine("crawl", "all", tmp_path_factory.mktemp("register-sample"))


@pytest.mark.slow
def test_register_over_an_aligned_index_is_the_same_in_en_and_bg(sample_engine):
    register = sample_engine.index.register
    _check_table(register)
    assert register.find("part-b/key-action-2/capacity-building-youth", "de")  # and in German, where held
    assert (sample_engine.index.path / "register.json").is_file()
    german = register.find("part-b/key-action-2/cooperation-partnerships", "de")[0]
    assert [d.field for d in german.differences] == ["grant"]  # the sample's German page states EUR 450 000


@pytest.mark.slow
@pytest.mark.parametrize("question, language, page, field, value", [
    ("when is the deadline for capacity building in sport?", "en", "capacity-building-sport", "deadlines",
     "by 26 February at 17:00:00"),
    ("Колко време продължава проект за партньорство за сътрудничество?", "bg", "cooperation-partnerships",
     "duration", "От 12 до 24 месеца"),
    # a language the index does not hold: the field by its words, the action by its name, the value in English
    ("Quelle est la date limite pour Erasmus Mundus ?", "fr", "erasmus-mundus", "deadlines", "by 12 February"),
    ("Jak długo trwa partnerstwo na małą skalę?", "pl", "small-scale-partnerships", "duration", "Between 6 and 24"),
    # the applicant's words ("higher education") name no action: the one the question applies for is asked
    ("Can a higher education institution apply for cooperation partnerships?", "en", "cooperation-partnerships",
     "who_can_apply", "Any participating organisation"),
])
def test_a_question_on_one_field_of_one_action_gets_a_direct_answer(sample_engine, question, language, page, field, value):
    response = sample_engine.search(question)
    answer = response.answer
    assert answer is not None and answer.field == field and answer.action.page.endswith(page)
    shown = language if language in ("en", "bg") else "en"
    assert answer.language == shown and value in answer.value
    assert answer.citation.language == shown and page in answer.citation.url
    assert response.passages  # the passages stay


@pytest.mark.slow
@pytest.mark.parametrize("question", ["When is the Erasmus+ deadline?", "Wie lange dauert ein Projekt?",
                                      "compare the grant of small-scale partnerships and cooperation partnerships",
                                      "Колко е крайният срок?", "Quelle est la durée maximale d'un projet ?",
                                      "deadline for capacity building in sport or in youth",
                                      "What are the award criteria for cooperation partnerships?",
                                      "Date limite des partenariats de coopération et des partenariats à petite échelle ?"])
def test_no_answer_is_invented_for_no_action_or_two(sample_engine, question):
    assert sample_engine.search(question).answer is None


@pytest.mark.slow
def test_actions_and_calendar_over_http(sample_engine):
    icalendar = pytest.importorskip("icalendar")
    from fastapi.testclient import TestClient

    from search_api.app import create_app

    with TestClient(create_app(engine=sample_engine)) as client:
        everything = client.get("/actions").json()
        assert len(everything) == len(sample_engine.index.register.actions) >= 34
        bg = client.get("/actions", params={"lang": "bg"}).json()
        assert {r["language"] for r in bg} == {"bg"} and len(bg) == 17
        one = client.get("/actions/part-b/key-action-2/capacity-building-sport").json()
        assert [r["language"] for r in one] == ["en", "bg"]
        assert one[1]["deadlines"][0]["day"] == 26 and one[1]["deadlines"][0]["citation"]["language"] == "bg"
        missing = client.get("/actions/part-b/no-such-action")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "action_not_found"
        ics = client.get("/deadlines.ics")
        assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
        events = icalendar.Calendar.from_ical(ics.text).walk("VEVENT")
        assert len(events) == sum(len(days) for _, days in EXPECTED.values())
        assert {e.decoded("DTSTART").year for e in events} == {2026}  # the crawled pages' edition, 2026 v1
        answer = client.get("/search", params={"q": "when is the deadline for capacity building in sport?"}).json()
        assert answer["answer"]["field"] == "deadlines"


@pytest.mark.slow
def test_cli_actions_and_deadlines(sample_engine, capsys):
    from search_api.cli import main

    settings = sample_engine.settings
    args = ["--corpus", str(settings.corpus_dir), "--index", str(settings.resolved_index_dir)]
    assert main(["actions", "--json", "--lang", "bg", *args]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 17 and all(r["apply_to"] for r in records)
    assert main(["deadlines", "--ics", *args]) == 0
    out = capsys.readouterr().out
    assert out.startswith("BEGIN:VCALENDAR") and out.count("BEGIN:VEVENT") == 25


# -- which field, which action: the words of the question ------------------------------------------------------
@pytest.mark.parametrize("question, language, field", [
    ("What is the application deadline for youth exchanges?", "en", "deadlines"),
    ("Bis wann muss der Antrag eingereicht werden?", "de", "deadlines"),
    ("До кога трябва да се подаде заявлението?", "bg", "deadlines"),
    ("Quelle est la durée maximale du projet ?", "fr", "duration"),
    ("Combien de temps dure le projet ?", "fr", "duration"),  # the longer cue uses "combien" up: not an amount
    ("¿Cuánto dinero recibe el proyecto?", "es", "grant"),
    ("Dove bisogna presentare la candidatura?", "it", "apply_to"),
    ("Où déposer la demande ?", "fr", "apply_to"),
    ("Kto może złożyć wniosek?", "pl", "who_can_apply"),
    ("who can apply for European Youth Together?", "en", "who_can_apply"),  # "European" is no euro amount
    ("Колко партньори са необходими?", "bg", "partners"),
    ("Hoe oud moeten de deelnemers zijn?", "nl", "ages"),
    ("Πόση είναι η επιχορήγηση;", "el", "grant"),
])
def test_the_field_a_question_asks_is_read_from_its_words(question, language, field):
    from index.register.asking import fields_asked

    found = fields_asked(question, language)
    assert found and max(found, key=found.get) == field and found[field] == 1.0, found
    assert [f for f, w in found.items() if w == found[field]] == [field]


def test_every_field_has_cues_in_every_eu_language():
    from index.register.asking import APPLYING, COMPARES, ELSEWHERE, cues
    from index.register.models import FIELDS
    from ingest.languages import EU_LANGUAGES

    table = cues()
    assert set(table) == {*FIELDS, COMPARES, ELSEWHERE, APPLYING}
    for field, languages in table.items():
        assert set(languages) == set(EU_LANGUAGES), (field, set(EU_LANGUAGES) ^ set(languages))
        assert all(c.strip() and c.count("*") <= c.count(" ") + 1 for text in languages.values() for c in text.split("|"))


def test_field_cues_respect_accents_and_short_words_stay_in_their_language():
    from index.register.asking import compares, fields_asked

    assert "apply_to" not in fields_asked("partenariats ou échanges de jeunes", "fr")  # "ou" is or, "où" where
    assert fields_asked("Kdo může žádat?", "cs") == {"who_can_apply": 1.0}
    assert fields_asked("kdo", "pl") == {}  # Czech "who" means nothing in a Polish question
    assert fields_asked("Was ist eine Jugendbegegnung?", "de") == {}
    assert compares("Is the deadline the same for sport and youth?", "en")
    assert compares("Welcher Unterschied besteht bei der Dauer?", "de")
    assert compares("Czy mają ten sam termin?", "pl")
    assert not compares("When is the deadline for capacity building in sport?", "en")


def test_a_cue_with_a_gap_reads_words_apart_and_yields_to_another_fields_interrogative():
    from index.register.asking import GAPPED, fields_asked

    assert fields_asked("Can an individual professor apply for a Jean Monnet Chair?", "en") == {"who_can_apply": GAPPED}
    assert fields_asked("Kann eine Schule allein einen Antrag stellen?", "de") == {"who_can_apply": GAPPED}
    assert fields_asked("Une université marocaine peut-elle candidater seule ?", "fr") == {"who_can_apply": 1.0}
    found = fields_asked("Where can we apply for a youth exchange?", "en")
    assert max(found, key=found.get) == "apply_to" and found["apply_to"] > found["who_can_apply"]
    assert "who_can_apply" not in fields_asked("Can the six words here all stand between and apply?", "en")  # > 5
    # applying for a grant is no question about the grant
    assert fields_asked("Can an informal group apply for a grant for a youth exchange?", "en") == {"who_can_apply": GAPPED}
    assert fields_asked("Kan en informell grupp ungdomar själv söka bidrag?", "sv") == {"who_can_apply": GAPPED}
    found = fields_asked("How much can we apply for?", "en")  # no grant noun after the verb: the grant is asked
    assert max(found, key=found.get) == "grant" and found["grant"] == 1.0
    found = fields_asked("Where can we apply for funding for a youth exchange?", "en")
    assert max(found, key=found.get) == "apply_to" and "grant" not in found


@pytest.mark.parametrize("question, language, elsewhere", [
    ("Какви са критериите за отпускане на финансиране за малки партньорства?", "bg", True),  # criteria, not the grant
    ("Quali sono le priorità delle alleanze per l'innovazione?", "it", True),
    ("how many points do cooperation partnerships need to pass the award criteria?", "en", True),
    ("Jaké jsou cíle budování kapacit v oblasti sportu?", "cs", True),
    ("Колко е финансирането за малки партньорства?", "bg", False),
    ("Voittoa tavoittelemattomat eurooppalaiset urheilutapahtumat: milloin hakuaika päättyy?", "fi", False),
])
def test_a_question_about_what_no_field_holds_is_told(question, language, elsewhere):
    from index.register.asking import asks_elsewhere, fields_asked

    assert asks_elsewhere(question, language) is elsewhere
    assert "partners" not in fields_asked("Kāds ir vienreizējā maksājuma apmērs maza mēroga partnerībām?", "lv")


@pytest.mark.parametrize("text, language, organisations, countries", [
    # the sample's rows (../shared/guide-sample/en/part-b/**.md, "Number ... of participating organisations")
    ("National activities: at least one organisation or informal group. Transnational activities: at least two "
     "organisations or informal groups from two different countries.", "en", 1, 2),
    ("At least one higher education institution from each of at least two EU Member States or third countries "
     "associated to the Programme, and at least two higher education institutions from each participating third "
     "country not associated to the Programme.", "en", 2, 2),  # one per country, times two countries
    ("Най-малко едно висше учебно заведение от всяка от най-малко две държави членки на ЕС", "bg", 2, 2),
    ("Lot 1: at least 8 full partners from at least 4 EU Member States", "en", 8, 4),  # "Lot 1" counts nothing
    ("EMJM: a consortium of higher education institutions from at least three different countries", "en", None, 3),
    ("Mindestens eine Organisation aus einem Programmland.", "de", 1, None),
    ("Each of these countries must include at least one enterprise.", "en", 1, None),  # no count of countries after
])
def test_partners_are_read_from_at_least_one_and_per_country_counts(text, language, organisations, countries):
    from index.register.fields import read_partners

    partners = read_partners(text, language)
    assert (partners.min_organisations, partners.min_countries) == (organisations, countries)


@pytest.fixture(scope="module")
def names(text_passages):
    from index.register.naming import ActionNames

    return ActionNames(build_register(text_passages, Counterparts([], {})))


def test_an_action_is_named_by_its_distinctive_words(names):
    ranked = names.match("when is the deadline for capacity building in sport?", "en")
    assert ranked[0].page == "part-b/key-action-2/capacity-building-sport"
    others = [n for n in ranked[1:] if "capacity-building" in n.page]
    assert len(others) == 3 and all(n.score < ranked[0].score for n in others)
    assert ranked[0].own(others[0]) > 0 and others[0].own(ranked[0]) == 0  # "sport" is its own word
    idf = names.idf
    assert idf["en", "capac"] < idf["en", "sport"] < idf["en", "mundus"]  # four titles, two, one
    assert names.match("Erasmus Mundus deadline?", "en")[0].page == "part-b/key-action-2/erasmus-mundus"
    assert names.match("When is the Erasmus+ deadline?", "en") == []  # the programme names no action
    assert names.match("срок за малки партньорства", "bg")[0].page == "part-b/key-action-2/small-scale-partnerships"
    assert names.match("scadenza Jean Monnet", "it")[0].page == "part-b/jean-monnet-actions/jean-monnet-higher-education"
    assert names.distinctive("part-b/key-action-2/capacity-building-youth", "Capacity building in the field of youth") == "youth"
    assert names.full("en") and names.full("bg") and not names.full("fr")


@pytest.mark.parametrize("question, language, page", [
    ("Quelle est la date limite pour les partenariats de coopération ?", "fr", "key-action-2/cooperation-partnerships"),
    ("Termin dla partnerstw na małą skalę?", "pl", "key-action-2/small-scale-partnerships"),
    ("Antragsfrist für kleine Partnerschaften?", "de", "key-action-2/small-scale-partnerships"),  # de titles 4 of 17
    ("Ποια είναι η προθεσμία για τις ανταλλαγές νέων;", "el", "key-action-1/youth-exchanges"),
    ("Var ansöker man om mobilitetsprojekt inom yrkesutbildning?", "sv", "key-action-1/mobility-vet"),
    ("Kdaj je rok za krepitev zmogljivosti na področju poklicnega izobraževanja?", "sl", "key-action-2/capacity-building-vet"),
    ("Vilken är ansökningstiden för partnerskap för samarbete?", "fr", "key-action-2/cooperation-partnerships"),  # misread language: long forms still match
    ("how long can a CB VET project run", "en", "key-action-2/capacity-building-vet"),  # initials of title words
    ("CoVE – žádá se u národní agentury nebo u EACEA?", "cs", "key-action-2/centres-of-vocational-excellence"),
    ("Колко е грантът за изграждане на капацитет в ПОО?", "bg", "key-action-2/capacity-building-vet"),
    ("CBHE deadline", "en", "key-action-2/capacity-building-higher-education"),
    ("EMJM: how long?", "en", "key-action-2/erasmus-mundus"),  # the programme's abbreviation (action_terms.json)
])
def test_an_action_is_named_in_languages_the_index_does_not_hold_and_by_its_initials(names, question, language, page):
    ranked = names.match(question, language)
    assert ranked and ranked[0].page == f"part-b/{page}" and ranked[0].score >= 2.5, ranked[:2]
    assert len(ranked) == 1 or ranked[1].score < ranked[0].score


def test_capitals_are_no_acronyms_and_the_words_a_field_is_asked_with_name_nothing(names):
    from index.register.answers import FIELD_WORDS
    from index.register.naming import english_terms

    assert names.acronym_terms("how long can a CB VET project run") and not names.acronym_terms("WHEN IS THE CB DEADLINE FOR SPORT")
    question = "how old do participants in a youth exchange have to be?"
    assert "part-b/key-action-1/youth-participation-activities" in [
        n.page for n in names.match(question, "en") if n.score >= 2.5]  # "participants" ~ "participation"
    ignored = frozenset(english_terms(FIELD_WORDS["ages"]))
    ranked = [n for n in names.match(question, "en", ignored) if n.score >= 2.5]
    assert [n.page for n in ranked] == ["part-b/key-action-1/youth-exchanges"]


def _decide(named, asked, complete=True, compared=False, votes=None):
    from index.register.answers import AnswerParams, decide, is_sure

    pages = ["part-b/a", "part-b/b"]
    scores = {(p, f): 0.85 for p in pages for f in ("deadlines", "grant")}
    scores["part-b/a", "deadlines"] = 0.87
    own = {p: 0.8 for p in pages}
    m = decide(scores, 0.84, own, asked, named, votes or {}, complete, compared, AnswerParams())
    return m, m is not None and is_sure(m, AnswerParams())


def test_no_answer_when_no_action_or_two_are_named():
    from index.register.naming import Named

    a = Named("part-b/a", 2.9, 1.0, frozenset({("en", "alpha")}), (2.9,))
    b = Named("part-b/b", 2.9, 1.0, frozenset({("en", "beta")}), (2.9,))
    shared = Named("part-b/b", 2.9, 1.0, frozenset({("en", "alpha")}), (2.9,))
    m, ok = _decide([a], {"deadlines": 1.0})
    assert ok and (m.page, m.field) == ("part-b/a", "deadlines")
    assert not _decide([], {"deadlines": 1.0})[1]  # English titles every action: one not named is not asked
    assert not _decide([a, b], {"deadlines": 1.0})[1]  # two actions, each by a word of its own
    assert not _decide([a, shared], {"deadlines": 1.0})[1]  # one word naming two actions alike
    assert not _decide([a], {"deadlines": 1.0}, compared=True)[1]  # "the same deadline as ...?"
    m, ok = _decide([Named("part-b/b", 2.9, 1.0, frozenset({("en", "beta")}), (2.9,))], {"ages": 1.0})
    assert m is None  # the action named does not state the field asked: no other action's answer
    # a language that titles no action: the model's choice, with the passages' vote and a margin
    m, ok = _decide([], {"deadlines": 1.0}, complete=False, votes={"part-b/a": 0.9, "part-b/b": 0.1})
    assert ok and m.page == "part-b/a"
    assert not _decide([], {"deadlines": 1.0}, complete=False, votes={"part-b/a": 0.2, "part-b/b": 0.8})[1]


def test_an_action_named_over_every_other_by_words_of_its_own_is_the_words_choice():
    from index.register.answers import AnswerParams, decide, is_sure
    from index.register.naming import Named

    scores = {("part-b/a", "deadlines"): 0.85, ("part-b/b", "deadlines"): 0.92, ("part-b/c", "deadlines"): 0.86}
    own = {"part-b/a": 0.8, "part-b/b": 0.8, "part-b/c": 0.8}
    named = [Named("part-b/a", 5.5, 1.0, frozenset({("en", "capac"), ("en", "sport")}), (2.9, 2.6)),
             Named("part-b/c", 2.6, 0.5, frozenset({("en", "capac")}), (2.6,))]
    m = decide(scores, 0.84, own, {"deadlines": 1.0}, named, {}, True, False, AnswerParams())
    assert m.by_words and m.page == "part-b/a" and m.action_margin < 0 and is_sure(m, AnswerParams())
    # the same words, but the question asks what no field holds ("the award criteria"): no answer
    m = decide(scores, 0.84, own, {"deadlines": 1.0}, named, {}, True, False, AnswerParams(), elsewhere=True)
    assert not is_sure(m, AnswerParams())


def test_the_benchmark_never_reads_round_2_test_unless_told_to():
    from benchmarks.register_eval import load_questions, main

    default = load_questions("dev", rounds=(1,))
    assert default and all(q["round"] == 1 and q["split"] == "dev" for q in default)
    assert all(q["split"] == "dev" for q in load_questions("dev", rounds=(2,)))
    for argv in (["--round", "2", "--split", "test"], ["--round", "1,2", "--split", "dev,test"]):
        with pytest.raises(SystemExit):  # refused before any index is built or question read
            main(argv)
