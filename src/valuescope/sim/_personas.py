"""The persona pool of the simulated respondent: the shipped one, a file, or a list."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from valuescope.datasets import DataFileError, load_yaml_located, read_utf8


def _respondents_module() -> Any:
    """`valuescope.respondents` where this valuescope has it, else None."""
    try:
        return importlib.import_module("valuescope.respondents")
    except ModuleNotFoundError as exc:
        if exc.name in ("valuescope.respondents", "valuescope"):
            return None
        raise


def _persona_texts(personas: Sequence[Any]) -> list[str]:
    return [str(getattr(p, "text", p)) for p in personas]


def read_persona_file(path: Path) -> list[str]:
    """Persona texts from a file: through `valuescope.respondents.load_personas` where
    valuescope has it (the format `--personas-file` reads); else a YAML list of texts or of
    mappings with `text` (also under a top-level `personas:` key), or one text per line."""
    respondents = _respondents_module()
    if respondents is not None:
        return _persona_texts(respondents.load_personas(path))
    if path.suffix not in (".yaml", ".yml"):
        return [line for line in read_utf8(path).splitlines() if line.strip()]
    data = load_yaml_located(path)
    if isinstance(data, dict) and "personas" in data:
        data = data["personas"]
    if not isinstance(data, list):
        raise DataFileError(path, getattr(data, "line", 1), "expected a list of personas")
    texts = []
    for index, node in enumerate(data):
        text = node.get("text") if isinstance(node, dict) else node
        if not isinstance(text, str) or not text.strip():
            line = data.item_lines[index] if hasattr(data, "item_lines") else None
            raise DataFileError(path, line, "a persona is a text or a mapping with `text`")
        texts.append(text)
    return texts


def _shipped_personas() -> list[str]:
    respondents = _respondents_module()
    return [] if respondents is None else _persona_texts(respondents.load_personas())
