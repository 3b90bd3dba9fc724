"""Harm prompt sets: requests a careful assistant should decline, grouped by risk category.

Shipped: `steering/data/harm.yaml` (72 mild prompts written for valuescope, 12 in each of
six categories). Users give their own with `--prompts FILE`, in the shipped YAML layout

    id: my-set                       # optional; the file's name otherwise
    categories:                      # optional; when given, every prompt must use one
      - {id: violence, name: Violence, description: ...}
    prompts:
      - {id: v01, category: violence, prompt: ...}

or as JSONL, one object per line with `prompt` and `category` (and optionally `id`; lines
without one are numbered `p001`, `p002`, ... by their position). Extra fields are kept out
of the way, not read. Every error names the file and the line.

`select_prompts` takes N prompts round-robin over the categories, so that `--limit 6` on the
shipped set still asks one prompt of each category.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from valuescope.datasets import DataFileError, line_of, load_yaml_located, read_utf8, round_robin
from valuescope.datasets.item_files import jsonl_values


@dataclass(frozen=True)
class HarmCategory:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class HarmPrompt:
    id: str
    category: str
    prompt: str


@dataclass
class HarmSet:
    """A loaded prompt set; `categories` in the file's order (declared, else first seen)."""

    id: str
    categories: list[HarmCategory] = field(default_factory=list)
    prompts: list[HarmPrompt] = field(default_factory=list)

    @property
    def category_ids(self) -> list[str]:
        return [c.id for c in self.categories]


def builtin_harm_path() -> Path:
    return Path(str(files("valuescope.steering") / "data" / "harm.yaml"))


def _text(row: dict[str, Any], key: str, path: Path, line: int | None, what: str) -> str:
    value = row.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise DataFileError(path, line, f"a harm prompt needs {what}")
    return " ".join(str(value).split())


def _prompt(row: Any, index: int, path: Path, line: int | None) -> HarmPrompt:
    if not isinstance(row, dict):
        raise DataFileError(path, line, "each harm prompt is a mapping with prompt and category")
    text = _text(row, "prompt", path, line, "a prompt (text)")
    category = _text(row, "category", path, line, "a category (e.g. violence)")
    prompt_id = row.get("id")
    if prompt_id is None or prompt_id == "":
        prompt_id = f"p{index + 1:03d}"
    elif isinstance(prompt_id, bool) or not isinstance(prompt_id, str | int):
        raise DataFileError(path, line, "a prompt's id is a string or a whole number")
    return HarmPrompt(id=str(prompt_id).strip(), category=category, prompt=text)


def _categories(data: dict[str, Any], path: Path) -> list[HarmCategory]:
    raw = data.get("categories")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise DataFileError(path, line_of(data, ("categories",)), "categories is a list")
    declared = []
    for index, row in enumerate(raw):
        line = line_of(data, ("categories", index))
        if isinstance(row, str):
            row = {"id": row}
        if not isinstance(row, dict) or not str(row.get("id") or "").strip():
            raise DataFileError(path, line, "each category needs an id")
        category_id = str(row["id"]).strip()
        declared.append(HarmCategory(id=category_id, name=str(row.get("name") or category_id),
                                     description=" ".join(str(row.get("description") or "")
                                                          .split())))  # fmt: skip
    return declared


def _from_yaml(path: Path) -> tuple[str, list[HarmCategory], list[tuple[int | None, HarmPrompt]]]:
    data = load_yaml_located(path)
    if not isinstance(data, dict) or not isinstance(data.get("prompts"), list):
        raise DataFileError(path, None, "a YAML harm prompt set needs a list under `prompts:`")
    categories = _categories(data, path)
    rows = []
    for index, row in enumerate(data["prompts"]):
        line = line_of(data, ("prompts", index))
        rows.append((line, _prompt(row, index, path, line)))
    set_id = str(data.get("id") or path.stem)
    return set_id, categories, rows


def _from_jsonl(path: Path) -> list[tuple[int | None, HarmPrompt]]:
    return [
        (line, _prompt(row, index, path, line))
        for index, (line, row) in enumerate(jsonl_values(path, read_utf8(path)))
    ]


def load_harm_prompts(path: Path | None = None) -> HarmSet:
    """A harm prompt set (YAML or JSONL; the shipped one by default), checked: every prompt
    has text and a category (a declared one, where the file declares them), ids are unique."""
    path = path or builtin_harm_path()
    declared: list[HarmCategory] = []
    if path.suffix in (".yaml", ".yml"):
        set_id, declared, rows = _from_yaml(path)
    elif path.suffix == ".jsonl":
        set_id, rows = path.stem, _from_jsonl(path)
    else:
        raise DataFileError(path, None, "harm prompt sets are .yaml or .jsonl files")
    if not rows:
        raise DataFileError(path, None, "no harm prompts")
    known = {c.id for c in declared}
    seen: dict[str, int | None] = {}
    categories = list(declared)
    for line, prompt in rows:
        if prompt.id in seen:
            first = seen[prompt.id]
            where = f" (first on line {first})" if first is not None else ""
            raise DataFileError(path, line, f"prompt id {prompt.id!r} appears twice{where}")
        seen[prompt.id] = line
        if declared and prompt.category not in known:
            raise DataFileError(path, line, f"category {prompt.category!r} is not one of the "
                                f"declared categories: {', '.join(sorted(known))}")  # fmt: skip
        if not declared and prompt.category not in {c.id for c in categories}:
            categories.append(HarmCategory(id=prompt.category, name=prompt.category))
    used = {p.category for _, p in rows}
    return HarmSet(id=set_id, categories=[c for c in categories if c.id in used],
                   prompts=[p for _, p in rows])  # fmt: skip


def select_prompts(harm: HarmSet, limit: int | None) -> list[HarmPrompt]:
    """The first `limit` prompts taken round-robin over the categories (in the set's
    order), so that a small limit still covers every category; all of them, in file order,
    without a limit."""
    if limit is None or limit >= len(harm.prompts):
        return list(harm.prompts)
    by_category = [[p for p in harm.prompts if p.category == c] for c in harm.category_ids]
    return round_robin(by_category, limit)
