"""The texts `classify` judges, and their gold labels when a file has them.

Sources (`load_texts(source, ...)`):

- `devset:schwartz10`, `devset:mft6`: the labelled dev sets shipped in
  `valuescope/judges/data` (written for valuescope; see `devsets.yaml` there).
- A CSV, TSV or JSONL file with one text per row: the text in `text_column` (default
  `text`), an id in `id_column` (default `id`; else the row number), optionally the question
  the text answers in `question_column`. Gold labels are any columns named like a dimension
  of the framework (ids or names, e.g. `benevolence` or `Benevolence`) holding 0/1, or a
  JSONL object `labels: {dimension: 0/1}` (the dev sets' format). Labels on some rows and
  not others is an error at the first row without them.
- Touche23-ValueEval (`touche:DIR_OR_ARGUMENTS_TSV`): `arguments-<split>.tsv` (Argument ID,
  Conclusion, Stance, Premise) with `labels-<split>.tsv` beside it (Argument ID and the
  20 value categories, 0/1). Each argument is judged as its premise, with "<stance> <the
  conclusion>" as the question it answers. The 20 categories map to `schwartz19` one to
  one, except "Universalism: objectivity", which has no refined value and is dropped; to
  `schwartz10` a value is 1 when any of its categories is (Face counts for power, Humility
  for tradition, as in the 10-value PVQ's items).
- `hf:NAME[:SPLIT]`: a dataset from the Hugging Face hub through the `datasets` package
  (imported only here, not installed by valuescope), read like a generic file. Offline or
  without the package, a clear error says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from valuescope.datasets import DataFileError, load_yaml_located
from valuescope.datasets.item_files import table_rows
from valuescope.frameworks import Framework


@dataclass
class LabelledText:
    id: str
    text: str
    question: str | None = None
    gold: dict[str, int] | None = None
    """0/1 per dimension (only those the source labels), or None without labels."""


@dataclass
class TextSet:
    """The texts of one source, in file order, with what the source is."""

    name: str
    texts: list[LabelledText]
    labelled: list[str] = field(default_factory=list)
    """The framework dimensions the source has gold labels for (empty: none)."""
    source_format: str = "table"


class TextSourceError(DataFileError):
    """A text source that cannot be read (missing file, no text column, bad label)."""


def _devset_dir() -> Path:
    return Path(str(files("valuescope.judges") / "data"))


def devset_path(name: str) -> Path:
    """A shipped dev set's file, as `judges/data/devsets.yaml` lists it."""
    listed = load_yaml_located(_devset_dir() / "devsets.yaml")["devsets"]
    if name not in listed:
        raise TextSourceError(
            name, None, f"no shipped dev set {name!r} (known: {', '.join(listed)})"
        )
    return _devset_dir() / str(listed[name]["file"])


def load_texts(
    source: str,
    framework: Framework,
    text_column: str = "text",
    id_column: str = "id",
    question_column: str | None = None,
) -> TextSet:
    """The texts and gold labels of `source` (see the module docstring)."""
    if source.startswith("devset:"):
        name = source.removeprefix("devset:")
        texts = _table(devset_path(name), framework, "text", "id", None)
        return TextSet(f"devset-{name}", texts.texts, texts.labelled, "devset")
    if source.startswith("touche:"):
        return load_touche(Path(source.removeprefix("touche:")), framework)
    if source.startswith("hf:"):
        return _hub(source.removeprefix("hf:"), framework, text_column, id_column, question_column)
    path = Path(source)
    if not path.is_file():
        raise TextSourceError(path, None, "no such file (or use devset:NAME, touche:DIR, hf:NAME)")
    if path.suffix not in (".csv", ".tsv", ".jsonl"):
        raise TextSourceError(path, None, "texts are read from .csv, .tsv or .jsonl files")
    return _table(path, framework, text_column, id_column, question_column)


def _table(path: Path, framework: Framework, text_column: str, id_column: str,
           question_column: str | None) -> TextSet:  # fmt: skip
    rows = list(table_rows(path))
    return _from_rows(path.stem, rows, framework, text_column, id_column, question_column, path)


