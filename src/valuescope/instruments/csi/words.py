"""The CSI word list: N frequent words from `wordfreq`, or the user's own file.

The original inventory (arXiv 2503.20182) asks about the 5,000 most frequent words of a
language. Raw frequency lists start with function words ("the", "of", "的", "了") that carry no
sentiment and would only inflate neutrality, so the default list keeps content words:
- English: alphabetic words of >= 3 letters that are not in a compact stop-word list;
- Chinese: words of >= 2 CJK characters that are not in a short list of function words.
The instrument's own label words ("comedy", "tragedy", ...) are dropped too: asking whether
"tragedy" is a comedy or a tragedy is circular, and it would confuse the reply parser.

A user's list is used as given (one word a line, blank lines skipped), because a researcher
who brings a list has chosen it; only an exact duplicate or an empty file is refused. Words
are case-sensitive: published lists hold case pairs such as `it` / `It` (479 in the English
CSI list) as distinct words, and the reply parser tells them apart (`parse.py`). The list's
sha256 goes into the manifest and the results, so two runs can be compared only when they
asked the same words.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Lang = Literal["en", "zh"]

_EN_STOP = """
    about above after again against all also among and any are aren because been before
    being below between both but can cannot could couldn did didn does doesn doing don down
    during each either else ever every few for from further get gets getting got had hadn has
    hasn have haven having her here hers herself him himself his how however into isn its
    itself just let may might more most much must mustn myself neither nor not now off once
    only other ought our ours ourselves out over own per same shall shan she should shouldn
    since some still such than that the their theirs them themselves then there these they
    this those though through thus too under until upon very via was wasn were weren what
    when where whether which while who whom whose why will with within without won would
    wouldn yet you your yours yourself yourselves one two three yes okay etc
"""
EN_STOP_WORDS = frozenset(_EN_STOP.split())
"""Function words and auxiliaries (pronouns, determiners, prepositions, conjunctions)."""

_ZH_STOP = """
    一个 我们 你们 他们 她们 它们 大家 自己 什么 怎么 为什么 这个 那个 这些 那些 这样 那样
    这么 那么 这里 那里 哪里 没有 可以 不是 就是 还是 但是 因为 所以 如果 虽然 而且 或者
    然后 以及 已经 只是 因此 由于 其中 对于 关于 一样 一些 一下 一直 一起 之后 之前 以后
    以前 通过 进行 可能 应该 需要 还有 其他 所有 每个 不会 不能 时候 现在 这种 的话 而是
"""
ZH_STOP_WORDS = frozenset(_ZH_STOP.split())
"""Pronouns, demonstratives, conjunctions and auxiliaries of >= 2 characters."""

LABEL_WORDS = frozenset(
    {"comedy", "tragedy", "positive", "negative", "喜剧", "悲剧", "正面", "负面", "积极", "消极"}
)


@dataclass(frozen=True)
class WordList:
    """The words to ask about, where they came from and a hash that identifies them."""

    words: list[str]
    source: str
    """`wordfreq:en` / `wordfreq:zh`, or the path of the user's file."""
    lang: Lang

    @property
    def sha256(self) -> str:
        return hash_words(self.words)


def hash_words(words: list[str]) -> str:
    return hashlib.sha256("\n".join(words).encode("utf-8")).hexdigest()


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def keep_word(word: str, lang: Lang) -> bool:
    """Whether a frequency-list entry is a content word worth asking about."""
    if word in LABEL_WORDS:
        return False
    if lang == "zh":
        return len(word) >= 2 and all(_is_cjk(c) for c in word) and word not in ZH_STOP_WORDS
    return len(word) >= 3 and word.isascii() and word.isalpha() and word not in EN_STOP_WORDS


def default_words(n: int, lang: Lang = "en") -> WordList:
    """The first `n` content words of wordfreq's frequency list for `lang`.

    Fetches `n * k` entries and grows k until enough survive the filter (the filter drops
    about half of English's top entries, more of Chinese's).
    """
    import wordfreq  # its data files load on first use; keep `valuescope --help` fast

    if n < 1:
        raise ValueError("n must be at least 1")
    factor = 3
    while True:
        entries = wordfreq.top_n_list(lang, n * factor)
        kept = [w for w in dict.fromkeys(entries) if keep_word(w, lang)]
        if len(kept) >= n or len(entries) < n * factor:
            break
        factor *= 2
    if len(kept) < n:
        raise ValueError(f"wordfreq has only {len(kept)} content words for {lang!r}")
    return WordList(words=kept[:n], source=f"wordfreq:{lang}", lang=lang)


def read_word_file(path: Path, lang: Lang = "en", n: int | None = None) -> WordList:
    """A user's word list: one word a line, as given; blank lines skipped.

    Raises `DataFileError` naming file:line for an exact duplicate (`it` and `It` are two
    words: the parser keeps them apart), a file that is not UTF-8, or an empty file.
    """
    from valuescope.datasets import DataFileError, read_utf8

    text = read_utf8(path)
    words: list[str] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        word = line.strip()
        if not word:
            continue
        if word in first_line:
            raise DataFileError(
                path, number, f"duplicate word {word!r} (first on line {first_line[word]})"
            )
        first_line[word] = number
        words.append(word)
    if not words:
        raise DataFileError(path, 1, "the word list is empty (one word a line expected)")
    return WordList(words=words[:n] if n else words, source=str(path), lang=lang)


def load_words(n: int | None, lang: Lang, path: Path | None) -> WordList:
    """The user's file if given (its first `n` words when `n` is set), else wordfreq's."""
    if path is not None:
        return read_word_file(path, lang, n)
    return default_words(n or DEFAULT_N, lang)


DEFAULT_N = 1000
"""Default list length. The original uses 5,000; 1,000 keeps a run on the embedded model
within minutes. Pass `--n 5000` to match the original."""
