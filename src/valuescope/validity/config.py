"""The settings of a `validity` run, the criterion signs and mapping files it reads, and what
it writes (`validity.json`): see `valuescope.validity`."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from valuescope.datasets import DataFileError, load_yaml_located, located_error
from valuescope.engine import ConfigError, RunConfig
from valuescope.instruments.likert.design import DesignName
from valuescope.instruments.likert.instrument import MeasureConfig
from valuescope.instruments.likert.named import InstrumentSpec
from valuescope.instruments.likert.respondent_summary import RespondentDesign
from valuescope.runs import Record
from valuescope.stats import CriterionCorrelation, MTMMResult
from valuescope.verdict import Verdict

COMMAND = "validity"
VALIDITY_FILE = "validity.json"
HEATMAP_STEM = "mtmm"
Role = Literal["A", "B", "criterion"]
ROLES: tuple[Role, ...] = ("A", "B", "criterion")


class ValidityError(ConfigError):
    """Runs or options that cannot give a validity result (other respondents, another
    model, a run started with other settings): one line, exit 2 in the CLI."""


# -- configuration ---------------------------------------------------------------------------


class ConstructValidityConfig(RunConfig):
    """What a validity study measures; the run options (model, seed, cache) are shared by
    every instrument's `measure` run."""

    instruments: list[str] = Field(min_length=2, max_length=2)
    """A and B: shipped bank ids or files (`instruments.likert.named`)."""
    criterion: str | None = None
    """C: an instrument whose dimensions A's traits should track (e.g. schwartz10)."""
    criterion_signs: str | None = None
    """A YAML of expected signs (`CriterionSigns`); None = the shipped file for A and C."""
    mapping: dict[str, str] = Field(default_factory=dict)
    """B's dimension id -> A's, where they differ."""
    design: DesignName = "quick"
    personas: int | None = None
    personas_file: str | None = None
    limit: int | None = None
    paraphrases: int | None = None
    frameworks_dir: str | None = None
    intervals: bool = True
    """Intervals of the correlations and the gap (jackknife over personas or respondents)."""

    @model_validator(mode="before")
    @classmethod
    def _legacy_n_boot(cls, data: Any) -> Any:
        """Configs written before the jackknife said `n_boot` (0 = no intervals)."""
        if isinstance(data, dict) and "n_boot" in data:
            data = dict(data)
            data.setdefault("intervals", bool(data.pop("n_boot")))
        return data

    @field_validator("design")
    @classmethod
    def _has_respondents(cls, value: DesignName) -> DesignName:
        if value == "none":
            raise ValueError("validity needs simulated respondents: quick, standard or full")
        return value

    def measure_config(self, spec: InstrumentSpec) -> MeasureConfig:
        """The `measure` configuration of one instrument: the same respondents for all."""
        shared = self.model_dump(include=set(RunConfig.model_fields))
        return MeasureConfig(
            **shared,
            framework=spec.framework,
            items=spec.items,
            scale=spec.scale,
            columns=spec.columns,
            frameworks_dir=self.frameworks_dir,
            limit=self.limit,
            paraphrases=self.paraphrases,
            design=self.design,
            personas=self.personas,
            personas_file=self.personas_file,
        )


class CriterionSigns(BaseModel):
    """The expected sign of each (trait, criterion dimension) correlation."""

    model_config = ConfigDict(extra="forbid")

    traits: str
    """The framework of the traits (A's)."""
    criterion: str
    """The framework of the criterion instrument (C's)."""
    source: str = ""
    """Where the expectations come from."""
    expected: dict[str, dict[str, Literal[1, -1]]]
    """trait -> criterion dimension -> +1 or -1."""


def shipped_signs_path(traits: str, criterion: str) -> Path:
    """Where valuescope's signs file for these two frameworks would be."""
    data = files("valuescope.instruments").joinpath("data", "criteria")
    return Path(str(data.joinpath(f"{traits}-{criterion}.yaml")))


def load_mapping(path: Path) -> dict[str, str]:
    """A mapping file: a YAML mapping of B's dimension names to A's, e.g.
    `{negative_emotionality: neuroticism, open_mindedness: openness}`; a `-` before A's name
    reverses B's dimension first (`emotional_stability: -neuroticism`)."""
    data = load_yaml_located(path)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise DataFileError(
            path, getattr(data, "line", 1), "expected `B_dimension: A_dimension` lines"
        )
    return {str(k): str(v) for k, v in data.items()}


def load_criterion_signs(path: Path) -> CriterionSigns:
    data = load_yaml_located(path)
    try:
        return CriterionSigns.model_validate(data)
    except ValidationError as exc:
        raise located_error(path, data, exc) from exc


# -- results ---------------------------------------------------------------------------------


class ValidityInstrument(BaseModel):
    role: Role
    name: str
    """The item bank's id."""
    framework: str
    run: str
    """Its `measure` run directory."""
    n_items: int
    """Items the respondents answered."""
    dimensions: list[str]


class CriterionResults(BaseModel):
    instrument: str
    signs_file: str
    source: str
    correlations: list[CriterionCorrelation]
    """A's trait with C's dimension, in the signs file's order."""
    n_matching: int
    """Correlations whose sign is the expected one."""
    n_defined: int
    n_supported: int
    """Of the matching ones, those whose 95% CI excludes 0."""
    skipped: list[str] = Field(default_factory=list)
    """`trait~criterion` pairs of the signs file that a run did not measure (--limit)."""


class ConstructValidityResults(Record):
    """What `validity.json` holds."""

    command: str = COMMAND
    model: str
    seed: int
    instruments: list[ValidityInstrument]
    """A, B, then the criterion instrument where there is one."""
    design: RespondentDesign
    n_respondents: int
    """Respondents who answered every instrument."""
    mapping: dict[str, str]
    """B's dimension -> A's, as used; `-` before A's id where B's dimension was reversed
    (its scores mirrored on its scale) before correlating."""
    mtmm: MTMMResult
    criterion: CriterionResults | None = None
    passed: bool | None
    """Both MTMM rules hold (None: one could not be decided)."""
    failure: str | None = None
    """Why nothing could be computed (no respondent answered every instrument, or an
    instrument's run failed), in one line: the CLI exits 4."""
    verdict: Verdict | None = None
    """The instruments' own verdicts and whether construct validity could be decided."""
    files: list[str] = Field(default_factory=list)
    """The heatmap's files (relative to the folder of validity.json)."""
    warnings: list[str] = Field(default_factory=list)
    versions: dict[str, str] = Field(default_factory=dict)