def _from_rows(
    name: str,
    rows: list[tuple[int, dict[str, Any]]],
    framework: Framework,
    text_column: str,
    id_column: str,
    question_column: str | None,
    path: Path | str,
) -> TextSet:
    if not rows:
        raise TextSourceError(path, None, "no rows")
    first = rows[0][1]
    label_columns = {c: d for c in first if (d := framework.resolve(str(c))) is not None}
    nested = isinstance(first.get("labels"), dict)
    texts: list[LabelledText] = []
    seen: set[str] = set()
    for number, (line, row) in enumerate(rows, start=1):
        text = row.get(text_column)
        if not isinstance(text, str) or not text.strip():
            columns = ", ".join(map(str, row))
            raise TextSourceError(
                path,
                line,
                f"no text in column {text_column!r} (columns: {columns}; choose one with "
                "--text-column)",
            )
        raw_id = row.get(id_column)
        text_id = str(raw_id).strip() if raw_id not in (None, "") else f"t{number}"
        if text_id in seen:
            raise TextSourceError(path, line, f"id {text_id!r} appears twice")
        seen.add(text_id)
        question = row.get(question_column) if question_column else None
        gold = _gold(row, label_columns, nested, framework, path, line)
        texts.append(
            LabelledText(text_id, text.strip(), str(question).strip() if question else None, gold)
        )
    labelled = sorted({d for t in texts for d in (t.gold or {})}, key=framework.ids.index)
    if labelled and any(t.gold is None for t in texts):
        line = rows[next(i for i, t in enumerate(texts) if t.gold is None)][0]
        raise TextSourceError(path, line, "this row has no labels, but earlier rows do")
    return TextSet(name, texts, labelled)


def _label(value: Any, path: Path | str, line: int, column: str) -> int:
    text = str(value).strip().lower()
    if text in ("1", "1.0", "true", "yes"):
        return 1
    if text in ("0", "0.0", "false", "no"):
        return 0
    raise TextSourceError(path, line, f"label {column!r} must be 0 or 1, not {value!r}")


def _gold(row: dict[str, Any], columns: dict[str, str], nested: bool, framework: Framework,
          path: Path | str, line: int) -> dict[str, int] | None:  # fmt: skip
    if nested:
        labels = row.get("labels")
        if not isinstance(labels, dict):
            raise TextSourceError(path, line, "labels must be an object {dimension: 0/1}")
        gold = {}
        for key, value in labels.items():
            dimension = framework.resolve(str(key))
            if dimension is None:
                raise TextSourceError(
                    path, line, f"label {key!r} is not a dimension of {framework.id}"
                )
            gold[dimension] = _label(value, path, line, str(key))
        return gold
    if not columns:
        return None
    values = {c: row.get(c) for c in columns}
    if all(v in (None, "") for v in values.values()):
        return None
    return {columns[c]: _label(v, path, line, c) for c, v in values.items()}


# -- Touche23-ValueEval ------------------------------------------------------------------------

TOUCHE_TO_SCHWARTZ19 = {
    "Self-direction: thought": "self_direction_thought",
    "Self-direction: action": "self_direction_action",
    "Stimulation": "stimulation",
    "Hedonism": "hedonism",
    "Achievement": "achievement",
    "Power: dominance": "power_dominance",
    "Power: resources": "power_resources",
    "Face": "face",
    "Security: personal": "security_personal",
    "Security: societal": "security_societal",
    "Tradition": "tradition",
    "Conformity: rules": "conformity_rules",
    "Conformity: interpersonal": "conformity_interpersonal",
    "Humility": "humility",
    "Benevolence: caring": "benevolence_caring",
    "Benevolence: dependability": "benevolence_dependability",
    "Universalism: concern": "universalism_concern",
    "Universalism: nature": "universalism_nature",
    "Universalism: tolerance": "universalism_tolerance",
}
"""Touche23's 20 categories -> schwartz19 ids ("Universalism: objectivity" has none)."""

