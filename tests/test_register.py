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
])
def test_a_question_on_one_field_of_one_action_gets_a_direct_answer(sample_engine, question, language, page, field, value):
    response = sample_engine.search(question)
    answer = response.answer
    assert answer is not None and answer.field == field and answer.action.page.endswith(page)
    assert answer.language == language and value in answer.value
    assert answer.citation.language == language and page in answer.citation.url
    assert response.passages  # the passages stay


@pytest.mark.slow
@pytest.mark.parametrize("question", ["When is the Erasmus+ deadline?", "Wie lange dauert ein Projekt?",
                                      "compare the grant of small-scale partnerships and cooperation partnerships"])
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
