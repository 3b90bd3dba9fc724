"""Turning token log-probabilities into a `Choice`: surface variants and renormalising.

A model asked for "1..6" may answer "1", " 1" or "1." at the first token; these are the same
option. Both backends reduce their log-probabilities to a mapping from a *surface string*
(the decoded token or token sequence) to its probability, and this module maps surface
strings to options, merges the variants and renormalises.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

PRUNE_BELOW = 1e-4
"""Option token sequences whose prefix is less likely than this are not extended: each
extension costs a forward pass (embedded) or a request (server), and the most it could add to
an option is this much probability (SmolLM2 gives the space before " 1" about 4e-6)."""


def surface_variants(option: str) -> list[str]:
    """The spellings of `option` that count as the model choosing it.

    The bare label and the label after a space (tokenisers often fold the space into the
    token). Deliberately narrow: "1." or "(1" are not merged, because a trailing or leading
    character would also begin other answers.
    """
    variants = [option, " " + option]
    return list(dict.fromkeys(variants))


def match_option(surface: str, options: Iterable[str]) -> str | None:
    """Which option a decoded token stands for, if any (whitespace-insensitive)."""
    return option_lookup(options).get(surface.strip())


def option_lookup(options: Iterable[str]) -> dict[str, str]:
    """Stripped spelling -> option, built once per request (matching runs per token)."""
    return {option.strip(): option for option in reversed(list(options)) if option.strip()}


def probs_from_surface_logprobs(
    options: list[str], surface_logprobs: Iterable[tuple[str, float]]
) -> tuple[list[float], float, list[str]]:
    """Merge per-surface log-probabilities into (probs, option_mass, missing).

    `surface_logprobs` pairs a decoded token or token sequence (e.g. " 3") with its
    log-probability. Each pair must stand for a distinct token sequence: several may map to
    one option and their probabilities add. Options with no surface present get 0 and are
    reported as missing.
    """
    mass = dict.fromkeys(options, 0.0)
    seen: set[str] = set()
    lookup = option_lookup(options)
    for surface, logprob in surface_logprobs:
        option = lookup.get(surface.strip())
        if option is None:
            continue
        mass[option] += math.exp(logprob)
        seen.add(option)
    return (*renormalise([mass[o] for o in options]), [o for o in options if o not in seen])


def renormalise(raw: list[float]) -> tuple[list[float], float]:
    """(probs, option_mass): raw option probabilities scaled to sum to 1, and their sum."""
    total = float(sum(raw))
    if total <= 0.0:
        return [0.0] * len(raw), 0.0
    return [p / total for p in raw], min(total, 1.0)
