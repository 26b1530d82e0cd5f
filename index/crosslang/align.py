"""The same clause in other languages: pages matched by URL, sections by position, blocks (a paragraph, a bullet,
a table row: every piece the chunker cut it into) by a monotonic alignment on embedding similarity that allows
1:2 and 2:1 merges, and the pieces of two aligned blocks by order.

Pure functions over passages and their vectors; the build stores the result (alignments.json) and the engine
reads it. Page slugs are English in every language tree, so a page's URL without its language prefix names the
same page in every language.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from itertools import combinations
from typing import Sequence
from urllib.parse import urlsplit

import numpy as np

from ingest.outdated import english_url

ALIGNER_VERSION = 5  # 2: vectors centred per page version (they embed its title); 3: blocks aligned, then pieces;
# 4: a merge may win on its lengths (Gale & Church) where its cosine does not beat its best part; 5: skips cost
# Moves of the alignment path: passages taken from A and from B. 1:0 and 0:1 leave a passage unaligned.
MOVES = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1))


@dataclass(frozen=True)
class AlignParams:
    """The first five were set before reading the gold alignment of the team's test translations
    (tests/data/translations); the length evidence of merges after reading it and the guide sample's gold."""

    neighbours: int = 3  # a passage's baseline similarity: the mean of its best `neighbours` scores
    match_bonus: float = 0.03  # added to every aligned group's margin: aligning beats skipping when in doubt
    length_weight: float = 0.02  # penalty per unit of |log length ratio| away from the page's own ratio
    kind_penalty: float = 0.1  # a paragraph, a bullet and a table row are each other's translation only rarely
    merge_penalty: float = 0.05  # taken from a merge of two blocks: translations mostly keep a block a block
    # A merge against its best part alone: the log-likelihood ratio of their lengths (Gale & Church's model),
    # capped, since long blocks' lengths vary more than the model's variance says; set after reading the gold.
    length_variance: float = 6.8  # Gale & Church (1993): variance of a translation's length, per character
    length_evidence: float = 0.03  # weight of that ratio in a merge's score
    evidence_cap: float = 2.0  # at most this many log-likelihood units either way
    # Leaving a passage without counterpart costs this (set after reading the guide sample's gold): a loose
    # translation in a list of alike bullets, whose cosine is below its neighbours' level, is still linked
    # rather than both versions left out; a note one language adds has no match worth more than its cost.
    skip_cost: float = 0.03


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


def _length_z(log_a, log_b, ratio: float, variance: float):
    """Gale & Church's length deviation of two texts (log lengths in characters) given the page's log ratio:
    how many standard deviations the second's length is from what the first's predicts."""
    spread = np.sqrt(variance / 2 * (np.exp(-log_a) + np.exp(-log_b)))
    return (log_b - log_a - ratio) / spread


