"""Reading a judge's JSON when the backend could not hold it to the template.

A server without grammar support writes free text, and small judges write near-JSON:
wrapped in a code fence, single quotes, `true`/`yes` for 1, a trailing comma, the closing
brace cut off by `max_tokens`, keys in another case. `parse_labels` repairs what is
trivially repairable and nothing more: it never guesses a label that is not written. The
result names every dimension it could not find (the caller counts the answer invalid when
any is missing) and whether a repair was needed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

_TRUE = {"1", "1.0", "true", "yes", "y"}
_FALSE = {"0", "0.0", "false", "no", "n"}
_PAIR = re.compile(r"""["']?([A-Za-z][\w \-]*?)["']?\s*:\s*["']?([A-Za-z0-9.]+)["']?""")


@dataclass
class ParsedLabels:
    labels: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    repaired: bool = False
    reason: str | None = None
    """Why nothing could be read (no object at all); None when something was."""


def _key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _label(value: object) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float) and value in (0, 1):
        return int(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    return None


def parse_labels(text: str, dimension_ids: list[str]) -> ParsedLabels:
    """The 0/1 label per dimension id written in `text` (see the module docstring)."""
    start = text.find("{")
    if start < 0:
        return ParsedLabels(missing=list(dimension_ids), reason="no JSON object in the answer")
    end = text.rfind("}")
    body = text[start : end + 1] if end > start else text[start:]
    values: dict[str, object] | None = None
    try:
        loaded = json.loads(body)
        values = loaded if isinstance(loaded, dict) else None
    except json.JSONDecodeError:
        values = None
    repaired = values is None or end <= start
    if values is None:
        values = {m.group(1): m.group(2) for m in _PAIR.finditer(body)}
    wanted = {_key(d): d for d in dimension_ids}
    labels: dict[str, int] = {}
    for key, value in values.items():
        dimension = wanted.get(_key(str(key)))
        label = _label(value)
        if dimension is not None and label is not None and dimension not in labels:
            labels[dimension] = label
            repaired = repaired or str(key) != dimension or not isinstance(value, int)
    missing = [d for d in dimension_ids if d not in labels]
    if not labels:
        return ParsedLabels(
            missing=missing, repaired=repaired, reason="no dimension's 0/1 could be read"
        )
    return ParsedLabels(labels=labels, missing=missing, repaired=repaired)
