"""Reading a CSI chunk reply *by word*, never by line position.

Models renumber lines, merge several words on one line, drop lines and add chatter, so a
reply's n-th line is not the n-th word's answer (a known flaw of positional parsing). For
each asked word we find the lines that mention it and read the label from those lines:

- Words and label terms are found as whole words, ignoring case, longest first: "art"
  does not match inside "party", and "party" wins over "art" where both could start. CJK
  text has no spaces, so CJK terms match anywhere, still longest first ("中国人" before
  "中国").
- Words are case-sensitive (a list may ask both `it` and `It`). A mention written in the
  case of one asked word is that word; a mention in another case ("IT", "Joy" for `joy`)
  is the one asked word it could be, and where it could be several (`it` and `It` both
  asked) it is ambiguous: its labels go to no word, and a word with nothing else is
  `invalid` with that reason. A model that capitalises every line writes "It: comedy" and
  "It: tragedy" for `it` and `It`: a word written in its exact case on several lines while
  an asked case variant is written on none is ambiguous in the same way.
- Within a line, each label belongs to the nearest *preceding* asked word
  ("3. joy - comedy, 4. war - tragedy" gives joy -> comedy, war -> tragedy). Labels before
  the first word belong to it only when the line names one word ("Comedy - joy").
- A word whose lines give both polarities is `neutral` (never defaulted to positive); so is
  a word on a line of its own with other words but no label ("joy: happy", "joy: neither").
- A line that is the word alone, give or take numbering and punctuation ("3. joy", "joy:")
  repeats the word without answering: a word with only such lines is `invalid` ("no label
  for the word"), never `neutral`, since a model that echoes the list would otherwise score
  as perfectly reluctant.
- A line that names several asked words and no label at all is an echo of the word list or
  chatter ("Sure, here are joy, war and peace"), not an answer: it is ignored.
- A word that is also a label term (a user list may contain "comedy") counts as the word
  where it opens a line's matches, and as a label anywhere else.
- A word that no line mentions is `missing`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Label = Literal["positive", "negative", "neutral", "missing", "invalid"]
Polarity = Literal["positive", "negative"]

LABEL_TERMS: dict[str, Polarity] = {
    "comedy": "positive",
    "positive": "positive",
    "喜剧": "positive",
    "正面": "positive",
    "积极": "positive",
    "tragedy": "negative",
    "negative": "negative",
    "悲剧": "negative",
    "负面": "negative",
    "消极": "negative",
}

EXCERPT_CHARS = 200
NO_LABEL = "no label for the word"


@dataclass(frozen=True)
class WordReading:
    """What a reply says about one word, and the lines it was read from."""

    label: Label
    excerpt: str = ""
    reason: str | None = None
    """Why the label is `invalid` (the reply mentions the word but gives no usable answer)."""

    @property
    def answered(self) -> bool:
        """Whether the reply gave this word an answer (positive, negative or neutral)."""
        return self.label not in ("missing", "invalid")


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _pattern(term: str) -> str:
    """`term` as a regex that only matches whole words (CJK ends need no boundary)."""
    body = re.escape(term)
    if not _is_cjk(term[0]):
        body = r"(?<!\w)" + body
    if not _is_cjk(term[-1]):
        body += r"(?!\w)"
    return body


def _matcher(terms: set[str]) -> re.Pattern[str]:
    # Python's alternation takes the first alternative that matches, so longest first.
    ordered = sorted(terms, key=lambda t: (-len(t), t))
    return re.compile("|".join(_pattern(t) for t in ordered), re.IGNORECASE)


_ONLY_NUMBERING = re.compile(r"[\W\d_]*")
"""What may surround a word on a line that only repeats it: numbering, punctuation, space."""


@dataclass
class _Mention:
    """An asked word named on a line, with the labels the line gives it. `words` is the one
    word meant, or the case variants it could be when the reply's spelling is ambiguous."""

    words: tuple[str, ...]
    written: str
    polarities: set[Polarity] = field(default_factory=set)
    echo: bool = False
    """The line is this word alone (with numbering or punctuation): no answer."""


class _Words:
    """The asked words by their case-folded spelling, to resolve a mention's case."""

    def __init__(self, words: Sequence[str]) -> None:
        self.by_fold: dict[str, list[str]] = {}
        for word in words:
            self.by_fold.setdefault(word.casefold(), []).append(word)

    def __contains__(self, written: str) -> bool:
        return written.casefold() in self.by_fold

    def meant(self, written: str) -> tuple[str, ...]:
        """The exact-case word if asked, else every asked word this spelling could be."""
        candidates = self.by_fold.get(written.casefold(), [])
        return (written,) if written in candidates else tuple(candidates)


