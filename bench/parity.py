"""Two runs of the same design, answer by answer: how far apart are their numbers?

    .venv/bin/python bench/parity.py RUN_A RUN_B [RUN_A2 RUN_B2 ...]

Made to compare two backends on one design (the embedded llama-cpp-python backend against
the in-process llama.cpp server that replaced it: two llama.cpp versions), it works on any
pair of runs whose samples share their keys. Answers are matched by item, condition,
sample, respondent, paraphrase and pass. Per pair it prints the answers matched, the answer
probabilities (`probs` of a questionnaire or CSI answer, a judge's per-dimension `scores`):
max and mean absolute difference, how often the likeliest option is the same, the mean
option mass of each run and its max and mean difference, the answers valid in each, and each
run's answering time (from its results' usage). The last line is the ratio of the summed
answering times, B / A.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

KEY_FIELDS = ("item_id", "condition", "sample", "respondent", "paraphrase", "pass_index")


def samples(run: Path) -> dict[tuple[Any, ...], dict[str, Any]]:
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    with (run / "samples.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            rows[tuple(row.get(f) for f in KEY_FIELDS)] = row
    return rows


def vector(row: dict[str, Any]) -> list[float] | None:
    """The answer's probabilities in a fixed order (None where the answer has none)."""
    value = row.get("probs") if row.get("probs") is not None else row.get("scores")
    if isinstance(value, dict):
        return [float(value[k]) for k in sorted(value) if value[k] is not None]
    if isinstance(value, list):
        return [float(v) for v in value]
    return None


def seconds(run: Path) -> float | None:
    """The answering time a run's results record (usage), where they do."""
    try:
        results = json.loads((run / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    usage = results.get("usage") or {}
    for key in ("seconds", "elapsed_s", "wall_s"):
        if isinstance(usage.get(key), int | float):
            return float(usage[key])
    return None


def compare(a: Path, b: Path) -> dict[str, Any]:
    rows_a, rows_b = samples(a), samples(b)
    keys = sorted(set(rows_a) & set(rows_b), key=repr)
    diffs: list[float] = []
    same_top: list[bool] = []
    mass_a: list[float] = []
    mass_b: list[float] = []
    for key in keys:
        va, vb = vector(rows_a[key]), vector(rows_b[key])
        if va is not None and vb is not None and len(va) == len(vb) and va and vb:
            diffs.extend(abs(x - y) for x, y in zip(va, vb, strict=True))
            same_top.append(va.index(max(va)) == vb.index(max(vb)))
        ma, mb = rows_a[key].get("option_mass"), rows_b[key].get("option_mass")
        if isinstance(ma, int | float) and isinstance(mb, int | float):
            mass_a.append(float(ma))
            mass_b.append(float(mb))
    mass_diff = [abs(x - y) for x, y in zip(mass_a, mass_b, strict=True)]
    return {
        "matched": len(keys),
        "only_a": len(rows_a) - len(keys),
        "only_b": len(rows_b) - len(keys),
        "prob_max": max(diffs, default=float("nan")),
        "prob_mean": statistics.fmean(diffs) if diffs else float("nan"),
        "same_top": statistics.fmean(same_top) if same_top else float("nan"),
        "mass_a": statistics.fmean(mass_a) if mass_a else float("nan"),
        "mass_b": statistics.fmean(mass_b) if mass_b else float("nan"),
        "mass_max": max(mass_diff, default=float("nan")),
        "mass_mean": statistics.fmean(mass_diff) if mass_diff else float("nan"),
        "valid_a": sum(bool(rows_a[k].get("valid")) for k in keys),
        "valid_b": sum(bool(rows_b[k].get("valid")) for k in keys),
        "seconds_a": seconds(a),
        "seconds_b": seconds(b),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="RUN_A RUN_B pairs")
    args = parser.parse_args()
    if len(args.runs) % 2:
        parser.error("give the runs in pairs: RUN_A RUN_B [RUN_A RUN_B ...]")
    pairs = list(zip(args.runs[::2], args.runs[1::2], strict=True))
    header = (
        f"{'A vs B':<44} {'n':>5} {'|dp| max':>9} {'mean':>7} {'top=':>6} "
        f"{'mass A':>7} {'mass B':>7} {'|dm| max':>9} {'mean':>7} {'valid A/B':>10} "
        f"{'s A':>7} {'s B':>7}"
    )
    print(header)
    total_a = total_b = 0.0
    for a, b in pairs:
        r = compare(a, b)

        def fmt(value: float | None) -> str:
            return "-" if value is None else f"{value:.1f}"

        print(
            f"{a.name + ' vs ' + b.name:<44} {r['matched']:>5} {r['prob_max']:>9.4f} "
            f"{r['prob_mean']:>7.4f} {r['same_top']:>6.2f} {r['mass_a']:>7.3f} "
            f"{r['mass_b']:>7.3f} {r['mass_max']:>9.4f} {r['mass_mean']:>7.4f} "
            f"{str(r['valid_a']) + '/' + str(r['valid_b']):>10} {fmt(r['seconds_a']):>7} "
            f"{fmt(r['seconds_b']):>7}"
        )
        if r["only_a"] or r["only_b"]:
            print(f"  unmatched: {r['only_a']} only in A, {r['only_b']} only in B")
        if r["seconds_a"] is not None and r["seconds_b"] is not None:
            total_a += r["seconds_a"]
            total_b += r["seconds_b"]
    if total_a > 0:
        print(f"answering time B / A: {total_b / total_a:.2f}")


if __name__ == "__main__":
    main()
