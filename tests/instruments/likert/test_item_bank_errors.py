"""Malformed item banks fail with the file and the line that is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from valuescope.cli import app
from valuescope.datasets import DataFileError
from valuescope.frameworks import load_framework
from valuescope.instruments.likert import load_item_bank

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
            "unknown dimension(s) for framework schwartz10: 'powr' (line 9)",
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


SCALE_YAML = (
    "points: 4\nstem: How much do you agree?\nanchors: [no way, rather not, rather, fully]\n"
)


def test_csv_with_column_mapping_and_sidecar_scale(tmp_path: Path) -> None:
    from valuescope.datasets.item_files import ColumnMapping
    from valuescope.instruments.likert.items import load_instrument_file

    path = tmp_path / "pvq.csv"
    path.write_text(
        "code,item,value,keyed,alt\n"
        'q1,"I like new things.",Self-Direction,+,"New things please me.|I enjoy novelty."\n'
        "q2,I keep customs.,tradition,R,\n"
    )
    (tmp_path / "pvq.scale.yaml").write_text(SCALE_YAML)
    columns = ColumnMapping.parse(
        "id=code,text=item,dimension=value,polarity=keyed,paraphrases=alt"
    )
    bank = load_instrument_file(path, load_framework("schwartz10"), columns)
    assert [(i.id, i.dimension, i.polarity) for i in bank.items] == [
        ("q1", "self_direction", 1),
        ("q2", "tradition", -1),
    ]
    assert bank.items[0].paraphrases == ["New things please me.", "I enjoy novelty."]
    assert bank.scale.points == 4 and bank.scale.anchors[-1] == "fully"


def test_jsonl_with_scale_header_and_unknown_dimensions_listed(tmp_path: Path) -> None:
    from valuescope.instruments.likert.items import load_instrument_file

    path = tmp_path / "mine.jsonl"
    path.write_text(
        '{"scale": {"points": 3, "stem": "Agree?", "anchors": ["a", "b", "c"]}}\n'
        '{"id": "x", "text": "t", "dimension": "power"}\n'
        '{"id": "y", "text": "t", "dimension": "kindness"}\n'
        '{"id": "z", "text": "t", "dimension": "wealth"}\n'
    )
    with pytest.raises(DataFileError) as caught:
        load_instrument_file(path, load_framework("schwartz10"))
    message = str(caught.value)
    assert message.startswith(f"{path}:3: ")
    assert "'kindness' (line 3)" in message and "'wealth' (line 4)" in message


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("id,text,dimension,polarity\na,t,power,sideways\n", 2, "polarity 'sideways'"),
        ("id,text,dimension\na,t,power\nb,,power\n", 3, "no text"),
        ('id,text,dimension\na,t,power\nb,"  ",power\n', 3, "no text"),
        ("id,text,dimension\na,t,power\nb,t\n", 3, "2 fields, fewer than the header's 3"),
        ("id,text,dimension\na,t,power\nb,,\n", 3, "no text"),
        # seen by a new user: an unclosed quote was reported at the end of the file, as a
        # missing dimension; a row with two extra fields was accepted; a short row gave
        # `polarity None`; an empty `keyed` cell read as forward and `yes` as reversed
        ('code,statement,trait,keyed\nq1,"Unclosed,power,1\nq2,t,power,1\n', 2, "never closed"),
        ("id,text,dimension\na,t,power,x,y\n", 2, "5 fields, more than the header's 3"),
        ("id,text,dimension,polarity\na,t,power,1\nb,t,power\n", 3, "fewer than the header"),
        ("id,text,dimension,polarity\na,t,power,\n", 2, "polarity (an empty cell)"),
        ("id,text,dimension,polarity\na,t,power,yes\n", 2, "polarity 'yes' is not one of"),
        ('id,text,dimension\na,"t"x,power\n', 2, "not valid CSV"),
        ("id,text,id\na,t,power\n", 1, "column 'id' appears twice"),
        ('text,dimension\n"multi\nline",power\n,power\n', 4, "no text"),
        ("id,text,dimension\na,t,power\na,u,power\n", 3, "duplicate item id 'a'"),
    ],
)
def test_csv_errors_name_the_line(tmp_path: Path, content: str, line: int, message: str) -> None:
    from valuescope.instruments.likert.items import load_instrument_file

    path = tmp_path / "items.csv"
    path.write_text(content)
    (tmp_path / "items.scale.yaml").write_text(SCALE_YAML)
    with pytest.raises(DataFileError) as caught:
        load_instrument_file(path, load_framework("schwartz10"))
    assert str(caught.value).startswith(f"{path}:{line}: ") and message in str(caught.value)


def test_csv_without_scale_says_how_to_give_one(tmp_path: Path) -> None:
    from valuescope.instruments.likert.items import load_instrument_file

    path = tmp_path / "items.csv"
    path.write_text("text,dimension\nt,power\n")
    with pytest.raises(DataFileError, match="no response scale"):
        load_instrument_file(path, load_framework("schwartz10"))


JSONL_SCALE = '{"scale": {"points": 3, "stem": "Agree?", "anchors": ["a", "b", "c"]}}\n'


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ('{"id": "x", "text": ["a", "b"], "dimension": "power"}', "text (column 'text') must be "
         "a string, not a list ['a', 'b']"),
        ('{"id": "x", "text": {"en": "a"}, "dimension": "power"}', "not an object"),
        ('{"id": "x", "text": 7, "dimension": "power"}', "text (column 'text') must be a string"),
        ('{"id": "x", "text": "t", "dimension": ["power"]}', "dimension (column 'dimension')"),
        ('{"id": 3.5, "text": "t", "dimension": "power"}', "id must be a string or a whole "
         "number, not a number 3.5"),
        ('{"id": true, "text": "t", "dimension": "power"}', "not a boolean True"),
        ('{"id": ["x"], "text": "t", "dimension": "power"}', "not a list"),
        ('{"id": "x", "text": "t", "dimension": "power", "paraphrases": ["p", 2]}',
         "paraphrases must be strings, not a number 2"),
        ('{"id": "x", "text": "t", "dimension": "power", "paraphrases": {"a": "b"}}',
         "paraphrases must be a list of strings"),
        ('{"id": "x", "text": "  ", "dimension": "power"}', "no text"),
    ],
)  # fmt: skip
def test_jsonl_values_of_the_wrong_type_name_the_line(
    tmp_path: Path, row: str, message: str
) -> None:
    from valuescope.instruments.likert.items import load_instrument_file

    path = tmp_path / "mine.jsonl"
    path.write_text(JSONL_SCALE + '{"id": "ok", "text": "t", "dimension": "power"}\n' + row + "\n")
    with pytest.raises(DataFileError) as caught:
        load_instrument_file(path, load_framework("schwartz10"))
    assert str(caught.value).startswith(f"{path}:3: "), str(caught.value)
    assert message in str(caught.value)


def test_whole_number_ids_become_strings(tmp_path: Path) -> None:
    from valuescope.instruments.likert.items import load_instrument_file

    path = tmp_path / "mine.jsonl"
    path.write_text(
        JSONL_SCALE
        + '{"id": 1, "text": "t", "dimension": "power"}\n'
        + '{"id": "1", "text": "u", "dimension": "power"}\n'
    )
    with pytest.raises(DataFileError, match=r":3: duplicate item id '1' \(first at line 2\)"):
        load_instrument_file(path, load_framework("schwartz10"))
    path.write_text(JSONL_SCALE + '{"id": 12, "text": "t", "dimension": "power"}\n')
    assert load_instrument_file(path, load_framework("schwartz10")).items[0].id == "12"
    # The same in a YAML bank.
    yaml_bank = bank(tmp_path, "  - {id: 7, dimension: power, text: x}\n")
    assert load_item_bank(yaml_bank, load_framework("schwartz10")).items[0].id == "7"
    float_id = bank(tmp_path, "  - {id: 7.5, dimension: power, text: x}\n")
    with pytest.raises(DataFileError, match=r":8: items.0.id: Input should be a valid string"):
        load_item_bank(float_id, load_framework("schwartz10"))


def test_item_file_options_refuse_an_unknown_column_field() -> None:
    """A validity instrument file and a sim design's `item_files` share these options."""
    from pydantic import ValidationError

    from valuescope.instruments.likert.named import InstrumentFile
    from valuescope.sim import SimItemFile

    for model, where in ((InstrumentFile, "items"), (SimItemFile, "path")):
        good = model.model_validate({where: "x.csv", "framework": "bigfive",
                                     "columns": {"text": "statement"}})  # fmt: skip
        assert good.columns == {"text": "statement"}
        with pytest.raises(ValidationError, match="unknown field"):
            model.model_validate({where: "x.csv", "framework": "bigfive",
                                  "columns": {"txet": "statement"}})  # fmt: skip
