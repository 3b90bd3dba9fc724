"""Finding and loading framework files (shipped ones and a user's `--frameworks-dir`)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from pydantic import ValidationError

from valuescope.datasets import DataFileError, load_yaml_located, located_error
from valuescope.datasets._located import LocatedDict, LocatedList
from valuescope.frameworks._schema import Framework

ALIASES = {"schwartz": "schwartz10"}


def builtin_dir() -> Path:
    return Path(str(files("valuescope.frameworks").joinpath("data")))


def load_framework_file(path: Path) -> Framework:
    """Load and check a framework file; every error names the file and the wrong line."""
    data = load_yaml_located(path)
    try:
        framework = Framework.model_validate(data)
    except ValidationError as exc:
        # Field errors carry their location; cross-references are checked in
        # `_check_references` first so that they, too, point at the line at fault.
        if any(error["loc"] for error in exc.errors()):
            raise located_error(path, data, exc) from exc
        if isinstance(data, LocatedDict):
            _check_references(path, data)
        raise located_error(path, data, exc) from exc
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


def load_framework(name: str, extra_dir: Path | None = None) -> Framework:
    """Load a framework by id (`schwartz10`, alias `schwartz`) or by path to a YAML file."""
    as_path = Path(name)
    if as_path.suffix in (".yaml", ".yml") and as_path.is_file():
        return load_framework_file(as_path)
    known = available_frameworks(extra_dir)
    key = ALIASES.get(name, name)
    if key not in known:
        raise KeyError(f"unknown framework {name!r}; available: {', '.join(sorted(known))}")
    framework = load_framework_file(known[key])
    if framework.id != key:
        raise DataFileError(known[key], 1, f"id {framework.id!r} differs from file name {key!r}")
    return framework
