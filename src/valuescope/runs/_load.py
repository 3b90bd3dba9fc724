"""`load_run(dir)`: a run directory as pandas objects, for notebooks and scripts.

    data = load_run("runs/20261201T120000Z-measure-llamacpp")
    data.samples.groupby("dimension").score.mean()     # one row per answer
    data.dimensions[["score", "ci_low", "ci_high"]]    # one row per dimension

Works on finished runs and on runs still in flight or killed (then `results` is None and
`samples` holds what has been written so far; a half-written last line is skipped).
pandas is imported here, when a run is loaded, not when valuescope is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from valuescope.runs._schema import Manifest
from valuescope.runs._store import RESULTS, SAMPLES, RunStore, RunStoreError

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class RunData:
    """What a run directory holds, ready for analysis."""

    directory: Path
    manifest: Manifest
    """Command, configuration, model identity, versions, seed, git revision."""
    results: dict[str, Any] | None
    """results.json as written (None while the run is unfinished)."""
    samples: pd.DataFrame
    """samples.jsonl, one row per answer (list fields such as `probs` stay lists)."""
    dimensions: pd.DataFrame | None
    """The per-dimension results (index: dimension id) where the command has them, with a
    two-element `ci` also split into `ci_low` / `ci_high`; None otherwise."""

    @property
    def config(self) -> dict[str, Any]:
        return self.manifest.config


def load_run(directory: Path | str) -> RunData:
    """Read a run directory (see the module docstring)."""
    import pandas as pd

    directory = Path(directory)
    manifest = RunStore.open_existing(directory).manifest
    results_path = directory / RESULTS
    results = json.loads(results_path.read_text()) if results_path.is_file() else None
    return RunData(
        directory=directory,
        manifest=manifest,
        results=results,
        samples=pd.DataFrame.from_records(_read_samples(directory / SAMPLES)),
        dimensions=_dimensions(results),
    )


def _read_samples(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.endswith("\n"):
                break  # a line still being written (or cut by a kill)
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise RunStoreError(f"{path}:{number}: not JSON: {exc.msg}") from exc
    return rows


def _dimensions(results: dict[str, Any] | None) -> pd.DataFrame | None:
    import pandas as pd

    rows = (results or {}).get("dimensions")
    if not isinstance(rows, dict) or not rows:
        return None
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "dimension"
    for column, low, high in (
        ("ci", "ci_low", "ci_high"),
        ("rating_ci", "rating_ci_low", "rating_ci_high"),
        ("preference_ci", "preference_ci_low", "preference_ci_high"),
    ):
        if (
            column in frame
            and frame[column].map(lambda c: isinstance(c, list) and len(c) == 2).all()
        ):
            frame[low] = frame[column].map(lambda c: c[0])
            frame[high] = frame[column].map(lambda c: c[1])
    return frame
