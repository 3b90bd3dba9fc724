"""Every reader of a user's file, fuzzed: whatever the bytes, it loads or raises one
`DataFileError` that names the file (and a line inside it, when it names one). Never a
traceback of another kind.

Each reader starts from a valid file (a shipped one or a small example); hypothesis then
edits it: characters that matter to the format inserted, deleted or swapped, lines
duplicated, dropped or cut, bytes that are not UTF-8. Every seed is checked to load
first, so the fuzzing starts where real files are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers.paths import DATA, REPO
from valuescope.datasets import DataFileError
from valuescope.frameworks import load_framework

SCALE = (
    "scale:\n  stem: How much is this like you?\n  points: 5\n"
    "  anchors: [Disagree, Rather disagree, Unsure, Rather agree, Agree]\n"
)
SPECIAL = [*list("\"',\t\n\r:-#[]{}|&*!%@`\\ \ufeff\u2028\x00"), "0", "-1", "R", "yes", "? ", ""]


def shipped(package: str, name: str) -> str:
    return files(package).joinpath(name).read_text("utf-8")


@dataclass(frozen=True)
class Reader:
    """One reader: the file's name, a valid text, and how to read it."""

    name: str
    seed: Callable[[], str]
    read: Callable[[Path], Any]
    sidecars: tuple[tuple[str, str], ...] = ()


def _items(path: Path) -> Any:
    from valuescope.instruments.likert.items import load_instrument_file

    return load_instrument_file(path, load_framework("schwartz10"))


def _norms(path: Path) -> Any:
    from valuescope.instruments.likert import MeasureConfig
    from valuescope.instruments.likert.instrument import load_instrument
    from valuescope.instruments.likert.norm_file import load_norms

    _, bank = load_instrument(MeasureConfig(model="sim", framework="bigfive"))
    return load_norms(path, load_framework("bigfive"), bank.scale)


def _texts(path: Path) -> Any:
    from valuescope.instruments.classify.texts import load_texts

    return load_texts(str(path), load_framework("schwartz10"))


def _target(path: Path) -> Any:
    from valuescope.steering.targets import load_target

    return load_target(path, load_framework("schwartz10"))


def _probes(path: Path) -> Any:
    from valuescope.instruments.probes.bank import load_probes

    return load_probes(path, load_framework("mft6"))


def _dilemmas(path: Path) -> Any:
    from valuescope.instruments.dilemmas.bank import load_dilemmas

    return load_dilemmas(path, load_framework("ethics5"))


def _bench(path: Path) -> Any:
    from valuescope.instruments.bench.items import load_bench_file

    return load_bench_file(path)


def _framework(path: Path) -> Any:
    from valuescope.frameworks import load_framework_file

    return load_framework_file(path)


def _personas(path: Path) -> Any:
    from valuescope.respondents import load_personas

    return load_personas(path)


def _words(path: Path) -> Any:
    from valuescope.instruments.csi.words import read_word_file

    return read_word_file(path)


def _sim_design(path: Path) -> Any:
    from valuescope.sim import load_sim_config

    return load_sim_config(path)


ITEMS_CSV = (
    "id,text,dimension,polarity,paraphrases\n"
    'a1,"I like new ideas, often.",self_direction,1,I enjoy new ideas|New ideas please me\n'
    "a2,Rules matter to me.,conformity,-1,\n"
    "a3,I help others.,benevolence,R,\n"
)
ITEMS_JSONL = (
    '{"scale": {"stem": "Like you?", "points": 5,'
    ' "anchors": ["No", "Rather no", "Unsure", "Rather yes", "Yes"]}}\n'
    '{"id": "a1", "text": "I like new ideas.", "dimension": "self_direction", "polarity": 1}\n'
    '{"id": 2, "text": "Rules matter.", "dimension": "conformity", "polarity": "-1",'
    ' "paraphrases": ["Rules count."]}\n'
)
TEXTS_CSV = "id,text,self_direction,power\nt1,I choose my own way.,1,0\nt2,I want to lead.,0,1\n"
PERSONAS_CSV = "id,text\np1,You are a nurse who loves hiking.\np2,You are a retired judge.\n"
PERSONAS_JSONL = '{"id": "p1", "text": "You are a nurse."}\n{"text": "You are a judge."}\n'
TARGET = "framework: schwartz10\nscale: [1, 6]\npriorities:\n  self_direction: 6\n  tradition: 1\n"
WORDS = "love\nwar\npeace\nIt\nit\n".replace("\nit\n", "\nhope\n")
SIM_DESIGN = "seed: 3\nnoise: 0.5\n"

