"""The tables the commands print: name columns that do not wrap, then number columns
aligned right."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.table import Table


def row_table(title: str, names: Iterable[str], numbers: Iterable[str]) -> Table:
    """A table titled `title` with the columns `names` (left) and `numbers` (right)."""
    table = Table(title=title)
    for heading in names:
        table.add_column(heading, no_wrap=True)
    for heading in numbers:
        table.add_column(heading, justify="right", no_wrap=True)
    return table


def joined(counts: Mapping[str, object]) -> str:
    """`{"logprobs": 3, "text": 1}` -> `logprobs: 3, text: 1`."""
    return ", ".join(f"{k}: {v}" for k, v in counts.items())
