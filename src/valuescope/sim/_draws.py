"""The simulated respondent's deterministic randomness: every draw is keyed by its seed and
what it is for (SHA-256, not numpy's stream), so it is the same in every process, platform
and numpy version."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence

from valuescope.models import Message

SELF = "self"
"""The respondent of a request that names no persona of the pool: the model itself."""


def _uniforms(n: int, *parts: object) -> list[float]:
    """`n` uniforms in (0, 1) from SHA-256 of `parts`: the same in every process."""
    out: list[float] = []
    block = 0
    while len(out) < n:
        key = "\x1f".join([*(str(p) for p in parts), str(block)])
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        for start in range(0, 32, 8):
            bits = int.from_bytes(digest[start : start + 8], "little") >> 11  # 53 bits
            out.append((bits + 0.5) / 2.0**53)
        block += 1
    return out[:n]


def _normal(*parts: object) -> float:
    """A standard normal draw keyed by `parts` (Box-Muller on `_uniforms`)."""
    u1, u2 = _uniforms(2, *parts)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def _request_key(messages: Sequence[Message], options: Sequence[str]) -> str:
    payload = json.dumps([[m.role, m.content] for m in messages], ensure_ascii=False)
    return hashlib.sha256((payload + "\x1e" + "\x1f".join(options)).encode()).hexdigest()


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _respondent_key(persona: str | None) -> str:
    return SELF if persona is None or persona.strip() == SELF else f"persona:{persona.strip()}"


def _anchor_key(text: str) -> str:
    return " ".join(text.split()).casefold()
