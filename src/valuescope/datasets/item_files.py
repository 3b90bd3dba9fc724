"""Users' own instruments from CSV or JSONL files (YAML banks load in `instruments.likert.items`).

Official inventories (PVQ, BFI-2, MFQ) come as tables with their own column names, so a
`ColumnMapping` says which column holds what (`--columns text=item,dimension=value`).
Polarity accepts the spellings such tables use (`1`/`-1`, `+`/`-`, `R`, `reversed`,
`true`/`false` for "is reversed"). The response scale travels with the instrument: a JSONL
file may start with a `{"scale": {...}}` line; a CSV file takes a sidecar YAML
`<name>.scale.yaml` next to it (or `--scale FILE`) with `points`, `anchors` and `stem`.
Every error names the file and line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from valuescope.datasets._located import DataFileError, load_yaml_located, located_error

FIELDS = ("id", "text", "dimension", "polarity", "paraphrases")
REVERSED = {"-1", "-", "r", "rev", "reverse", "reversed", "reverse-keyed", "true", "yes", "y"}
FORWARD = {"1", "+1", "+", "f", "forward", "keyed", "false", "no", "n", ""}


class ColumnMapping(BaseModel):
    """Which column of the user's file holds each item field (defaults: the field's name)."""

    id: str = "id"
    text: str = "text"
    dimension: str = "dimension"
    polarity: str = "polarity"
    paraphrases: str = "paraphrases"

    @classmethod
    def parse(cls, spec: str | None) -> ColumnMapping:
        """From `text=item,dimension=value`; unknown fields are an error that lists the known."""
        if not spec:
            return cls()
        mapping: dict[str, str] = {}
        for part in spec.split(","):
            field, sep, column = part.partition("=")
            field, column = field.strip(), column.strip()
            if not sep or not column:
                raise ValueError(f"--columns: {part!r} is not FIELD=COLUMN")
            if field not in FIELDS:
                raise ValueError(f"--columns: unknown field {field!r}; fields: {', '.join(FIELDS)}")
            mapping[field] = column
        return cls(**mapping)


def parse_polarity(value: Any, path: Path, line: int) -> int:
    text = str(value).strip().lower()
    if text in REVERSED:
        return -1
    if text in FORWARD:
        return 1
    raise DataFileError(
        path, line, f"polarity {value!r} is neither forward (1, +) nor reversed (-1, R)"
    )


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) for each data row of a CSV or JSONL file."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                yield reader.line_num, dict(row)
        return
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFileError(path, number, f"not valid JSON: {exc.msg}") from exc
            if not isinstance(row, dict):
                raise DataFileError(path, number, "each line must be a JSON object")
            yield number, row


def _paraphrases(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [p.strip() for p in str(value).split("|") if p.strip()]


def read_table_items(path: Path, columns: ColumnMapping) -> tuple[list[dict[str, Any]], Any]:
    """The item dicts of a CSV/JSONL file (`id`, `text`, `dimension`, `polarity`,
    `paraphrases`, `line`) and the scale declared in the file itself (JSONL), if any."""
    items: list[dict[str, Any]] = []
    scale: Any = None
    for line, row in _rows(path):
        if set(row) == {"scale"}:
            scale = row["scale"]
            continue
        for field in ("text", "dimension"):
            if not str(row.get(getattr(columns, field)) or "").strip():
                raise DataFileError(
                    path, line, f"no {field} (column {getattr(columns, field)!r}; "
                    f"columns here: {', '.join(map(str, row))}; map them with --columns)"
                )  # fmt: skip
        items.append(
            {
                "id": str(row.get(columns.id) or f"item{len(items) + 1}"),
                "text": str(row[columns.text]).strip(),
                "dimension": str(row[columns.dimension]).strip(),
                "polarity": parse_polarity(row.get(columns.polarity, 1), path, line),
                "paraphrases": _paraphrases(row.get(columns.paraphrases)),
                "line": line,
            }
        )
    if not items:
        raise DataFileError(path, None, "no items")
    return items, scale


def load_scale_file(path: Path) -> Any:
    """The scale mapping of a `.scale.yaml` file (validated by the caller)."""
    data = load_yaml_located(path)
    return data.get("scale", data) if isinstance(data, dict) else data


def validated(model: type[BaseModel], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise located_error(path, data, exc) from exc
