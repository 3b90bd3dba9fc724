"""Reading an option letter out of a free-text answer (`--answer-mode parse|reason`).

Models answer a lettered question in many spellings: "B", "B)", "(b)", "**B**",
"Answer: B", "The answer is (B).", the option's text echoed back, or (reason mode) a
paragraph of reasoning that ends "... so the answer is C". `parse_answer` returns the
0-based *shown* position of the answer, or None when the text names no option, or names
several with nothing to tell them apart: such an answer is recorded invalid and counted,
never guessed.

Order of the rules (the first that matches wins):
1. an explicit cue, "answer is X" / "answer: X" / "option X" / "choice X": in reason mode
   the *last* one (reasoning weighs other options before its conclusion), else the first
   ("Answer: B. Option C is wrong because ...");
2. the whole answer is one letter, with optional brackets, bold or punctuation;
3. the answer *starts* with a letter followed by ")" "." ":" or is "(X)" first (parse mode
   echoes "B) the option text");
4. reason mode only: the last line is one letter (the MotiveBench CoT prompt's format);
5. exactly one option's text appears in the answer (an echoed option without its letter).
An answer that lists two or more lettered options on lines of their own (the question's
list echoed back) names none, unless a cue (rule 1) says which.
Lower-case letters count only where the spelling leaves no doubt ("(b)", "b)", a lone
"b"): a lower-case "a" inside a sentence is an article, not an answer.
"""

from __future__ import annotations

import re
import string

LETTERS = string.ascii_uppercase


def letters(n: int) -> list[str]:
    """The labels of `n` options: A, B, C, ..."""
    return list(LETTERS[:n])


def _clean(text: str) -> str:
    return re.sub(r"[*_`]+", "", text).strip()


def _index(letter: str, n: int) -> int | None:
    index = LETTERS.find(letter.upper())
    return index if 0 <= index < n else None


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


def parse_answer(text: str, options: list[str], reason: bool = False) -> int | None:
    """The shown position (0-based) `text` answers among `options` (shown in that order,
    labelled A, B, ...), or None (see the module docstring for the rules)."""
    n = len(options)
    valid = LETTERS[:n]
    body = _clean(text)
    if not body:
        return None
    cue = re.compile(
        r"(?:answer|option|choice)\s*(?:is|would be|:|=|-)?\s*(?:option\s*)?[:\s]*"
        rf"([(\[])?([{valid}{valid.lower()}])\b([)\].:]|\s*$)?",
        re.IGNORECASE,
    )
    # An upper-case letter after a cue is an answer; a lower-case one only when bracketed
    # or closing the text ("the answer is a difficult one" names nothing).
    found = [
        m.group(2)
        for m in cue.finditer(body)
        if m.group(2).isupper() or m.group(1) or m.group(3) is not None
    ]
    if found:
        return _index(found[-1] if reason else found[0], n)
    whole = re.fullmatch(rf"[(\[]?([{valid}{valid.lower()}])[)\].:]?", body)
    if whole:
        return _index(whole.group(1), n)
    listed = {m.upper() for m in re.findall(rf"^\s*\(?([{valid}])[).:]", body, re.MULTILINE)}
    if len(listed) >= 2:
        return None  # the option list echoed back (tiny models do): it names no answer
    start = re.match(rf"(?:\(([{valid}{valid.lower()}])\)|([{valid}])[).:]|([a-h])\))\s", body)
    if start:
        letter = next(g for g in start.groups() if g)
        return _index(letter, n)
    if reason:
        last = _clean(body.splitlines()[-1])
        lone = re.fullmatch(rf"[(\[]?([{valid}])[)\].:]?", last)
        if lone:
            return _index(lone.group(1), n)
    said = _normalise(body)
    echoed = [i for i, o in enumerate(options) if _normalise(o) and _normalise(o) in said]
    return echoed[0] if len(echoed) == 1 else None
