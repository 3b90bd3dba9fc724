"""`levels`: set each target dimension to one of nine levels through trait adjectives.

The shaping design of Serapio-Garcia et al. (Nature Machine Intelligence 2025,
"Personality traits in large language models"), written in our words and extended from the
Big Five to every framework valuescope ships. Each dimension has two lists of adjectives
(`steering/data/adjectives.yaml`): `high` describes a person who scores high on it, `low`
one who scores low. A level qualifies every adjective of one pole:

    1 extremely low   "extremely conventional, extremely incurious, ..."
    2 very low        "very conventional, very incurious, ..."
    3 low             "conventional, incurious, ..."
    4 a bit low       "a bit conventional, a bit incurious, ..."
    5 neutral         "neither conventional nor imaginative, neither incurious nor curious, ..."
    6 a bit high      "a bit imaginative, a bit curious, ..."
    7 high            "imaginative, curious, ..."
    8 very high       "very imaginative, very curious, ..."
    9 extremely high  "extremely imaginative, extremely curious, ..."

The neutral level pairs the i-th low adjective with the i-th high one ("neither X nor Y",
as the paper does) rather than leaving the dimension out: a dimension the target names is
always mentioned, and one it does not name never is. The instruction is a self-description
in the persona framing, one comma-separated list over the target's dimensions (highest
priority first):

    Whatever you are asked next, answer in a way that fits this description of yourself:
    "I am very imaginative, very curious, ..., a bit reserved, a bit quiet, ..."

A target priority maps to a level by rounding `1 + 8 * target.normalised(d)` half up (on
the default 1..6 scale: 1 -> 1, 2 -> 3, 3 -> 4, 3.5 -> 5, 4 -> 6, 5 -> 7, 6 -> 9).

`LevelsMethod.search` does not search: it scores that instruction once on the optimisation
tasks, like the baselines. What the design adds is the check that the levels work:
`levels_calibration.calibrate_levels` measures the shaped trait with the framework's
questionnaire at every level and reports Spearman's rho between intended and measured level.
"""

from __future__ import annotations

import math
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel

from valuescope.datasets import DataFileError, line_of, load_yaml_located
from valuescope.frameworks import Framework
from valuescope.steering.artifact import MethodName
from valuescope.steering.search import MethodContext, MethodOutcome
from valuescope.steering.targets import Target

LEVELS = range(1, 10)
LEVEL_NAMES = {
    1: "extremely low", 2: "very low", 3: "low", 4: "a bit low", 5: "neutral",
    6: "a bit high", 7: "high", 8: "very high", 9: "extremely high",
}  # fmt: skip
QUALIFIERS = {1: "extremely", 2: "very", 3: "", 4: "a bit", 6: "a bit", 7: "", 8: "very",
              9: "extremely"}  # fmt: skip
"""The word before each adjective at a level (the neutral level 5 has its own form)."""
FRAMING = (
    "Whatever you are asked next, answer in a way that fits this description of yourself: "
    '"I am {description}."'
)


class Poles(BaseModel):
    """A dimension's adjectives: `high` for a person high on it, `low` for one low on it."""

    high: list[str]
    low: list[str]


def builtin_adjectives_path() -> Path:
    return Path(str(files("valuescope.steering") / "data" / "adjectives.yaml"))


def _words(path: Path, data: object, loc: tuple[str, ...]) -> list[str]:
    """A pole's adjectives: a non-empty list of words, or an error at its line."""
    node = data
    for key in loc:
        node = node.get(key) if isinstance(node, dict) else None
    where = " -> ".join(loc)
    if not isinstance(node, list) or not node:
        raise DataFileError(path, line_of(data, loc), f"{where} needs a list of adjectives")
    if not all(isinstance(w, str) and w.strip() for w in node):
        raise DataFileError(path, line_of(data, loc), f"{where}: every adjective is a word")
    return [w.strip() for w in node]


