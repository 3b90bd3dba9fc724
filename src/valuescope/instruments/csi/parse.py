"""Reading a CSI chunk reply *by word*, never by line position.

Models renumber lines, merge several words on one line, drop lines and add chatter, so a
reply's n-th line is not the n-th word's answer (a known flaw of positional parsing). For
each asked word we find the lines that mention it and read the label from those lines:

- Words and label terms are found as whole words, case-insensitively, longest first: "art"
  does not match inside "party", and "party" wins over "art" where both could start. CJK
  text has no spaces, so CJK terms match anywhere, still longest first ("中国人" before
  "中国").
- Within a line, each label belongs to the nearest *preceding* asked word
  ("3. joy - comedy, 4. war - tragedy" gives joy -> comedy, war -> tragedy). Labels before
  the first word belong to it only when the line names one word ("Comedy - joy").
- A word whose lines give both polarities is `neutral` (never defaulted to positive); a word
  mentioned in a line with one word and no label is `neutral` too ("joy: happy").
- A line that names several asked words and no label at all is an echo of the word list or
  chatter ("Sure, here are joy, war and peace"), not an answer: it is ignored.
- A word that is also a label term (a user list may contain "comedy") counts as the word
  where it opens a line's matches, and as a label anywhere else.
- A word that no line mentions is `missing`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Label = Literal["positive", "negative", "neutral", "missing"]
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


@dataclass(frozen=True)
class WordReading:
    """What a reply says about one word, and the lines it was read from."""

    label: Label
    excerpt: str = ""


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
    return re.compile("|".join(_pattern(t) for t in ordered))


@dataclass
class _Observation:
    polarities: set[Polarity]
    line: str


def _read_line(
    line: str, words: dict[str, str], matcher: re.Pattern[str]
) -> dict[str, set[Polarity]]:
    """The labels this line gives each asked word it mentions (empty set = no label)."""
    found: dict[str, set[Polarity]] = {}
    current: str | None = None
    leading: list[Polarity] = []
    n_labels = 0
    for match in matcher.finditer(line.casefold()):
        term = match.group(0)
        opens_line = current is None and not leading
        if term in words and (term not in LABEL_TERMS or opens_line):
            current = words[term]
            found.setdefault(current, set())
        elif term in LABEL_TERMS:
            n_labels += 1
            if current is None:
                leading.append(LABEL_TERMS[term])
            else:
                found[current].add(LABEL_TERMS[term])
    if leading and len(found) == 1:
        next(iter(found.values())).update(leading)
    if len(found) > 1 and n_labels == 0:
        return {}  # an echo of the list or chatter, not an answer
    return found


def parse_reply(reply: str, words: Sequence[str]) -> dict[str, WordReading]:
    """Each asked word's label in `reply`: positive, negative, neutral or missing."""
    by_key = {w.casefold(): w for w in words}
    matcher = _matcher(set(by_key) | set(LABEL_TERMS))
    observations: dict[str, list[_Observation]] = {w: [] for w in words}
    for raw_line in reply.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        for word, polarities in _read_line(line, by_key, matcher).items():
            observations[word].append(_Observation(polarities, line))
    return {word: _verdict(obs) for word, obs in observations.items()}


def _verdict(observations: list[_Observation]) -> WordReading:
    if not observations:
        return WordReading("missing")
    labelled = [o for o in observations if o.polarities]
    used = labelled or observations
    excerpt = " | ".join(o.line for o in used)[:EXCERPT_CHARS]
    polarities: set[Polarity] = set()
    for observation in labelled:
        polarities |= observation.polarities
    if len(polarities) == 1:
        return WordReading(polarities.pop(), excerpt)
    return WordReading("neutral", excerpt)
