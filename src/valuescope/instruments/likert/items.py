"""Item banks: statements keyed to a framework's dimensions, with their response scale.

An item bank file (YAML) carries its own response scale (number of points, anchor labels,
question stem), so a user's official inventory can be run exactly as published. Loading
checks what a careless edit breaks (duplicate ids, unknown dimensions, anchors that do not
match the number of points) and names the file and line at fault.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from valuescope.datasets import (
    DataFileError,
    LocatedDict,
    LocatedList,
    load_yaml_located,
    located_error,
)
from valuescope.datasets.item_files import (
    ColumnMapping,
    load_scale_file,
    read_table_items,
    validated,
)
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

    @field_validator("id", mode="before")
    @classmethod
    def _whole_number_id(cls, value: Any) -> Any:
        """`id: 3` names item "3", as in a JSONL file (`item_files`): numbered items are
        common. A float or boolean stays an error, as does any other non-string."""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value


class ItemBank(BaseModel):
    id: str
    framework: str
    description: str = ""
    scale: ResponseScale
    items: list[Item] = Field(min_length=1)

    def for_dimension(self, dimension: str) -> list[Item]:
        return [item for item in self.items if item.dimension == dimension]


def _resolve_dimensions(
    path: Path, framework: Framework, items: list[Item], lines: list[int | None]
) -> list[Item]:
    """Map each item's dimension name to the framework's id (leniently: `Self-Direction` =
    `self_direction`); unknown names fail together, each with its first line."""
    unknown: dict[str, int | None] = {}
    resolved = []
    for item, line in zip(items, lines, strict=True):
        dimension = framework.resolve(item.dimension)
        if dimension is None:
            unknown.setdefault(item.dimension, line)
            continue
        resolved.append(item.model_copy(update={"dimension": dimension}))
    if unknown:
        raise unknown_dimensions(path, framework, unknown)
    return resolved


def _check_unique_ids(path: Path, items: list[Item], lines: list[int | None]) -> None:
    seen: dict[str, int | None] = {}
    for item, line in zip(items, lines, strict=True):
        if item.id in seen:
            raise DataFileError(
                path, line, f"duplicate item id {item.id!r} (first at line {seen[item.id]})"
            )
        seen[item.id] = line


def load_instrument_file(
    path: Path,
    framework: Framework,
    columns: ColumnMapping | None = None,
    scale_file: Path | None = None,
) -> ItemBank:
    """A user's instrument: a YAML bank, or a CSV/JSONL table of items plus its scale."""
    if path.suffix in (".yaml", ".yml"):
        return load_item_bank(path, framework)
    if path.suffix not in (".csv", ".jsonl"):
        raise DataFileError(path, None, "item files must be .yaml, .yml, .csv or .jsonl")
    if not path.is_file():
        raise DataFileError(path, None, "no such file")
    rows, scale_data = read_table_items(path, columns or ColumnMapping())
    sidecar = scale_file or path.with_suffix(".scale.yaml")
    scale_path = path
    if scale_file is not None or (scale_data is None and sidecar.is_file()):
        scale_data, scale_path = load_scale_file(sidecar), sidecar
    if scale_data is None:
        raise DataFileError(
            path,
            None,
            'no response scale: give a first line {"scale": {...}} (JSONL), a file '
            f"{sidecar.name} beside it, or --scale FILE (points, anchors, stem)",
        )
    scale = validated(ResponseScale, scale_data, scale_path)
    lines: list[int | None] = [row.pop("line") for row in rows]
    items = [_table_item(path, row, line) for row, line in zip(rows, lines, strict=True)]
    _check_unique_ids(path, items, lines)
    return ItemBank(
        id=path.stem,
        framework=framework.id,
        description=f"loaded from {path.name}",
        scale=scale,
        items=_resolve_dimensions(path, framework, items, lines),
    )


def _table_item(path: Path, row: dict[str, Any], line: int | None) -> Item:
    """One CSV/JSONL row as an `Item`; `read_table_items` has checked the field types, so a
    failure here is a rule of `Item` itself, still reported at the row's line."""
    try:
        return Item.model_validate(row)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise DataFileError(path, line, f"{field}: {first['msg']}") from exc


def builtin_item_bank_path(framework_id: str) -> Path:
    return Path(str(files("valuescope.instruments").joinpath("data", f"{framework_id}.yaml")))


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def shipped_item_banks() -> dict[str, tuple[str, Path]]:
    """Every item bank valuescope ships: bank id (its file's name) -> (its framework's id,
    path). A framework's own bank is named after it (`bigfive`); other banks for a framework
    have their own names (`bigfive_short`, a second Big Five method). The folder also holds
    instruments that are no Likert bank (the dilemmas): a bank is a file with `items`."""
    folder = builtin_item_bank_path("bank").parent
    banks: dict[str, tuple[str, Path]] = {}
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_FAST_LOADER)
        if isinstance(data, dict) and "items" in data and isinstance(data.get("framework"), str):
            banks[path.stem] = (data["framework"], path)
    return banks


def load_item_bank(path: Path, framework: Framework) -> ItemBank:
    """Load and check an item bank against `framework`; errors name file and line."""
    data = load_yaml_located(path)
    try:
        bank = ItemBank.model_validate(data)
    except ValidationError as exc:
        raise located_error(path, data, exc) from exc
    nodes = data["items"]
    lines = [
        node.line if isinstance(node, LocatedDict) else None
        for node in (nodes if isinstance(nodes, LocatedList) else [None] * len(bank.items))
    ]
    _check_unique_ids(path, bank.items, lines)
    return bank.model_copy(
        update={"items": _resolve_dimensions(path, framework, bank.items, lines)}
    )


def unknown_dimensions(
    path: Path, framework: Framework, unknown: dict[str, int | None]
) -> DataFileError:
    """The error for names that are no dimension of `framework` (name -> its line), at the
    first one's line, listing them and the framework's dimensions."""
    listed = ", ".join(f"{name!r} (line {line})" for name, line in unknown.items())
    return DataFileError(
        path,
        next(iter(unknown.values())),
        f"unknown dimension(s) for framework {framework.id}: {listed}; "
        f"known: {', '.join(framework.ids)}",
    )
