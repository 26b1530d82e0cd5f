"""Direct answers on the team's question set (tests/data/register_eval) over the guide sample crawled in en, bg and
de: precision (an answer given is right: its action and field are the labelled ones) and coverage (questions that
ask one register field of one action, answered right), per split.

    python3 -m benchmarks.register_eval [--round 1] [--split dev[,test]] [--out register-eval-out] [--features]

`--round` picks the question rounds (default 1: round 2's test split is read once, by the lead, so it is never read
unless asked for with `--round 2 --split test --final`); `--split` one or both splits (default dev).
`--features` prints each question's field and action scores and margins (for tuning on dev).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "register_eval" / "questions.jsonl"


def load_questions(split: str | None, path: Path = QUESTIONS, rounds: tuple[int, ...] | None = None) -> list[dict]:
    """The questions of a split (None: both) and rounds (None: every round)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if (split is None or r["split"] == split) and (rounds is None or r.get("round", 1) in rounds)]


def _listed(text: str, allowed: set[str]) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in items if t not in allowed]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a comma-separated list of {sorted(allowed)}")
    return items


def evaluate(engine, questions: list[dict], features: list | None = None) -> dict:
    """Precision and coverage of engine.search(...).answer, and per kind of question the answers given (only
    `field` questions may get one); `features`, when given, receives each question's match (field, action,
    scores) as the answer finder saw it."""
    finder = engine.answers
    seen: list = []
    if finder is not None and features is not None:
        match = finder.match
        finder.match = lambda *args: seen.append(match(*args)) or seen[-1]  # record, then answer as shipped
    given = right = asked = covered = 0
    wrong = []
    kinds: dict[str, dict[str, int]] = {}
    try:
        for q in questions:
            seen.clear()
            answer = engine.search(q["question"], k=1).answer
            if features is not None:
                features.append((q, seen[0] if seen else None, answer))
            ok = answer is not None and q["kind"] == "field" and answer.action.page == q["page"] \
                and answer.field == q["field"]
            asked += q["kind"] == "field"
            covered += ok
            kind = kinds.setdefault(q["kind"], {"questions": 0, "answers": 0, "right": 0})
            kind["questions"] += 1
            kind["answers"] += answer is not None
            kind["right"] += ok
            if answer is not None:
                given += 1
                right += ok
                if not ok:
                    wrong.append((q["id"], q["question"], answer.action.page, answer.field))
    finally:
        if finder is not None and features is not None:
            del finder.match
    return {"questions": len(questions), "field_questions": asked, "answers": given, "right": right,
            "precision": right / given if given else 1.0, "coverage": covered / asked if asked else 0.0,
            "by_kind": kinds, "wrong": wrong}


def main(argv: list[str] | None = None) -> int:
    from .guide_eval import sample_engine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", dest="rounds", type=lambda t: [int(r) for r in _listed(t, {"1", "2"})], default=[1],
                        help="question rounds, comma-separated (default 1)")
    parser.add_argument("--split", type=lambda t: _listed(t, {"dev", "test"}), default=["dev"],
                        help="dev, test or dev,test (default dev)")
    parser.add_argument("--final", action="store_true",
                        help="needed to read round 2's test split (read once, at the end, by the lead)")
    parser.add_argument("--out", type=Path, default=Path("register-eval-out"))
    parser.add_argument("--features", action="store_true")
    args = parser.parse_args(argv)
    if 2 in args.rounds and "test" in args.split and not args.final:
        parser.error("round 2's test split is read once, at the end: add --final to read it")
    engine = sample_engine("crawl", "all", args.out, log=lambda m: print(m, file=sys.stderr))
    print(f"register: {len(engine.index.register.actions)} records", file=sys.stderr)
    features: list | None = [] if args.features else None
    questions = [q for split in args.split for q in load_questions(split, rounds=tuple(args.rounds))]
    print(f"{len(questions)} questions: round {','.join(map(str, args.rounds))}, split {','.join(args.split)}",
          file=sys.stderr)
    result = evaluate(engine, questions, features)
    for q, m, answer in features or []:
        if m is not None:
            print(f"{q['id']} {q['kind']:<11} want {str(q['field']):<13} {str(q['page'] or '-').split('/')[-1][:22]:<22} "
                  f"got {m.field:<13} {m.page.split('/')[-1][:22]:<22} {m.score:.3f} gain {m.gain:+.3f} "
                  f"field +{m.field_margin:.3f} action +{m.action_margin:.3f} {'words ' if m.by_words else ''}"
                  f"{'elsewhere ' if m.elsewhere else ''}{'ANSWER' if answer else ''}")
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
