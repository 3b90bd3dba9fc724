"""Personas and the wordings that frame a simulated respondent's answers, and their loader.

One model is one respondent, so a questionnaire's reliability cannot be measured across
people. Following Serapio-Garcia et al. ("Personality traits in large language models",
Nature Machine Intelligence 2025), each administration of an item is framed by a persona
description, an item instruction and a postamble (crossed with both option orders): the
personas stand in for a sample of people, and the instructions and postambles show how
much an answer owes to wording. valuescope ships a pool of personas written for it
(`data/personas.yaml`) and the instructions and postambles (`data/phrases.yaml`); users can
bring their own personas as plain text, YAML, CSV or JSONL. Every error names file and line.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from valuescope.datasets import (
    DataFileError,
    LocatedDict,
    LocatedList,
    load_yaml_located,
    read_utf8,
)
from valuescope.datasets.item_files import csv_rows, jsonl_values

PERSONA_FRAMING = (
    'For the following task, respond in a way that matches this description: "{persona}"'
)
"""Introduces the persona before an item (`PERSONA_FRAMING.format(persona=persona.text)`).

`str.format` does not look inside the value it substitutes, so braces in a user's persona
are safe; a double quote in it would end the quotation early, which is why the shipped
pool has none.
"""

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
"""Ids are written into run files and administration ids (`asc/none/...`), so they are kept
to letters, digits, `_`, `-` and `.`: no spaces, no `/`."""

YAML_SUFFIXES = (".yaml", ".yml")
TEXT_SUFFIXES = (".txt", "")
SUFFIXES = ".txt, .yaml, .yml, .csv, .jsonl"
FIELDS = ("id", "text")


@dataclass(frozen=True)
class Persona:
    """A described person the model answers as; `id` is recorded with every answer."""

    id: str
    text: str


@dataclass(frozen=True)
class Phrase:
    """An item instruction or a postamble; `id` is recorded with every answer."""

    id: str
    text: str


@dataclass(frozen=True)
class _Entry:
    """One raw entry of a file, before checks: the values as found and where each was."""

    line: int
    id: Any
    text: Any
    id_line: int
    text_line: int


def _data_path(name: str) -> Path:
    return Path(str(files("valuescope.respondents").joinpath("data", name)))


def load_personas(path: Path | None = None) -> list[Persona]:
    """The personas in `path`, or the shipped pool (over 200, written for valuescope).

    Formats, by suffix:

    - `.txt` (or no suffix): one persona per non-empty line;
    - `.yaml` / `.yml`: a list of strings or of `{id, text}` mappings (or such a list under
      a top-level `personas:` key);
    - `.csv`: a header row with a `text` column and optionally an `id` column (other
      columns are ignored: tables exported from elsewhere carry more);
    - `.jsonl`: one `{"text": ..., "id": ...}` object per line (`id` optional).

    A persona without an id gets `line<N>`, N being its line in the file, so that the id
    still says where it came from. Ids are letters, digits, `_`, `-`, `.` (or a whole
    number). An empty file, a persona without text, a duplicate id and a duplicate text
    (ignoring case and spacing: the same person twice would count twice in reliability)
    are `DataFileError`s naming the file and line.
    """
    source = path if path is not None else _data_path("personas.yaml")
    entries = list(_entries(source))
    if not entries:
        raise DataFileError(source, None, "no personas")
    return [Persona(id_, text) for id_, text in _checked(source, entries, "persona")]


def load_instructions() -> list[Phrase]:
    """The shipped item instructions (ids `i1`, `i2`, ...), which precede an item's stem."""
    return _load_phrases("instructions")


def load_postambles() -> list[Phrase]:
    """The shipped postambles (ids `a1`, `a2`, ...), which follow the statement and ask for
    the answer's form (one option's number)."""
    return _load_phrases("postambles")


def sample_personas(pool: Sequence[Persona], n: int, seed: int) -> list[Persona]:
    """`n` distinct personas of `pool`, the same ones for the same pool, `n` and `seed`.

    The generator is seeded with a string (hashed with SHA-512, not Python's per-process
    string hash), so a resumed or repeated run in another process draws the same
    respondents. The pool is shuffled and its first `n` taken, so a larger `n` with the
    same seed keeps the personas of a smaller one and adds to them.
    """
    if n < 0:
        raise ValueError(f"cannot sample a negative number of personas ({n})")
    if n > len(pool):
        raise ValueError(f"cannot sample {n} personas from a pool of {len(pool)}")
    seen: set[str] = set()
    for persona in pool:
        if persona.id in seen:
            raise ValueError(f"the pool has persona id {persona.id!r} twice")
        seen.add(persona.id)
    order = list(pool)
    random.Random(f"valuescope.respondents:{seed}").shuffle(order)
    return order[:n]


def _load_phrases(key: str) -> list[Phrase]:
    path = _data_path("phrases.yaml")
    data = load_yaml_located(path)
    if not isinstance(data, LocatedDict) or key not in data:
        raise DataFileError(path, getattr(data, "line", None), f"no {key!r} list")
    line = data.key_lines[key]
    entries = list(_yaml_entries(path, data[key], line, key[:-1]))
    if not entries:
        raise DataFileError(path, line, f"no {key}")
    for entry in entries:
        if entry.id is None:
            raise DataFileError(path, entry.line, f"each of the {key} needs an id")
    return [Phrase(id_, text) for id_, text in _checked(path, entries, key[:-1])]


