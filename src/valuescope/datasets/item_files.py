"""Users' own instruments from CSV or JSONL files (YAML banks load in `instruments.likert.items`).

Official inventories (PVQ, BFI-2, MFQ) come as tables with their own column names, so a
`ColumnMapping` says which column holds what (`--columns text=item,dimension=value`).
Polarity takes the spellings such tables use, and only those: forward is `1`, `+1`, `+`,
`F`, `forward` or `false` ("is reversed: false"); reversed is `-1`, `-`, `R`, `rev`,
`reverse`, `reversed`, `reverse-keyed` or `true`. A file without a polarity column is all
forward; an empty cell in one is an error (`keyed` columns that say `yes` for reversed are
ambiguous, so `yes`/`no` are refused too). CSV and TSV are read strictly: a row with more
or fewer fields than the header, or a quote never closed, is an error at the row's first
line. The response scale travels with the instrument: a JSONL
file may start with a `{"scale": {...}}` line; a CSV file takes a sidecar YAML
`<name>.scale.yaml` next to it (or `--scale FILE`) with `points`, `anchors` and `stem`.
Every error names the file and line.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from valuescope.datasets._located import (
    DataFileError,
    load_yaml_located,
    located_error,
    read_utf8,
)

FIELDS = ("id", "text", "dimension", "polarity", "paraphrases")
REVERSED = {"-1", "-", "r", "rev", "reverse", "reversed", "reverse-keyed", "true"}
FORWARD = {"1", "+1", "+", "f", "forward", "false"}
POLARITY_SPELLINGS = "forward: 1, +, F, forward, false; reversed: -1, -, R, reversed, true"


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
    """1 (forward) or -1 (reversed) from one of the documented spellings (`POLARITY_SPELLINGS`);
    numbers 1 and -1 as JSON numbers too. Anything else, an empty cell included, is an error."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise DataFileError(path, line, f"polarity {value!r} is not one of {POLARITY_SPELLINGS}")
    text = str(value).strip().lower()
    if text in REVERSED:
        return -1
    if text in FORWARD:
        return 1
    shown = repr(value) if text else "(an empty cell)"
    raise DataFileError(path, line, f"polarity {shown} is not one of {POLARITY_SPELLINGS}")


def table_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) for each data row of a CSV, TSV or JSONL file (UTF-8, BOM
    allowed); a TSV is read as tab-separated with CSV quoting."""
    text = read_utf8(path)
    if path.suffix in (".csv", ".tsv"):
        yield from csv_rows(path, text, "\t" if path.suffix == ".tsv" else ",")
        return
    for number, row in jsonl_values(path, text):
        if not isinstance(row, dict):
            raise DataFileError(path, number, "each line must be a JSON object")
        yield number, row


def csv_rows(path: Path, text: str, delimiter: str = ",") -> Iterator[tuple[int, dict[str, str]]]:
    """(first line, row by column) of each data row of a CSV `text`, read strictly.

    A row with more or fewer fields than the header, a quote opened and never closed, text
    after a closing quote and a column named twice are errors naming the row's first line
    (a quoted field may span lines, so that is where to look). Blank lines are skipped.
    """
    # newline="" as for open(): quoted fields may hold line breaks.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    end = 0  # the last line of the previous record
    while True:
        start = end + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if reader.line_num > start or "end of data" in str(exc):
                raise DataFileError(path, start, "a quoted field opened here is never closed "
                                    "(a missing or stray \")") from exc  # fmt: skip
            raise DataFileError(path, start, f"not valid CSV: {exc}") from exc
        end = reader.line_num
        if not fields:
            continue
        if header is None:
            header = [f.strip() for f in fields]
            twice = sorted({c for c in header if header.count(c) > 1})
            if twice:
                raise DataFileError(path, start, f"column {twice[0]!r} appears twice")
            continue
        if len(fields) != len(header):
            more = "more" if len(fields) > len(header) else "fewer"
            raise DataFileError(
                path, start, f"{len(fields)} fields, {more} than the header's {len(header)} "
                "columns (a text holding the delimiter must be quoted)",
            )  # fmt: skip
        yield start, dict(zip(header, fields, strict=True))


def jsonl_values(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    """(line number, decoded value) for each non-empty line of a JSONL file's `text`.

    newline=None splits on \\n, \\r\\n and \\r like open() does, and on nothing else (a JSON
    string may hold U+2028, which str.splitlines would split on).
    """
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataFileError(path, number, f"not valid JSON: {exc.msg}") from exc


class ItemFileOptions(BaseModel):
    """How to read a user's table of items, as `measure --framework/--scale/--columns` say
    it: the part that a validity instrument file and a sim design's `item_files` share."""

    model_config = ConfigDict(extra="forbid")

    framework: str
    scale: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; fields: {', '.join(FIELDS)}")
        return value


