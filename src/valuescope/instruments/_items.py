"""Item banks: statements keyed to a framework's dimensions, with their response scale.

An item bank file (YAML) carries its own response scale (number of points, anchor labels,
question stem), so a user's official inventory can be run exactly as published. Loading
checks what a careless edit breaks (duplicate ids, unknown dimensions, anchors that do not
match the number of points) and names the file and line at fault.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from valuescope.datasets import DataFileError, load_yaml_located, located_error
from valuescope.datasets._located import LocatedDict, LocatedList
from valuescope.frameworks import Framework


class ResponseScale(BaseModel):
    """A Likert scale: points `minimum..minimum+points-1`, one anchor label per point."""

    points: int = Field(ge=2, le=11)
    anchors: list[str]
    stem: str
    minimum: int = 1

    @model_validator(mode="after")
    def _one_anchor_per_point(self) -> ResponseScale:
        if len(self.anchors) != self.points:
            raise ValueError(f"{len(self.anchors)} anchors for a {self.points}-point scale")
        return self

    @property
    def values(self) -> list[int]:
        return list(range(self.minimum, self.minimum + self.points))

    @property
    def maximum(self) -> int:
        return self.minimum + self.points - 1

    def reverse(self, x: float) -> float:
        """The reverse-keyed value of `x`: max + min - x."""
        return self.maximum + self.minimum - x


class Item(BaseModel):
    id: str = Field(min_length=1)
    dimension: str
    text: str = Field(min_length=1)
    polarity: Literal[1, -1] = 1
    paraphrases: list[str] = Field(default_factory=list)


class ItemBank(BaseModel):
    id: str
    framework: str
    description: str = ""
    scale: ResponseScale
    items: list[Item] = Field(min_length=1)

    def for_dimension(self, dimension: str) -> list[Item]:
        return [item for item in self.items if item.dimension == dimension]


def builtin_item_bank_path(framework_id: str) -> Path:
    return Path(str(files("valuescope.instruments").joinpath("data", f"{framework_id}.yaml")))


def load_item_bank(path: Path, framework: Framework) -> ItemBank:
    """Load and check an item bank against `framework`; errors name file and line."""
    data = load_yaml_located(path)
    try:
        bank = ItemBank.model_validate(data)
    except ValidationError as exc:
        raise located_error(path, data, exc) from exc
    items_node = data["items"]
    seen: dict[str, int] = {}
    resolved: list[Item] = []
    for index, item in enumerate(bank.items):
        node = items_node[index] if isinstance(items_node, LocatedList) else None
        line = node.line if isinstance(node, LocatedDict) else None
        if item.id in seen:
            raise DataFileError(
                path, line, f"duplicate item id {item.id!r} (first at index {seen[item.id]})"
            )
        seen[item.id] = index
        dimension = framework.resolve(item.dimension)
        if dimension is None:
            where = node.key_lines.get("dimension", line) if isinstance(node, LocatedDict) else line
            raise DataFileError(
                path,
                where,
                f"item {item.id!r}: unknown dimension {item.dimension!r} for framework "
                f"{framework.id} (known: {', '.join(framework.ids)})",
            )
        resolved.append(item.model_copy(update={"dimension": dimension}))
    return bank.model_copy(update={"items": resolved})
