"""Every user data file must be UTF-8: any other encoding is one clear error naming the file,
the line and byte offset of the first undecodable byte, and what to do ("save it as UTF-8");
a UTF-8 byte-order mark (Excel writes one) is accepted.

One test per reader: item banks (YAML), item tables (CSV, JSONL), scale files (YAML),
framework files (YAML), CSI word lists and CSI-validity polar word lists.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from valuescope.cli import app
from valuescope.datasets import DataFileError, read_utf8
from valuescope.frameworks import load_framework, load_framework_file
from valuescope.instruments.csi.validity import read_polar_words
from valuescope.instruments.csi.words import read_word_file
from valuescope.instruments.likert import load_instrument_file, load_item_bank

SCALE = "points: 3\nstem: Agree?\nanchors: [never, sometimes, always]\n"
BANK = (
    "id: mine\nframework: schwartz10\n"
    "scale: {points: 3, stem: 'Agree?', anchors: [never, sometimes, always]}\n"
    "items:\n  - {id: a, dimension: power, text: Caf\u00e9 owners rule.}\n"
)
FRAMEWORK = (
    "id: tiny\nname: Tiny\ndescription: Two values.\ndimensions:\n"
    "  - {id: thrift, name: Thrift, definition: Caf\u00e9 savings., keywords: [saving]}\n"
    "  - {id: splurge, name: Splurge, definition: Spending., keywords: [spending]}\n"
)


def schwartz() -> Any:
    return load_framework("schwartz10")


def scale_reader(path: Path) -> Any:
    """A CSV whose scale comes from `path` (`--scale FILE`)."""
    items = path.parent / "items.csv"
    items.write_text("text,dimension\nt,power\n", encoding="utf-8")
    return load_instrument_file(items, schwartz(), scale_file=path)


# (file name, UTF-8 content with "é" on its last line, how the file is read)
READERS: list[tuple[str, str, Callable[[Path], Any]]] = [
    ("bank.yaml", BANK, lambda p: load_item_bank(p, schwartz())),
    (
        "items.csv",
        "id,text,dimension\na,Caf\u00e9 owners rule.,power\n",
        lambda p: load_instrument_file(p, schwartz(), scale_file=p.parent / "ok.scale.yaml"),
    ),
    (
        "items.jsonl",
        '{"scale": {"points": 3, "stem": "Agree?", "anchors": ["no", "maybe", "yes"]}}\n'
        '{"id": "a", "text": "Caf\u00e9 owners rule.", "dimension": "power"}\n',
        lambda p: load_instrument_file(p, schwartz()),
    ),
    ("mine.scale.yaml", SCALE.replace("Agree?", "Agree?\n# caf\u00e9"), scale_reader),
    ("tiny.yaml", FRAMEWORK, load_framework_file),
    ("words.txt", "joy\nwar\ncaf\u00e9\n", read_word_file),
    ("polar.txt", "joy: positive\ncaf\u00e9: negative\n", read_polar_words),
]
IDS = [name for name, _, _ in READERS]


def write_ok_scale(tmp_path: Path) -> None:
    (tmp_path / "ok.scale.yaml").write_text(SCALE, encoding="utf-8")


@pytest.mark.parametrize(("name", "content", "read"), READERS, ids=IDS)
def test_a_file_in_another_encoding_is_a_clear_error(
    tmp_path: Path, name: str, content: str, read: Callable[[Path], Any]
) -> None:
    write_ok_scale(tmp_path)
    path = tmp_path / name
    data = content.encode("cp1252")  # what Excel's "CSV" and Windows editors write
    path.write_bytes(data)
    offset = data.index(b"\xe9")
    line = data[:offset].count(b"\n") + 1
    with pytest.raises(DataFileError) as caught:
        read(path)
    message = str(caught.value)
    assert caught.value.path == str(path) and caught.value.line == line, message
    assert message.startswith(f"{path}:{line}: not UTF-8")
    assert f"byte 0xe9 at byte offset {offset}" in message and "save it as UTF-8" in message


@pytest.mark.parametrize(("name", "content", "read"), READERS, ids=IDS)
def test_a_utf8_byte_order_mark_is_accepted(
    tmp_path: Path, name: str, content: str, read: Callable[[Path], Any]
) -> None:
    write_ok_scale(tmp_path)
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + content.encode("utf-8"))
    result = read(path)
    assert result and "\\ufeff" not in ascii(result)  # in no word, key or text
    if name == "items.csv":  # the mark must not hide the first column's name
        assert result.items[0].id == "a"


def test_read_utf8_keeps_line_endings_and_drops_only_a_leading_bom(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"\xef\xbb\xbfa\r\nb\xef\xbb\xbf\n")
    assert read_utf8(path) == "a\r\nb\ufeff\n"
    with pytest.raises(DataFileError, match="cannot read"):
        read_utf8(tmp_path / "absent.txt")


def test_the_cli_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    items = tmp_path / "items.csv"
    items.write_bytes("text,dimension\nt,power\nCaf\u00e9,power\n".encode("latin-1"))
    (tmp_path / "items.scale.yaml").write_text(SCALE)
    result = CliRunner().invoke(app, ["measure", "--items", str(items), "--out", str(tmp_path)])
    assert result.exit_code == 2
    output = result.output.replace("\n", "")
    assert f"{items}:3: not UTF-8" in output and "save it as UTF-8" in output
    assert "Traceback" not in result.output
    words = tmp_path / "words.txt"
    words.write_bytes("caf\u00e9\n".encode("latin-1"))
    result = CliRunner().invoke(app, ["csi", "--words", str(words), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "save it as UTF-8" in result.output.replace("\n", "")
