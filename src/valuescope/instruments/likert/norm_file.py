"""Human norm tables (`measure --norms FILE`): per dimension the mean, sd and n of a
published human sample, with its citation, read so that every mistake names file and line.

YAML (the file's `source` is required; a dimension's own `source` overrides it):

    source: "Author (year). Title. Journal. Who the sample was."
    instrument: ipip_neo300        # optional: the bank the humans answered
    framework: bigfive             # optional: must be the run's
    scale: {points: 5, minimum: 1} # the scale the numbers are on (items: K = sums of K items)
    norms:
      openness: {mean: 3.62, sd: 0.51, n: 1200}
      neuroticism: {mean: 2.80, sd: 0.70, n: 1200, source: "another study"}

CSV (or TSV): a row per dimension with the columns `dimension, mean, sd, n, source,
points`, and optionally `minimum` (default 1) and `items` (default 1).

Dimensions are the framework's (matched leniently and by name, `Framework.resolve`).

Scales. valuescope scores a dimension as the mean of its item scores on the instrument's
response scale. A norm is accepted on the same number of response points and converted
exactly: a table of sums over K items (`items: K`) is divided by K, and a scale numbered
from another minimum (0..4 for 1..5) is shifted. Both are linear maps of the same answers,
so mean and sd map exactly; the result says what was done. A norm collected on another
number of points is refused: a 7-point answer is not a stretched 5-point one (people use
the two formats differently), so no linear rescale of the mean and sd would be honest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, ValidationError

from valuescope.datasets import DataFileError, line_of, load_yaml_located, located_error
from valuescope.datasets.item_files import table_rows
from valuescope.frameworks import Framework, resolve_framework_name
from valuescope.instruments.likert.items import ResponseScale, unknown_dimensions

SUFFIXES = (".yaml", ".yml", ".csv", ".tsv")


class NormScale(BaseModel):
    """The scale a norm's numbers are on."""

    model_config = ConfigDict(extra="forbid")

    points: int = Field(ge=2, le=11)
    minimum: int = 1
    items: int = Field(default=1, ge=1)
    """The numbers are sums over this many items (1: item means, as valuescope scores)."""

    def describe(self) -> str:
        top = self.minimum + self.points - 1
        unit = "item means" if self.items == 1 else f"sums of {self.items} items"
        return f"{unit} on {self.minimum}..{top}"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mean: FiniteFloat
    sd: FiniteFloat = Field(ge=0)
    n: int = Field(ge=1)
    source: str | None = Field(default=None, min_length=1)
    scale: NormScale | None = None


class _NormFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1)
    description: str = ""
    instrument: str | None = None
    framework: str | None = None
    scale: NormScale
    norms: dict[str, _Entry] = Field(min_length=1)


class HumanNorm(BaseModel):
    """A dimension's human norm on the run's scale (item means), and where it came from."""

    mean: float
    sd: float
    n: int
    source: str
    published_mean: float | None = None
    published_sd: float | None = None
    rescaled: str | None = None
    """How the published numbers were converted to the run's scale (None: taken as given)."""


class NormTable(BaseModel):
    """A norm file, read and converted to the run's scale."""

    file: str
    source: str
    description: str = ""
    instrument: str | None = None
    """The bank the human sample answered, where the file says."""
    dimensions: dict[str, HumanNorm]


def load_norms(path: Path, framework: Framework, scale: ResponseScale) -> NormTable:
    """Read a norm table for `framework`'s dimensions on the instrument's `scale`."""
    if path.suffix not in SUFFIXES:
        raise DataFileError(path, None, "norm files must be .yaml, .yml, .csv or .tsv")
    if not path.is_file():
        raise DataFileError(path, None, "no such file")
    if path.suffix in (".yaml", ".yml"):
        data = load_yaml_located(path)
        try:
            parsed = _NormFile.model_validate(data)
        except ValidationError as exc:
            raise located_error(path, data, exc) from exc
        _check_framework(path, parsed.framework, framework, line_of(data, ("framework",)))
        lines = {name: line_of(data, ("norms", name)) for name in parsed.norms}
    else:
        parsed, lines = _read_table(path)
    dimensions: dict[str, HumanNorm] = {}
    first_line: dict[str, int | None] = {}
    unknown: dict[str, int | None] = {}
    for name, entry in parsed.norms.items():
        line = lines.get(name)
        dim = framework.resolve(name)
        if dim is None:
            unknown.setdefault(name, line)
            continue
        if dim in dimensions:
            raise DataFileError(
                path, line, f"{name!r} is {dim} again (first at line {first_line[dim]})"
            )
        first_line[dim] = line
        norm_scale = entry.scale or parsed.scale
        dimensions[dim] = _convert(path, line, dim, entry, norm_scale, scale, parsed.source)
    if unknown:
        raise unknown_dimensions(path, framework, unknown)
    return NormTable(
        file=str(path),
        source=parsed.source,
        description=parsed.description,
        instrument=parsed.instrument,
        dimensions=dimensions,
    )


