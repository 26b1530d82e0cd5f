"""A long build is never silent and a huge page never makes one (issue 16, item 11): progress in a terminal and in
a log, a page over `max_page_chars` left out by name while the rest builds, and `ask`/`serve` saying what the build
they start will cost before it starts."""
from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

from index import SearchEngine, build_settings
from index.settings import BUNDLED_CORPUS
from index.storage.build import build_index, corpus_fingerprint, oversized_pages
from index.storage.progress import (DEFAULT_RATE, LogProgress, TerminalProgress, about, clock, format_log_progress,
                                    format_progress, plan_line)
from ingest import GuidekbError, SourceDocument, load_corpus
from benchmarks.guide_sample import DEFAULT_SAMPLE
from server_utils import clone_corpus, running_server
from test_cli import guidekb, text

ISSUE_PAGE_CHARS = 20_000_000  # "a 20 MB text page (70,053 passages)"
SMALL_PAGE = ("# Test action: school field trips\n"
              "Fixture text written by the guidekb team for tests; it is not the official Programme Guide.\n"
              "## Who can apply?\nA primary or secondary school that teaches at least twenty pupils may apply.\n"
              "## Deadline for applications\nApplicants submit their form to the National Agency by 14 March.\n")


def add_page(corpus: Path, name: str, page: str, language: str = "en") -> Path:
    data = page.encode("utf-8")
    (corpus / f"{name}.txt").write_bytes(data)
    (corpus / f"{name}.meta.json").write_text(json.dumps({
        "source": f"{name}.txt", "sha256": hashlib.sha256(data).hexdigest(), "language": language,
        "title": name, "url": f"https://erasmus-plus.ec.europa.eu/programme-guide/test/{name}"}), encoding="utf-8")
    return corpus / f"{name}.txt"


LONG_PAGE = SMALL_PAGE + "".join(  # three times as long, every paragraph its own
    f"## Budget rule {n}\nThe grant covers the return trip of each pupil and {n} accompanying teachers.\n" for n in range(7))
LIMIT = 2 * len(SMALL_PAGE)


def two_page_corpus(folder: Path) -> tuple[Path, Path]:
    """A page under LIMIT and one over it (no seed page: the seed alone is 8,841 characters)."""
    folder.mkdir()
    add_page(folder, "field-trips", SMALL_PAGE)
    return folder, add_page(folder, "budget", LONG_PAGE)


def log_lines() -> tuple[list[str], callable]:
    lines: list[str] = []
    return lines, lines.append


# -- progress ---------------------------------------------------------------------------------------------
def test_progress_is_drawn_only_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    quiet, tty = io.StringIO(), Tty()
    for stream in (quiet, tty):
        bar = TerminalProgress(stream=stream, every=0)
        bar(5, 10)
        bar(10, 10)
    assert quiet.getvalue() == ""
    assert "10/10 passages" in tty.getvalue() and tty.getvalue().endswith("\n")


def test_progress_line_says_rate_and_time_left():
    assert format_progress("embedding", 300, 1800, 5.0, width=10) == (
        "embedding [#.........] 300/1800 passages  60.0/s  0:25 left")
    assert "--:-- left" in format_progress("embedding", 0, 10, 0.0)
    # the issue's page at the rate measured on it: hours, spelt as hours
    assert format_log_progress("embedding", 312, 70053, 30.0) == (
        "embedding: 312/70053 passages (0%), 10.4/s, 1:51:45 left, 0:30 so far")
    assert (clock(25), clock(725), clock(11675), clock(None)) == ("0:25", "12:05", "3:14:35", "--:--")
    assert (about(40), about(360), about(16700)) == ("40 s", "6 min", "4.6 h")


def test_a_log_gets_a_line_every_few_seconds_and_one_at_the_end():
    lines, log = log_lines()
    every_call = LogProgress(log, every=0)
    for done in (1, 5, 10, 10):
        every_call(done, 10)
    assert [line.split(",")[0] for line in lines] == [
        "embedding: 1/10 passages (10%)", "embedding: 5/10 passages (50%)", "embedding: 10/10 passages (100%)"]
    lines.clear()
    hourly = LogProgress(log, every=3600)
    for done in range(1, 11):
        hourly(done, 10)
    assert len(lines) == 1 and lines[0].startswith("embedding: 10/10 passages (100%), ") and " left, " in lines[0]


