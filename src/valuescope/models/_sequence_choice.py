"""Scoring options of several tokens from a server's top-k: a walk down the token tree.

A chat request with `max_tokens=1, top_logprobs=20` scores options that are one token ("yes",
" 3") but not "comedy" (com + edy) or "10" (1 + 0). The walk scores those by their whole
sequence, as the embedded backend does, by asking for the next token's top-20 *given* a
prefix of the answer and multiplying along the path:

    P("comedy") = P("com") * P("edy" | the answer so far is "com")

- Nodes are decoded token strings. A node's children are the tokens in its top-k whose text
  extends the node's text towards a surface form of an option (the option or " " + option,
  as in `surface_variants`); at the first position any token whose stripped text is an
  option counts, as it always has. Shared prefixes are asked once, and the nodes of one
  depth are asked concurrently.
- A node less likely than `PRUNE_BELOW` (the embedded backend's bound, 1e-4) is not
  extended: all it could add to an option is its own probability.
- Where one option's text is a prefix of another's ("1" and "10"), the shorter one gets only
  the mass that does not continue into the longer one: P("1") * (1 - P("0" | "1")), which is
  what the embedded backend's `terminal_prob` computes on token ids.
- A token that a top-k list leaves out is below the k-th probability; an option no path
  reaches is reported missing.

How a server is made to condition on a prefix is the `Expander`'s business (`_continuation`
builds the requests); the walk only asks for the top-k after a path and reads the answer.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from valuescope.models._merge import PRUNE_BELOW, option_lookup, surface_variants

Path = tuple[str, ...]
"""The decoded tokens of an answer prefix; () is the start of the answer."""
TopK = tuple[tuple[str, float], ...]
"""(decoded token, log-probability) pairs at one position: the server's top-k."""


class Expander(Protocol):
    """Asks a server for the top-k after `path`, steering towards `target` (an option's
    surface form that extends the path). Returns the top-k of every path the request revealed;
    `path` is absent from the answer when the server could not follow it."""

    async def __call__(self, path: Path, target: str) -> Mapping[Path, TopK]: ...


@dataclass
class WalkResult:
    raw: list[float]
    """Probability of each option (not renormalised)."""
    reached: list[bool]
    """Whether some token path reached the option (False: missing)."""
    blocked: list[bool]
    """Whether a prefix of the option (at least PRUNE_BELOW likely) was left unfollowed because
    the server could not continue it: the option's probability may be too low."""
    pruned: float = 0.0
    """Probability on prefixes of options not extended because they were below PRUNE_BELOW."""
    lost: float = 0.0
    """Probability on prefixes of options that the server did not continue."""

    @property
    def incomplete(self) -> bool:
        """Some option is missing only because a prefix of it could not be continued."""
        return any(b and not r for b, r in zip(self.blocked, self.reached, strict=True))


async def walk(
    options: list[str],
    first: TopK,
    get_expander: Callable[[], Awaitable[Expander | None]],
    prune_below: float = PRUNE_BELOW,
) -> WalkResult:
    """Score `options` from the first position's top-k `first`, asking for continuations
    through the expander that `get_expander` returns (called at most once, and only if some
    option needs a continuation; None = the server cannot continue a prefix)."""
    lookup = option_lookup(options)
    index = {option: i for i, option in reversed(list(enumerate(options)))}
    targets = {v: o for o in options if o.strip() for v in surface_variants(o)}
    n = len(options)
    result = WalkResult(raw=[0.0] * n, reached=[False] * n, blocked=[False] * n)
    dists: dict[Path, TopK] = {(): first}
    expander: Expander | None = None
    asked = False

    # Prefixes of surface forms: proper ones (text that a longer form extends), and all
    # non-empty ones (text that one more token may reach: a form, or on the way to one).
    proper = {v[:i] for v in targets for i in range(len(v))}
    stems = {v[:i] for v in targets for i in range(1, len(v) + 1)}

    def extends(text: str) -> bool:
        return text in proper

    level: dict[Path, float] = {(): 1.0}
    while level:
        wanted = [
            path
            for path, p in level.items()
            if p >= prune_below and path not in dists and extends("".join(path))
        ]
        if wanted and not asked:
            asked, expander = True, await get_expander()
        if wanted and expander is not None:
            answers = await asyncio.gather(
                *(expander(path, _target("".join(path), targets)) for path in wanted)
            )
            for answer in answers:
                for known, top in answer.items():
                    dists.setdefault(known, top)
        children: dict[Path, float] = {}
        for path, p in level.items():
            text = "".join(path)
            dist = dists.get(path) if extends(text) else None
            if extends(text) and dist is None:
                if p < prune_below:
                    result.pruned += p
                else:
                    result.lost += p
                    for v, longer in targets.items():
                        if len(v) > len(text) and v.startswith(text):
                            result.blocked[index[longer]] = True
            # The first token matches an option as before (" 3", "3 "); later, exact text.
            option = targets.get(text) if len(path) > 1 else lookup.get(text.strip())
            if option is not None:
                onward = 0.0
                if dist is not None:
                    onward = sum(math.exp(lp) for t, lp in dist if t and text + t in stems)
                result.raw[index[option]] += p * max(0.0, 1.0 - onward)
                result.reached[index[option]] = True
            for token, logprob in dist or ():
                if token and (
                    text + token in stems if path else token in proper or token.strip() in lookup
                ):
                    child = (*path, token)
                    children[child] = children.get(child, 0.0) + p * math.exp(logprob)
        level = children
    return result


def unscored_reason(result: WalkResult, k: int) -> str:
    """Why no option got any probability from the log-probabilities (`result` of `walk`,
    `k` first tokens listed)."""
    if any(result.reached):
        return "the options got no probability: each continues into another option"
    if result.pruned > 0 or result.lost > 0:
        return (
            f"no option could be scored: their prefixes were below {PRUNE_BELOW:g} "
            f"(together {result.pruned:.2g}) or not continued by the server (together "
            f"{result.lost:.2g})"
        )
    return f"no option, nor a prefix of one, is among the server's top {k} first tokens"


def _target(text: str, targets: Mapping[str, str]) -> str:
    """The surface form a continuation request for `text` steers towards: the shortest one
    that `text` is a proper prefix of (ties broken alphabetically, so requests repeat)."""
    return min((v for v in targets if len(v) > len(text) and v.startswith(text)), key=_order)


def _order(value: str) -> tuple[int, str]:
    return len(value), value
