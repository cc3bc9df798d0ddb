"""The title index decides every pair as comparing all pairs does: it leaves out only titles that cannot
reach the threshold (sync/title_likeness.py says why), on random titles full of typos, plurals, shared
generic words and short tokens, and on the measured pairs of tests/hq/test_duplicates.py."""

from __future__ import annotations

import functools
import random

import pytest

from ccp_desktop.domain.reference import load_reference
from ccp_desktop.store.records import insert_record
from ccp_desktop.sync import duplicates, title_likeness
from ccp_desktop.sync.title_likeness import WORDS_THRESHOLD, TitleIndex, title_similarity
from tests.hq.test_duplicates import TITLES
from tests.unit import factories as f

WORDS = ["incident", "response", "training", "cyber", "security", "cybercrime", "investigations", "legislation",
         "review", "workshop", "forensics", "digital", "police", "national", "cert", "suva", "vila", "apia",
         "honiara", "officials", "parliamentarians", "policy", "course", "awareness", "women", "girls", "ict",
         "equipment", "handover", "laptops", "network", "ab", "axb", "3a", "13a", "30a", "x", "it", "its", "pacific"]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 2:
        return word
    i = rng.randrange(len(word))
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return rng.choice([
        word[:i] + word[i + 1:],  # a letter left out
        word[:i] + letter + word[i:],  # one too many
        word[:i] + letter + word[i + 1:],  # one mistyped
        word[:i] + word[i + 1:i + 2] + word[i:i + 1] + word[i + 2:],  # two swapped
        word + "s",
    ])


def _titles(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        words = rng.sample(WORDS, rng.randint(1, 6))
        words = [_typo(w, rng) if rng.random() < 0.3 else w for w in words]
        if rng.random() < 0.2:
            words.append(rng.choice(["of", "the", "for", "and"]))  # stop words
        out.append(" ".join(words).capitalize())
    # near copies of earlier titles: the pairs that must be found
    for _ in range(count // 3):
        base = rng.choice(out).split()
        out.append(" ".join(_typo(w, rng) if rng.random() < 0.3 else w for w in rng.sample(base, len(base))))
    return out + [a for a, _, _ in TITLES] + [b for _, b, _ in TITLES] + ["", "!!", "The of"]


@functools.cache
def _all_pairs(seed: int) -> frozenset[tuple[int, int]]:
    titles = _titles(300, seed)
    return frozenset((i, j) for i in range(len(titles)) for j in range(i + 1, len(titles))
                     if title_similarity(titles[i], titles[j]) >= WORDS_THRESHOLD)


def _indexed_pairs(titles: list[str], posts: int = 3) -> set[tuple[int, int]]:
    """Each title against the others (of its own post too: the caller leaves those out, the index must
    not decide for it)."""
    groups = [i % posts for i in range(len(titles))]
    index = TitleIndex(titles, groups)
    index.prepare(zip(titles, groups, strict=True))
    found = set()
    for i, title in enumerate(titles):
        for j in index.candidates(title, 0, len(titles)):
            if i < j and title_similarity(title, titles[j]) >= WORDS_THRESHOLD:
                found.add((i, j))
    return found


@pytest.mark.parametrize("hot_least", [title_likeness.HOT_LEAST, 2])  # 2: most words hot, their bounds at work
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])  # one place's titles each, 2,100 in all
def test_the_index_finds_exactly_the_pairs_that_comparing_all_pairs_finds(seed: int, hot_least: int,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(title_likeness, "HOT_LEAST", hot_least)
    expected = _all_pairs(seed)
    assert len(expected) > 30  # the typo'd copies make real pairs
    assert _indexed_pairs(_titles(300, seed)) == expected


def test_the_index_compares_far_fewer_pairs_than_all() -> None:
    """The benchmark's morning: every post's activities at one place on one day, "FJ-SUVA activity 12a",
    a word in every title, none alike across posts. Only titles of other posts are compared (the same
    post's are left out before comparing); those the index keeps are a sliver of all."""
    posts = [p["code"] for p in load_reference().entries("posts") if p["code"] != "AU-CANBERRA"]
    titles = [f"{post} activity {n}{s}" for post in posts for n in range(100) for s in "ab"]
    for post in posts:
        index = TitleIndex(titles, [i // 200 for i in range(len(titles))])
        mine = posts.index(post)
        index.prepare((t, mine) for t in titles[mine * 200:(mine + 1) * 200])
        compared = sum(1 for t in titles[mine * 200:(mine + 1) * 200]
                       for j in index.candidates(t, 0, len(titles)) if j // 200 != mine)
        assert compared < 0.01 * 200 * len(titles), (post, compared)


def test_a_window_keeps_candidates_inside_it() -> None:
    titles = ["Incident response training"] * 10
    index = TitleIndex(titles, range(10))
    index.prepare(zip(titles, range(10), strict=True))
    assert index.candidates(titles[0], 3, 7) == [3, 4, 5, 6]


def test_the_measured_pairs_are_found_through_the_index() -> None:
    for first, second, likely in TITLES:
        pairs = _indexed_pairs([first, second])
        assert (pairs == {(0, 1)}) is likely, (first, second)


def test_likely_pairs_are_those_of_comparing_every_pair_of_the_same_place_and_fortnight(hq) -> None:
    """End to end, through the database: three posts, two places, three weeks, random and typo'd titles."""
    rng = random.Random(11)
    titles = [t for t in _titles(150, 9) if t]  # a title is required
    with hq.atomic():
        for title in titles:
            insert_record(hq, "activities", f.activity(
                title=title, country=rng.choice(["FJ", "VU"]),
                start_date=f"2021-03-{rng.randint(1, 21):02d}", end_date="2021-03-28"))
        hq.execute("UPDATE activities SET origin_post = CASE rowid % 3 WHEN 0 THEN 'FJ-SUVA' WHEN 1 THEN 'VU-PORTVILA'"
                   " ELSE 'WS-APIA' END")
    rows = hq.execute("SELECT id, origin_post, title, start_date, country FROM activities").fetchall()

    def day(row: tuple) -> int:
        return int(row[3][-2:])

    expected = {frozenset((a[0], b[0])) for i, a in enumerate(rows) for b in rows[i + 1:]
                if a[1] != b[1] and a[4] == b[4] and abs(day(a) - day(b)) <= duplicates.WINDOW_DAYS
                and title_similarity(a[2], b[2]) >= WORDS_THRESHOLD}
    assert len(expected) > 20
    assert {frozenset((p["record_a"], p["record_b"])) for p in duplicates.likely_pairs(hq)} == expected
    some = [row[0] for row in rows[::7]]
    assert ({frozenset((p["record_a"], p["record_b"])) for p in duplicates.likely_pairs(hq, some)}
            == {pair for pair in expected if pair & set(some)})
