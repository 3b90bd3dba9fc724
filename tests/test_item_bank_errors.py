"""Malformed item banks fail with the file and the line that is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from valuescope.cli import app
from valuescope.datasets import DataFileError
from valuescope.frameworks import load_framework
from valuescope.instruments import load_item_bank

HEADER = """\
id: mine
framework: schwartz10
scale:
  points: 3
  stem: "How well?"
  anchors: [never, sometimes, always]
items:
"""  # items start on line 8


def bank(tmp_path: Path, items: str) -> Path:
    path = tmp_path / "bank.yaml"
    path.write_text(HEADER + items)
    return path


@pytest.mark.parametrize(
    ("items", "line", "message"),
    [
        (
            "  - {id: a, dimension: power, text: x}\n  - {id: b, dimension: powr, text: y}\n",
            9,
            "unknown dimension 'powr'",
        ),
        (
            "  - id: a\n    dimension: power\n    text: x\n"
            "  - id: a\n    dimension: power\n    text: y\n",
            11,
            "duplicate item id 'a'",
        ),
        ("  - id: a\n    dimension: power\n", 8, "items.0.text: Field required"),
        (
            "  - id: a\n    dimension: power\n    text: x\n    polarity: 2\n",
            11,
            "items.0.polarity",
        ),
        ("  - {id: a, dimension: power, text: [unclosed\n", 9, "not valid YAML"),
    ],
)
def test_error_names_file_and_line(tmp_path: Path, items: str, line: int, message: str) -> None:
    path = bank(tmp_path, items)
    with pytest.raises(DataFileError) as caught:
        load_item_bank(path, load_framework("schwartz10"))
    assert caught.value.path == str(path)
    assert caught.value.line == line, str(caught.value)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_dimension_names_are_matched_leniently(tmp_path: Path) -> None:
    path = bank(tmp_path, '  - {id: a, dimension: "Self-Direction", text: x}\n')
    loaded = load_item_bank(path, load_framework("schwartz10"))
    assert loaded.items[0].dimension == "self_direction"


def test_scale_anchor_count_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(
        HEADER.replace("[never, sometimes, always]", "[never, always]")
        + "  - {id: a, dimension: power, text: x}\n"
    )
    with pytest.raises(DataFileError, match=r":3: scale: .*2 anchors for a 3-point scale"):
        load_item_bank(path, load_framework("schwartz10"))


def test_cli_prints_file_and_line_without_traceback(tmp_path: Path) -> None:
    path = bank(tmp_path, "  - {id: a, dimension: nope, text: x}\n")
    result = CliRunner().invoke(
        app, ["measure", "--items", str(path), "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2
    assert f"{path}:8" in result.output and "Traceback" not in result.output
