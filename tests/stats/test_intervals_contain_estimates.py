"""No interval in any results file excludes its own estimate.

The audit found `discriminant_gap` 0.731 with CI [0.736, 0.762]: a bias-corrected bootstrap
interval shifted past its estimate. This walks every JSON file of every run in the report
gallery (one finished run of each kind, on the embedded model) and checks every interval
it can pair with its estimate, in each of the shapes the package writes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TOLERANCE = 1e-9


def _number(x: Any) -> float | None:
    """A finite number, or a Stat's value; None for anything else."""
    if isinstance(x, dict):
        x = x.get("value")
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return None
    return float(x)


def _pair(interval: Any) -> tuple[float, float] | None:
    if isinstance(interval, list | tuple) and len(interval) == 2:
        low, high = _number(interval[0]), _number(interval[1])
        if low is not None and high is not None:
            return low, high
    return None


def intervals(data: Any, where: str = "") -> Iterator[tuple[str, float, float, float]]:
    """(where, estimate, low, high) for every interval paired with its estimate:
    {value, ci_low, ci_high}; {score | accuracy | value, ci: [low, high]}; {K, K_ci}."""
    if isinstance(data, dict):
        value, low, high = (_number(data.get(k)) for k in ("value", "ci_low", "ci_high"))
        if value is not None and low is not None and high is not None:
            yield where, value, low, high
        pair = _pair(data.get("ci"))
        estimate = next(
            (n for k in ("score", "accuracy", "value") if (n := _number(data.get(k))) is not None),
            None,
        )
        if pair is not None and estimate is not None:
            yield f"{where}.ci", estimate, *pair
        for key, item in data.items():
            if key.endswith("_ci") and (pair := _pair(item)) is not None:
                estimate = _number(data.get(key[: -len("_ci")]))
                if estimate is not None:
                    yield f"{where}.{key}", estimate, *pair
            yield from intervals(item, f"{where}.{key}")
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from intervals(item, f"{where}[{i}]")


def test_the_walk_finds_each_shape_and_an_excluded_estimate() -> None:
    data = {
        "gap": {"value": 0.731, "ci_low": 0.736, "ci_high": 0.762},
        "dims": [{"score": 3.0, "ci": [{"value": 2.5}, {"value": 3.5}]}],
        "order_r": 0.5, "order_r_ci": [0.1, 0.8],
        "accuracy": {"accuracy": 0.4, "ci": [0.2, 0.6]},
    }  # fmt: skip
    found = {where: (v, lo, hi) for where, v, lo, hi in intervals(data)}
    assert set(found) == {".gap", ".dims[0].ci", ".order_r_ci", ".accuracy.ci"}
    bad = [w for w, (v, lo, hi) in found.items() if not lo - TOLERANCE <= v <= hi + TOLERANCE]
    assert bad == [".gap"]


@pytest.mark.slow
def test_no_interval_in_the_gallery_excludes_its_estimate(gallery: dict[str, Path]) -> None:
    checked, bad = 0, []
    for folder in sorted(gallery.values()):
        for path in sorted(folder.rglob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            for where, value, low, high in intervals(data):
                checked += 1
                if not low - TOLERANCE <= value <= high + TOLERANCE:
                    bad.append(f"{path.relative_to(folder.parent)}{where}: {value} [{low}, {high}]")
    assert checked > 100, checked
    assert not bad, "\n".join(bad)
