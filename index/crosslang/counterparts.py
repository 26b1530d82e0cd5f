"""Looking up a passage's counterparts in other languages, from the alignments a build stored."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

PREVAILING = "en"  # where language versions conflict, the English version prevails


@dataclass(frozen=True)
class Counterpart:
    language: str
    ids: tuple[str, ...]  # the passage(s) in `language`: two when that language splits what this one keeps whole
    group: tuple[str, ...]  # this side's passages the counterpart covers (the asked one, or it and its neighbour)
    confidence: float


class Counterparts:
    """passage id -> its aligned counterparts, one per other language."""

    def __init__(self, links: Iterable[list], language_of: Mapping[str, str]):
        self._by_id: dict[str, dict[str, Counterpart]] = {}
        for ids_a, ids_b, confidence in links:
            if not ids_a or not ids_b or any(i not in language_of for i in (*ids_a, *ids_b)):
                continue  # a link to a passage this index does not hold is ignored, never shown
            for own, other in ((ids_a, ids_b), (ids_b, ids_a)):
                language = language_of[other[0]]
                for pid in own:
                    self._by_id.setdefault(pid, {})[language] = Counterpart(language, tuple(other), tuple(own),
                                                                           float(confidence))

    @classmethod
    def from_pages(cls, pages: Mapping[str, list], language_of: Mapping[str, str]) -> "Counterparts":
        return cls((link for links in pages.values() for link in links), language_of)

    def __len__(self) -> int:
        return len(self._by_id)

    def of(self, passage_id: str, languages: Iterable[str] | None = None) -> list[Counterpart]:
        """Counterparts of a passage, English (prevailing) first, then by language code."""
        found = self._by_id.get(passage_id, {})
        wanted = set(found) if languages is None else set(languages) & set(found)
        return [found[lang] for lang in sorted(wanted, key=lambda lang: (lang != PREVAILING, lang))]

    def clause(self, passage_id: str) -> frozenset[str]:
        """The passage and every passage aligned with it, in any language: one clause of the guide."""
        ids = {passage_id}
        for counterpart in self._by_id.get(passage_id, {}).values():
            ids.update(counterpart.ids)
            ids.update(counterpart.group)
        return frozenset(ids)
