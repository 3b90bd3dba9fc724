"""Benchmarks by name: each is a small module that loads its items and may add figures.

A benchmark module defines one `Benchmark` (its loader of the user's `--data` file or of
the shipped YAML, an optional `figures(items, samples, seed)` hook whose dict goes into
results.json under `figures` and into the report, an optional `design(items, pool, config)`
hook that replaces "every item under every order" with the benchmark's own conditions, and
`describe(figures)`, the lines the CLI prints) and gets a line in `BENCHMARKS`. The runner
(`instrument.py`), the CLI (`valuescope bench NAME`) and the report find it there.

    BENCHMARK = Benchmark("culture", "MMA-ASIA-style questions ...", load=load, figures=figures)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from valuescope.errors import MissingFile, UserError
from valuescope.instruments.bench.items import BenchFile, BenchItem, load_bench_file
from valuescope.instruments.bench.requests import BenchSample, Request
from valuescope.registry import Registry

if TYPE_CHECKING:
    from valuescope.instruments.bench.config import BenchConfig

Figures = Callable[[list[BenchItem], list[BenchSample], int], dict[str, Any]]
Design = Callable[[list[BenchItem], list[BenchItem], "BenchConfig"], list[Request]]
"""(the items to test, every item of the file, the run's config) -> the requests."""
Notes = Callable[[list[BenchItem], list[BenchItem], "BenchConfig"], dict[str, Any]]


@dataclass(frozen=True)
class Benchmark:
    name: str
    help: str
    """One paragraph for `valuescope bench NAME --help`."""
    load: Callable[[Path | None], list[BenchItem]]
    """The items of the user's file (`--data`), or of the shipped one for None."""
    figures: Figures | None = None
    design: Design | None = None
    design_notes: (
        Callable[[list[BenchItem], list[BenchItem], BenchConfig], dict[str, Any]] | None
    ) = None
    """What the design decided (learning: the k values and why), into `figures["design"]`."""
    describe: Callable[[dict[str, Any]], list[str]] | None = None
    """The CLI's lines for the figures (default: one `key: value` line each)."""
    data_help: str = "Your copy of the data (the shared YAML format); default: the shipped file."


BENCHMARKS: Registry[Benchmark] = Registry(
    "benchmarks",
    "benchmark",
    {
        "motive": "valuescope.instruments.bench.motive:BENCHMARK",
        "culture": "valuescope.instruments.bench.culture:BENCHMARK",
        "honesty": "valuescope.instruments.bench.honesty:BENCHMARK",
        "learning": "valuescope.instruments.bench.learning:BENCHMARK",
    },
)
"""Name -> its `Benchmark` (imported on first use; plugins: group `valuescope.benchmarks`)."""


class UnknownBenchmark(UserError, ValueError):
    """A benchmark name that is not registered (the message lists the known ones)."""


def get_benchmark(name: str) -> Benchmark:
    if name not in BENCHMARKS:
        raise UnknownBenchmark(
            f"no benchmark {name!r} (available: {', '.join(sorted(BENCHMARKS))}, dilemmas)"
        )
    return BENCHMARKS.get(name)


def shipped_path(name: str) -> Path:
    return Path(str(files("valuescope.instruments.bench").joinpath("data", f"{name}.yaml")))


def load_yaml_file(name: str, path: Path | None) -> BenchFile:
    """A shared-format YAML file (the shipped one for None), its items' images resolved
    against the file's folder (a missing image is an error naming the item)."""
    path = path or shipped_path(name)
    if not path.is_file():
        raise MissingFile(
            f"no {name} item file at {path}"
            + ("" if path != shipped_path(name) else " (none shipped yet: give --data)")
        )
    bench = load_bench_file(path, name)
    items = []
    for item in bench.items:
        images = [str((path.parent / p).resolve()) for p in item.images]
        missing = [p for p in images if not Path(p).is_file()]
        if missing:
            raise MissingFile(f"{path}: item {item.id!r}: no image at {missing[0]}")
        items.append(item.model_copy(update={"images": images}) if images else item)
    return bench.model_copy(update={"items": items})


def load_yaml_items(name: str, path: Path | None) -> list[BenchItem]:
    """The items of a shared-format YAML file (the shipped one for None)."""
    return load_yaml_file(name, path).items
