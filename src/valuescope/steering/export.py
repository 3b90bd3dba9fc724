"""Steering as training data: the held-out answers as SFT and DPO records (TRL's formats).

What a steering method achieves in context can be distilled into the weights. From a steer
run's evaluation:

- `sft.jsonl`: one record per valid steered answer, in TRL's conversational format
  `{"messages": [{"role": "user", ...}, {"role": "assistant", ...}]}`: the task *without*
  the steering text, answered as the steered model answered it (so training teaches the
  behaviour, not the instruction);
- `dpo.jsonl`: TRL's conversational preference format `{"prompt": [user], "chosen":
  [assistant], "rejected": [assistant]}`: chosen = the steered answer, rejected = the bare
  model's answer to the same task, kept only where the judge found the steered answer more
  conforming to the target (a pair the other way round would teach the opposite).

Each record also carries `method`, `task_id` and the conformities, which TRL's trainers
ignore (they read only their own columns).
"""

from __future__ import annotations

import json
from pathlib import Path

from valuescope.runs import SAMPLES
from valuescope.steering.evaluation import BARE, EvaluationSample
from valuescope.steering.tasks import Task

EXPORT_DIR = "export"
SFT_FILE = "sft.jsonl"
DPO_FILE = "dpo.jsonl"


def read_evaluation_samples(directory: Path) -> list[EvaluationSample]:
    path = directory / SAMPLES
    if not path.is_file():
        return []
    lines = path.read_text("utf-8").splitlines()
    return [EvaluationSample.model_validate_json(line) for line in lines if line.strip()]


def turn(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content}


def training_records(
    samples: list[EvaluationSample], tasks: list[Task]
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """(SFT records, DPO records) from a steer run's evaluation samples."""
    questions = {t.id: t.question() for t in tasks}
    bare = {s.item_id: s for s in samples if s.condition == BARE and s.valid}
    sft: list[dict[str, object]] = []
    dpo: list[dict[str, object]] = []
    for sample in samples:
        if sample.condition == BARE or not sample.valid or sample.item_id not in questions:
            continue
        prompt = turn("user", questions[sample.item_id])
        sft.append({"messages": [prompt, turn("assistant", sample.response)],
                    "method": sample.condition, "task_id": sample.item_id,
                    "conformity": sample.conformity})  # fmt: skip
        rejected = bare.get(sample.item_id)
        if (rejected is None or sample.conformity is None or rejected.conformity is None
                or sample.conformity <= rejected.conformity):  # fmt: skip
            continue
        dpo.append({
            "prompt": [prompt], "chosen": [turn("assistant", sample.response)],
            "rejected": [turn("assistant", rejected.response)], "method": sample.condition,
            "task_id": sample.item_id, "chosen_conformity": sample.conformity,
            "rejected_conformity": rejected.conformity,
        })  # fmt: skip
    return sft, dpo


def write_export(evaluation_dir: Path, tasks: list[Task], out: Path) -> dict[str, int]:
    """Write `sft.jsonl` and `dpo.jsonl` under `out`; returns the record count per file."""
    sft, dpo = training_records(read_evaluation_samples(evaluation_dir), tasks)
    return write_records(out, {SFT_FILE: sft, DPO_FILE: dpo})


def write_records(out: Path, files: dict[str, list[dict[str, object]]]) -> dict[str, int]:
    """Write each list of records as JSONL under `out`; returns the record count per file.
    Shared with `valuescope construct`'s export."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, records in files.items():
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        (out / name).write_text(text, encoding="utf-8")
        counts[name] = len(records)
    return counts
