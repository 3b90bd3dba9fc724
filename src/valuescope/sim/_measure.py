"""`sim` opened for a measure run: told the user's instrument and persona files."""

from __future__ import annotations

from pathlib import Path

from valuescope.instruments.likert.instrument import MeasureConfig
from valuescope.models import Model, parse_model_name
from valuescope.respondents import load_personas
from valuescope.sim._config import SimItemFile
from valuescope.sim._model import SimModel


def for_measure(config: MeasureConfig) -> Model | None:
    """The `sim` a measure config names, told the user's item file (`--items FILE`) and
    persona file (`--personas FILE`); None when there is nothing to tell, and the backend
    registry opens it as usual (entry point `valuescope.measure_backends`: `sim`)."""
    items = config.users_item_file()
    if items is None and not config.personas_file:
        return None
    item_file = None
    if items is not None:
        columns = {k: v for k, v in config.columns.model_dump().items() if k != v}
        item_file = SimItemFile(
            path=items, framework=config.framework, scale=config.scale, columns=columns
        )
    personas = None
    if config.personas_file:
        personas = [p.text for p in load_personas(Path(config.personas_file))]
    spec = parse_model_name(config.model)
    return SimModel.from_name(spec.model, name=config.model, item_file=item_file, personas=personas)
