"""The same clause in other languages: pages matched by URL, sections by position, passages by a monotonic
alignment on embedding similarity that allows 1:2 and 2:1 merges.

Pure functions over passages and their vectors; the build stores the result (alignments.json) and the engine
reads it. Page slugs are English in every language tree, so a page's URL without its language prefix names the
same page in every language.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from itertools import combinations
from typing import Sequence
from urllib.parse import urlsplit

import numpy as np

from ingest.outdated import english_url

ALIGNER_VERSION = 2  # 2: vectors centred per page version (they embed its title)
# Moves of the alignment path: passages taken from A and from B. 1:0 and 0:1 leave a passage unaligned.
MOVES = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1))


@dataclass(frozen=True)
class AlignParams:
    """Set before reading the gold alignment of the team's test translations (tests/data/translations)."""

    neighbours: int = 3  # a passage's baseline similarity: the mean of its best `neighbours` scores
    match_bonus: float = 0.03  # added to every aligned group's margin: aligning beats skipping when in doubt
    length_weight: float = 0.02  # penalty per unit of |log length ratio| away from the page's own ratio


@dataclass(frozen=True)
class Link:
    """Passages `a` (rows of one language) are the same clause as passages `b` (rows of another)."""

    a: tuple[int, ...]
    b: tuple[int, ...]
    confidence: float


def page_key(url: str) -> str:
    """The language-neutral name of a page: host and path of its English page (ingest.outdated.english_url),
    without query, fragment or trailing slash."""
    parts = urlsplit(english_url(url))
    return f"{parts.netloc.lower()}{parts.path.rstrip('/') or '/'}"


