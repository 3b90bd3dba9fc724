"""Simulated respondents: the shipped personas, instructions and postambles, the loader of
users' persona files (every error names file and line), and deterministic sampling."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from valuescope.datasets import DataFileError
from valuescope.respondents import (
    PERSONA_FRAMING,
    Persona,
    load_instructions,
    load_personas,
    load_postambles,
    sample_personas,
)

# --- the shipped pool --------------------------------------------------------------------


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.casefold()))


def test_the_pool_has_over_200_personas_with_unique_stable_ids() -> None:
    pool = load_personas()
    assert len(pool) >= 200
    ids = [p.id for p in pool]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"p\d{3}", i) for i in ids), ids
    assert ids[0] == "p001"
    texts = [" ".join(p.text.split()).casefold() for p in pool]
    assert len(set(texts)) == len(texts)


def test_no_two_personas_are_near_duplicates() -> None:
    pool = load_personas()
    openings = [p.text[:40].casefold() for p in pool]
    assert len(set(openings)) == len(openings), [o for o in openings if openings.count(o) > 1]
    vocab = [words(p.text) for p in pool]
    for (a, wa), (b, wb) in itertools.combinations(zip(pool, vocab, strict=True), 2):
        overlap = len(wa & wb) / len(wa | wb)
        assert overlap < 0.6, (a.id, b.id, overlap)


def test_every_persona_fits_the_framing() -> None:
    for persona in load_personas():
        assert 40 <= len(persona.text) <= 300, persona
        assert not set(persona.text) & set('{}"\n\\'), persona
        assert persona.text == persona.text.strip(), persona


def test_personas_are_first_person_and_span_the_ages() -> None:
    ages = []
    for persona in load_personas():
        assert words(persona.text) & {"i", "i'm", "my", "me"}, persona
        assert not words(persona.text) & {"he", "she", "his", "her"}, persona
        found = [int(a) for a in re.findall(r"\b(\d{2})\b", persona.text)]
        assert found, f"{persona.id} states no age"
        ages.append(found[0])
    assert min(ages) == 18
    assert max(ages) == 85
    assert all(18 <= a <= 85 for a in ages)
    decades = {a // 10 for a in ages}
    assert decades == {1, 2, 3, 4, 5, 6, 7, 8}


def test_the_framing_quotes_the_persona_once() -> None:
    assert PERSONA_FRAMING.count("{persona}") == 1
    assert PERSONA_FRAMING.count("{") == 1
    persona = load_personas()[0]
    framed = PERSONA_FRAMING.format(persona=persona.text)
    assert framed.endswith(f'"{persona.text}"')
    assert framed.count('"') == 2
    # a user's persona with braces is substituted as it is
    assert PERSONA_FRAMING.format(persona="I like {x}").endswith('"I like {x}"')


# --- instructions and postambles ---------------------------------------------------------


def test_instructions_fit_any_likert_stem() -> None:
    instructions = load_instructions()
    assert len(instructions) >= 5
    assert [p.id for p in instructions] == [f"i{n}" for n in range(1, len(instructions) + 1)]
    assert len({p.text for p in instructions}) == len(instructions)
    for phrase in instructions:
        # they precede stems about agreement, fit or importance, so they name none of these,
        # nor the answer's form (the postamble's business)
        assert not words(phrase.text) & {"agree", "disagree", "important", "number", "option"}
        assert phrase.text.endswith("."), phrase
        assert not set(phrase.text) & set('{}"'), phrase


def test_postambles_ask_for_one_option_number_wherever_the_options_are() -> None:
    postambles = load_postambles()
    assert len(postambles) >= 5
    assert [p.id for p in postambles] == [f"a{n}" for n in range(1, len(postambles) + 1)]
    assert len({p.text for p in postambles}) == len(postambles)
    for phrase in postambles:
        assert "number" in words(phrase.text), phrase
        assert not words(phrase.text) & {"above", "below", "agree", "important"}, phrase
        assert not set(phrase.text) & set('{}"'), phrase


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("instructions:\n  - id: i1\n    text: Answer.\n  - text: Reply.\n", 4, "needs an id"),
        ("instructions:\n  - id: i1\n    text: Answer.\n  - id: i1\n    text: Reply.\n", 4,
         "duplicate id 'i1'"),
        ("postambles:\n  - id: a1\n    text: Answer.\n", 1, "no 'instructions' list"),
        ("\ninstructions: []\n", 2, "no instructions"),
    ],
)  # fmt: skip
def test_a_broken_phrase_file_is_an_error_naming_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, line: int, message: str
) -> None:
    """The shipped phrases are checked like a user's file, so a slip in editing them (a
    missing or repeated id) fails at load with its line, not later in a run."""
    path = write(tmp_path / "phrases.yaml", content)
    monkeypatch.setattr("valuescope.respondents._pool._data_path", lambda name: path)
    with pytest.raises(DataFileError) as caught:
        load_instructions()
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)
    assert message in str(caught.value)


# --- users' persona files ----------------------------------------------------------------


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_a_text_file_has_one_persona_per_non_empty_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "people.txt",
        "\ufeffI am a calm baker.\n\n  I am a restless sailor.  \r\nI am a careful clerk.",
    )
    assert load_personas(path) == [
        Persona("line1", "I am a calm baker."),
        Persona("line3", "I am a restless sailor."),
        Persona("line4", "I am a careful clerk."),
    ]


def test_a_yaml_file_holds_strings_or_id_text_mappings(tmp_path: Path) -> None:
    strings = write(tmp_path / "a.yaml", "# mine\n- I am a calm baker.\n- I am a shy poet.\n")
    assert load_personas(strings) == [
        Persona("line2", "I am a calm baker."),
        Persona("line3", "I am a shy poet."),
    ]
    mappings = write(
        tmp_path / "b.yml",
        "personas:\n  - id: baker\n    text: I am a calm baker.\n  - text: I am a shy poet.\n"
        "  - id: 7\n    text: >\n      I am a loud\n      drummer.\n",
    )
    assert load_personas(mappings) == [
        Persona("baker", "I am a calm baker."),
        Persona("line4", "I am a shy poet."),
        Persona("7", "I am a loud drummer."),
    ]


def test_a_csv_file_has_a_text_column_and_an_optional_id(tmp_path: Path) -> None:
    with_ids = write(
        tmp_path / "a.csv",
        'id,text,notes\nb1,"I am a calm baker, up at four.",x\n,I am a shy poet.,\n',
    )
    assert load_personas(with_ids) == [
        Persona("b1", "I am a calm baker, up at four."),
        Persona("line3", "I am a shy poet."),
    ]
    without_ids = write(tmp_path / "b.csv", "text\nI am a calm baker.\nI am a shy poet.\n")
    assert [p.id for p in load_personas(without_ids)] == ["line2", "line3"]


def test_a_jsonl_file_has_one_object_per_line(tmp_path: Path) -> None:
    rows = [{"id": "b1", "text": "I am a calm baker."}, {"text": "I am a shy poet."}, {"id": 3,
            "text": "I am a loud drummer."}]  # fmt: skip
    path = write(tmp_path / "a.jsonl", "\n".join(json.dumps(r) for r in rows[:2]) + "\n\n"
                 + json.dumps(rows[2]) + "\n")  # fmt: skip
    assert load_personas(path) == [
        Persona("b1", "I am a calm baker."),
        Persona("line2", "I am a shy poet."),
        Persona("3", "I am a loud drummer."),
    ]


MALFORMED = [
    # (file name, content, line named, what the message says)
    (
        "dup.txt",
        "I am a baker.\nI am a poet.\nI  am a BAKER.\n",
        3,
        "duplicate persona text (first at line 1)",
    ),
    (
        "dup.yaml",
        "- id: a\n  text: I am a baker.\n- id: a\n  text: I am a poet.\n",
        3,
        "duplicate id 'a' (first at line 1)",
    ),
    (
        "dup.csv",
        "id,text\nx,I am a baker.\ny,I am a poet.\nx,I am a cook.\n",
        4,
        "duplicate id 'x' (first at line 2)",
    ),
    (
        "dup.jsonl",
        '{"text": "I am a baker."}\n{"text": "I am a baker."}\n',
        2,
        "duplicate persona text",
    ),
    (
        "field.yaml",
        "- id: a\n  text: I am a baker.\n- id: b\n  Text: I am a poet.\n",
        3,
        "unknown field 'Text'",
    ),
    ("field.jsonl", '{"text": "I am a baker.", "name": "Al"}\n', 1, "unknown field 'name'"),
    ("number.yaml", "- I am a baker.\n- 42\n", 2, "text must be a string, not a number 42"),
    ("notext.yaml", "- id: a\n  text: I am a baker.\n- id: b\n", 3, "no text for this persona"),
    ("blank.yaml", "- I am a baker.\n- '   '\n", 2, "empty persona text"),
    (
        "mapping.yaml",
        "\n\nbaker: I am a baker.\n",
        3,
        "expected a list of texts or of {id, text} mappings",
    ),
    ("syntax.yaml", "- I am a baker.\n- [unclosed\n", 3, "not valid YAML"),
    ("column.csv", "persona\nI am a baker.\n", 1, "no 'text' column (columns here: persona)"),
    ("empty.csv", "id,text\na,I am a baker.\nb,\n", 3, "empty persona text"),
    ("json.jsonl", '{"text": "I am a baker."}\n{"text": "I am\n', 2, "not valid JSON"),
    (
        "list.jsonl",
        '{"text": "I am a baker."}\n["I am a poet."]\n',
        2,
        "each line must be a JSON object, not a list",
    ),
    (
        "float.jsonl",
        '{"id": 1.5, "text": "I am a baker."}\n',
        1,
        "id must be a string or a whole number",
    ),
    (
        "space.yaml",
        "- id: a\n  text: I am a baker.\n- id: my poet\n  text: I am a poet.\n",
        3,
        "id 'my poet' may hold only",
    ),
    ("latin1.txt", "I am a baker.\nI am a caf\xe9 owner.\n".encode("latin-1"), 2, "not UTF-8"),
]


@pytest.mark.parametrize(("name", "content", "line", "message"), MALFORMED,
                         ids=[m[0] for m in MALFORMED])  # fmt: skip
def test_a_malformed_file_is_an_error_naming_file_and_line(
    tmp_path: Path, name: str, content: str | bytes, line: int, message: str
) -> None:
    path = write(tmp_path / name, content)
    with pytest.raises(DataFileError) as caught:
        load_personas(path)
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)
    assert message in str(caught.value)
    assert (caught.value.path, caught.value.line) == (str(path), line)


@pytest.mark.parametrize(
    ("name", "content"),
    [("e.txt", ""), ("blank.txt", "\n  \n"), ("e.yaml", "# nothing\n"), ("l.yaml", "[]\n"),
     ("e.csv", ""), ("h.csv", "id,text\n"), ("e.jsonl", "\n")],
)  # fmt: skip
def test_an_empty_file_is_an_error(tmp_path: Path, name: str, content: str) -> None:
    path = write(tmp_path / name, content)
    with pytest.raises(DataFileError, match="no personas") as caught:
        load_personas(path)
    assert str(caught.value) == f"{path}: no personas"


def test_an_unknown_format_is_an_error_listing_the_known(tmp_path: Path) -> None:
    path = write(tmp_path / "people.json", '["I am a baker."]')
    with pytest.raises(DataFileError, match=r"unknown persona file format '\.json'.*\.jsonl"):
        load_personas(path)


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read"):
        load_personas(tmp_path / "absent.txt")


# --- sampling ----------------------------------------------------------------------------


def test_sampling_is_deterministic_and_draws_distinct_personas() -> None:
    pool = load_personas()
    first = sample_personas(pool, 50, seed=7)
    assert first == sample_personas(pool, 50, seed=7)
    assert len({p.id for p in first}) == 50
    assert set(first) <= set(pool)
    assert sample_personas(pool, 50, seed=8) != first
    everyone = sample_personas(pool, len(pool), seed=7)
    for seed in range(20):  # a larger n extends a smaller one with the same seed
        whole = sample_personas(pool, len(pool), seed)
        for n in (3, 20, 60):
            assert sample_personas(pool, n, seed) == whole[:n], (seed, n)
    assert sorted(p.id for p in everyone) == sorted(p.id for p in pool)
    assert everyone != pool  # shuffled, not the pool's own order
    assert sample_personas(pool, 0, seed=7) == []


# Pinned: runs record persona ids, and a resumed run must draw the same respondents.
PINNED = ["p054", "p103", "p026", "p066", "p017"]

SAMPLE_IN_CHILD = (
    "from valuescope.respondents import load_personas, sample_personas; "
    "print(' '.join(p.id for p in sample_personas(load_personas(), 5, 1)))"
)


def test_sampling_is_the_same_in_every_process() -> None:
    assert [p.id for p in sample_personas(load_personas(), 5, seed=1)] == PINNED
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", SAMPLE_IN_CHILD], env=env,
                             capture_output=True, text=True, check=True)  # fmt: skip
        assert out.stdout.split() == PINNED


def test_sampling_more_than_the_pool_names_both_numbers() -> None:
    pool = [Persona("a", "I am a baker."), Persona("b", "I am a poet.")]
    with pytest.raises(ValueError, match="cannot sample 3 personas from a pool of 2"):
        sample_personas(pool, 3, seed=0)
    with pytest.raises(ValueError, match="negative"):
        sample_personas(pool, -1, seed=0)
    with pytest.raises(ValueError, match="'a' twice"):
        sample_personas([*pool, Persona("a", "I am a cook.")], 1, seed=0)
