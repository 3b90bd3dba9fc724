"""Instruments named by the user (`validity --instruments bigfive,bigfive_short,my.yaml`).

A name is one of:

- a shipped item bank's id (`bigfive`, `bigfive_short`, `schwartz10`): its framework is the
  one the bank declares; a framework id or alias (`big5`) means that framework's own bank;
- a YAML item bank of the user's (it declares its `framework:` and its scale);
- an *instrument file*: a small YAML that says how to read a CSV/JSONL table of items, the
  same facts `measure` takes as options (paths relative to the file)::

      items: bfi_items.csv           # --items
      framework: bigfive             # --framework: an id, an alias or a framework YAML
      scale: bfi_items.scale.yaml    # --scale (optional: a sidecar or JSONL header works)
      columns: {text: statement, dimension: trait}   # --columns (optional)

  A YAML file is an instrument file when its `items` is a path, a bank when it is a list.

Each name becomes an `InstrumentSpec`, the fields of a `MeasureConfig` that pick the items
(with absolute paths).
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ValidationError

from valuescope.datasets import DataFileError, load_yaml_located, located_error
from valuescope.datasets.item_files import ColumnMapping, ItemFileOptions
from valuescope.engine import ConfigError
from valuescope.frameworks import load_framework
from valuescope.instruments.likert.items import builtin_item_bank_path, shipped_item_banks

ITEM_FILE_SUFFIXES = (".yaml", ".yml", ".csv", ".jsonl")


class InstrumentFile(ItemFileOptions):
    """An instrument file (see the module docstring)."""

    items: str


class InstrumentSpec(BaseModel):
    """A named instrument as `MeasureConfig` fields (framework, items, scale, columns)."""

    name: str
    """As the user gave it."""
    label: str
    """A short name for folders and tables: the bank id or the file's stem."""
    framework: str
    items: str | None = None
    """An item file; None = the framework's own shipped bank."""
    scale: str | None = None
    columns: ColumnMapping = ColumnMapping()
    shipped: bool
    """A bank valuescope ships (not a user's file)."""


def resolve_instrument(name: str, frameworks_dir: Path | None = None) -> InstrumentSpec:
    """The instrument `name` means (see the module docstring). Unknown names raise
    `ConfigError` listing the shipped banks."""
    path = Path(name).expanduser()
    if path.suffix in ITEM_FILE_SUFFIXES or path.is_file():
        return _from_file(name, path)
    banks = shipped_item_banks()
    if name in banks:
        framework, bank_path = banks[name]
        own = bank_path == builtin_item_bank_path(framework)
        return InstrumentSpec(
            name=name,
            label=name,
            framework=framework,
            items=None if own else str(bank_path),
            shipped=True,
        )
    try:
        framework_id = load_framework(name, frameworks_dir).id
    except KeyError:
        framework_id = None
    if framework_id is not None and framework_id in banks:
        return InstrumentSpec(name=name, label=framework_id, framework=framework_id, shipped=True)
    raise ConfigError(
        f"unknown instrument {name!r}: give a shipped item bank ({', '.join(banks)}), a "
        "YAML item bank, or an instrument file (a YAML with items:, framework:, scale:)"
    )


def _from_file(name: str, path: Path) -> InstrumentSpec:
    if not path.is_file():
        raise DataFileError(path, None, "no such file")
    label = _safe(path.stem)
    if path.suffix in (".csv", ".jsonl"):
        raise DataFileError(
            path,
            None,
            "a CSV/JSONL instrument needs its framework and scale: name an instrument file "
            f"instead, a YAML with items: {path.name}, framework: ID and scale: FILE",
        )
    data = load_yaml_located(path)
    if not isinstance(data, dict) or "items" not in data:
        raise DataFileError(path, 1, "neither an item bank nor an instrument file (no items:)")
    if not isinstance(data["items"], str):  # an item bank: it declares its framework
        framework = data.get("framework")
        if not isinstance(framework, str):
            raise DataFileError(path, 1, "an item bank needs `framework:` (a framework id)")
        return InstrumentSpec(
            name=name, label=label, framework=framework, items=str(path.resolve()), shipped=False
        )
    try:
        spec = InstrumentFile.model_validate(data)
    except ValidationError as exc:
        raise located_error(path, data, exc) from exc
    base = path.parent
    framework = spec.framework
    if Path(framework).suffix in (".yaml", ".yml"):
        framework = str(_relative(base, framework))
    return InstrumentSpec(
        name=name,
        label=label,
        framework=framework,
        items=str(_relative(base, spec.items)),
        scale=str(_relative(base, spec.scale)) if spec.scale else None,
        columns=ColumnMapping(**spec.columns),
        shipped=False,
    )


def _relative(base: Path, value: str) -> Path:
    """A path the instrument file names, relative to it, made absolute (so a rerun from
    another folder finds, and recognises, the same files)."""
    path = Path(value).expanduser()
    return (path if path.is_absolute() else base / path).resolve()


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "instrument"
