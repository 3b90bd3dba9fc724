"""The simulated respondent's design file (`sim:FILE.yaml`; bare `sim` = every default), and
the true parameters it reports (`SimModel.true_parameters`).

Paths are relative to the design file. Unknown keys are errors naming the file and line.

- `seed` (0): seeds traits, item residuals, item parameters and pure noise.
- `frameworks` (every shipped framework with an item bank): ids or aliases whose shipped
  banks (the framework's own and any other shipped bank for it) the respondent knows.
- `frameworks_dir` (none): a folder of extra framework files, as `--frameworks-dir`.
- `item_files` ([]): user instruments, each `{path, framework, scale, columns}` as
  `--items`, `--framework`, `--scale` and `--columns` (a mapping, e.g. `{text: item}`).
  Their statements win over a shipped bank's if both have one (and the same scale).
  `measure --model sim --items FILE` adds FILE here by itself (`SimModel.from_name`).
- `personas` (the shipped pool): a list of persona texts, or a file of them, read as
  `--personas-file` reads it (`valuescope.respondents.load_personas`: .txt, .yaml, .csv,
  .jsonl).
- `trait_means` ({}): mean of a dimension's trait (by dimension or latent name; default 0).
- `trait_correlation` (0.0): correlation between any two dimensions of one framework.
- `trait_correlations` ({}): single pairs, `{a: {b: 0.4}}` (symmetric).
- `item_residual_sd` (1.0): sd of a respondent's residual on an item (0 = every item a
  deterministic function of the trait: reliability 1 by construction).
- `dimension_aliases` ({}): `{dimension: latent}`; a key `framework.dimension` applies to
  one framework only.
- `discrimination` (1.5), `discrimination_sd` (0.0): the items' a (log-normal spread).
- `threshold_range` ([-2.0, 2.0]), `threshold_jitter` (0.25): the items' thresholds.
- `acquiescence` (0.0), `position_bias` (0.0), `position_decay` (0.5), `noise` (0.0),
  `option_mass` (1.0), `pure_noise` (false): response styles (`_model.py`).

Example (`my_design.yaml`)::

    seed: 7
    frameworks: [bigfive]
    item_files:
      - {path: bfi_short.csv, framework: bigfive, scale: bfi_short.scale.yaml}
    personas: personas.yaml
    trait_means: {extraversion: 0.5}
    trait_correlation: 0.2
    trait_correlations: {neuroticism: {extraversion: -0.3}}
    item_residual_sd: 0.8
    discrimination: 1.8
    discrimination_sd: 0.3
    threshold_range: [-2.5, 2.5]
    threshold_jitter: 0.3
    acquiescence: 0.2
    position_bias: 0.3
    noise: 0.05
    option_mass: 0.9
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from valuescope.datasets import DataFileError, load_yaml_located, located_error
from valuescope.datasets.item_files import ItemFileOptions

# -- configuration -------------------------------------------------------------------------


class SimItemFile(ItemFileOptions):
    """A user's instrument file the simulated respondent knows (as `--items` would load it)."""

    path: str


class SimConfig(BaseModel):
    """The simulated respondent's design (see the module docstring for each field)."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    frameworks: list[str] | None = None
    frameworks_dir: str | None = None
    item_files: list[SimItemFile] = Field(default_factory=list)
    personas: list[str] | str | None = None
    trait_means: dict[str, float] = Field(default_factory=dict)
    trait_correlation: float = Field(default=0.0, gt=-1.0, lt=1.0)
    trait_correlations: dict[str, dict[str, float]] = Field(default_factory=dict)
    dimension_aliases: dict[str, str] = Field(default_factory=dict)
    item_residual_sd: float = Field(default=1.0, ge=0.0)
    discrimination: float = Field(default=1.5, gt=0.0)
    discrimination_sd: float = Field(default=0.0, ge=0.0)
    threshold_range: tuple[float, float] = (-2.0, 2.0)
    threshold_jitter: float = Field(default=0.25, ge=0.0)
    acquiescence: float = 0.0
    position_bias: float = 0.0
    position_decay: float = Field(default=0.5, ge=0.0, le=1.0)
    noise: float = Field(default=0.0, ge=0.0, le=1.0)
    option_mass: float = Field(default=1.0, gt=0.0, le=1.0)
    pure_noise: bool = False

    @field_validator("threshold_range")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] > value[1]:
            raise ValueError(f"the lower end {value[0]} is above the upper end {value[1]}")
        return value


def load_sim_config(path: Path) -> tuple[SimConfig, Any]:
    """A design file and its located YAML (for errors that name a line later); an empty
    file means every default."""
    data = load_yaml_located(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DataFileError(path, getattr(data, "line", 1), "a sim design is a mapping of settings")
    try:
        return SimConfig.model_validate(data), data
    except ValidationError as exc:
        raise located_error(path, data, exc) from exc


# -- what the model reports ----------------------------------------------------------------


class ItemParameters(BaseModel):
    """One item's true GRM parameters."""

    bank: str
    """The shipped bank's id, or the item file's path as the config gives it."""
    item_id: str
    framework: str
    dimension: str
    latent: str
    polarity: int
    discrimination: float
    thresholds: list[float]
    """b_2..b_K: P(Y >= k) = logistic(a * (polarity * theta + acquiescence - b_k))."""


class SimParameters(BaseModel):
    """The population and the items the simulated respondent answers from."""

    seed: int
    latents: list[str]
    dimensions: dict[str, dict[str, str]]
    """framework -> dimension -> the latent trait it measures."""
    means: dict[str, float]
    correlation: dict[str, dict[str, float]]
    items: list[ItemParameters]
    item_residual_sd: float
    """The sd of each respondent's residual on each item (see `SimModel.item_trait`)."""
    acquiescence: float
    position_bias: float
    position_decay: float
    noise: float
    option_mass: float
    pure_noise: bool
    personas: int
    """How many personas the respondent recognises (besides `self`)."""
