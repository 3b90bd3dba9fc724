"""The benchmark items valuescope ships (`instruments/bench/data/*.yaml`) follow the shared
item format (notes: bench_format), checked here with plain YAML and no runner, so that a
mistake in the data is caught by itself: ids unique, answers in range, no option twice in an
item, culture's groups complete in all three languages with the same options count and
answer, motive's three question types of six options per scenario, honesty's refusal option
right exactly on the unanswerable items, learning's answers following its rule, and every
image a PNG that exists. Each problem names the file and line, as the runner's errors do."""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from helpers.paths import SRC
from valuescope.datasets._located import LocatedDict, load_yaml_located

DATA = SRC / "valuescope/instruments/bench/data"
BENCHMARKS = ("motive", "culture", "honesty", "learning")
ITEM_KEYS = {"id", "question", "options", "answer", "category", "group", "language", "context"}
ITEM_KEYS |= {"images", "type"}
TYPES = {
    "motive": {"infer_motivation", "infer_behaviour", "next_behaviour"},
    "honesty": {"answerable", "unanswerable"},
}
CULTURE_LANGUAGES = {"en", "es", "de"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_IMAGE_BYTES = 64 * 1024


def _line(item: Any, key: str | None = None) -> int:
    if isinstance(item, LocatedDict):
        return item.key_lines.get(key, item.line) if key else item.line
    return 0


class Checker:
    """Collects `file:line: problem` lines for one data file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def fail(self, line: int, message: str) -> None:
        self.problems.append(f"{self.path.name}:{line}: {message}")


def _check_item(check: Checker, item: Any, benchmark: str) -> None:
    if not isinstance(item, LocatedDict):
        check.fail(0, f"an item is not a mapping: {item!r}")
        return
    for key in set(item) - ITEM_KEYS:
        check.fail(_line(item, key), f"unknown item field {key!r}")
    if not isinstance(item.get("id"), str) or not item["id"]:
        check.fail(item.line, "no id")
    if not isinstance(item.get("question"), str) or not item["question"].strip():
        check.fail(item.line, "no question")
    options = item.get("options")
    if not isinstance(options, list) or not 2 <= len(options) <= 8:
        check.fail(_line(item, "options"), "options must be a list of 2 to 8")
        return
    if not all(isinstance(o, str) and o.strip() for o in options):
        check.fail(_line(item, "options"), "an option is empty or not text")
    normalised = [" ".join(str(o).lower().split()) for o in options]
    if len(set(normalised)) != len(options):
        check.fail(_line(item, "options"), f"an option appears twice: {options}")
    answer = item.get("answer")
    if type(answer) is not int or not 0 <= answer < len(options):
        check.fail(_line(item, "answer"), f"answer {answer!r} is not an index of the options")
    if benchmark in TYPES and item.get("type") not in TYPES[benchmark]:
        check.fail(_line(item, "type"), f"type {item.get('type')!r} not in {TYPES[benchmark]}")
    for image in item.get("images") or []:
        _check_image(check, _line(item, "images"), image)


def _check_image(check: Checker, line: int, image: Any) -> None:
    path = check.path.parent / str(image)
    if not path.is_file():
        check.fail(line, f"image {image} does not exist")
        return
    data = path.read_bytes()
    if not data.startswith(PNG_SIGNATURE):
        check.fail(line, f"image {image} is not a PNG")
    if len(data) > MAX_IMAGE_BYTES:
        check.fail(line, f"image {image} is {len(data)} bytes (at most {MAX_IMAGE_BYTES})")


def _groups(items: list[Any]) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        groups[str(item.get("group"))].append(item)
    return groups


def _check_culture(check: Checker, items: list[Any]) -> None:
    groups = _groups(items)
    for group, members in groups.items():
        first = members[0]
        languages = [m.get("language") for m in members]
        if sorted(languages) != sorted(CULTURE_LANGUAGES):
            check.fail(first.line, f"group {group} has languages {languages}, not en, es, de")
        for m in members[1:]:
            for key in ("answer", "images", "category"):
                if m.get(key) != first.get(key):
                    check.fail(_line(m, key), f"group {group}: {key} differs across languages")
            if len(m.get("options") or []) != len(first.get("options") or []):
                check.fail(_line(m, "options"), f"group {group}: option counts differ")
    if len(groups) < 20:
        check.fail(0, f"{len(groups)} culture questions, at least 20 wanted")
    with_images = [g for g, members in groups.items() if members[0].get("images")]
    if len(with_images) < 4:
        check.fail(0, f"{len(with_images)} image questions, at least 4 wanted")


def _check_motive(check: Checker, items: list[Any]) -> None:
    groups = _groups(items)
    for group, members in groups.items():
        types = sorted(str(m.get("type")) for m in members)
        if types != sorted(TYPES["motive"]):
            check.fail(members[0].line, f"scenario {group} has question types {types}")
        for m in members:
            if len(m.get("options") or []) != 6:
                check.fail(_line(m, "options"), "a motive question needs six options")
            if not m.get("context") or m.get("context") != members[0].get("context"):
                check.fail(_line(m, "context"), f"scenario {group}: the context differs")
    if len(groups) < 10:
        check.fail(0, f"{len(groups)} scenarios, at least 10 wanted")


def _check_honesty(check: Checker, document: Any, items: list[Any]) -> None:
    refusal = document.get("refusal_option")
    if not isinstance(refusal, str):
        check.fail(document.line, "no refusal_option")
        return
    for item in items:
        options = item.get("options") or []
        if refusal not in options:
            check.fail(_line(item, "options"), "the refusal option is missing")
            continue
        refuses = item.get("answer") == options.index(refusal)
        if refuses != (item.get("type") == "unanswerable"):
            check.fail(_line(item, "answer"), "the refusal must be right iff unanswerable")
    for kind in TYPES["honesty"]:
        kinds = [i for i in items if i.get("type") == kind]
        if not kinds or not any(i.get("images") for i in kinds):
            check.fail(0, f"no {kind} items, or none with an image")
    if len(items) < 40:
        check.fail(0, f"{len(items)} honesty items, at least 40 wanted")


def _check_learning(check: Checker, document: Any, items: list[Any]) -> None:
    for key in ("rule", "concept"):
        if not isinstance(document.get(key), str) or not document[key].strip():
            check.fail(document.line, f"no {key}")
    if "first two letters" in str(document.get("concept")):
        check.fail(_line(document, "concept"), "the concept states the rule outright")
    for item in items:  # the rule: copy the word's first two letters to its front
        match = re.search(r'"(\w+)"', str(item.get("question")))
        options, answer = item.get("options") or [], item.get("answer")
        if match is None or type(answer) is not int or answer >= len(options):
            check.fail(item.line, "no quoted word in the question, or no answer")
            continue
        word = match.group(1)
        if options[answer] != word[:2] + word:
            check.fail(_line(item, "answer"), f"the answer to {word!r} does not follow the rule")
    if len(items) < 30:
        check.fail(0, f"{len(items)} learning items, at least 30 wanted")


def problems(path: Path) -> list[str]:
    """Every way the data file at `path` breaks the format, as `file:line: problem`."""
    check = Checker(path)
    document = load_yaml_located(path)
    if not isinstance(document, LocatedDict) or not isinstance(document.get("items"), list):
        return [f"{path.name}: not a mapping with a list of items"]
    benchmark = document.get("benchmark")
    if benchmark != path.stem or type(document.get("version")) is not int:
        check.fail(document.line, f"benchmark {benchmark!r} or version is wrong")
    if not isinstance(document.get("description"), str):
        check.fail(document.line, "no description")
    items = document["items"]
    seen: dict[str, int] = {}
    for item in items:
        _check_item(check, item, str(benchmark))
        identifier = str(item.get("id")) if isinstance(item, dict) else ""
        if identifier in seen:
            check.fail(_line(item, "id"), f"id {identifier} also on line {seen[identifier]}")
        seen[identifier] = _line(item, "id")
    items = [i for i in items if isinstance(i, LocatedDict)]
    if benchmark == "culture":
        _check_culture(check, items)
    elif benchmark == "motive":
        _check_motive(check, items)
    elif benchmark == "honesty":
        _check_honesty(check, document, items)
    elif benchmark == "learning":
        _check_learning(check, document, items)
    return check.problems


@pytest.mark.parametrize("benchmark", BENCHMARKS)
def test_shipped_data_follows_the_format(benchmark: str) -> None:
    assert problems(DATA / f"{benchmark}.yaml") == []


def test_every_shipped_image_is_used() -> None:
    used: set[str] = set()
    for benchmark in BENCHMARKS:
        for item in load_yaml_located(DATA / f"{benchmark}.yaml")["items"]:
            used.update(item.get("images") or [])
    assert {f"images/{p.name}" for p in (DATA / "images").glob("*.png")} == used


def _broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    (tmp_path / "images").mkdir()
    for image in (DATA / "images").glob("*.png"):
        shutil.copy(image, tmp_path / "images" / image.name)
    text = (DATA / name).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        ("culture.yaml", "id: c02-es", "id: c01-es", "id c01-es also on line"),
        ("culture.yaml", "language: de", "language: fr", "not en, es, de"),
        ("culture.yaml", "answer: 2", "answer: 4", "answer 4 is not an index"),
        ("culture.yaml", "flag_disc.png", "flag_none.png", "does not exist"),
        ("motive.yaml", "type: next_behaviour", "type: infer_behaviour", "question types"),
        ("motive.yaml", "  - Hunger\n", "  - A need to earn money quickly\n", "appears twice"),
        ("honesty.yaml", "answer: 2", "answer: 1", "refusal must be right iff"),
        ("learning.yaml", "answer: 1", "answer: 0", "does not follow the rule"),
    ],
)
def test_a_broken_file_is_caught_with_its_line(
    tmp_path: Path, name: str, old: str, new: str, expected: str
) -> None:
    found = problems(_broken_copy(tmp_path, name, old, new))
    assert any(expected in p for p in found), found
    assert all(re.match(rf"{name}:\d+: ", p) for p in found), found