JSON_TYPES: dict[type, str] = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    list: "a list",
    dict: "an object",
}


def _described(value: Any) -> str:
    """A value's JSON type and a short repr, for errors about a value of the wrong type."""
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{JSON_TYPES.get(type(value), type(value).__name__)} {shown}"


def _text_field(row: dict[str, Any], column: str, field: str, path: Path, line: int) -> str:
    """A required text field (`text`, `dimension`): a non-empty string, stripped.

    JSONL can hold any JSON value; `str()` of a list or object would silently become an
    item's text, so anything but a string is an error at its line.
    """
    value = row.get(column)
    if value is not None and not isinstance(value, str):
        raise DataFileError(
            path, line, f"{field} (column {column!r}) must be a string, not {_described(value)}"
        )
    if not (value or "").strip():
        raise DataFileError(
            path, line, f"no {field} (column {column!r}; "
            f"columns here: {', '.join(map(str, row))}; map them with --columns)"
        )  # fmt: skip
    return str(value).strip()


def _item_id(value: Any, number: int, path: Path, line: int) -> str:
    """The item's id: a string, or a whole number (JSONL ids are often `1`, `2`, ...), which
    becomes its decimal string; missing or empty: `item<number>`. A float, boolean, list or
    object is an error: `3.5` or `true` as an id is a mistake, not a name."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"item{number}"
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise DataFileError(
        path, line, f"id must be a string or a whole number, not {_described(value)}"
    )


def _paraphrases(value: Any, path: Path, line: int) -> list[str]:
    """A list of strings (JSONL) or one string with `|` between paraphrases (CSV)."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        wrong = [v for v in value if not isinstance(v, str)]
        if wrong:
            raise DataFileError(
                path, line, f"paraphrases must be strings, not {_described(wrong[0])}"
            )
        return [v.strip() for v in value if v.strip()]
    if not isinstance(value, str):
        raise DataFileError(
            path,
            line,
            f"paraphrases must be a list of strings or one string with | between them, "
            f"not {_described(value)}",
        )
    return [p.strip() for p in value.split("|") if p.strip()]


def read_table_items(path: Path, columns: ColumnMapping) -> tuple[list[dict[str, Any]], Any]:
    """The item dicts of a CSV/JSONL file (`id`, `text`, `dimension`, `polarity`,
    `paraphrases`, `line`) and the scale declared in the file itself (JSONL), if any."""
    items: list[dict[str, Any]] = []
    scale: Any = None
    for line, row in table_rows(path):
        if set(row) == {"scale"}:
            scale = row["scale"]
            continue
        text = _text_field(row, columns.text, "text", path, line)
        dimension = _text_field(row, columns.dimension, "dimension", path, line)
        items.append(
            {
                "id": _item_id(row.get(columns.id), len(items) + 1, path, line),
                "text": text,
                "dimension": dimension,
                "polarity": parse_polarity(row.get(columns.polarity, 1), path, line),
                "paraphrases": _paraphrases(row.get(columns.paraphrases), path, line),
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
