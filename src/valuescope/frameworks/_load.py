"""Finding and loading framework files (shipped ones and a user's `--frameworks-dir`)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from pydantic import ValidationError

from valuescope.datasets import DataFileError, load_yaml_located, located_error
from valuescope.frameworks._schema import Framework

ALIASES = {"schwartz": "schwartz10"}


def builtin_dir() -> Path:
    return Path(str(files("valuescope.frameworks").joinpath("data")))


def load_framework_file(path: Path) -> Framework:
    data = load_yaml_located(path)
    try:
        return Framework.model_validate(data)
    except ValidationError as exc:
        raise located_error(path, data, exc) from exc


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
