"""Users' framework files: errors name the line at fault; `--frameworks-dir` adds one."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from valuescope.cli import app
from valuescope.datasets import DataFileError
from valuescope.frameworks import ALIASES, framework_aliases, load_framework, load_framework_file

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


def test_a_frameworks_dir_may_be_given_as_a_config_holds_it(tmp_path: Path) -> None:
    """A run config keeps `frameworks_dir` as a string, None when there is none."""
    write(tmp_path, GOOD)
    assert load_framework("tiny", str(tmp_path)).ids == ["thrift", "splurge"]
    for none in (None, ""):
        with pytest.raises(KeyError, match="tiny"):
            load_framework("tiny", none)


@pytest.mark.slow
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


# -- names: ids and aliases ---------------------------------------------------------------

SHIPPED = ["bigfive", "ethics5", "gert10", "mac7", "mft6", "schwartz10", "schwartz19"]


@pytest.mark.parametrize(("alias", "framework_id"), sorted(ALIASES.items()))
def test_every_alias_loads_its_framework(alias: str, framework_id: str) -> None:
    assert load_framework(alias).id == framework_id


@pytest.mark.parametrize(
    ("name", "framework_id"),
    [
        ("mft", "mft6"),
        ("MFT", "mft6"),
        ("moral_foundations", "mft6"),
        ("Moral Foundations", "mft6"),
        ("moral-foundations", "mft6"),
        ("big5", "bigfive"),
        ("Big-Five", "bigfive"),
        ("OCEAN", "bigfive"),
        ("schwartz", "schwartz10"),
        ("Schwartz10", "schwartz10"),
        ("SCHWARTZ19", "schwartz19"),
        ("mac", "mac7"),
        ("Gert", "gert10"),
        ("ethics", "ethics5"),
    ],
)
def test_names_are_matched_ignoring_case_and_separators(name: str, framework_id: str) -> None:
    assert load_framework(name).id == framework_id


def test_every_shipped_framework_has_an_alias() -> None:
    aliases = framework_aliases()
    assert sorted(aliases) == SHIPPED
    assert all(aliases[f] for f in SHIPPED), aliases
    assert aliases["mft6"][:2] == ["mft", "moral_foundations"]
    assert "big5" in aliases["bigfive"] and "schwartz" in aliases["schwartz10"]


def test_an_unknown_name_lists_ids_and_aliases(tmp_path: Path) -> None:
    with pytest.raises(KeyError) as caught:
        load_framework("hexaco")
    message = caught.value.args[0]
    assert message.startswith("unknown framework 'hexaco'; known")
    for framework_id in SHIPPED:
        assert framework_id in message
    assert "mft6 (mft, moral_foundations" in message and "big5" in message
    result = CliRunner().invoke(
        app, ["measure", "--framework", "hexaco", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2, result.output
    assert "unknown framework 'hexaco'" in result.output and "Traceback" not in result.output


def test_a_users_framework_named_like_an_alias_wins(tmp_path: Path) -> None:
    (tmp_path / "mft.yaml").write_text(GOOD.replace("id: tiny", "id: mft"))
    assert load_framework("mft", tmp_path).id == "mft"
    assert load_framework("mft").id == "mft6"
    aliases = framework_aliases(tmp_path)
    assert "mft" not in aliases["mft6"] and aliases["mft"] == []
