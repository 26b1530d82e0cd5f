"""draft.tsv (round 1) + draft2.tsv (round 2) -> questions.jsonl, each question with its kind, its split (fixed by a
hash of the id) and its round."""
from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
KINDS = {"r": "field", "n": "no-action", "t": "two-actions", "o": "not-a-field"}
FIELDS = {"apply_to", "deadlines", "duration", "grant", "who_can_apply", "partners", "ages"}
DRAFTS = {1: HERE / "draft.tsv", 2: HERE / "draft2.tsv"}
GUIDE = HERE.parents[2].parent / "shared" / "guide-sample" / "en"


def split_of(qid: str) -> str:
    """Decided before any tuning: about half the questions to dev, half to test."""
    return "dev" if int(hashlib.sha1(qid.encode()).hexdigest(), 16) % 2 == 0 else "test"


def rows(draft: Path = HERE / "draft.tsv", round_: int = 1) -> list[dict]:
    out = []
    with open(draft, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            page = f"part-b/{row['page']}" if row["page"] else None
            out.append({"id": row["id"], "lang": row["lang"], "kind": KINDS[row["id"][0]], "question": row["question"],
                        "page": page, "field": row["field"] or None, "split": split_of(row["id"]), "round": round_})
    return out


def check(questions: list[dict]) -> None:
    """Ids unique; a field only on field questions; a page on field and not-a-field questions, none on no-action ones
    (two-action ones may name their first action's page: round 2 does, round 1 does not); every page in the sample."""
    ids = [q["id"] for q in questions]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    assert not dup, f"duplicated ids: {dup}"
    for q in questions:
        assert (q["field"] in FIELDS) if q["kind"] == "field" else q["field"] is None, q["id"]
        if q["kind"] != "two-actions":
            assert (q["page"] is None) == (q["kind"] == "no-action"), q["id"]
        assert q["question"].strip(), q["id"]
        if q["page"] and GUIDE.is_dir():
            assert (GUIDE / f"{q['page']}.md").is_file(), f"{q['id']}: no page {q['page']}"


def main() -> int:
    questions = [q for round_, draft in DRAFTS.items() for q in rows(draft, round_)]
    check(questions)
    target = HERE / "questions.jsonl"
    target.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions), encoding="utf-8")
    print(f"{target}: {len(questions)} questions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
