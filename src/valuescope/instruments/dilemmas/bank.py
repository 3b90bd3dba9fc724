"""Dilemma banks: scenarios whose possible outcomes each embody one moral framework.

A dilemma file (YAML) names its framework (`ethics5` for the shipped bank) and lists
dilemmas, each with a scenario, a question and 3-5 outcomes; an outcome is a concrete course
of action tagged with the framework dimension it embodies. The tag is for scoring only and is
never shown to the model. Loading checks what a careless edit breaks (missing fields,
duplicate dilemma or outcome ids, a dimension the framework does not know) and names the
file and line at fault, like item banks do (`_items.py`).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from valuescope.datasets import (
    DataFileError,
    LocatedDict,
    LocatedList,
    load_yaml_located,
    located_error,
)
from valuescope.frameworks import Framework

MIN_OUTCOMES = 3
MAX_OUTCOMES = 5


class Outcome(BaseModel):
    """One course of action and the framework dimension it embodies."""

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    dimension: str


class Dilemma(BaseModel):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    domain: str = ""
    scenario: str = Field(min_length=1)
    question: str = Field(min_length=1)
    outcomes: list[Outcome] = Field(min_length=MIN_OUTCOMES, max_length=MAX_OUTCOMES)

    def outcome(self, outcome_id: str) -> Outcome:
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        raise KeyError(outcome_id)

    @property
    def dimensions(self) -> list[str]:
        """The dimensions its outcomes embody, in outcome order."""
        return [o.dimension for o in self.outcomes]


class DilemmaBank(BaseModel):
    id: str
    framework: str
    description: str = ""
    dilemmas: list[Dilemma] = Field(min_length=1)


def builtin_dilemmas_path() -> Path:
    return Path(str(files("valuescope.instruments").joinpath("data", "dilemmas.yaml")))


def _line(node: object, key: str | None = None) -> int | None:
    """The line of `node` (a located mapping), or of its `key` where it has one."""
    if not isinstance(node, LocatedDict):
        return None
    return node.key_lines.get(key, node.line) if key is not None else node.line


def _element(node: object, key: str, index: int) -> object:
    """`node[key][index]` where the file has it, else None (for locating errors only)."""
    if isinstance(node, LocatedDict) and isinstance(node.get(key), LocatedList):
        children = node[key]
        return children[index] if index < len(children) else None
    return None


def _note_once(
    path: Path, seen: dict[str, int], key: str, index: int, node: object, what: str
) -> None:
    """Record that `key` stands at `index`; a second time is an error at `node`'s line that
    names the first (`what` says what is duplicated)."""
    if key in seen:
        raise DataFileError(path, _line(node), f"{what} {key!r} (first at index {seen[key]})")
    seen[key] = index


def load_dilemmas(path: Path, framework: Framework) -> DilemmaBank:
    """Load and check a dilemma bank against `framework`; errors name file and line.

    Dimension names are resolved leniently (`Care ethics` -> `care`) and stored as ids.
    """
    data = load_yaml_located(path)
    try:
        bank = DilemmaBank.model_validate(data)
    except ValidationError as exc:
        raise located_error(path, data, exc) from exc
    if bank.framework != framework.id:
        raise DataFileError(
            path,
            _line(data, "framework"),
            f"the file is for framework {bank.framework!r}, not {framework.id!r}",
        )
    seen_dilemmas: dict[str, int] = {}
    resolved: list[Dilemma] = []
    for d_index, dilemma in enumerate(bank.dilemmas):
        d_node = _element(data, "dilemmas", d_index)
        _note_once(path, seen_dilemmas, dilemma.id, d_index, d_node, "duplicate dilemma id")
        seen_outcomes: dict[str, int] = {}
        outcomes: list[Outcome] = []
        for o_index, outcome in enumerate(dilemma.outcomes):
            o_node = _element(d_node, "outcomes", o_index)
            what = f"dilemma {dilemma.id!r}: duplicate outcome id"
            _note_once(path, seen_outcomes, outcome.id, o_index, o_node, what)
            dimension = framework.resolve(outcome.dimension)
            if dimension is None:
                raise DataFileError(
                    path,
                    _line(o_node, "dimension"),
                    f"dilemma {dilemma.id!r}, outcome {outcome.id!r}: unknown dimension "
                    f"{outcome.dimension!r} for framework {framework.id} "
                    f"(known: {', '.join(framework.ids)})",
                )
            outcomes.append(outcome.model_copy(update={"dimension": dimension}))
        resolved.append(dilemma.model_copy(update={"outcomes": outcomes}))
    return bank.model_copy(update={"dilemmas": resolved})