def _entries(path: Path) -> Iterator[_Entry]:
    """The raw entries of a user's file in whichever format its suffix names."""
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        data = load_yaml_located(path)
        if isinstance(data, LocatedDict) and set(data) == {"personas"}:
            yield from _yaml_entries(path, data["personas"], data.key_lines["personas"])
        elif data is not None:
            yield from _yaml_entries(path, data, getattr(data, "line", 1))
    elif suffix == ".csv":
        yield from _csv_entries(path)
    elif suffix == ".jsonl":
        yield from _jsonl_entries(path)
    elif suffix in TEXT_SUFFIXES:
        for number, line in enumerate(io.StringIO(read_utf8(path), newline=None), start=1):
            if line.strip():
                yield _Entry(number, None, line, number, number)
    else:
        raise DataFileError(
            path, None, f"unknown persona file format {path.suffix!r}; use one of {SUFFIXES}"
        )


def _yaml_entries(path: Path, data: Any, line: int, kind: str = "persona") -> Iterator[_Entry]:
    if not isinstance(data, LocatedList):
        raise DataFileError(
            path,
            line,
            f"expected a list of texts or of {{id, text}} mappings, not {_described(data)}",
        )
    for element, element_line in zip(data, data.item_lines, strict=True):
        if isinstance(element, LocatedDict):
            _known_fields(path, element_line, element, kind)
            yield _Entry(
                element_line,
                element.get("id"),
                element.get("text"),
                element.key_lines.get("id", element_line),
                element.key_lines.get("text", element_line),
            )
        else:
            yield _Entry(element_line, None, element, element_line, element_line)


def _csv_entries(path: Path) -> Iterator[_Entry]:
    for line, row in csv_rows(path, read_utf8(path)):
        if "text" not in row:
            raise DataFileError(
                path, 1, f"no 'text' column (columns here: {', '.join(map(str, row))})"
            )
        yield _Entry(line, row.get("id"), row.get("text"), line, line)


def _jsonl_entries(path: Path) -> Iterator[_Entry]:
    for number, row in jsonl_values(path, read_utf8(path)):
        if not isinstance(row, dict):
            raise DataFileError(
                path, number, f"each line must be a JSON object, not {_described(row)}"
            )
        _known_fields(path, number, row, "persona")
        yield _Entry(number, row.get("id"), row.get("text"), number, number)


def _known_fields(path: Path, line: int, mapping: dict[str, Any], kind: str) -> None:
    """A YAML or JSONL entry is written for this purpose, so an unknown key is most likely
    a misspelling (`Text`, `name`) and would otherwise silently drop the text or the id."""
    unknown = [str(key) for key in mapping if key not in FIELDS]
    if unknown:
        raise DataFileError(
            path, line, f"unknown field {unknown[0]!r}; a {kind} has {' and '.join(FIELDS)}"
        )


def _checked(path: Path, entries: list[_Entry], kind: str) -> list[tuple[str, str]]:
    """(id, text) of each entry, after the checks every format shares."""
    result: list[tuple[str, str]] = []
    id_lines: dict[str, int] = {}
    text_lines: dict[str, int] = {}
    for entry in entries:
        text = _text(path, entry, kind)
        id_ = _id(path, entry)
        if id_ in id_lines:
            raise DataFileError(
                path, entry.id_line, f"duplicate id {id_!r} (first at line {id_lines[id_]})"
            )
        key = " ".join(text.split()).casefold()
        if key in text_lines:
            raise DataFileError(
                path,
                entry.text_line,
                f"duplicate {kind} text (first at line {text_lines[key]}): {_short(text)}",
            )
        id_lines[id_] = entry.id_line
        text_lines[key] = entry.text_line
        result.append((id_, text))
    return result


def _text(path: Path, entry: _Entry, kind: str) -> str:
    if entry.text is None:
        raise DataFileError(path, entry.line, f"no text for this {kind}")
    if not isinstance(entry.text, str):
        raise DataFileError(
            path, entry.text_line, f"text must be a string, not {_described(entry.text)}"
        )
    text = entry.text.strip()
    if not text:
        raise DataFileError(path, entry.text_line, f"empty {kind} text")
    return text


def _id(path: Path, entry: _Entry) -> str:
    """The entry's id: a string or a whole number (ids are often `1`, `2`, ...); missing or
    empty: `line<N>`. A float, boolean, list or mapping is a mistake, not a name."""
    value = entry.id
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"line{entry.line}"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise DataFileError(
            path, entry.id_line, f"id must be a string or a whole number, not {_described(value)}"
        )
    id_ = value.strip()
    if not ID_PATTERN.fullmatch(id_):
        raise DataFileError(
            path,
            entry.id_line,
            f"id {id_!r} may hold only letters, digits, '_', '-' and '.' "
            "(and must start with a letter or digit)",
        )
    return id_


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _described(value: Any) -> str:
    """A value's type in words and a short repr, for errors about a value of the wrong type."""
    if isinstance(value, bool):
        kind, shown = "a boolean", repr(value)
    elif isinstance(value, int | float):
        kind, shown = "a number", repr(value)
    elif isinstance(value, str):
        kind, shown = "a string", repr(value)
    elif isinstance(value, list):
        kind, shown = "a list", repr(list(value))
    elif isinstance(value, dict):
        kind, shown = "a mapping", repr(dict(value))
    else:
        kind, shown = type(value).__name__, repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{kind} {shown}"
