"""Value targets: a priority per dimension on a scale, e.g. Schwartz values on 1..6.

    target = parse_target("self_direction=6,tradition=1,benevolence=5", framework)
    target = load_target(Path("target.yaml"), framework)

A YAML target file is

    framework: schwartz10      # optional; must match --framework when given
    scale: [1, 6]              # optional; default 1..6
    priorities:
      self_direction: 6
      tradition: 1

Several values that pull against each other (self-direction high, tradition low) are the
normal case. Dimensions the target does not name are left alone: steering methods neither
push them up nor down, and the evaluation reports them but does not score conformity on
them. `normalised` maps a priority onto [0, 1] (`low` -> 0, `high` -> 1): the probability
with which a judge should find the value expressed in a steered response.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, model_validator

from valuescope.datasets import DataFileError, line_of, load_yaml_located
from valuescope.engine import ConfigError
from valuescope.frameworks import Framework, check_declared_framework

DEFAULT_SCALE = (1.0, 6.0)


class TargetError(ConfigError):
    """A target that cannot be used: an unknown dimension (the message lists the known
    ones), a priority off the scale, a malformed `name=value`."""


class Target(BaseModel):
    """A priority per named dimension of `framework`, on `scale` (low, high)."""

    framework: str
    priorities: dict[str, float] = Field(min_length=1)
    scale: tuple[float, float] = DEFAULT_SCALE

    @model_validator(mode="after")
    def _on_scale(self) -> Target:
        low, high = self.scale
        if not low < high:
            raise ValueError(f"the scale's low end {low} must be below its high end {high}")
        off = {d: p for d, p in self.priorities.items() if not low <= p <= high}
        if off:
            listed = ", ".join(f"{d}={p:g}" for d, p in off.items())
            raise ValueError(f"priorities off the scale {low:g}..{high:g}: {listed}")
        return self

    @property
    def dimensions(self) -> list[str]:
        return list(self.priorities)

    def normalised(self, dimension: str) -> float:
        """The priority of `dimension` mapped onto [0, 1]."""
        low, high = self.scale
        return (self.priorities[dimension] - low) / (high - low)

    def on_scale(self, share: float) -> float:
        """A share in [0, 1] (a judge's P(expressed)) mapped back onto the target's scale."""
        low, high = self.scale
        return low + share * (high - low)

    def describe(self) -> str:
        """`self_direction=6, tradition=1 (scale 1..6)`: for logs and reports."""
        pairs = ", ".join(f"{d}={p:g}" for d, p in self.priorities.items())
        return f"{pairs} (scale {self.scale[0]:g}..{self.scale[1]:g})"

    def ranked(self) -> list[str]:
        """The named dimensions from the highest priority to the lowest."""
        return sorted(self.priorities, key=lambda d: -self.priorities[d])


def _resolve(framework: Framework, name: str) -> str:
    dimension = framework.resolve(name)
    if dimension is None:
        raise TargetError(
            f"{name!r} is not a dimension of {framework.id}; known: {', '.join(framework.ids)}"
        )
    return dimension


def _checked(framework: Framework, priorities: dict[str, float],
             scale: tuple[float, float]) -> Target:  # fmt: skip
    try:
        return Target(framework=framework.id, priorities=priorities, scale=scale)
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise TargetError(message) from None


def parse_scale(text: str) -> tuple[float, float]:
    """`1-6` or `1..5` -> (1.0, 6.0)."""
    for separator in ("..", "-", ","):
        low, found, high = text.partition(separator)
        if found:
            try:
                return float(low), float(high)
            except ValueError:
                break
    raise TargetError(f"a scale is written LOW-HIGH, e.g. 1-6 (got {text!r})")


def parse_target(
    text: str, framework: Framework, scale: tuple[float, float] = DEFAULT_SCALE
) -> Target:
    """`"self_direction=6,tradition=1"` -> a `Target` (names matched leniently:
    `Self-Direction` works)."""
    priorities: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, found, value = part.partition("=")
        if not found:
            raise TargetError(f"each target entry is name=priority (got {part!r})")
        try:
            priority = float(value)
        except ValueError:
            raise TargetError(
                f"the priority of {name.strip()!r} is not a number: {value!r}"
            ) from None
        dimension = _resolve(framework, name.strip())
        if dimension in priorities:
            raise TargetError(f"{dimension} is named twice")
        priorities[dimension] = priority
    if not priorities:
        raise TargetError("the target names no dimension (e.g. benevolence=6,power=1)")
    return _checked(framework, priorities, scale)


def load_target(path: Path, framework: Framework) -> Target:
    """A YAML target file (see the module docstring); errors name the file and line."""
    data = load_yaml_located(path)
    if not isinstance(data, dict) or not isinstance(data.get("priorities"), dict):
        raise DataFileError(path, None, "a target file needs a mapping under `priorities:`")
    check_declared_framework(path, data, framework, "target")
    scale = DEFAULT_SCALE
    if "scale" in data:
        raw = data["scale"]
        if not (isinstance(raw, list) and len(raw) == 2
                and all(isinstance(v, int | float) for v in raw)):  # fmt: skip
            raise DataFileError(path, line_of(data, ("scale",)), "scale is [low, high]")
        scale = (float(raw[0]), float(raw[1]))
    priorities: dict[str, float] = {}
    for name, value in data["priorities"].items():
        line = line_of(data, ("priorities", name))
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise DataFileError(path, line, f"the priority of {name} must be a number")
        try:
            priorities[_resolve(framework, str(name))] = float(value)
        except TargetError as exc:
            raise DataFileError(path, line, str(exc)) from None
    try:
        return _checked(framework, priorities, scale)
    except TargetError as exc:
        raise DataFileError(path, None, str(exc)) from None


def read_target(
    spec: str, framework: Framework, scale: tuple[float, float] = DEFAULT_SCALE
) -> Target:
    """`--target`: a `name=value,...` string, or the path of a YAML file."""
    path = Path(spec)
    if spec.endswith((".yaml", ".yml")) or path.is_file():
        if not path.is_file():
            raise TargetError(f"no target file {spec}")
        return load_target(path, framework)
    return parse_target(spec, framework, scale)
