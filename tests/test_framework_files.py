"""Users' framework files: errors name the line at fault; `--frameworks-dir` adds one."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from valuescope.cli import app
from valuescope.datasets import DataFileError
from valuescope.frameworks import load_framework, load_framework_file

GOOD = """\
id: tiny
name: Tiny values
description: Two values that pull against each other.
dimensions:
  - id: thrift
    name: Thrift
    definition: Saving rather than spending.
    keywords: [saving, frugal]
    relations:
      opposing: [splurge]
  - id: splurge
    name: Splurge
    definition: Spending for the joy of it.
    keywords: [spending, treats]
    relations:
      opposing: [thrift]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("broken", "line", "message"),
    [
        (GOOD.replace("      opposing: [thrift]", "      opposing: [thrifty]"), 16, "'thrifty'"),
        (GOOD.replace("  - id: splurge", "  - id: thrift"), 11, "duplicate dimension id"),
        (GOOD.replace("    definition: Spending for the joy of it.\n", ""), 11, "definition"),
        (GOOD.replace("keywords: [saving, frugal]", "keywords: []"), 8, "keywords"),
        (GOOD + "circle: [thrift, splurge, hoard]\n", 17, "circle names unknown dimension"),
    ],
)
def test_framework_errors_name_the_line(
    tmp_path: Path, broken: str, line: int, message: str
) -> None:
    path = write(tmp_path, broken)
    with pytest.raises(DataFileError) as caught:
        load_framework_file(path)
    assert caught.value.line == line, str(caught.value)
    assert message in str(caught.value)


def test_frameworks_dir_adds_a_framework(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    framework = load_framework("tiny", tmp_path)
    assert framework.ids == ["thrift", "splurge"]
    items = tmp_path.parent / "items.yaml"
    items.write_text(
        "id: tiny-items\nframework: tiny\n"
        'scale: {points: 4, stem: "Agree?", anchors: [never, rarely, often, always]}\n'
        "items:\n"
        "  - {id: t1, dimension: Thrift, text: I keep receipts to check every cost.}\n"
        "  - {id: s1, dimension: splurge, text: I buy gifts for myself on a whim.}\n"
    )
    bank_run = CliRunner().invoke(
        app, ["measure", "--framework", "tiny", "--frameworks-dir", str(tmp_path),
              "--items", str(items), "--out", str(tmp_path / "run")],
    )  # fmt: skip
    assert bank_run.exit_code == 0, bank_run.output
    assert "thrift" in bank_run.output and "splurge" in bank_run.output
