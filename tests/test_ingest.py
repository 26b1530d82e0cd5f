"""Ingest without a model: the seed page -> citable passages, and every way a corpus folder can be broken."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
import re
from urllib.parse import unquote

import pytest

from conftest import copy_corpus
from index.settings import BUNDLED_CORPUS
from ingest import GuidekbError, corpus_passages, load_corpus
from ingest.fragments import ascii_url, readable_url, text_fragment_url
from ingest.sources import REQUIRED_META
from ingest.textpage import parse_page_text

SEED = "000_edeb0adc036bf658"
CHROME = ("Skip to main content", "Erasmus+", "EU programme for education, training, youth and sport", "Search the guide")
BULLET_MARK = "•"
MAX_PASSAGE_CHARS = 450
FRAGMENT = "#:~:text="


@pytest.fixture(scope="module")
def seed():
    """(document, passages) of the bundled seed page."""
    (doc,) = load_corpus(BUNDLED_CORPUS)
    return doc, corpus_passages([doc])


def record(corpus: Path, stem: str = SEED) -> dict:
    return json.loads((corpus / f"{stem}.meta.json").read_text(encoding="utf-8"))


def write_record(corpus: Path, meta: dict, stem: str = SEED) -> None:
    (corpus / f"{stem}.meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def write_text(corpus: Path, data: bytes, stem: str = SEED) -> None:
    """Replace the page text and keep its record's sha256 in step."""
    (corpus / f"{stem}.txt").write_bytes(data)
    write_record(corpus, {**record(corpus, stem), "sha256": hashlib.sha256(data).hexdigest()}, stem)


# -- the seed page -------------------------------------------------------------------------------------


def test_seed_page_yields_passages(seed):
    doc, passages = seed
    assert doc.language == "bg"
    assert len(passages) > 40
    assert {p.kind for p in passages} == {"paragraph", "bullet"}


@pytest.mark.parametrize("chrome", CHROME)
def test_site_chrome_is_not_guide_text(seed, chrome):
    doc, passages = seed
    assert chrome in doc.text  # the fixture really carries it
    for p in passages:
        assert chrome not in p.text and chrome not in p.context and chrome not in p.outline, p.id


def test_heading_ends_every_section(seed):
    doc, passages = seed
    heading = [b for b in parse_page_text(doc.text, doc.title) if b.kind == "heading"]
    assert [b.text for b in heading] == [doc.title]
    assert all(p.section == (*doc.section_path, doc.title) for p in passages)
    assert all(p.section[-1] == doc.title and p.title == doc.title for p in passages)
    assert doc.title not in {p.text for p in passages}


def _lead_ins(text: str) -> dict[int, str]:
    """Offset of each bullet line -> the last non-bullet line before its list, read straight off the raw text."""
    out, lead, offset = {}, "", 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith(BULLET_MARK):
            out[offset] = lead
        elif stripped and stripped not in CHROME:
            lead = stripped
        offset += len(line)
    return out


def test_bullets_carry_their_lead_in(seed):
    doc, passages = seed
    lines = sorted(_lead_ins(doc.text).items())
    checked = 0
    for p in (p for p in passages if p.kind == "bullet"):
        lead = max((item for item in lines if item[0] <= p.start), key=lambda item: item[0])[1]
        if lead.endswith(":"):
            assert p.context.startswith(lead), (p.id, p.context[:80], lead[:80])
            assert lead in p.embedding_text()
            checked += 1
    assert checked == sum(1 for p in passages if p.kind == "bullet") > 30  # every seed list has a ':' lead-in


def test_lead_in_outlines_its_list(seed):
    _, passages = seed
    lead = next(p for p in passages if p.kind == "paragraph" and p.text.endswith(":"))
    first_item = passages[lead.position]  # positions are 1-based: this is the passage right after it
    assert first_item.kind == "bullet"
    assert first_item.text[:40] in lead.outline


def test_offsets_point_into_the_source(seed):
    doc, passages = seed
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        assert p.text == p.text.strip() and p.text


def test_positions_run_in_page_order(seed):
    _, passages = seed
    assert [p.position for p in passages] == list(range(1, len(passages) + 1))
    assert all(p.page_passages == len(passages) for p in passages)
    assert [p.start for p in passages] == sorted(p.start for p in passages)


def test_no_passage_is_too_long(seed):
    _, passages = seed
    assert max(len(p.text) for p in passages) <= MAX_PASSAGE_CHARS


def test_ids_are_unique_and_stable(seed, tmp_path):
    _, passages = seed
    ids = [p.id for p in passages]
    assert len(set(ids)) == len(ids)
    assert [p.id for p in corpus_passages(load_corpus(BUNDLED_CORPUS))] == ids
    # a copy in another folder is the same page: ids depend on its URL and text, not on where it is saved
    assert [p.id for p in corpus_passages(load_corpus(copy_corpus(tmp_path / "copy")))] == ids