SCHWARTZ19_TO_10 = {
    "self_direction_thought": "self_direction", "self_direction_action": "self_direction",
    "stimulation": "stimulation", "hedonism": "hedonism", "achievement": "achievement",
    "power_dominance": "power", "power_resources": "power", "face": "power",
    "security_personal": "security", "security_societal": "security",
    "tradition": "tradition", "humility": "tradition",
    "conformity_rules": "conformity", "conformity_interpersonal": "conformity",
    "benevolence_caring": "benevolence", "benevolence_dependability": "benevolence",
    "universalism_concern": "universalism", "universalism_nature": "universalism",
    "universalism_tolerance": "universalism",
}  # fmt: skip


def _touche_files(path: Path) -> tuple[Path, Path]:
    if path.is_dir():
        arguments = sorted(path.glob("arguments-*.tsv"))
        if len(arguments) != 1:
            found = ", ".join(p.name for p in arguments) or "none"
            raise TextSourceError(
                path, None, f"needs one arguments-<split>.tsv (found: {found}); name the file"
            )
        path = arguments[0]
    if not path.is_file():
        raise TextSourceError(path, None, "no such file")
    labels = path.with_name(path.name.replace("arguments-", "labels-", 1))
    if labels == path or not labels.is_file():
        raise TextSourceError(path, None, f"no labels file {labels.name} beside it")
    return path, labels


def load_touche(path: Path, framework: Framework) -> TextSet:
    """Touche23-ValueEval arguments with their labels, on schwartz19 or schwartz10."""
    if framework.id not in ("schwartz19", "schwartz10"):
        raise TextSourceError(
            path, None, f"Touche23 labels map to schwartz19 or schwartz10, not {framework.id}"
        )
    arguments_path, labels_path = _touche_files(path)
    labels = {}
    for line, row in table_rows(labels_path):
        argument = row.get("Argument ID")
        if not argument:
            raise TextSourceError(labels_path, line, "no 'Argument ID' column")
        gold19: dict[str, int] = {}
        for category, value19 in TOUCHE_TO_SCHWARTZ19.items():
            if category not in row:
                raise TextSourceError(labels_path, line, f"no column {category!r}")
            gold19[value19] = _label(row[category], labels_path, line, category)
        if framework.id == "schwartz19":
            labels[argument] = gold19
        else:
            gold10 = dict.fromkeys(framework.ids, 0)
            for value19, label in gold19.items():
                gold10[SCHWARTZ19_TO_10[value19]] |= label
            labels[argument] = gold10
    texts = []
    for line, row in table_rows(arguments_path):
        argument = row.get("Argument ID")
        for column in ("Argument ID", "Conclusion", "Stance", "Premise"):
            if not row.get(column):
                raise TextSourceError(arguments_path, line, f"no {column!r}")
        if argument not in labels:
            raise TextSourceError(
                arguments_path, line, f"argument {argument} has no labels in {labels_path.name}"
            )
        question = f"{row['Stance']}: {row['Conclusion']}"
        texts.append(
            LabelledText(str(argument), row["Premise"].strip(), question, labels[str(argument)])
        )
    return TextSet(arguments_path.stem, texts, list(framework.ids), "touche23")


# -- the Hugging Face hub -------------------------------------------------------------------------


def _hub(spec: str, framework: Framework, text_column: str, id_column: str,
         question_column: str | None) -> TextSet:  # fmt: skip
    name, _, split = spec.partition(":")
    try:
        import datasets  # type: ignore[import-not-found]  # optional, heavy
    except ImportError as exc:
        raise TextSourceError(
            f"hf:{spec}",
            None,
            "reading from the hub needs the `datasets` package (pip install datasets); "
            "or download the data and pass the file",
        ) from exc
    try:
        data = datasets.load_dataset(name, split=split or "train")
    except Exception as exc:  # network, auth, unknown dataset: all end here
        raise TextSourceError(
            f"hf:{spec}",
            None,
            f"cannot load from the hub ({type(exc).__name__}: {exc}); offline, download "
            "the data and pass the file",
        ) from exc
    rows = [(i + 1, dict(row)) for i, row in enumerate(data)]
    rows = [
        (n, {k: json.dumps(v) if isinstance(v, list) else v for k, v in r.items()}) for n, r in rows
    ]
    return _from_rows(
        name.replace("/", "-"),
        rows,
        framework,
        text_column,
        id_column,
        question_column,
        f"hf:{spec}",
    )
