"""The aligner's pure parts: page keys, the monotonic alignment with merges and skips, incremental reuse."""
from __future__ import annotations

import numpy as np
import pytest

from index.crosslang.align import align_corpus, align_pages, align_sequences, continues_block, page_key
from index.crosslang.counterparts import Counterparts


@pytest.mark.parametrize("url, key", [
    ("https://erasmus-plus.ec.europa.eu/bg/programme-guide/part-b/key-action-2#:~:text=x",
     "erasmus-plus.ec.europa.eu/programme-guide/part-b/key-action-2"),
    ("https://erasmus-plus.ec.europa.eu/programme-guide/part-b/key-action-2/",
     "erasmus-plus.ec.europa.eu/programme-guide/part-b/key-action-2"),
    ("https://Erasmus-Plus.ec.europa.eu/de/programme-guide/part-b/key-action-2?x=1",
     "erasmus-plus.ec.europa.eu/programme-guide/part-b/key-action-2"),
])
def test_page_key_drops_language_prefix_fragment_and_query(url, key):
    assert page_key(url) == key


def test_page_key_keeps_a_path_segment_that_only_starts_like_a_language():
    assert page_key("https://x.eu/design/page") == "x.eu/design/page"
    assert page_key("https://x.eu/de/page") != page_key("https://x.eu/design/page")


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def clauses(n: int, dim: int = 64, seed: int = 0) -> np.ndarray:
    return unit(np.random.default_rng(seed).normal(size=(n, dim)))


def noisy(v: np.ndarray, scale: float, seed: int) -> np.ndarray:
    return unit(v + np.random.default_rng(seed).normal(scale=scale, size=v.shape))


def test_one_to_one_alignment_of_noisy_translations():
    c = clauses(12)
    links = align_sequences(noisy(c, 0.05, 1), noisy(c, 0.05, 2), [100] * 12, [110] * 12)
    assert [(link.a, link.b) for link in links] == [((i,), (i,)) for i in range(12)]
    assert all(0.7 < link.confidence <= 1.0 for link in links)  # noise 0.05 per dimension: cosine about 0.86


def test_split_sentence_becomes_a_one_to_two_link_and_an_extra_passage_is_left_out():
    c = clauses(10)
    rng = np.random.default_rng(3)
    half = unit(rng.normal(size=c.shape[1]))
    # B splits clause 4 into two halves whose sum points at the clause, and adds a note A does not have
    b = [c[0], c[1], c[2], c[3], unit(c[4] + 0.6 * half), unit(c[4] - 0.6 * half), *c[5:8], unit(rng.normal(size=c.shape[1])),
         *c[8:]]
    b_lengths = [100] * 4 + [50, 50] + [100] * 3 + [200] + [100] * 2
    links = align_sequences(noisy(c, 0.05, 4), noisy(np.array(b), 0.05, 5), [100] * 10, b_lengths)
    pairs = [(link.a, link.b) for link in links]
    assert ((4,), (4, 5)) in pairs
    assert all(9 not in link.b for link in links)  # the note has no counterpart
    assert ((8,), (10,)) in pairs and ((9,), (11,)) in pairs  # and alignment resumes after it


def test_two_to_one_is_found_from_the_other_side_too():
    c = clauses(8, seed=7)
    rng = np.random.default_rng(8)
    half = unit(rng.normal(size=c.shape[1]))
    a = [*c[:3], unit(c[3] + 0.6 * half), unit(c[3] - 0.6 * half), *c[4:]]
    links = align_sequences(noisy(np.array(a), 0.05, 9), noisy(c, 0.05, 10), [100, 100, 100, 50, 50, 100, 100, 100, 100], [100] * 8)
    assert ((3, 4), (3,)) in [(link.a, link.b) for link in links]


