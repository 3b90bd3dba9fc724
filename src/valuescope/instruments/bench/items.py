"""Multiple-choice items: the shared YAML format of `valuescope bench` and its loader.

One file per benchmark (`data/<benchmark>.yaml`, or a user's file given with `--data`):

    benchmark: motive
    version: 1
    description: "..."
    items:
      - id: m001-motivation        # unique in the file
        question: "Why did she ...?"
        options: ["...", "...", ...]   # 2..8 options, as written, no letters
        answer: 1                      # 0-based index of the right option
        category: work                 # optional: per-category breakdown
        group: m001                    # optional: items that belong together
        language: en                   # optional
        context: "..."                 # optional: text shown before the question
        images: ["images/x.png"]       # optional, relative to the file
        type: infer_motivation         # optional: the benchmark's question type

Top-level keys besides `items`: `refusal_option` (honesty: the "cannot be answered"
option's text), `task`, `rule`, `concept` (learning: what the instruction and concept
conditions show).

Loading checks what a careless edit breaks (a missing field, an answer index outside the
options, duplicate ids or options) and names the file and line at fault, like the dilemma
banks (`dilemmas/bank.py`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from valuescope.datasets import (
    DataFileError,
    LocatedDict,
    LocatedList,
    load_yaml_located,
    located_error,
)

MIN_OPTIONS = 2
MAX_OPTIONS = 8


class BenchItem(BaseModel):
    """One multiple-choice question with its right option."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    options: list[str] = Field(min_length=MIN_OPTIONS, max_length=MAX_OPTIONS)
    answer: int = Field(ge=0)
    category: str | None = None
    group: str | None = None
    language: str | None = None
    context: str | None = None
    images: list[str] = Field(default_factory=list)
    type: str | None = None


class BenchFile(BaseModel):
    """A benchmark's item file."""

    model_config = ConfigDict(extra="forbid")

    benchmark: str = Field(min_length=1)
    version: int = 1
    description: str = ""
    refusal_option: str | None = None
    """honesty: the option text that says the question cannot be answered."""
    task: str | None = None
    """learning: the task's name."""
    rule: str | None = None
    """learning: the rule stated outright (learning from instruction)."""
    concept: str | None = None
    """learning: the idea behind the rule, without the rule (learning from concept)."""
    items: list[BenchItem] = Field(min_length=1)


def _item_line(data: object, index: int, key: str | None = None) -> int | None:
    items = data.get("items") if isinstance(data, LocatedDict) else None
    if not isinstance(items, LocatedList) or index >= len(items):
        return None
    node = items[index]
    if isinstance(node, LocatedDict):
        return node.key_lines.get(key, node.line) if key else node.line
    return items.item_lines[index]


def load_bench_file(path: Path, benchmark: str | None = None) -> BenchFile:
    """Load and check an item file; `benchmark` (when given) must match its `benchmark:`.
    Every error is a `DataFileError` naming `path:line`."""
    data = load_yaml_located(path)
    try:
        bench = BenchFile.model_validate(data)
    except ValidationError as exc:
        raise located_error(path, data, exc) from exc
    if benchmark is not None and bench.benchmark != benchmark:
        line = data.key_lines.get("benchmark") if isinstance(data, LocatedDict) else None
        raise DataFileError(
            path, line, f"the file is for benchmark {bench.benchmark!r}, not {benchmark!r}"
        )
    seen: dict[str, int] = {}
    for index, item in enumerate(bench.items):
        if item.id in seen:
            raise DataFileError(
                path,
                _item_line(data, index, "id"),
                f"duplicate item id {item.id!r} (first at index {seen[item.id]})",
            )
        seen[item.id] = index
        if item.answer >= len(item.options):
            raise DataFileError(
                path,
                _item_line(data, index, "answer"),
                f"item {item.id!r}: answer {item.answer} is not an option index "
                f"(0..{len(item.options) - 1})",
            )
        texts = [o.strip().casefold() for o in item.options]
        if len(set(texts)) != len(texts) or not all(texts):
            raise DataFileError(
                path,
                _item_line(data, index, "options"),
                f"item {item.id!r}: options must be distinct and non-empty",
            )
    return bench
