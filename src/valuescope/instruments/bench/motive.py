"""`motive`: MotiveBench (arXiv 2506.13065), motivational reasoning.

Each scenario has three six-option questions: infer the motivation behind a behaviour
(`infer_motivation`), the behaviour a motivation leads to (`infer_behaviour`), and the next
behaviour with its motivation (`next_behaviour`). Asked under the 6 cyclic shifts of the
options by default (6 options -> 6 orders).

Two inputs:
- `--data FILE.json`: the user's copy of MotiveBench's released questions
  (`Persona/Persona_questions.json`, `Amazon/Amazon_questions.json`,
  `Blog/Blog_questions.json` in github.com/chicosirius/MotiveBench). That file is a JSON
  list of scenarios, each
  `{"idx": 0, "Motivation Reasoning Question": "...", "Options 1": ["A. ...", ..., "F. ..."],
  "Correct Answer 1": "B", "Behavior Reasoning Question": ..., "Options 2": ...,
  "Correct Answer 2": ..., "Motivation and Behavior Reasoning Question": ...,
  "Options 3": ..., "Correct Answer 3": ...}`; the scenario is part of each question's
  text, and the options carry their letters ("A. "), which are stripped. Nothing of it
  is shipped.
- otherwise the shared YAML format (`items.py`), each question an item with `group` = the
  scenario id and `type` one of the three above; default: valuescope's own
  `data/motive.yaml`.

Figures (results.json `figures`): accuracy per question type (mean over its questions of
the share of orders answered right, an invalid answer wrong, as in `summary.accuracy`; over
valid answers only in `type_accuracy_valid`), and the share of scenarios with all three
questions right. The latter is computed *per order* (a scenario counts in an order when its three
questions were asked in it; an invalid answer counts as wrong) and averaged over orders,
as MotiveBench's own evaluation script does; a scenario right in most orders but wrong in
one is therefore not counted as all-right in that order.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from valuescope.datasets import DataFileError, read_utf8
from valuescope.instruments.bench.items import BenchItem
from valuescope.instruments.bench.registry import Benchmark, load_yaml_items
from valuescope.instruments.bench.requests import BenchSample

TYPES = ("infer_motivation", "infer_behaviour", "next_behaviour")
RELEASED_KEYS = {
    "infer_motivation": ("Motivation Reasoning Question", "Options 1", "Correct Answer 1"),
    "infer_behaviour": ("Behavior Reasoning Question", "Options 2", "Correct Answer 2"),
    "next_behaviour": (
        "Motivation and Behavior Reasoning Question",
        "Options 3",
        "Correct Answer 3",
    ),
}


def _entry_line(text: str, index: int) -> int:
    """The line where the `index`-th top-level object of a JSON list starts (approximate:
    the index-th line that opens an object at the list's depth)."""
    depth, count = 0, -1
    in_string = escaped = False
    for offset, char in enumerate(text):
        if in_string:
            escaped = not escaped and char == "\\"
            if char == '"' and not escaped:
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            if char == "{" and depth == 1:
                count += 1
                if count == index:
                    return text.count("\n", 0, offset) + 1
            depth += 1
        elif char in "]}":
            depth -= 1
    return 1


def load_released(path: Path) -> list[BenchItem]:
    """MotiveBench's released JSON -> 3 items per scenario; errors name file:line."""
    text = read_utf8(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(path, exc.lineno, f"not valid JSON: {exc.msg}") from exc
    if not isinstance(data, list) or not data:
        raise DataFileError(path, 1, "expected a JSON list of MotiveBench scenarios")
    items: list[BenchItem] = []
    for index, entry in enumerate(data):
        line = _entry_line(text, index)
        if not isinstance(entry, dict):
            raise DataFileError(path, line, f"scenario {index}: expected an object")
        scenario = str(entry.get("idx", index))
        for kind, (q_key, o_key, a_key) in RELEASED_KEYS.items():
            missing = [k for k in (q_key, o_key, a_key) if k not in entry]
            if missing:
                raise DataFileError(path, line, f"scenario {scenario}: missing {missing[0]!r}")
            options = entry[o_key]
            if not isinstance(options, list) or not 2 <= len(options) <= 8:
                raise DataFileError(path, line, f"scenario {scenario}: {o_key!r} needs 2-8 options")
            texts = [re.sub(r"^\s*[A-H][.)]\s*", "", str(o)).strip() for o in options]
            answer = str(entry[a_key]).strip().strip("().").upper()
            if len(answer) != 1 or not 0 <= ord(answer) - ord("A") < len(texts):
                raise DataFileError(
                    path, line, f"scenario {scenario}: {a_key!r} is {entry[a_key]!r}, not a letter"
                )
            items.append(
                BenchItem(
                    id=f"{scenario}-{kind}",
                    question=str(entry[q_key]),
                    options=texts,
                    answer=ord(answer) - ord("A"),
                    group=scenario,
                    type=kind,
                    category=kind,
                )
            )
    return items


def load(path: Path | None) -> list[BenchItem]:
    if path is not None and path.suffix.lower() == ".json":
        return load_released(path)
    items = load_yaml_items("motive", path)
    return [i if i.category else i.model_copy(update={"category": i.type}) for i in items]


def figures(items: list[BenchItem], samples: list[BenchSample], seed: int = 0) -> dict[str, Any]:
    """Accuracy per question type and the share of scenarios with all three right."""
    import numpy as np

    by_id = {i.id: i for i in items}
    every: dict[str, list[float]] = defaultdict(list)  # invalid = wrong
    valid: dict[str, list[float]] = defaultdict(list)
    cells: dict[tuple[str, str], list[bool]] = defaultdict(list)  # (order, scenario)
    for s in samples:
        item = by_id.get(s.item_id)
        if item is None:
            continue
        right = bool(s.valid and s.correct)
        every[s.item_id].append(float(right))
        if s.valid:
            valid[s.item_id].append(float(right))
        cells[(s.condition, item.group or item.id)].append(right)

    def by_type(per_item: dict[str, list[float]], kind: str) -> float | None:
        scores = [
            float(np.mean(per_item[i.id])) for i in items if i.type == kind and per_item[i.id]
        ]
        return float(np.mean(scores)) if scores else None

    type_accuracy = {kind: by_type(every, kind) for kind in TYPES}
    type_accuracy_valid = {kind: by_type(valid, kind) for kind in TYPES}
    type_counts = {kind: sum(i.type == kind for i in items) for kind in TYPES}
    per_order: dict[str, list[float]] = defaultdict(list)
    for (order, _scenario), answers in cells.items():
        if len(answers) == len(TYPES):
            per_order[order].append(float(all(answers)))
    order_shares = {o: float(np.mean(v)) for o, v in sorted(per_order.items())}
    return {
        "type_accuracy": type_accuracy,
        "type_accuracy_valid": type_accuracy_valid,
        "type_items": type_counts,
        "all_three": float(np.mean(list(order_shares.values()))) if order_shares else None,
        "all_three_per_order": order_shares,
        "all_three_scenarios": max((len(v) for v in per_order.values()), default=0),
        "all_three_rule": "per order (invalid = wrong), then the mean over orders",
    }


BENCHMARK = Benchmark(
    name="motive",
    help=(
        "MotiveBench-style motivational reasoning: per scenario, infer a motivation, a "
        "behaviour, and the next behaviour with its motivation (6 options each, 6 orders). "
        "Reports accuracy per question type and the share of scenarios with all three right."
    ),
    load=load,
    figures=figures,
    data_help=(
        "Your copy of MotiveBench's released questions (*.json, e.g. "
        "Persona/Persona_questions.json: a list of scenarios with 'Motivation Reasoning "
        "Question', 'Options 1', 'Correct Answer 1', ... 3) or a YAML file in valuescope's "
        "item format; default: valuescope's own scenarios."
    ),
)
