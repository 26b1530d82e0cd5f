"""The gold alignment of the team's test translations (tests/data/translations, not the official guide), as the
passage texts of each entry per language, read through check_gold.py's real loader and chunker."""
from __future__ import annotations

import importlib.util
import json

from conftest import TRANSLATIONS


def load_gold_groups() -> list[dict[str, str]]:
    """One dict per gold entry: language -> its passages' texts joined in page order (languages it has)."""
    spec = importlib.util.spec_from_file_location("check_gold", TRANSLATIONS / "check_gold.py")
    check_gold = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check_gold)
    pages = check_gold.page_texts()
    entries, problems = check_gold.resolve(json.loads(check_gold.GOLD.read_text(encoding="utf-8")), pages)
    assert problems == [], problems
    return [{lang: "\n".join(pages[lang][p - 1] for p in positions) for lang, positions in e.items() if positions}
            for e in entries]