def test_a_merge_that_reads_like_its_longer_part_is_taken_on_its_lengths_and_a_note_is_still_left_out():
    """B joins A's blocks 2 and 3 into one (its embedding mostly block 3's, as a merged bullet often reads), and
    adds a note after block 4: the merged cosine is below block 3's alone, but the lengths say 2:1."""
    c = clauses(8, seed=31)
    note = clauses(1, seed=32)[0]
    merged = unit(0.3 * c[2] + c[3])
    a = noisy(c, 0.05, 33)
    b = noisy(np.array([c[0], c[1], merged, c[4], note, *c[5:]]), 0.05, 34)
    assert b[2] @ a[3] > b[2] @ unit(a[2] + a[3])  # the rule of aligner 3 alone would refuse the merge
    links = align_sequences(a, b, [100] * 8, [100, 100, 200, 100, 150, 100, 100, 100])
    pairs = [(link.a, link.b) for link in links]
    assert ((2, 3), (2,)) in pairs
    assert all(4 not in link.b for link in links) and ((4,), (3,)) in pairs and ((5,), (5,)) in pairs


def test_a_loose_translation_in_a_list_of_alike_bullets_is_still_linked():
    """B's bullet 3 reads more like A's bullets 2 and 4 than like A's 3 (its cosine is below its row's and its
    column's usual level): leaving both out must cost more than that weak link."""
    common, own = clauses(1, seed=41)[0], clauses(8, seed=42)
    bullets = unit(common + 0.8 * own)
    b = bullets.copy()
    b[3] = unit(common + 0.4 * (own[2] + own[4]) + 0.1 * own[3])
    a, b = noisy(bullets, 0.05, 43), noisy(b, 0.05, 45)
    assert a[3] @ b[3] < min(a[2] @ b[3], a[4] @ b[3])
    links = align_sequences(a, b, [60] * 8, [60] * 8)
    assert [(link.a, link.b) for link in links] == [((i,), (i,)) for i in range(8)]


def test_empty_side_aligns_nothing():
    assert align_sequences(np.zeros((0, 8)), clauses(3, dim=8), [], [1, 2, 3]) == []


def corpus(seed: int = 0):
    c = clauses(6, seed=seed)
    ids = [f"bg-{i}" for i in range(6)] + [f"en-{i}" for i in range(6)] + ["de-0", "de-1"]
    urls = (["https://x.eu/bg/guide/p"] * 6 + ["https://x.eu/guide/p"] * 6 + ["https://x.eu/de/guide/other"] * 2)
    languages = ["bg"] * 6 + ["en"] * 6 + ["de"] * 2
    vectors = np.vstack([noisy(c, 0.05, 1), noisy(c, 0.05, 2), clauses(2, seed=99)])
    return ids, urls, languages, [("S",)] * 14, [100] * 14, vectors


def test_align_corpus_pairs_pages_by_key_and_reuses_unchanged_page_pairs():
    ids, urls, languages, sections, lengths, vectors = corpus()
    pages, computed = align_corpus(ids, urls, languages, sections, lengths, vectors, "m")
    assert computed == 1 and len(pages) == 1  # the German page is another page: nothing to align it with
    (links,) = pages.values()
    assert [(a, b) for a, b, _ in links] == [([f"bg-{i}"], [f"en-{i}"]) for i in range(6)]
    again, computed = align_corpus(ids, urls, languages, sections, lengths, vectors, "m", previous=pages)
    assert again == pages and computed == 0
    _, computed = align_corpus(ids, urls, languages, sections, lengths, vectors, "other-model", previous=pages)
    assert computed == 1  # another model: aligned anew