@pytest.mark.parametrize("which", ["plain paragraph", "lead-in paragraph"])
def test_editing_one_paragraph_changes_only_its_id(seed, tmp_path, which):
    doc, passages = seed
    if which == "plain paragraph":
        target = next(p for p in passages if p.kind == "paragraph" and not p.context and not p.text.endswith(":"))
    else:  # its bullets' context changes, their ids must not
        target = next(p for p in passages if p.kind == "paragraph" and p.text.endswith(":") and p.position > 1)
    corpus = copy_corpus(tmp_path / "corpus")
    edited = target.text[:-1] + " (edited)" + target.text[-1]
    write_text(corpus, (doc.text[: target.start] + edited + doc.text[target.end :]).encode("utf-8"))

    after = corpus_passages(load_corpus(corpus))
    assert len(after) == len(passages)
    changed = [i for i, (a, b) in enumerate(zip(passages, after)) if a.id != b.id]
    assert changed == [target.position - 1]
    assert after[target.position - 1].text == edited


def _fragment_parts(url: str) -> list[str]:
    assert url.count(FRAGMENT) == 1
    return url.split(FRAGMENT, 1)[1].split(",")


def test_citation_url_lands_on_the_passage(seed):
    doc, passages = seed
    for p in passages:
        assert p.url.startswith(doc.url + FRAGMENT) and p.page_url == doc.url
        parts = _fragment_parts(p.url)
        assert 1 <= len(parts) <= 2  # text=whole or text=start,end
        words = p.text.replace("\u00a0", " ").split()
        for part in parts:
            assert "-" not in part and "&" not in part
            decoded = unquote(part).split()
            assert decoded and all(w in words for w in decoded)
        assert unquote(parts[0]).split() == words[: len(unquote(parts[0]).split())]  # starts where the passage does
    urls = " ".join(p.url for p in passages)
    assert "%2D" in urls and "%2C" in urls  # the seed has '-' and ',' inside fragments: the encoding was exercised


@pytest.mark.parametrize("text", ["R&D, low-cost", "one-to-one & face-to-face, in small groups of at most twelve people each"])
def test_fragment_encodes_directive_syntax(text):
    url = text_fragment_url("https://example.org/page#old-anchor", text)
    assert url.startswith("https://example.org/page" + FRAGMENT)
    parts = _fragment_parts(url)
    assert all("-" not in part and "&" not in part for part in parts)
    assert " ".join(unquote(part) for part in parts).split()[0] == text.split()[0]
    assert all(w in text.split() for part in parts for w in unquote(part).split())


@pytest.mark.parametrize("text", ["по-положителни нагласи, R&D и 100% \"цитат\" #1 към ЕС;",
                                  "Kooperationspartnerschaften – 12 bis 36 Monate", "Where to apply? To EACEA"])
def test_readable_url_keeps_letters_and_escapes_only_what_the_fragment_and_a_pasted_link_need(text):
    url = text_fragment_url("https://erasmus-plus.ec.europa.eu/bg/programme-guide/part-b", text)
    readable = readable_url(url)
    base, fragment = readable.split(FRAGMENT)
    assert base == "https://erasmus-plus.ec.europa.eu/bg/programme-guide/part-b" and len(readable) < len(url) + 1
    assert not re.search(r"[ \-&#\"<>]", fragment.replace(",", "")) and fragment.count(",") == url.count(",")
    assert [unquote(part) for part in fragment.split(",")] == [unquote(part) for part in _fragment_parts(url)]
    assert all(w in fragment for w in re.findall(r"[^\W\d_]+", text))  # letters of any script, as they are
    ascii = ascii_url(readable)
    assert ascii.isascii() and unquote(ascii) == unquote(url)
    assert readable_url("https://example.org/page#anchor") == "https://example.org/page#anchor"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r", "\u2028", "\x0c"])
def test_line_endings_do_not_leak_into_blocks(newline):
    text = newline.join(["Skip to main content", "Title", "This action supports:", " • schools;", " • youth groups.", ""])
    blocks = parse_page_text(text, "Title")
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "Title"), ("paragraph", "This action supports:"), ("bullet", "schools;"), ("bullet", "youth groups.")]
    assert all(text[b.start : b.end] == b.text for b in blocks)


# -- broken corpora ------------------------------------------------------------------------------------


def _missing_folder(corpus: Path) -> tuple[Path, str]:
    return corpus / "nowhere", "nowhere"


def _no_records(corpus: Path) -> tuple[Path, str]:
    (corpus / f"{SEED}.meta.json").unlink()
    return corpus, corpus.name


