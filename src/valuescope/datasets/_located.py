"""Reading YAML (and JSONL) so that validation errors can name the file and line at fault.

`yaml.safe_load` forgets where each value came from. `load_yaml_located` keeps it: every
mapping becomes a `LocatedDict` that remembers the line of each of its keys, and every list a
`LocatedList` that remembers the line of each element. `located_error` then turns a pydantic
`ValidationError` into a `DataFileError` that says `file:line: field: what is wrong`, pointing
at the key that is wrong, or at the mapping that lacks a required key.

Every user data file (item banks, scales, frameworks, word lists) is read with `read_utf8`,
so that a file saved in another encoding (Excel's "CSV" is often Windows-1252) is one clear
error naming the file, line and byte, instead of a `UnicodeDecodeError` traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from valuescope.errors import UserError


class DataFileError(UserError, ValueError):
    """A data file (item bank, framework, word list) that cannot be used, with its location."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.detail = message
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


def read_utf8(path: Path) -> str:
    """The text of a user's data file, which must be UTF-8 (a leading BOM is dropped).

    Line endings are kept as they are (`\r\n` stays), so a CSV reader still sees quoted
    newlines as written. An unreadable file or one that is not UTF-8 raises `DataFileError`;
    for the latter it names the line and byte offset of the first byte that does not decode,
    which is where an editor should look.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataFileError(path, None, f"cannot read: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataFileError(
            path,
            line,
            f"not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start} does not "
            "decode; save it as UTF-8",
        ) from exc
    return text.removeprefix("\ufeff")


class LocatedDict(dict[str, Any]):
    """A mapping that knows the 1-based line of itself and of each of its keys."""

    line: int
    key_lines: dict[str, int]


class LocatedList(list[Any]):
    """A list that knows the 1-based line of itself and of each element."""

    line: int
    item_lines: list[int]


class _LocatingLoader(yaml.SafeLoader):
    pass


class _Problem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _construct_mapping(loader: _LocatingLoader, node: yaml.MappingNode) -> LocatedDict:
    loader.flatten_mapping(node)
    result = LocatedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:  # `? {a: 1}` or `? [a]`: YAML allows it, no data file means it
            kind = "mapping" if isinstance(key, dict) else type(key).__name__.lower()
            raise _Problem(
                key_node.start_mark.line + 1, f"a key must be plain, not a {kind}"
            ) from None
        if key in result:
            # the loader knows no file name: load_yaml_located puts the path in
            raise _Problem(key_node.start_mark.line + 1, f"duplicate key {key!r}")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LocatingLoader, node: yaml.SequenceNode) -> LocatedList:
    result = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LocatingLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)
_LocatingLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
    _construct_sequence,
)


def load_yaml_located(path: Path) -> Any:
    """Parse a YAML file keeping line numbers; syntax errors become `DataFileError`s."""
    text = read_utf8(path)
    try:
        return yaml.load(text, Loader=_LocatingLoader)
    except _Problem as exc:
        raise DataFileError(path, exc.line, str(exc)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise DataFileError(path, line, f"not valid YAML: {exc.problem}") from exc
    except yaml.reader.ReaderError as exc:  # a control character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        raise DataFileError(
            path, line, f"not valid YAML: character {shown} is not allowed"
        ) from exc
    except yaml.YAMLError as exc:
        raise DataFileError(path, None, f"not valid YAML: {exc}") from exc


def line_of(data: Any, loc: tuple[int | str, ...]) -> int | None:
    """The line of the deepest located node on the path `loc` (a pydantic error location)."""
    line = getattr(data, "line", None)
    node = data
    for part in loc:
        if isinstance(node, LocatedDict) and isinstance(part, str) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LocatedList) and isinstance(part, int) and part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def located_error(path: Path, data: Any, error: ValidationError) -> DataFileError:
    """The first problem in `error`, located in `path` (others follow in the message)."""
    problems = error.errors()
    first = problems[0]
    loc = tuple(first["loc"])
    field = ".".join(str(p) for p in loc) or "(top level)"
    message = f"{field}: {first['msg']}"
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more problem(s))"
    return DataFileError(path, line_of(data, loc), message)