def test_a_build_without_a_terminal_logs_its_progress(engine, tmp_path):
    """Not a terminal (pytest captures stderr): the build's own default progress writes lines through `log`."""
    corpus = clone_corpus(engine.settings.corpus_dir, tmp_path / "corpus")
    add_page(corpus, "field-trips", SMALL_PAGE)
    lines, log = log_lines()
    report = build_index(build_settings(corpus_dir=corpus), engine.embedder, log=log)
    assert report.embedded >= 1 and report.reused == 55
    plan = next(line for line in lines if line.startswith(f"embedding {report.embedded} of {report.passages} passages"))
    assert "(the other 55 unchanged)" in plan and "passages/s (the last builds' rate here)" in plan
    assert f"embedding: {report.embedded}/{report.embedded} passages (100%)" in "\n".join(lines)
    assert lines.index(plan) < next(i for i, line in enumerate(lines) if line.startswith("embedding: "))


def test_the_estimate_before_a_build_counts_passages_and_uses_the_last_rate():
    assert plan_line(1849, 1849, "M", 7.5) == (
        "embedding 1849 of 1849 passages with M: about 4 min at 7.5 passages/s (the last builds' rate here)")
    first = plan_line(70053, 70053, "M", None)
    assert f"at {DEFAULT_RATE:.1f} passages/s (a cautious guess" in first and "about 4.9 h" in first
    assert plan_line(0, 55, "M", 7.5) == "nothing to embed: all 55 passages are unchanged since the last build"


def test_each_build_keeps_its_rate_for_the_next_estimate(engine):
    rate = engine.index.manifest["embed_rate"]  # the session build embedded the seed's 55 passages
    assert rate > 0 and engine.index.manifest["embedded"]["passages"] == 55


# -- pages over the limit ---------------------------------------------------------------------------------
def test_the_default_limit_passes_every_real_page_with_room_and_refuses_the_issues_page():
    limit = build_settings().max_page_chars
    real = load_corpus(BUNDLED_CORPUS)
    sample = [p.read_text(encoding="utf-8") for p in DEFAULT_SAMPLE.rglob("*.md") if p.name != "README.md"]
    assert len(sample) >= 60  # the 27 pages in en, bg and de
    largest = max([len(d.text) for d in real] + [len(t) for t in sample])
    assert largest * 100 < limit  # the seed, the largest page held, is about 9,000 characters
    assert len("\n".join(sample)) * 10 < limit  # all 60 pages of the sample in three languages as one page, too
    huge = SourceDocument(path=Path("huge.txt"), text="x" * ISSUE_PAGE_CHARS, language="en", title="Huge",
                          url="https://erasmus-plus.ec.europa.eu/programme-guide/huge", sha256="0")
    assert [(p.file, p.chars) for p in oversized_pages(real + [huge], limit)] == [("huge.txt", ISSUE_PAGE_CHARS)]
    assert oversized_pages([huge], 0) == []  # 0: no limit


