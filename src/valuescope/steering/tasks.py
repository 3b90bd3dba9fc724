"""Task prompts: what a steered model is asked while its steering is searched and evaluated.

Shipped: `steering/data/tasks.yaml` (everyday open-ended requests written for valuescope,
none naming a value, so a response that shows one does so on its own). Users give their
own with `--prompts FILE`: the same YAML layout (`tasks:` with `id` and `prompt`), or JSONL
with `id` (optional) and `prompt` per line, or a text file with one prompt per line.

`split_tasks` cuts them into an optimisation half (what the methods search on) and a
held-out half (what the before/after evaluation asks), shuffled with the run's seed; the
split is stored in the run folder (`split.json`), so a resumed or reused run keeps it.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from valuescope.datasets import DataFileError, line_of, load_yaml_located, read_utf8
from valuescope.datasets.item_files import jsonl_values

ANSWER_INSTRUCTION = "Answer in three to five sentences."


class Task(BaseModel):
    id: str
    prompt: str
    kind: str | None = None

    def question(self) -> str:
        """The user message: the prompt and the length instruction."""
        return f"{self.prompt}\n\n{ANSWER_INSTRUCTION}"


class TaskSplit(BaseModel):
    """Which tasks the methods optimise on and which the evaluation holds out."""

    optimisation: list[Task]
    held_out: list[Task]
    source: str
    seed: int


def builtin_tasks_path() -> Path:
    return Path(str(files("valuescope.steering") / "data" / "tasks.yaml"))


def _task(row: object, path: Path, line: int | None, index: int) -> Task:
    if isinstance(row, str):
        row = {"prompt": row}
    if not isinstance(row, dict):
        raise DataFileError(path, line, "each task is a mapping with a prompt (and an id)")
    prompt = row.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise DataFileError(path, line, "a task needs a prompt (text)")
    task_id = str(row.get("id") or f"p{index + 1:03d}").strip()
    kind = row.get("kind")
    return Task(id=task_id, prompt=" ".join(prompt.split()), kind=str(kind) if kind else None)


def load_tasks(path: Path | None = None) -> list[Task]:
    """Tasks from a YAML, JSONL or text file (the shipped set by default); errors name
    the file and line."""
    path = path or builtin_tasks_path()
    tasks: list[Task] = []
    if path.suffix in (".yaml", ".yml"):
        data = load_yaml_located(path)
        if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
            raise DataFileError(path, None, "a YAML task file needs a list under `tasks:`")
        for i, row in enumerate(data["tasks"]):
            tasks.append(_task(row, path, line_of(data, ("tasks", i)), i))
    elif path.suffix == ".jsonl":
        for i, (line, row) in enumerate(jsonl_values(path, read_utf8(path))):
            tasks.append(_task(row, path, line, i))
    else:
        lines = read_utf8(path).splitlines()
        for number, text in enumerate(lines, start=1):
            if text.strip():
                tasks.append(_task(text, path, number, len(tasks)))
    if len(tasks) < 4:
        raise DataFileError(path, None, f"{len(tasks)} tasks; steering needs at least 4 "
                                        "(half to optimise on, half held out)")  # fmt: skip
    seen: set[str] = set()
    for task in tasks:
        if task.id in seen:
            raise DataFileError(path, None, f"task id {task.id!r} appears twice")
        seen.add(task.id)
    return tasks


def split_tasks(
    tasks: list[Task], seed: int, source: str, optimisation: int | None = None,
    held_out: int | None = None,
) -> TaskSplit:  # fmt: skip
    """Shuffle with `seed`, cut in half; `optimisation` / `held_out` take only the first N
    of each half (CI-sized runs)."""
    order = np.random.default_rng(seed).permutation(len(tasks))
    shuffled = [tasks[i] for i in order]
    half = len(shuffled) // 2
    first, second = shuffled[:half], shuffled[half:]
    return TaskSplit(
        optimisation=first[:optimisation] if optimisation else first,
        held_out=second[:held_out] if held_out else second,
        source=source,
        seed=seed,
    )
