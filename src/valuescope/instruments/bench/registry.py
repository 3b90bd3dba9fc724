"""Benchmarks by name: each is a small module that loads its items and may add figures.

A benchmark module defines one `Benchmark` (its loader of the user's `--data` file or of
the shipped YAML, and an optional `figures(items, samples)` hook whose dict goes into
results.json under `figures` and into the report) and gets a line in `BENCHMARKS`. The
runner (`instrument.py`), the CLI (`valuescope bench NAME`) and the report find it there.

    BENCHMARK = Benchmark("culture", "MMA-ASIA-style questions ...", load=load, figures=figures)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from valuescope.instruments.bench.items import BenchItem, load_bench_file
from valuescope.instruments.bench.requests import BenchSample

Figures = Callable[[list[BenchItem], list[BenchSample]], dict[str, Any]]


@dataclass(frozen=True)
class Benchmark:
    name: str
    help: str
    """One paragraph for `valuescope bench NAME --help`."""
    load: Callable[[Path | None], list[BenchItem]]
    """The items of the user's file (`--data`), or of the shipped one for None."""
    figures: Figures | None = None
    data_help: str = "Your copy of the data (the shared YAML format); default: the shipped file."


BENCHMARKS: dict[str, str] = {
    "motive": "valuescope.instruments.bench.motive:BENCHMARK",
}
"""Name -> `module:attribute` of its `Benchmark` (imported on first use)."""


class UnknownBenchmark(ValueError):
    pass


def get_benchmark(name: str) -> Benchmark:
    if name not in BENCHMARKS:
        raise UnknownBenchmark(
            f"no benchmark {name!r} (available: {', '.join(sorted(BENCHMARKS))}, dilemmas)"
        )
    module, attribute = BENCHMARKS[name].split(":")
    benchmark: Benchmark = getattr(importlib.import_module(module), attribute)
    return benchmark


def shipped_path(name: str) -> Path:
    return Path(str(files("valuescope.instruments.bench").joinpath("data", f"{name}.yaml")))


def load_yaml_items(name: str, path: Path | None) -> list[BenchItem]:
    """The items of a shared-format YAML file (the shipped one for None)."""
    path = path or shipped_path(name)
    if not path.is_file():
        raise FileNotFoundError(
            f"no {name} item file at {path}"
            + ("" if path != shipped_path(name) else " (none shipped yet: give --data)")
        )
    return load_bench_file(path, name).items
