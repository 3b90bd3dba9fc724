"""The simulated respondent (`--model sim` or `sim:DESIGN.yaml`): a backend that answers
questionnaires from a graded response model with known traits and item parameters, so every
statistic has a known right answer (`_model.py` documents the model, `_config.py` the design
file).

It reads the instruments' item banks to know the items, so it lives above them and reaches
the model layer as a registered backend (entry point `valuescope.backends`: `sim`).
"""

from __future__ import annotations

from pathlib import Path

from valuescope.models import Model, ModelSettings, ModelSpec
from valuescope.sim._build import default_frameworks
from valuescope.sim._config import (
    ItemParameters,
    SimConfig,
    SimItemFile,
    SimParameters,
    load_sim_config,
)
from valuescope.sim._model import SimModel, SimUnsupported
from valuescope.sim._personas import read_persona_file


def open_backend(spec: ModelSpec, name: str, settings: ModelSettings, cache_dir: Path) -> Model:
    """The `sim` backend for a model name (`BACKENDS` entry point)."""
    return SimModel.from_name(spec.model, name=name)


__all__ = [
    "ItemParameters",
    "SimConfig",
    "SimItemFile",
    "SimModel",
    "SimParameters",
    "SimUnsupported",
    "default_frameworks",
    "load_sim_config",
    "open_backend",
    "read_persona_file",
]