def _group_scores(a, b, a_lengths, b_lengths, params: AlignParams, a_kinds=None, b_kinds=None
                  ) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """For each merge move, (path score, cosine) of every group pair, as matrices indexed by the groups' first rows.

    A merged group is the normalised sum of its members, so its cosine has a closed form:
    cos(a_i, b_j + b_j+1) = (s_ij + s_ij+1) / |b_j + b_j+1|.
    """
    sim = a @ b.T
    base_a, base_b = _baselines(sim, params.neighbours)
    la, lb = np.log(np.maximum(np.asarray(a_lengths, float), 1)), np.log(np.maximum(np.asarray(b_lengths, float), 1))
    code = {k: i for i, k in enumerate(sorted({*(a_kinds or ()), *(b_kinds or ())}))}
    ka = np.array([code[k] for k in a_kinds]) if a_kinds is not None else np.zeros(len(a), dtype=np.int64)
    kb = np.array([code[k] for k in b_kinds]) if b_kinds is not None else np.zeros(len(b), dtype=np.int64)
    ratio = math.log(max(sum(b_lengths), 1) / max(sum(a_lengths), 1))

    def merged(vectors, lengths_log, base, kinds):  # pairs of neighbours: norm of the sum, log length, baseline, kind
        norms = np.sqrt(np.maximum(2 + 2 * (vectors[:-1] * vectors[1:]).sum(axis=1), 1e-12))
        mixed = np.where(kinds[:-1] == kinds[1:], kinds[:-1], -1)
        return norms, np.logaddexp(lengths_log[:-1], lengths_log[1:]), (base[:-1] + base[1:]) / 2, mixed

    out = {}
    groups_a = {1: (np.ones(len(a)), la, base_a, ka)}
    groups_b = {1: (np.ones(len(b)), lb, base_b, kb)}
    if len(a) > 1:
        groups_a[2] = merged(a, la, base_a, ka)
    if len(b) > 1:
        groups_b[2] = merged(b, lb, base_b, kb)
    for di, dj in MOVES:
        if not (di and dj) or di not in groups_a or dj not in groups_b:
            continue
        norm_a, len_a, bas_a, kind_a = groups_a[di]
        norm_b, len_b, bas_b, kind_b = groups_b[dj]
        summed = sim if di == 1 else sim[:-1] + sim[1:]
        summed = summed if dj == 1 else summed[:, :-1] + summed[:, 1:]
        cosine = summed / norm_a[:, None] / norm_b[None, :]
        off = np.abs(len_b[None, :] - len_a[:, None] - ratio)
        margin = cosine - (bas_a[:, None] + bas_b[None, :]) / 2
        other_kind = (kind_a[:, None] != kind_b[None, :]) | (kind_a[:, None] < 0) | (kind_b[None, :] < 0)
        gain = (margin + params.match_bonus - params.length_weight * off - params.kind_penalty * other_kind) * (di + dj) / 2
        if di != dj:
            gain = gain - params.merge_penalty
            # a merge must match better than its best part alone, or fit the lengths better: else it only hides
            # a skip (a note one language adds, absorbed into its neighbour's link)
            if dj == 2:
                first, second = sim[:, :-1], sim[:, 1:]
                z_part = _length_z(la[:, None], np.where(first >= second, lb[None, :-1], lb[None, 1:]), ratio,
                                   params.length_variance)
            else:
                first, second = sim[:-1], sim[1:]
                z_part = _length_z(np.where(first >= second, la[:-1, None], la[1:, None]), lb[None, :], ratio,
                                   params.length_variance)
            z_merge = _length_z(len_a[:, None], len_b[None, :], ratio, params.length_variance)
            evidence = (z_part ** 2 - z_merge ** 2) / 2
            gain = gain + params.length_evidence * np.clip(evidence, -params.evidence_cap, params.evidence_cap)
            gain = np.where((cosine > np.maximum(first, second)) | (evidence > 0), gain, -np.inf)
        out[di, dj] = (gain, cosine)
    return out


def align_sequences(a: np.ndarray, b: np.ndarray, a_lengths: Sequence[int], b_lengths: Sequence[int],
                    params: AlignParams = AlignParams(), a_kinds: Sequence[str] | None = None,
                    b_kinds: Sequence[str] | None = None) -> list[Link]:
    """Best monotonic alignment of two passage sequences (unit vectors, in page order).

    Score of an aligned group: its cosine minus the mean baseline of its members (a margin, so a language
    pair whose cosines all run high or low is judged alike), plus a bonus, minus a length-ratio penalty,
    counted once per passage it covers, less a penalty where the kinds (paragraph, bullet, row) of its two sides
    differ. A merge (1:2, 2:1) also scores how much better its lengths fit than its best part's alone (Gale &
    Church's length model, capped), and is only taken where its cosine beats that part's or its lengths fit
    better: one language's block that covers two of the other's often reads like the longer of the two, while
    a note one language adds fits neither. Skipping a passage costs `skip_cost`. Returns links in page order,
    each with its group's cosine as confidence.
    """
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return []
    groups = {move: (gain.tolist(), cosine.tolist()) for move, (gain, cosine) in
              _group_scores(a, b, a_lengths, b_lengths, params, a_kinds, b_kinds).items()}
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
                    gain, cosine = -params.skip_cost, 0.0
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


def continues_block(passages) -> list[bool]:
    """Per passage (in corpus order): True where it is a later piece of the block (paragraph, bullet, row) the
    passage before it belongs to, as the chunker cut a long block: same page, kind and section, nothing between
    them but a space, and either it carries the block's opening in its context (ingest.passages.block_head) or
    the piece before it stops at a comma."""
    out, first = [], None
    for before, p in zip([None, *passages[:-1]], passages):
        piece = (before is not None and first is not None and p.page_url == before.page_url
                 and p.language == before.language and p.kind == before.kind and p.section == before.section
                 and 0 <= p.start - before.end <= 1
                 and (any(line and first.text.startswith(line) for line in p.context.splitlines())
                      or before.text.rstrip().endswith(",")))
        out.append(piece)
        first = first if piece else p
    return out


