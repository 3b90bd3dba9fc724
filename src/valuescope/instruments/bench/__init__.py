"""Multiple-choice benchmarks (`valuescope bench NAME`): `items` (the shared YAML format),
`parse` (letters out of written answers), `requests` (orders, prompts, samples), `summary`
(accuracy, position bias, agreement, information gain), `registry` (benchmarks by name),
`config`, `feedback` (example and feedback turns), `position` (letter against option),
`verdict`, `instrument` (`BenchInstrument`); one module per benchmark (`motive`, `culture`,
`honesty`, `learning`)."""

from valuescope.instruments.bench.instrument import BenchConfig, BenchInstrument, BenchResults
from valuescope.instruments.bench.items import BenchItem, load_bench_file
from valuescope.instruments.bench.parse import parse_answer
from valuescope.instruments.bench.requests import BenchSample

__all__ = [
    "BenchConfig",
    "BenchInstrument",
    "BenchItem",
    "BenchResults",
    "BenchSample",
    "load_bench_file",
    "parse_answer",
]