def _without(line: str, spans: list[tuple[int, int]]) -> str:
    """`line` with the given (ordered, disjoint) spans cut out and a space in their place."""
    kept, end = [], 0
    for start, stop in spans:
        kept.append(line[end:start])
        end = stop
    kept.append(line[end:])
    return " ".join(kept)


def _read_line(line: str, words: _Words, matcher: re.Pattern[str]) -> list[_Mention]:
    """The asked words this line mentions, in order, each with the labels it gives them."""
    mentions: dict[tuple[str, ...], _Mention] = {}
    current: _Mention | None = None
    leading: list[Polarity] = []
    n_labels = 0
    word_spans: list[tuple[int, int]] = []
    for match in matcher.finditer(line):
        written = match.group(0)
        label = LABEL_TERMS.get(written.casefold())
        opens_line = current is None and not leading
        if written in words and (label is None or opens_line):
            meant = words.meant(written)
            current = mentions.setdefault(meant, _Mention(meant, written))
            word_spans.append(match.span())
        elif label is not None:
            n_labels += 1
            if current is None:
                leading.append(label)
            else:
                current.polarities.add(label)
    found = list(mentions.values())
    if leading and len(found) == 1:
        found[0].polarities.update(leading)
    if len(found) > 1 and n_labels == 0:
        return []  # an echo of the list or chatter, not an answer
    if len(found) == 1 and n_labels == 0 and _ONLY_NUMBERING.fullmatch(_without(line, word_spans)):
        found[0].echo = True
    return found


@dataclass
class _Observation:
    polarities: set[Polarity]
    line: str
    echo: bool = False
    ambiguous: str | None = None
    """Why this line cannot be this word's answer: its spelling fits several asked words."""


def parse_reply(reply: str, words: Sequence[str]) -> dict[str, WordReading]:
    """Each asked word's label in `reply`: positive, negative, neutral, missing or invalid
    (with its reason). `words` are distinct, case-sensitively."""
    asked = _Words(words)
    matcher = _matcher(set(words) | set(LABEL_TERMS))
    read: list[tuple[str, _Mention]] = []
    for raw_line in reply.splitlines():
        line = raw_line.strip()
        if line:
            read.extend((line, mention) for mention in _read_line(line, asked, matcher))
    collapsed = _collapsed_case_pairs(read, asked)
    observations: dict[str, list[_Observation]] = {w: [] for w in words}
    for line, mention in read:
        ambiguous = None
        if len(mention.words) > 1:
            ambiguous = f"the reply writes {mention.written!r}, which could be " + " or ".join(
                repr(w) for w in mention.words
            )
        elif mention.words[0] in collapsed:
            ambiguous = collapsed[mention.words[0]]
        for word in mention.words:
            observations[word].append(
                _Observation(mention.polarities, line, mention.echo, ambiguous)
            )
    return {word: _verdict(obs) for word, obs in observations.items()}


def _collapsed_case_pairs(read: list[tuple[str, _Mention]], asked: _Words) -> dict[str, str]:
    """Exact-case words whose lines may belong to a case variant: word -> reason.

    A model that capitalises every line writes `It: comedy` and `It: tragedy` for `it` and
    `It`. When one variant is written on several lines and another asked variant on none,
    which line answers which is unknown, so those lines count for neither.
    """
    exact_lines: dict[str, int] = {}
    for _, mention in read:
        if len(mention.words) == 1 and mention.written == mention.words[0]:
            exact_lines[mention.words[0]] = exact_lines.get(mention.words[0], 0) + 1
    collapsed: dict[str, str] = {}
    for variants in asked.by_fold.values():
        unwritten = [w for w in variants if w not in exact_lines]
        if len(variants) < 2 or not unwritten:
            continue
        for word in variants:
            if exact_lines.get(word, 0) >= 2:
                collapsed[word] = (
                    f"the reply writes {word!r} on {exact_lines[word]} lines and never "
                    + " or ".join(repr(w) for w in unwritten)
                    + ": which line answers which is unclear"
                )
    return collapsed


def _verdict(observations: list[_Observation]) -> WordReading:
    if not observations:
        return WordReading("missing")
    answers = [o for o in observations if o.ambiguous is None and not o.echo]
    if not answers:
        # Only lines that repeat the word, or that may be about a case variant of it.
        reasons = dict.fromkeys(o.ambiguous or NO_LABEL for o in observations)
        excerpt = " | ".join(o.line for o in observations)[:EXCERPT_CHARS]
        return WordReading("invalid", excerpt, "; ".join(reasons))
    labelled = [o for o in answers if o.polarities]
    used = labelled or answers
    excerpt = " | ".join(o.line for o in used)[:EXCERPT_CHARS]
    polarities: set[Polarity] = set()
    for observation in labelled:
        polarities |= observation.polarities
    if len(polarities) == 1:
        return WordReading(polarities.pop(), excerpt)
    return WordReading("neutral", excerpt)