def _blocks(rows: list[int], continues: Sequence[bool]) -> list[list[int]]:
    """Rows grouped into blocks: a row that continues the block of the row before it joins it."""
    blocks: list[list[int]] = []
    for r in rows:
        if blocks and continues[r] and blocks[-1][-1] == r - 1:
            blocks[-1].append(r)
        else:
            blocks.append([r])
    return blocks


def _block_vectors(vectors: np.ndarray, blocks: list[list[int]]) -> np.ndarray:
    summed = np.stack([vectors[b].sum(axis=0) for b in blocks])
    return summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)


def _pieces(a: list[int], b: list[int], vectors: np.ndarray, lengths: Sequence[int], params: AlignParams,
            confidence: float) -> list[Link]:
    """Links between the pieces of two aligned blocks: aligned again, piece by piece, when either side has more
    than one (the chunker cuts the same text at other sentences in another language). Every piece is linked: one
    the piece alignment skips joins its neighbour's link, since its block has a counterpart."""
    if len(a) == 1 or len(b) == 1:
        return [Link(tuple(a), tuple(b), confidence)]
    links = align_sequences(vectors[a], vectors[b], [lengths[r] for r in a], [lengths[r] for r in b],
                            replace(params, merge_penalty=0.0))  # pieces of one text merge freely
    if not links:
        return [Link(tuple(a), tuple(b), confidence)]
    sides = [[list(link.a), list(link.b)] for link in links]
    for side, count in ((0, len(a)), (1, len(b))):
        linked = {i for group in sides for i in group[side]}
        for i in range(count):
            if i not in linked:  # to the link just before it, or the first link
                owner = max((g for g in sides if g[side][0] < i), key=lambda g: g[side][0], default=sides[0])
                owner[side] = sorted({*owner[side], i})
    return [Link(tuple(a[i] for i in ga), tuple(b[j] for j in gb),
                 link.confidence if (tuple(ga), tuple(gb)) == (link.a, link.b) else confidence)
            for (ga, gb), link in zip(sides, links)]


def align_pages(a_rows: list[int], b_rows: list[int], vectors: np.ndarray, lengths: Sequence[int],
                sections: Sequence[tuple[str, ...]], params: AlignParams = AlignParams(),
                kinds: Sequence[str] | None = None, continues: Sequence[bool] | None = None) -> list[Link]:
    """Links between the passages of one page in two languages (rows of the whole corpus).

    `kinds` (paragraph, bullet, row) and `continues` (continues_block) per row, when known: blocks are aligned
    as wholes, kind to kind; without them every passage is a block of its own and of one kind.
    """
    continues = continues if continues is not None else [False] * len(vectors)
    sa, sb = _sections(a_rows, sections), _sections(b_rows, sections)
    # the same number of sections: headings matched by position; otherwise the page as one sequence
    pairs = list(zip(sa, sb)) if len(sa) == len(sb) else [(a_rows, b_rows)]
    links = []
    for ra, rb in pairs:
        ba, bb = _blocks(ra, continues), _blocks(rb, continues)
        ka = None if kinds is None else [kinds[blk[0]] for blk in ba]
        kb = None if kinds is None else [kinds[blk[0]] for blk in bb]
        for link in align_sequences(_block_vectors(vectors, ba), _block_vectors(vectors, bb),
                                    [sum(lengths[r] for r in blk) for blk in ba],
                                    [sum(lengths[r] for r in blk) for blk in bb], params, ka, kb):
            links += _pieces([r for i in link.a for r in ba[i]], [r for j in link.b for r in bb[j]], vectors, lengths,
                             params, link.confidence)
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
                 previous: dict[str, list] | None = None, params: AlignParams = AlignParams(),
                 kinds: Sequence[str] | None = None, continues: Sequence[bool] | None = None
                 ) -> tuple[dict[str, list], int]:
    """Alignments of every page present in two or more languages, for every pair of its languages (`kinds` and
    `continues`: see align_pages).

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
                      for link in align_pages(ra, rb, vectors, lengths, sections, params, kinds, continues)]
    return out, computed