READERS = [
    Reader("items.csv", lambda: ITEMS_CSV, _items, (("items.scale.yaml", SCALE),)),
    Reader("texts.tsv", lambda: TEXTS_CSV.replace(",", "\t"), _texts),
    Reader("items.jsonl", lambda: ITEMS_JSONL, _items),
    Reader(
        "bank.yaml",
        lambda: shipped("valuescope.instruments.data", "mft6.yaml"),
        lambda p: _items_yaml(p),
    ),
    Reader(
        "framework.yaml", lambda: shipped("valuescope.frameworks.data", "mft6.yaml"), _framework
    ),
    Reader(
        "probes.yaml", lambda: shipped("valuescope.instruments.data", "probes_mft6.yaml"), _probes
    ),
    Reader(
        "dilemmas.yaml", lambda: shipped("valuescope.instruments.data", "dilemmas.yaml"), _dilemmas
    ),
    Reader("bench.yaml", lambda: (DATA / "bench_motive_tiny.yaml").read_text(), _bench),
    Reader(
        "norms.yaml",
        lambda: (REPO / "examples" / "norms_illustrative.yaml").read_text(),
        _norms,
    ),
    Reader("texts.csv", lambda: TEXTS_CSV, _texts),
    Reader("personas.csv", lambda: PERSONAS_CSV, _personas),
    Reader("personas.jsonl", lambda: PERSONAS_JSONL, _personas),
    Reader(
        "personas.yaml", lambda: shipped("valuescope.respondents.data", "personas.yaml"), _personas
    ),
    Reader("target.yaml", lambda: TARGET, _target),
    Reader("words.txt", lambda: WORDS, _words),
    Reader("design.yaml", lambda: SIM_DESIGN, _sim_design),
]


def _items_yaml(path: Path) -> Any:
    from valuescope.instruments.likert.items import load_instrument_file

    return load_instrument_file(path, load_framework("mft6"))


def _write(tmp: Path, reader: Reader, data: bytes) -> Path:
    for name, text in reader.sidecars:
        (tmp / name).write_text(text, "utf-8")
    path = tmp / reader.name
    path.write_bytes(data)
    return path


def _check(path: Path, reader: Reader, data: bytes) -> None:
    """The reader loads `path`, or raises a `DataFileError` naming it and a line in it."""
    try:
        reader.read(path)
    except DataFileError as exc:
        message = str(exc)
        assert message.startswith(str(path)), message
        assert "\n" not in message.split(": ", 1)[0]
        if exc.line is not None:
            # a line of the file, or the one just after its last (an unexpected end)
            assert 1 <= exc.line <= data.count(b"\n") + data.count(b"\r") + 2, message


@pytest.mark.parametrize("reader", READERS, ids=[r.name for r in READERS])
def test_every_seed_loads(tmp_path: Path, reader: Reader) -> None:
    reader.read(_write(tmp_path, reader, reader.seed().encode()))


EDIT = st.tuples(
    st.sampled_from(["insert", "delete", "replace", "dup_line", "drop_line", "cut"]),
    st.floats(0, 1, exclude_max=True),
    st.one_of(st.sampled_from(SPECIAL), st.text(max_size=4)),
)


def _edited(text: str, edits: list[tuple[str, float, str]]) -> str:
    for kind, where, payload in edits:
        at = int(where * (len(text) + 1))
        lines = text.splitlines(keepends=True)
        row = int(where * len(lines)) if lines else 0
        if kind == "insert":
            text = text[:at] + payload + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1 + len(payload) :]
        elif kind == "replace":
            text = text[:at] + payload + text[at + len(payload) or at + 1 :]
        elif kind == "dup_line" and lines:
            text = "".join(lines[: row + 1] + lines[row:])
        elif kind == "drop_line" and lines:
            text = "".join(lines[:row] + lines[row + 1 :])
        elif kind == "cut":
            text = text[:at]
    return text


FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@pytest.mark.parametrize("reader", READERS, ids=[r.name for r in READERS])
@FUZZ
@given(edits=st.lists(EDIT, min_size=1, max_size=4), latin1=st.booleans())
# what earlier fuzzing found, kept: a control character YAML refuses, a mapping as a key,
# a key twice (each was a traceback or an error naming `<unicode string>`)
@example(edits=[("insert", 0.0, "\x00")], latin1=False)
@example(edits=[("insert", 0.0, "? [a]\n: 1\n")], latin1=False)
@example(edits=[("dup_line", 0.0, "")], latin1=False)
def test_edited_files_load_or_raise_a_located_error(
    tmp_path: Path, reader: Reader, edits: list[tuple[str, float, str]], latin1: bool
) -> None:
    text = _edited(reader.seed(), edits)
    # now and then the text is saved as Latin-1 (Excel's "CSV"): not UTF-8 where it matters
    data = text.encode("latin-1", "replace") if latin1 else text.encode("utf-8", "surrogatepass")
    _check(_write(tmp_path, reader, data), reader, data)


@pytest.mark.parametrize("reader", READERS, ids=[r.name for r in READERS])
@FUZZ
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_load_or_raise_a_located_error(
    tmp_path: Path, reader: Reader, data: bytes
) -> None:
    _check(_write(tmp_path, reader, data), reader, data)