def test_the_issues_page_is_left_out_by_name_and_the_rest_builds_without_embedding_it(engine, tmp_path):
    corpus = clone_corpus(engine.settings.corpus_dir, tmp_path / "corpus")
    paragraph = "Applications are submitted online to the National Agency. " * 20 + "\n\n"
    huge = add_page(corpus, "huge", paragraph * (ISSUE_PAGE_CHARS // len(paragraph) + 1))
    seen = []
    lines, log = log_lines()
    report = build_index(build_settings(corpus_dir=corpus), engine.embedder, log=log,
                         progress=lambda done, total: seen.append(total))
    assert [(p.file, p.chars >= ISSUE_PAGE_CHARS) for p in report.left_out] == [(str(huge), True)]
    assert (report.passages, report.embedded, report.reused, seen) == (55, 0, 55, [])  # not one passage of it
    warning = next(line for line in lines if line.startswith("warning: "))
    assert str(huge) in warning and f"{report.left_out[0].chars:,} characters" in warning and "4,000,000" in warning


def test_a_page_over_a_lowered_limit_is_left_out_listed_and_searchable_once_the_limit_allows(engine, tmp_path):
    corpus, long_page = two_page_corpus(tmp_path / "corpus")
    assert len(SMALL_PAGE) < LIMIT < len(LONG_PAGE)
    tight = build_settings(corpus_dir=corpus, max_page_chars=LIMIT)
    lines, log = log_lines()
    report = build_index(tight, engine.embedder, log=log)
    assert [(p.file, p.chars) for p in report.left_out] == [(str(long_page), len(LONG_PAGE))]
    assert any(str(long_page) in line and "left out" in line for line in lines)
    opened = SearchEngine.open(tight, embedder=engine.embedder, build_if_missing=False)  # current: no rebuild
    assert opened.index.manifest["left_out"] == [{"file": str(long_page), "chars": len(LONG_PAGE)}]
    assert opened.status()["left_out"] == opened.index.manifest["left_out"]  # /health shows it too
    assert {p.source for p in opened.index.passages} == {"field-trips.txt"}

    roomy = build_settings(corpus_dir=corpus, max_page_chars=len(LONG_PAGE))
    assert corpus_fingerprint(roomy) != corpus_fingerprint(tight)  # a limit that lets it in is a changed corpus
    assert corpus_fingerprint(build_settings(corpus_dir=engine.settings.corpus_dir)) == \
        engine.index.manifest["corpus_hash"]  # and a corpus with nothing left out keeps the fingerprint it had
    with pytest.raises(GuidekbError) as stale:
        SearchEngine.open(roomy, embedder=engine.embedder, build_if_missing=False)
    assert stale.value.code == "index_missing"
    found = SearchEngine.open(roomy, embedder=engine.embedder)  # rebuilds with the page
    assert "left_out" not in found.index.manifest
    assert found.search("accompanying teachers budget rule", k=1).passages[0].citation.title == "budget"


def test_a_corpus_of_only_oversized_pages_is_an_error_naming_the_limit(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    add_page(corpus, "field-trips", SMALL_PAGE)
    with pytest.raises(GuidekbError) as raised:
        build_index(build_settings(corpus_dir=corpus, max_page_chars=10))
    assert raised.value.code == "corpus_empty" and "every page is over max_page_chars (10 characters)" in raised.value.message
    with pytest.raises(GuidekbError, match="max_page_chars must not be negative"):
        build_settings(max_page_chars=-1)


def test_build_json_lists_the_page_left_out_and_stderr_names_it(tmp_path, monkeypatch):
    corpus, long_page = two_page_corpus(tmp_path / "corpus")
    monkeypatch.setenv("GUIDEKB_MAX_PAGE_CHARS", str(LIMIT))
    r = guidekb("build", "--corpus", str(corpus), "--json")
    assert r.returncode == 0, text(r.stderr)
    out = json.loads(text(r.stdout))
    assert out["left_out"] == [{"file": str(long_page), "chars": len(LONG_PAGE)}] and out["passages"] >= 1
    assert f"warning: {long_page} left out of the index" in text(r.stderr)


# -- ask and serve say what the build they start will cost ---------------------------------------------------
def test_ask_says_it_builds_how_many_passages_and_how_long_on_stderr_only(engine, tmp_path):
    corpus = clone_corpus(engine.settings.corpus_dir, tmp_path / "corpus")
    add_page(corpus, "field-trips", SMALL_PAGE)
    r = guidekb("ask", "When is the deadline for school field trips?", "--corpus", str(corpus), "--json")
    assert r.returncode == 0, text(r.stderr)
    assert json.loads(text(r.stdout))["passages"]  # stdout is the answer alone
    err = text(r.stderr).splitlines()
    start = err.index("corpus changed since the last build: rebuilding")
    plan = next(i for i, line in enumerate(err) if line.startswith("embedding ") and " passages (the other 55" in line)
    done = next(i for i, line in enumerate(err) if line.startswith("index written to"))
    assert start < plan < done and " s at " in err[plan] and "passages/s (the last builds' rate here)" in err[plan]


def test_serve_says_it_builds_how_many_passages_and_how_long(engine, tmp_path):
    corpus = clone_corpus(engine.settings.corpus_dir, tmp_path / "corpus")
    add_page(corpus, "field-trips", SMALL_PAGE)
    with running_server(corpus, tmp_path / "serve.log"):
        log = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert "corpus changed since the last build: rebuilding" in log
    plan = log.index("embedding ")
    assert " passages (the other 55 unchanged) with " in log[plan:].splitlines()[0]
    assert "passages/s (the last builds' rate here)" in log[plan:].splitlines()[0]
    assert plan < log.index("index written to")


def test_ingest_warns_at_once_of_a_page_a_build_will_leave_out(tmp_path, monkeypatch):
    saved = tmp_path / "budget.txt"
    saved.write_text(LONG_PAGE, encoding="utf-8")
    monkeypatch.setenv("GUIDEKB_MAX_PAGE_CHARS", str(LIMIT))
    r = guidekb("ingest", str(saved), "--url", "https://erasmus-plus.ec.europa.eu/programme-guide/test/budget",
                "--corpus", str(tmp_path / "corpus"))
    assert r.returncode == 0, text(r.stderr)
    assert f"warning: {saved} will be left out of the index: its text is" in text(r.stderr)
    monkeypatch.setenv("GUIDEKB_MAX_PAGE_CHARS", str(len(LONG_PAGE) * 2))
    r = guidekb("ingest", str(saved), "--url", "https://erasmus-plus.ec.europa.eu/programme-guide/test/budget2",
                "--corpus", str(tmp_path / "corpus"))
    assert r.returncode == 0 and "warning" not in text(r.stderr), text(r.stderr)