@cache
def _load(path: Path) -> dict[str, dict[str, Poles]]:
    data = load_yaml_located(path)
    if not isinstance(data, dict):
        raise DataFileError(path, None, "an adjectives file maps framework -> dimension -> "
                                        "high/low lists")  # fmt: skip
    table: dict[str, dict[str, Poles]] = {}
    for framework, dimensions in data.items():
        if not isinstance(dimensions, dict):
            raise DataFileError(path, line_of(data, (framework,)),
                                f"{framework} maps its dimensions to high/low lists")  # fmt: skip
        table[framework] = {}
        for dimension in dimensions:
            loc = (framework, dimension)
            high, low = _words(path, data, (*loc, "high")), _words(path, data, (*loc, "low"))
            shared = sorted(set(high) & set(low))
            if shared:
                raise DataFileError(path, line_of(data, loc), f"{framework} -> {dimension}: "
                                    f"both poles list {', '.join(shared)}")  # fmt: skip
            table[framework][dimension] = Poles(high=high, low=low)
    return table


def adjectives_for(framework: Framework, path: Path | None = None) -> dict[str, Poles]:
    """Every dimension's adjectives for `framework` (the shipped file unless `path`).

    A framework or a dimension the file lacks is an error naming the file: a level cannot
    be described without words, and falling back to the dimension's name would be a
    different method."""
    path = path or builtin_adjectives_path()
    table = _load(path.resolve())
    if framework.id not in table:
        raise DataFileError(path, None, f"no adjectives for framework {framework.id} "
                                        f"(it has: {', '.join(table) or 'none'})")  # fmt: skip
    entries = table[framework.id]
    missing = [d for d in framework.ids if d not in entries]
    if missing:
        raise DataFileError(path, None, f"no adjectives for {', '.join(missing)} "
                                        f"of framework {framework.id}")  # fmt: skip
    return {d: entries[d] for d in framework.ids}


def level_phrase(poles: Poles, level: int) -> str:
    """One dimension at `level`: every adjective of its pole with the level's qualifier."""
    if level not in LEVELS:
        raise ValueError(f"a level is 1..9, not {level}")
    if level == 5:
        return ", ".join(f"neither {lo} nor {hi}" for lo, hi in zip(poles.low, poles.high,
                                                                    strict=False))  # fmt: skip
    words = poles.low if level < 5 else poles.high
    qualifier = QUALIFIERS[level]
    return ", ".join(f"{qualifier} {w}".strip() for w in words)


def level_for(target: Target, dimension: str) -> int:
    """A target priority as a level: `1 + 8 * normalised`, rounded half up."""
    return math.floor(1 + 8 * target.normalised(dimension) + 0.5 + 1e-9)


def target_levels(target: Target) -> dict[str, int]:
    """Every named dimension's level, highest priority first."""
    return {d: level_for(target, d) for d in target.ranked()}


def levels_instruction(framework: Framework, levels: dict[str, int],
                       adjectives: Path | None = None) -> str:  # fmt: skip
    """The steering text that sets each dimension of `levels` to its level (in the order
    given); dimensions it does not name are not mentioned."""
    if not levels:
        raise ValueError("levels_instruction needs at least one dimension")
    poles = adjectives_for(framework, adjectives)
    description = ", ".join(level_phrase(poles[d], level) for d, level in levels.items())
    return FRAMING.format(description=description)


def describe_levels(levels: dict[str, int]) -> list[str]:
    """`openness: level 8 (very high)` per dimension: the run's notes."""
    return [f"{d}: level {level} ({LEVEL_NAMES[level]})" for d, level in levels.items()]


class LevelsMethod:
    """Trait adjectives at one of nine levels per target dimension (no search)."""

    name: ClassVar[MethodName] = "levels"

    async def search(self, context: MethodContext) -> MethodOutcome:
        levels = target_levels(context.target)
        text = levels_instruction(context.framework, levels)
        scored = await context.evaluate(text, context.tasks)
        best = context.candidate(1, "levels", text, scored, note="; ".join(describe_levels(levels)))
        return MethodOutcome(instruction=text, score=best.score, rounds_run=1,
                             stopped="no search", notes=describe_levels(levels))  # fmt: skip
