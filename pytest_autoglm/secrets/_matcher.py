"""One compiled matcher for every registered secret, its escaped spellings and its cut pieces.

A single regular expression, built as a prefix tree of the first :data:`HEAD` characters
of every spelling (``sk-(?:a|b)...``), scans a text once however many secrets there are;
where it finds a head, a set lookup per spelling length says which whole secret (the
longest) starts there. So the cost of a write does not grow with the number of secrets,
and neither does building the matcher much: ``re`` parses its patterns in Python, about
20 k instructions a character, so the pattern holds heads, not whole secrets (a
101-secret pattern of whole keys cost 40 M instructions to compile). The standard
library's ``re`` does the scan in C; no matching library on PyPI is both well kept and
free of a compiled extension, and a prefix tree in ``re`` is the known stdlib idiom for
many literals.

Besides whole secrets, it masks the pieces pytest leaves when it cuts a text:

- around an ellipsis (``'sk-liv...ALUE123'``: long reprs, summary lines cut at the terminal
  width), including one that runs into a ``.`` of the text (``https://api....K7uY9iO2lP4``);
- at the start of each diff line after ``Skipping N identical leading characters in diff``
  and at the end of each one after ``... identical trailing characters ...``.

A piece counts when it is at least :data:`MIN_FRAGMENT_LENGTH` characters long and is the
head (before the cut) or the tail (after it) of a secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from itertools import chain
from urllib.parse import quote, quote_plus

MASK = "***"

#: A piece of a secret this long or longer next to a cut is masked too.
MIN_FRAGMENT_LENGTH = 4
#: Distinct cut checks answered by a scan before the set of 4-grams is built (``Matcher``).
_CHECKS_BEFORE_SET = 256
#: How much of each spelling the compiled pattern holds; the rest is checked by a lookup.
HEAD = 6

_DOTS = re.compile(r"\.{3,}")
#: characters that no spelling escapes (``quote``'s always-safe set)
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]+")
#: A diff line, as pytest writes it (``- x``), in a rendered report too (``E         - x``).
_DIFF_LINE = re.compile(r"(?m)^(?:E {3,})?[-+ ?] (.*)$")
_SKIPPED = re.compile(r"Skipping \d+ identical (leading|trailing) characters in diff")


def spellings(value: str) -> tuple[str, ...]:
    """The value as it appears raw, in a Python repr, in JSON and URL-encoded.

    A report can show a secret escaped (``-l`` locals are reprs; report logs are JSON; a URL
    built by ``urlencode`` uses ``quote_plus``), so each form is redacted too when it differs
    from the raw one.
    """
    if _PLAIN.fullmatch(value):  # the usual key: every escaped form is the value itself
        return (value,)
    forms = [
        value,
        repr(value)[1:-1],
        json.dumps(value)[1:-1],
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        quote_plus(value, safe=""),
    ]
    return tuple(dict.fromkeys(forms))


_Node = dict[str, "_Node"]


def _prefix_tree_pattern(needles: Iterable[str]) -> str:
    """A regex matching any of ``needles``, longest first at each position, as a prefix tree."""
    trie: _Node = {}
    for needle in needles:
        node = trie
        for char in needle:
            node = node.setdefault(char, {})
        node[""] = {}  # the end of a needle

    def build(node: _Node) -> str:
        chain = []
        while len(node) == 1 and "" not in node:  # no branch: one literal run, no recursion
            ((char, node),) = node.items()
            chain.append(re.escape(char))
        ends = "" in node
        branches = [re.escape(c) + build(child) for c, child in node.items() if c]
        if not branches:
            return "".join(chain)
        tail = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:  # a needle ends here, a longer one goes on: prefer the longer (greedy ?)
            tail = f"(?:{tail})?" if len(branches) == 1 else tail + "?"
        return "".join(chain) + tail

    return build(trie)


def _grams(needle: str) -> Iterator[str]:
    """Every run of :data:`MIN_FRAGMENT_LENGTH` characters of ``needle``."""
    return map("".join, zip(*(needle[i:] for i in range(MIN_FRAGMENT_LENGTH)), strict=False))


class Matcher:
    """An immutable snapshot of the secrets to redact; build a new one to add a secret."""

    __slots__ = ("_by_head", "_grams", "_joined", "_needles", "_pattern", "_seen", "shortest")

    def __init__(self, values: Iterable[str]) -> None:
        needles = sorted({form for value in values for form in spellings(value)}, key=len)
        self._needles = tuple(reversed(needles))  # longest first
        heads = {needle[:HEAD] for needle in needles}
        self._pattern = re.compile(_prefix_tree_pattern(heads)) if needles else None
        # head -> (length, spellings of that length starting with the head), longest first;
        # a spelling shorter than HEAD is a head itself, and also starts every longer head
        # that begins with it (the pattern prefers the longer head at a position)
        groups: dict[str, dict[int, set[str]]] = {head: {} for head in heads}
        for needle in needles:
            for head in heads if len(needle) < HEAD else (needle[:HEAD],):
                if head.startswith(needle[:HEAD]):
                    groups[head].setdefault(len(needle), set()).add(needle)
        self._by_head = {
            head: tuple((size, frozenset(group[size])) for size in sorted(group, reverse=True))
            for head, group in groups.items()
        }
        # Every piece of a secret at a cut holds one of its 4-grams next to the cut, so a
        # C-level ``in`` on the joined spellings rules out almost every cut before any
        # spelling is looked at. A set of the 4-grams answers in O(1) but costs about 50 k
        # instructions a secret to build: it is built only once cuts are frequent.
        self._joined = "\0".join(needles)
        self._grams: frozenset[str] | None = None
        self._seen: dict[str, bool] = {}  # scan answers so far (a failure is rendered often)
        #: Texts shorter than this hold no whole secret (only maybe a piece at a cut).
        self.shortest = len(needles[0]) if needles else 0

    def __bool__(self) -> bool:
        return self._pattern is not None

    def _find(self, text: str, pos: int) -> tuple[int, int] | None:
        """``(start, length)`` of the first whole secret at or after ``pos``, longest first."""
        assert self._pattern is not None
        search = self._pattern.search
        while (found := search(text, pos)) is not None:
            start = found.start()
            for size, group in self._by_head[found.group()]:
                if text[start : start + size] in group:
                    return start, size
            pos = start + 1
        return None

    def search(self, text: str) -> bool:
        """Whether ``text`` holds a whole secret (in any spelling)."""
        return self._pattern is not None and self._find(text, 0) is not None

    def sub(self, text: str) -> tuple[str, int]:
        """``text`` with every secret and every piece of one at a cut masked, and how many."""
        if self._pattern is None:
            return text, 0
        hits = 0
        if (
            len(text) >= self.shortest
            and self._pattern.search(text) is not None  # the usual write: no head at all
            and (found := self._find(text, 0)) is not None
        ):
            pieces, last = [], 0
            while found is not None:
                start, size = found
                pieces += [text[last:start], MASK]
                last = start + size
                hits += 1
                found = self._find(text, last)
            pieces.append(text[last:])
            text = "".join(pieces)
        if "..." in text or "identical" in text:
            text, cut = self._mask_pieces(text)
            hits += cut
        return text, hits

    # -- pieces at a cut ---------------------------------------------------------------

    def _could_hold(self, piece: str) -> bool:
        if self._grams is not None:
            return piece in self._grams
        seen = self._seen.get(piece)
        if seen is None:
            if len(self._seen) >= _CHECKS_BEFORE_SET:
                self._grams = frozenset(chain.from_iterable(map(_grams, self._needles)))
                return piece in self._grams
            seen = self._seen[piece] = len(piece) == MIN_FRAGMENT_LENGTH and piece in self._joined
        return seen

    def _head_before(self, text: str, end: int) -> int:
        """Length of the longest head of a secret (shorter than it) that ends at ``end``."""
        if not self._could_hold(text[end - MIN_FRAGMENT_LENGTH : end]):
            return 0
        best = 0
        for needle in self._needles:
            for size in range(min(len(needle) - 1, end), max(best, MIN_FRAGMENT_LENGTH - 1), -1):
                if text.startswith(needle[:size], end - size):
                    best = size
                    break
        return best

    def _tail_after(self, text: str, start: int) -> int:
        """Length of the longest tail of a secret (shorter than it) that starts at ``start``."""
        if not self._could_hold(text[start : start + MIN_FRAGMENT_LENGTH]):
            return 0
        best = 0
        room = len(text) - start
        for needle in self._needles:
            for size in range(min(len(needle) - 1, room), max(best, MIN_FRAGMENT_LENGTH - 1), -1):
                if text.startswith(needle[-size:], start):
                    best = size
                    break
        return best

    def _cut_spans(self, text: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        if "..." in text:
            self._ellipsis_spans(text, spans)
        if "identical" in text:
            self._skipped_diff_spans(text, spans)
        return spans

    def _ellipsis_spans(self, text: str, spans: list[tuple[int, int]]) -> None:
        for run in _DOTS.finditer(text):
            first, last = run.start(), run.end()
            # The ellipsis is three of the dots; the others may belong to the secret.
            for end in range(first, last - 2):
                if size := self._head_before(text, end):
                    spans.append((end - size, end))
            for start in range(first + 3, last + 1):
                if size := self._tail_after(text, start):
                    spans.append((start, start + size))

    def _skipped_diff_spans(self, text: str, spans: list[tuple[int, int]]) -> None:
        for skipped in _SKIPPED.finditer(text):
            leading = skipped.group(1) == "leading"
            for line in _DIFF_LINE.finditer(text, skipped.end()):
                if leading:
                    start = line.start(1)
                    if size := self._tail_after(text, start):
                        spans.append((start, start + size))
                else:
                    end = line.end(1)
                    if size := self._head_before(text, end):
                        spans.append((end - size, end))

    def _mask_pieces(self, text: str) -> tuple[str, int]:
        spans = self._cut_spans(text)
        if not spans:
            return text, 0
        pieces, last = [], 0
        for begin, finish in sorted(spans):
            if begin < last:  # overlaps the span before it
                continue
            pieces += [text[last:begin], MASK]
            last = finish
        pieces.append(text[last:])
        return "".join(pieces), len(pieces) // 2
