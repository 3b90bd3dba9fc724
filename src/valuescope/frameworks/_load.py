"""Finding and loading framework files (shipped ones and a user's `--frameworks-dir`).

A framework is named by its id (the file stem, `schwartz10`) or by an alias (`schwartz`,
`mft`, `big5`): users type the names they know the theory by, and an alias table is the
one place that says which names mean which shipped framework. Names are matched
case-insensitively and with `-`, `_` and spaces alike (`Big-Five`, `big five`).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from valuescope import datasets
from valuescope.datasets import DataFileError, LocatedDict, LocatedList
from valuescope.frameworks._schema import Framework, normalise_dimension_name
from valuescope.registry import UnknownName


class UnknownFramework(UnknownName, KeyError):
    """A framework name that is no id, alias or file (the message lists the known ones). A
    `KeyError`, as it was before the `UserError` tree, for code that catches that."""


ALIASES: dict[str, str] = {
    "big5": "bigfive",
    "big_five": "bigfive",
    "ocean": "bigfive",
    "ffm": "bigfive",
    "five_factor": "bigfive",
    "ethics": "ethics5",
    "normative_ethics": "ethics5",
    "gert": "gert10",
    "common_morality": "gert10",
    "mac": "mac7",
    "morality_as_cooperation": "mac7",
    "mft": "mft6",
    "moral_foundations": "mft6",
    "moral_foundations_theory": "mft6",
    "schwartz": "schwartz10",
    "schwartz_basic": "schwartz10",
    "schwartz_refined": "schwartz19",
}
"""Alias (in `normalise_name` form) -> shipped framework id. Questionnaire names (PVQ, MFQ,
BFI) are left out on purpose: our item banks are not those questionnaires."""


def normalise_name(name: str) -> str:
    """`Big-Five`, `big five` and `BIG_FIVE` all become `big_five` (as dimension names do)."""
    return normalise_dimension_name(name)


def builtin_dir() -> Path:
    return Path(str(files("valuescope.frameworks").joinpath("data")))


def load_framework_file(path: Path) -> Framework:
    """Load and check a framework file; every error names the file and the wrong line."""
    data = datasets.load_yaml_located(path)
    try:
        framework = Framework.model_validate(data)
    except ValidationError as exc:
        # Field errors carry their location; cross-references are checked in
        # `_check_references` first so that they, too, point at the line at fault.
        if any(error["loc"] for error in exc.errors()):
            raise datasets.located_error(path, data, exc) from exc
        if isinstance(data, LocatedDict):
            _check_references(path, data)
        raise datasets.located_error(path, data, exc) from exc
    return framework


def _check_references(path: Path, data: LocatedDict) -> None:
    """Duplicate dimension ids, relations or circle entries naming unknown ids: the line."""
    dimensions = data.get("dimensions")
    if not isinstance(dimensions, LocatedList):
        return
    seen: set[str] = set()
    for node, line in zip(dimensions, dimensions.item_lines, strict=True):
        if isinstance(node, LocatedDict):
            if node.get("id") in seen:
                raise DataFileError(
                    path, node.key_lines.get("id", line), f"duplicate dimension id {node['id']!r}"
                )
            seen.add(str(node.get("id")))
    for node in dimensions:
        relations = node.get("relations") if isinstance(node, LocatedDict) else None
        if not isinstance(relations, LocatedDict):
            continue
        for kind, names in relations.items():
            if not isinstance(names, LocatedList):
                continue
            for name, line in zip(names, names.item_lines, strict=True):
                if name not in seen:
                    raise DataFileError(
                        path, line, f"{node.get('id')}: {kind} names unknown dimension {name!r}"
                    )
    circle = data.get("circle")
    if isinstance(circle, LocatedList):
        for name, line in zip(circle, circle.item_lines, strict=True):
            if name not in seen:
                raise DataFileError(path, line, f"circle names unknown dimension {name!r}")


def available_frameworks(extra_dir: Path | None = None) -> dict[str, Path]:
    """Framework id (file stem) -> file; a user's directory overrides the shipped files."""
    found = {p.stem: p for p in sorted(builtin_dir().glob("*.yaml"))}
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise DataFileError(extra_dir, None, "frameworks directory does not exist")
        found.update({p.stem: p for p in sorted(extra_dir.glob("*.y*ml"))})
    return found


def framework_aliases(extra_dir: Path | None = None) -> dict[str, list[str]]:
    """Every available framework id -> the aliases that name it (for listings and errors).

    An alias that is also the id of a framework in `extra_dir` names that framework, not
    the shipped one, so it is not listed under the shipped one.
    """
    known = available_frameworks(extra_dir)
    ids = {normalise_name(k) for k in known}
    result: dict[str, list[str]] = {k: [] for k in known}
    for alias, target in ALIASES.items():
        if target in result and alias not in ids:
            result[target].append(alias)
    return result


def resolve_framework_name(name: str, extra_dir: Path | None = None) -> str:
    """The framework id `name` means: an id (exactly, then case- and separator-insensitively),
    else an alias. Raises `UnknownFramework` (a `KeyError`) listing every id with its aliases."""
    known = available_frameworks(extra_dir)
    if name in known:
        return name
    wanted = normalise_name(name)
    by_normalised = {normalise_name(k): k for k in known}
    if wanted in by_normalised:
        return by_normalised[wanted]
    target = ALIASES.get(wanted)
    if target is not None and target in known:
        return target
    listed = "; ".join(
        f"{fid} ({', '.join(aliases)})" if aliases else fid
        for fid, aliases in sorted(framework_aliases(extra_dir).items())
    )
    raise UnknownFramework(f"unknown framework {name!r}; known (aliases in brackets): {listed}")


def load_framework(name: str, extra_dir: Path | str | None = None) -> Framework:
    """Load a framework by id (`schwartz10`), alias (`schwartz`, `mft`, `big5`; see
    `ALIASES`) or path to a YAML file. `extra_dir` is a folder of more framework files, as a
    path or as a run config holds it (a string; None or "" = none)."""
    extra_dir = Path(extra_dir) if extra_dir else None
    as_path = Path(name)
    if as_path.suffix in (".yaml", ".yml") and as_path.is_file():
        return load_framework_file(as_path)
    key = resolve_framework_name(name, extra_dir)
    path = available_frameworks(extra_dir)[key]
    framework = load_framework_file(path)
    if framework.id != key:
        raise DataFileError(path, 1, f"id {framework.id!r} differs from file name {key!r}")
    return framework


def check_declared_framework(path: Path, data: Any, framework: Framework, what: str) -> None:
    """A data file's own `framework:` key, where it has one, must name `framework` (by id or
    alias): else an error at that line, `the {what} is for X, not Y`."""
    declared = data.get("framework") if isinstance(data, dict) else None
    if declared is None:
        return
    try:
        declared_id: str | None = resolve_framework_name(str(declared))
    except (KeyError, ValueError, FileNotFoundError):
        declared_id = None
    if declared_id != framework.id:
        raise DataFileError(
            path,
            datasets.line_of(data, ("framework",)),
            f"the {what} is for {declared}, not {framework.id}",
        )