def _check_framework(path: Path, named: str | None, framework: Framework, line: int | None) -> None:
    if named is None:
        return
    try:
        resolved = resolve_framework_name(named)
    except KeyError:
        resolved = named
    if resolved != framework.id:
        raise DataFileError(
            path, line, f"framework: the norms are for {named}, this run measures {framework.id}"
        )


def _convert(
    path: Path,
    line: int | None,
    dim: str,
    entry: _Entry,
    norm: NormScale,
    scale: ResponseScale,
    source: str,
) -> HumanNorm:
    """`entry` on the run's `scale` (module docstring), or an error at `line`."""
    if norm.points != scale.points:
        raise DataFileError(
            path,
            line,
            f"{dim}: the norm is on a {norm.points}-point scale, the instrument on a "
            f"{scale.points}-point one; answers to different response formats are not "
            "comparable by a linear rescale, so give norms collected on the same "
            f"{scale.points}-point scale",
        )
    low, high = norm.items * norm.minimum, norm.items * (norm.minimum + norm.points - 1)
    if not low <= entry.mean <= high:
        raise DataFileError(
            path, line, f"{dim}: mean {entry.mean:g} lies outside {low}..{high} "
            f"({norm.describe()}); is the scale right?"
        )  # fmt: skip
    if entry.sd > (high - low) / 2:
        raise DataFileError(
            path, line, f"{dim}: sd {entry.sd:g} is more than scores on {low}..{high} can "
            f"spread ({(high - low) / 2:g} at most: {norm.describe()}); is the scale right?"
        )  # fmt: skip
    mean = entry.mean / norm.items - norm.minimum + scale.minimum
    sd = entry.sd / norm.items
    steps = []
    if norm.items > 1:
        steps.append(f"sums of {norm.items} items divided by {norm.items}")
    if norm.minimum != scale.minimum:
        steps.append(
            f"{norm.minimum}..{norm.minimum + norm.points - 1} shifted to "
            f"{scale.minimum}..{scale.maximum}"
        )
    return HumanNorm(
        mean=mean,
        sd=sd,
        n=entry.n,
        source=entry.source or source,
        published_mean=entry.mean if steps else None,
        published_sd=entry.sd if steps else None,
        rescaled="; ".join(steps) if steps else None,
    )


TABLE_COLUMNS = ("dimension", "mean", "sd", "n", "source", "points", "minimum", "items")


def _read_table(path: Path) -> tuple[_NormFile, dict[str, int | None]]:
    """A CSV/TSV norm table as a `_NormFile` and each dimension's line."""
    entries: dict[str, Any] = {}
    lines: dict[str, int | None] = {}
    for line, row in table_rows(path):
        cells = {k.strip(): v.strip() for k, v in row.items() if k and isinstance(v, str)}
        given = {k: v for k, v in cells.items() if v}
        extra = sorted(set(given) - set(TABLE_COLUMNS))
        if extra:
            raise DataFileError(
                path, line, f"unknown column(s) {', '.join(extra)}; columns: "
                f"{', '.join(TABLE_COLUMNS)}"
            )  # fmt: skip
        name = given.pop("dimension", "")
        if not name:
            raise DataFileError(path, line, "no dimension (column 'dimension')")
        if "source" not in given:
            raise DataFileError(
                path, line, f"{name}: no source (each row names its sample's citation)"
            )
        if "points" not in given:
            raise DataFileError(path, line, f"{name}: no points (the scale's number of points)")
        scale = {k: given.pop(k) for k in ("points", "minimum", "items") if k in given}
        entry = {**given, "scale": scale}
        try:
            _Entry.model_validate(entry)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise DataFileError(path, line, f"{name}: {where}: {first['msg']}") from exc
        if name in entries:
            raise DataFileError(path, line, f"{name!r} again (first at line {lines[name]})")
        entries[name], lines[name] = entry, line
    if not entries:
        raise DataFileError(path, None, "no norms")
    sources = {str(e["source"]) for e in entries.values()}
    source = sources.pop() if len(sources) == 1 else "per dimension (see each)"
    first = next(iter(entries.values()))["scale"]
    parsed = _NormFile.model_validate({"source": source, "scale": first, "norms": entries})
    return parsed, lines