def _invalid_json(corpus: Path) -> tuple[Path, str]:
    (corpus / f"{SEED}.meta.json").write_text('{"source": "000', encoding="utf-8")
    return corpus, f"{SEED}.meta.json"


def _not_an_object(corpus: Path) -> tuple[Path, str]:
    (corpus / f"{SEED}.meta.json").write_text("[]", encoding="utf-8")
    return corpus, f"{SEED}.meta.json"


def _without(key: str):
    def damage(corpus: Path) -> tuple[Path, str]:
        meta = record(corpus)
        del meta[key]
        write_record(corpus, meta)
        return corpus, f"{SEED}.meta.json"
    return damage


def _key_not_text(corpus: Path) -> tuple[Path, str]:
    write_record(corpus, {**record(corpus), "language": ["bg"]})
    return corpus, f"{SEED}.meta.json"


def _section_path_string(corpus: Path) -> tuple[Path, str]:
    write_record(corpus, {**record(corpus), "section_path": "Част Б"})
    return corpus, f"{SEED}.meta.json"


def _names_missing_file(corpus: Path) -> tuple[Path, str]:
    write_record(corpus, {**record(corpus), "source": "gone.txt"})
    return corpus, "gone.txt"


def _sha_mismatch(corpus: Path) -> tuple[Path, str]:
    with open(corpus / f"{SEED}.txt", "a", encoding="utf-8") as fh:
        fh.write("\nOne more line.\n")
    return corpus, f"{SEED}.txt"


def _not_utf8(corpus: Path) -> tuple[Path, str]:
    text = (corpus / f"{SEED}.txt").read_text(encoding="utf-8")
    write_text(corpus, text.encode("cp1251"))  # valid sha, wrong encoding
    return corpus, f"{SEED}.txt"


BAD_CORPORA = [
    ("corpus_missing", _missing_folder),
    ("corpus_empty", _no_records),
    ("corpus_corrupt", _invalid_json),
    ("corpus_corrupt", _not_an_object),
    *[("corpus_corrupt", _without(key)) for key in REQUIRED_META],
    ("corpus_corrupt", _key_not_text),
    ("corpus_corrupt", _section_path_string),
    ("corpus_corrupt", _names_missing_file),
    ("corpus_corrupt", _sha_mismatch),
    ("corpus_corrupt", _not_utf8),
]
BAD_IDS = ["missing folder", "no records", "invalid JSON", "not an object",
           *[f"no {key}" for key in REQUIRED_META], "key not text", "section_path string",
           "names missing file", "sha256 mismatch", "not UTF-8"]


@pytest.mark.parametrize(("code", "damage"), BAD_CORPORA, ids=BAD_IDS)
def test_broken_corpus_fails_loudly(tmp_path, code, damage):
    corpus, named = damage(copy_corpus(tmp_path / "corpus"))
    with pytest.raises(GuidekbError) as caught:
        load_corpus(corpus)
    assert caught.value.code == code
    assert named in caught.value.message
    assert caught.value.to_dict()["error"]["code"] == code


def test_saved_text_rows_headings_and_the_sites_notice():
    text = ("Skip to main content\n\nErasmus+\n\nThis guide is a detailed technical description of the Erasmus+ "
            "programme. It is mainly intended for organisations applying for funding.\n\nIf you are looking for a "
            "quicker overview, please read how to take part.\n\nSearch the guide\n\nTest action (fixture text "
            "written by the guidekb team)\n\nCriteria\n\nEligibility\n\nCriterion\tRequirement\nWhere to apply?\t"
            "To the National Agency.\n\nA closing sentence.\n")
    blocks = parse_page_text(text)
    assert [(b.kind, b.text.split("\t")[0]) for b in blocks] == [
        ("heading", "Test action (fixture text written by the guidekb team)"), ("heading", "Criteria"),
        ("heading", "Eligibility"), ("table-head", "Criterion"), ("row", "Where to apply?"),
        ("paragraph", "A closing sentence.")]
    row = blocks[4]
    assert row.cells == ("Where to apply?", "To the National Agency.") and row.columns == ("Criterion", "Requirement")
    assert row.section == ("Criteria", "Eligibility") and text[row.start:row.end] == row.text


def test_a_three_column_row_reads_with_its_column_names_and_cites_its_cells():
    from ingest.guidetext import parse_guide_text, row_text

    columns = ["Travel distance", "Standard travel", "Green travel"]
    row = row_text(["10 to 99 km", "EUR 28", "EUR 56"], columns)
    assert row == "10 to 99 km — Standard travel: EUR 28; Green travel: EUR 56"
    blocks = parse_guide_text(f"# Test page (fixture text)\n|| {' | '.join(columns)}\n| {row}\n")
    assert blocks[-1].kind == "row" and blocks[-1].cells == ("10 to 99 km", "EUR 56")
    assert blocks[-1].columns == tuple(columns)