def _baselines(sim: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's and column's mean of its k best similarities (the level a true match must rise above)."""
    kr, kc = min(k, sim.shape[1]), min(k, sim.shape[0])
    rows = np.sort(sim, axis=1)[:, -kr:].mean(axis=1)
    cols = np.sort(sim, axis=0)[-kc:, :].mean(axis=0)
    return rows, cols


def _group_scores(a, b, a_lengths, b_lengths, params: AlignParams) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """For each merge move, (path score, cosine) of every group pair, as matrices indexed by the groups' first rows.

    A merged group is the normalised sum of its members, so its cosine has a closed form:
    cos(a_i, b_j + b_j+1) = (s_ij + s_ij+1) / |b_j + b_j+1|.
    """
    sim = a @ b.T
    base_a, base_b = _baselines(sim, params.neighbours)
    la, lb = np.log(np.maximum(np.asarray(a_lengths, float), 1)), np.log(np.maximum(np.asarray(b_lengths, float), 1))
    ratio = math.log(max(sum(b_lengths), 1) / max(sum(a_lengths), 1))

    def merged(vectors, lengths_log, base):  # pairs of neighbours: norm of the sum, log length, baseline
        norms = np.sqrt(np.maximum(2 + 2 * (vectors[:-1] * vectors[1:]).sum(axis=1), 1e-12))
        return norms, np.logaddexp(lengths_log[:-1], lengths_log[1:]), (base[:-1] + base[1:]) / 2

    out = {}
    groups_a = {1: (np.ones(len(a)), la, base_a)}
    groups_b = {1: (np.ones(len(b)), lb, base_b)}
    if len(a) > 1:
        groups_a[2] = merged(a, la, base_a)
    if len(b) > 1:
        groups_b[2] = merged(b, lb, base_b)
    for di, dj in MOVES:
        if not (di and dj) or di not in groups_a or dj not in groups_b:
            continue
        norm_a, len_a, bas_a = groups_a[di]
        norm_b, len_b, bas_b = groups_b[dj]
        summed = sim if di == 1 else sim[:-1] + sim[1:]
        summed = summed if dj == 1 else summed[:, :-1] + summed[:, 1:]
        cosine = summed / norm_a[:, None] / norm_b[None, :]
        off = np.abs(len_b[None, :] - len_a[:, None] - ratio)
        margin = cosine - (bas_a[:, None] + bas_b[None, :]) / 2
        gain = (margin + params.match_bonus - params.length_weight * off) * (di + dj) / 2
        if di != dj:  # a merge must match better than either of its parts alone, or it only hides a skip
            best_part = np.maximum(sim[:, :-1], sim[:, 1:]) if dj == 2 else np.maximum(sim[:-1], sim[1:])
            gain = np.where(cosine > best_part, gain, -np.inf)
        out[di, dj] = (gain, cosine)
    return out


def align_sequences(a: np.ndarray, b: np.ndarray, a_lengths: Sequence[int], b_lengths: Sequence[int],
                    params: AlignParams = AlignParams()) -> list[Link]:
    """Best monotonic alignment of two passage sequences (unit vectors, in page order).

    Score of an aligned group: its cosine minus the mean baseline of its members (a margin, so a language
    pair whose cosines all run high or low is judged alike), plus a bonus, minus a length-ratio penalty,
    counted once per passage it covers. Skipping a passage scores 0. Returns links in page order, each with
    its group's cosine as confidence.
    """
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return []
    groups = {move: (gain.tolist(), cosine.tolist()) for move, (gain, cosine) in
              _group_scores(a, b, a_lengths, b_lengths, params).items()}
    best = [[-math.inf] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    back: dict[tuple[int, int], tuple[int, int, float]] = {}
    for i in range(n + 1):
        for j in range(m + 1):
            here = best[i][j]
            for di, dj in MOVES:
                pi, pj = i - di, j - dj
                if pi < 0 or pj < 0 or best[pi][pj] == -math.inf:
                    continue
                if di and dj:
                    if (di, dj) not in groups:
                        continue
                    gains, cosines = groups[di, dj]
                    gain, cosine = gains[pi][pj], cosines[pi][pj]
                else:
                    gain, cosine = 0.0, 0.0
                if best[pi][pj] + gain > here:
                    here = best[i][j] = best[pi][pj] + gain
                    back[i, j] = (di, dj, cosine)
    links: list[Link] = []
    i, j = n, m
    while i or j:
        di, dj, cosine = back[i, j]
        i, j = i - di, j - dj
        if di and dj:
            links.append(Link(tuple(range(i, i + di)), tuple(range(j, j + dj)), round(cosine, 4)))
    links.reverse()
    return links


def _sections(rows: list[int], sections: Sequence[tuple[str, ...]]) -> list[list[int]]:
    """Rows of one page grouped by section, in order of first appearance."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for r in rows:
        groups.setdefault(sections[r], []).append(r)
    return list(groups.values())


def align_pages(a_rows: list[int], b_rows: list[int], vectors: np.ndarray, lengths: Sequence[int],
                sections: Sequence[tuple[str, ...]], params: AlignParams = AlignParams()) -> list[Link]:
    """Links between the passages of one page in two languages (rows of the whole corpus)."""
    sa, sb = _sections(a_rows, sections), _sections(b_rows, sections)
    # the same number of sections: headings matched by position; otherwise the page as one sequence
    pairs = list(zip(sa, sb)) if len(sa) == len(sb) else [(a_rows, b_rows)]
    links = []
    for ra, rb in pairs:
        for link in align_sequences(vectors[ra], vectors[rb], [lengths[r] for r in ra], [lengths[r] for r in rb], params):
            links.append(Link(tuple(ra[i] for i in link.a), tuple(rb[j] for j in link.b), link.confidence))
    return links


def pages_by_key(urls: Sequence[str], languages: Sequence[str]) -> dict[str, dict[str, list[int]]]:
    """page key -> language -> rows, in corpus (page) order."""
    pages: dict[str, dict[str, list[int]]] = {}
    for row, (url, lang) in enumerate(zip(urls, languages)):
        pages.setdefault(page_key(url), {}).setdefault(lang, []).append(row)
    return pages


def pair_key(ids_a: Sequence[str], ids_b: Sequence[str], model: str) -> str:
    """What a page pair's alignment depends on: both pages' passages (ids are content-derived) and the model."""
    text = "\n".join([f"aligner-{ALIGNER_VERSION}", model, *ids_a, "|", *ids_b])
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _centred(vectors: np.ndarray, groups) -> np.ndarray:
    """Each page version's vectors less their mean, normalised: what all passages of a page share (its title
    and headings, embedded with every passage) tells nothing about which passage is which."""
    out = np.array(vectors, dtype=np.float32, copy=True)
    for rows in groups:
        rows = list(rows)
        if len(rows) > 1:
            out[rows] -= out[rows].mean(axis=0)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def _group_cosine(vectors: np.ndarray, a: Sequence[int], b: Sequence[int]) -> float:
    va, vb = vectors[list(a)].sum(axis=0), vectors[list(b)].sum(axis=0)
    return round(float(va @ vb / max(np.linalg.norm(va) * np.linalg.norm(vb), 1e-12)), 4)


def align_corpus(ids: Sequence[str], urls: Sequence[str], languages: Sequence[str],
                 sections: Sequence[tuple[str, ...]], lengths: Sequence[int], vectors: np.ndarray, model: str,
                 previous: dict[str, list] | None = None, params: AlignParams = AlignParams()) -> tuple[dict[str, list], int]:
    """Alignments of every page present in two or more languages, for every pair of its languages.

    Returns ({pair key: [[ids a], [ids b], confidence] ...}, number of page pairs aligned anew); a page pair
    whose key is in `previous` (the last build's) is taken from there instead.
    """
    out: dict[str, list] = {}
    computed = 0
    pages = pages_by_key(urls, languages)
    plain = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    vectors = _centred(vectors, [rows for page in pages.values() for rows in page.values()])
    for page in pages.values():
        for la, lb in combinations(sorted(page), 2):
            ra, rb = page[la], page[lb]
            k = pair_key([ids[r] for r in ra], [ids[r] for r in rb], model)
            if previous is not None and k in previous:
                out[k] = previous[k]
                continue
            computed += 1
            # which passages pair up is read from the centred vectors; how sure, from the cosine as embedded
            out[k] = [[[ids[r] for r in link.a], [ids[r] for r in link.b], _group_cosine(plain, link.a, link.b)]
                      for link in align_pages(ra, rb, vectors, lengths, sections, params)]
    return out, computed
