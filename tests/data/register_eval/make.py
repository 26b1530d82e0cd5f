"""draft.tsv -> questions.jsonl, each question with its kind and its split (fixed by a hash of the id)."""
from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
KINDS = {"r": "field", "n": "no-action", "t": "two-actions", "o": "not-a-field"}


def split_of(qid: str) -> str:
    """Decided before any tuning: about half the questions to dev, half to test."""
    return "dev" if int(hashlib.sha1(qid.encode()).hexdigest(), 16) % 2 == 0 else "test"


def rows(draft: Path = HERE / "draft.tsv") -> list[dict]:
    out = []
    with open(draft, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            page = f"part-b/{row['page']}" if row["page"] else None
            out.append({"id": row["id"], "lang": row["lang"], "kind": KINDS[row["id"][0]], "question": row["question"],
                        "page": page, "field": row["field"] or None, "split": split_of(row["id"])})
    return out


def main() -> int:
    target = HERE / "questions.jsonl"
    target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows()), encoding="utf-8")
    print(f"{target}: {len(rows())} questions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