def test_counterparts_look_up_both_directions_and_the_clause():
    links = [[["bg-1"], ["en-1", "en-2"], 0.9], [["bg-1"], ["de-1"], 0.8], [["en-1", "en-2"], ["de-1"], 0.85]]
    language_of = {"bg-1": "bg", "en-1": "en", "en-2": "en", "de-1": "de"}
    cp = Counterparts(links, language_of)
    assert [c.language for c in cp.of("bg-1")] == ["en", "de"]  # English (prevailing) first
    assert cp.of("bg-1", ["en"])[0].ids == ("en-1", "en-2")
    assert cp.of("en-2", ["bg"])[0].ids == ("bg-1",) and cp.of("en-2", ["bg"])[0].group == ("en-1", "en-2")
    assert cp.clause("de-1") == {"de-1", "bg-1", "en-1", "en-2"}
    assert cp.of("bg-1", ["fr"]) == []
    # a link naming a passage the index does not hold is ignored
    assert Counterparts([[["bg-1"], ["xx-9"], 0.9]], language_of).of("bg-1") == []


def test_blocks_align_as_wholes_and_their_pieces_stay_together():
    """B's chunker cut block 3 into three pieces (one that alone looks like block 4): block to block first."""
    c = clauses(6, seed=11)
    rng = np.random.default_rng(12)
    a = noisy(c, 0.05, 13)
    pieces = [unit(c[3] + 0.8 * unit(rng.normal(size=64))), unit(c[3] + 0.6 * c[4]), unit(c[3] - 0.8 * unit(rng.normal(size=64)))]
    b = noisy(np.array([*c[:3], *pieces, *c[4:]]), 0.05, 14)
    vectors = np.vstack([a, b])
    a_rows, b_rows = list(range(6)), list(range(6, 14))
    continues = [False] * 6 + [False, False, False, False, True, True, False, False]
    kinds = ["paragraph"] + ["bullet"] * 5 + ["paragraph"] + ["bullet"] * 7
    links = align_pages(a_rows, b_rows, vectors, [100] * 6 + [100, 100, 100, 40, 40, 40, 100, 100], [("S",)] * 14,
                        kinds=kinds, continues=continues)
    pairs = [(link.a, link.b) for link in links]
    covering = [lb for la, lb in pairs if 3 in la]
    assert sorted(x for lb in covering for x in lb) == [9, 10, 11]  # every piece of block 3, and nothing else
    assert ((4,), (12,)) in pairs and ((5,), (13,)) in pairs


def test_a_paragraph_and_the_bullet_after_it_are_not_merged_into_the_other_language_s_paragraph():
    """B's lead-in reads like A's lead-in and first bullet together, B's bullet is a loose translation."""
    c = clauses(3, seed=21)
    a = noisy(c, 0.05, 22)
    b = np.vstack([unit(c[0] + c[1]), noisy(c[1:2], 0.2, 24)[0], noisy(c[2:], 0.05, 25)[0]])
    kinds = ["paragraph", "bullet", "bullet"]
    assert [(link.a, link.b) for link in align_sequences(a, b, [100] * 3, [100] * 3)][0] == ((0, 1), (0,))
    typed = align_sequences(a, b, [100] * 3, [100] * 3, a_kinds=kinds, b_kinds=kinds)
    assert [(link.a, link.b) for link in typed] == [((i,), (i,)) for i in range(3)]


def test_continues_block_reads_the_pieces_the_chunker_cut():
    from ingest.passages import Passage

    def p(text, start, kind="paragraph", context=""):
        return Passage(id=text[:8], text=text, context=context, outline="", kind=kind, language="en", title="T",
                       section=("T",), url="u", page_url="https://x.eu/p", edition=None, source="s", start=start,
                       end=start + len(text), position=1, page_passages=4)

    first = p("Projects last 12 months. They start in June.", 0)
    second = p("A second sentence of the same paragraph.", first.end + 1, context="Projects last 12 months.")
    bullet = p("a bullet after it,", second.end + 1, kind="bullet", context=first.text)
    tail = p("and its tail cut at a comma.", bullet.end + 1, kind="bullet", context=first.text)
    other = p("another bullet.", tail.end + 1, kind="bullet", context=first.text)
    assert continues_block([first, second, bullet, tail, other]) == [False, True, False, True, False]
