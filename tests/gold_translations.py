"""The gold alignment of the team's test translations (tests/data/translations, not the official guide), as the
passage texts of each entry per language, read through the real loader and chunker."""
from __future__ import annotations

import tempfile
from pathlib import Path

from conftest import TRANSLATIONS, copy_multilingual_corpus
from index.crosslang.align_eval import resolve_gold
from ingest import corpus_passages, load_corpus


def load_gold_groups() -> list[dict[str, str]]:
    """One dict per gold entry: language -> its passages' texts joined in page order (languages it has)."""
    with tempfile.TemporaryDirectory() as tmp:
        passages = corpus_passages(load_corpus(copy_multilingual_corpus(Path(tmp))))
    text_of = {p.id: p.text for p in passages}
    return [{lang: "\n".join(text_of[i] for i in ids) for lang, ids in entry.items()}
            for entry in resolve_gold(TRANSLATIONS / "gold_alignment.json", passages)]
