"""When two activity titles read as one event (the rule is explained in sync/duplicates.py), and an index
that finds, among many titles, the few that can be alike without comparing every pair.

`title_similarity` is the rule itself. `TitleIndex` only narrows: every title it leaves out is one whose
similarity with the query is provably under the threshold, and every one it keeps is then judged by
`title_similarity`, so a pair is decided exactly as comparing all pairs decides it (tests/hq/
test_title_index.py checks that on thousands of random and mistyped titles).

Why the narrowing is safe. Two words count as shared when they are equal or within a typo (difflib ratio
0.8 or more, in either direction). Such a pair of words always has a common substring of two characters,
or (a 2-letter word against a 3-letter one) the shorter is the longer with one letter left out: difflib's
ratio is 2M/L (M matched characters in k blocks, L both lengths); blocks are parted by at least one
unmatched character, so k - 1 <= L - 2M, and M >= 0.4 L makes some block 2 long whenever L > 5. So a
word's typo neighbours are found among the words sharing one of its bigrams. The similarity of titles A
and B is (matched words of A + matched words of B) / (|A| + |B|); the index counts, per title, an upper
bound of both numbers and keeps a title only when that bound reaches the threshold. Words that occur in a
large share of the titles ("training", "activity") are not walked per query: each title's count of such
"hot" words bounds what they can add, and titles are grouped by (word count, hot words) so a whole group
is kept or left out at once.
"""

from __future__ import annotations

import difflib
import functools
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from itertools import chain

WORDS_THRESHOLD = 0.6  # Dice coefficient of the title word sets
TYPO_CUTOFF = 0.8  # difflib ratio at which two words are one word mistyped (reponse, investigations)
# The bound is compared with a little less than the threshold: a similarity is rounded to 3 places first.
_BOUND = WORDS_THRESHOLD - 0.001
# A word is hot when more of the other posts' titles than both hold it or a typo of it. A cold word's titles
# are counted for every query (in C, cheap); a hot word only loosens the bounds. A quarter: the words of most
# titles ("training", "activity") are hot, a place name a few posts share is not.
HOT_SHARE, HOT_LEAST = 4, 64
_STOP_WORDS = frozenset(["a", "an", "and", "the", "of", "for", "in", "on", "to", "with", "at", "by", "from", "de", "la", "le", "et"])
_WORD = re.compile(r"\w+", re.UNICODE)


@functools.lru_cache(maxsize=1 << 14)
def _title_words(title: str) -> tuple[str, ...]:
    return tuple(w for w in _WORD.findall(title.casefold()) if w not in _STOP_WORDS)


@functools.lru_cache(maxsize=1 << 16)
def _within_typo(word: str, other: str) -> bool:
    """What `difflib.get_close_matches(word, [other], cutoff=TYPO_CUTOFF)` decides, remembered: an import
    compares the same few hundred words thousands of times."""
    matcher = difflib.SequenceMatcher(None, other, word)
    return (matcher.real_quick_ratio() >= TYPO_CUTOFF and matcher.quick_ratio() >= TYPO_CUTOFF
            and matcher.ratio() >= TYPO_CUTOFF)


def title_similarity(first: str | None, second: str | None) -> float:
    """0 (nothing alike) to 1: the Dice coefficient of the two titles' word sets, where a word counts as
    shared when the other title has it or a word within a typo of it (difflib ratio 0.8 or more)."""
    a, b = set(_title_words(first or "")), set(_title_words(second or ""))
    if not a or not b:
        return 0.0
    shared_a = sum(1 for w in a if w in b or any(_within_typo(w, x) for x in b))
    shared_b = sum(1 for w in b if w in a or any(_within_typo(w, x) for x in a))
    return round((shared_a + shared_b) / (len(a) + len(b)), 3)


def _keys(word: str) -> set[str]:
    """What a word and any typo of it have in common: a bigram, or (3 letters) itself less its middle."""
    keys = {word[i:i + 2] for i in range(len(word) - 1)} or {word}
    if len(word) == 3:
        keys.add(word[0] + word[2])
    return keys


