"""Probe banks: open-ended, value-laden questions, one file per framework.

Shipped: `instruments/data/probes_schwartz10.yaml` (70 questions, 7 per value) and
`probes_mft6.yaml` (42, 7 per foundation), written for valuescope. A YAML bank is

    framework: schwartz10
    probes:
      - id: sd01
        dimension: self_direction     # the value the question mainly puts at stake
        opposing: [conformity]        # what the other side of it appeals to (optional)
        question: ...

A JSONL bank has one object per line with `id` and `question` and optionally `dimension`,
`opposing` and any provenance fields (what `valuescope generate` writes: parent, round, arm,
scores), which are kept but not read. Errors name the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from valuescope.datasets import DataFileError, line_of, load_yaml_located, read_utf8, round_robin
from valuescope.datasets.item_files import jsonl_values
from valuescope.frameworks import Framework, check_declared_framework


@dataclass(frozen=True)
class Probe:
    id: str
    question: str
    dimension: str | None = None
    opposing: tuple[str, ...] = ()


@dataclass
class ProbeBank:
    id: str
    probes: list[Probe] = field(default_factory=list)


def builtin_probes_path(framework_id: str) -> Path | None:
    path = Path(str(files("valuescope.instruments") / "data" / f"probes_{framework_id}.yaml"))
    return path if path.is_file() else None


def _dimension(value: Any, framework: Framework, path: Path, line: int | None) -> str | None:
    if value in (None, ""):
        return None
    dimension = framework.resolve(str(value))
    if dimension is None:
        raise DataFileError(path, line, f"dimension {value!r} is not one of {framework.id}'s")
    return dimension


def _probe(row: Any, framework: Framework, path: Path, line: int | None) -> Probe:
    if not isinstance(row, dict):
        raise DataFileError(path, line, "each probe must be a mapping with id and question")
    question = row.get("question")
    if not isinstance(question, str) or not question.strip():
        raise DataFileError(path, line, "a probe needs a question (text)")
    probe_id = row.get("id")
    if (
        not isinstance(probe_id, str | int)
        or isinstance(probe_id, bool)
        or not str(probe_id).strip()
    ):
        raise DataFileError(path, line, "a probe needs an id (a string or a whole number)")
    opposing = row.get("opposing") or []
    if not isinstance(opposing, list):
        raise DataFileError(path, line, "opposing must be a list of dimension ids")
    return Probe(
        id=str(probe_id).strip(),
        question=" ".join(question.split()),
        dimension=_dimension(row.get("dimension"), framework, path, line),
        opposing=tuple(d for d in (_dimension(o, framework, path, line) for o in opposing) if d),
    )


def load_probes(path: Path, framework: Framework) -> ProbeBank:
    """A probe bank (YAML or JSONL) checked against `framework`."""
    probes: list[Probe] = []
    if path.suffix == ".jsonl":
        for line, row in jsonl_values(path, read_utf8(path)):
            probes.append(_probe(row, framework, path, line))
    elif path.suffix in (".yaml", ".yml"):
        data = load_yaml_located(path)
        if not isinstance(data, dict) or not isinstance(data.get("probes"), list):
            raise DataFileError(path, None, "a YAML probe bank needs a list under `probes:`")
        check_declared_framework(path, data, framework, "bank")
        for index, row in enumerate(data["probes"]):
            probes.append(_probe(row, framework, path, line_of(data, ("probes", index))))
    else:
        raise DataFileError(path, None, "probe banks are .yaml or .jsonl files")
    if not probes:
        raise DataFileError(path, None, "no probes")
    seen: set[str] = set()
    for probe in probes:
        if probe.id in seen:
            raise DataFileError(path, None, f"probe id {probe.id!r} appears twice")
        seen.add(probe.id)
    return ProbeBank(id=path.stem, probes=probes)


def select_probes(
    probes: list[Probe], dimension_order: list[str], limit: int | None
) -> list[Probe]:
    """The first `limit` probes taken round-robin over the dimensions (in the framework's
    order; probes without a dimension last), so that a small limit still covers every
    dimension; all of them, in file order, without a limit."""
    if limit is None or limit >= len(probes):
        return list(probes)
    by_dimension = [[p for p in probes if p.dimension == d] for d in dimension_order]
    return round_robin([*by_dimension, [p for p in probes if p.dimension is None]], limit)