class TitleIndex:
    """Titles in a fixed order (the caller's: by start date), each of a group (its post), indexed for
    `candidates`. `prepare` is given every title that will be asked about first: which words are hot
    depends on them."""

    def __init__(self, titles: Sequence[str | None], groups: Sequence[Hashable]) -> None:
        self.words = [frozenset(_title_words(t or "")) for t in titles]
        self.groups = groups  # the post of each title: a post's own titles are not its candidates
        self.postings: dict[str, list[int]] = {}  # word -> the titles holding it, in order
        for index, words in enumerate(self.words):
            for word in words:
                self.postings.setdefault(word, []).append(index)
        self._by_key: dict[str, list[str]] = {}
        for word in self.postings:
            for key in _keys(word):
                self._by_key.setdefault(key, []).append(word)
        self._related: dict[str, frozenset[str]] = {}
        self._reach: dict[str, list[int]] = {}  # titles holding the word or a typo of it, in order
        self.hot: frozenset[str] = frozenset()
        self._near_hot: frozenset[str] = frozenset()  # words near a hot word
        self._hot_count: list[int] = [0] * len(titles)
        self._slack: list[float] = [0.0] * len(titles)
        self._groups: dict[tuple[int, int], list[int]] = {}

    def related(self, word: str) -> frozenset[str]:
        """The indexed words equal to `word` or within a typo of it, either way round."""
        found = self._related.get(word)
        if found is None:
            size = len(word)
            # lengths too far apart fail difflib's first check (real_quick_ratio) either way round: not asked
            near = {other for key in _keys(word) for other in self._by_key.get(key, ())
                    if 2.0 * min(size, len(other)) / (size + len(other)) >= TYPO_CUTOFF}
            found = frozenset(other for other in near
                              if other == word or _within_typo(word, other) or _within_typo(other, word))
            self._related[word] = found
        return found

    def prepare(self, queries: Iterable[tuple[str | None, Hashable]]) -> None:
        """`queries`: (title, group) of every title that will be asked about. A word is hot when more
        titles than the limit, outside the groups asking with it, hold it or a typo of it (the post's own
        titles, which the caller leaves out, would make its own place name hot and every bound loose)."""
        asking: dict[str, set[Hashable]] = {}
        for title, group in queries:
            for word in _title_words(title or ""):
                asking.setdefault(word, set()).add(group)
        limit = max(HOT_LEAST, len(self.words) // HOT_SHARE)
        hot = set()
        for word, groups in asking.items():
            reach = sorted(set(chain.from_iterable(self.postings[w] for w in self.related(word))))
            self._reach[word] = reach
            if sum(1 for i in reach if self.groups[i] not in groups) > limit:
                hot.add(word)
        self.hot = frozenset(hot)
        self._near_hot = near_hot = frozenset(chain.from_iterable(self.related(word) for word in hot))
        self._hot_count = [len(words & near_hot) for words in self.words]
        # what a title's count must make up, its hot words counted: the bound below, rearranged
        self._slack = [_BOUND * len(words) - hot for words, hot in zip(self.words, self._hot_count, strict=True)]
        self._groups = {}
        for index, words in enumerate(self.words):
            if words:
                self._groups.setdefault((len(words), self._hot_count[index]), []).append(index)

    def candidates(self, title: str | None, low: int, high: int) -> list[int]:
        """The titles in positions low..high-1 that may be alike to `title` (one given to `prepare`), in
        order; all others are provably not."""
        words = frozenset(_title_words(title or ""))
        if not words:
            return []
        n = len(words)
        hot_here = sum(1 for w in words if w in self.hot)
        cold = [w for w in words if w not in self.hot]
        # Per title: the cold words here near one of its words, plus its words near a cold word here
        # (those near a hot word are in its hot count already).
        counts = Counter(chain.from_iterable(_between(self._reach[w], low, high) for w in cold))
        near_cold = frozenset().union(*(self.related(w) for w in cold)) - self._near_hot
        counts.update(chain.from_iterable(_between(self.postings[x], low, high) for x in near_cold))
        need, slack = _BOUND * n - hot_here, self._slack  # c + hot_here + hot_count >= _BOUND * (n + m)
        kept = {i for i, c in counts.items() if c - slack[i] >= need}
        # Titles reached through hot words alone: each group's bound is its hot words and ours.
        for (m, hot_there), members in self._groups.items():
            if hot_here + hot_there >= _BOUND * (n + m):
                kept.update(_between(members, low, high))
        return sorted(kept)


def _between(ordered: list[int], low: int, high: int) -> list[int]:
    return ordered[bisect_left(ordered, low):bisect_left(ordered, high)]
