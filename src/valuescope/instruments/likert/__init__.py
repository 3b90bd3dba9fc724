"""Likert questionnaires scored from the model's answer distribution (`valuescope measure`).

- `items`: item banks and their response scales (YAML, or a user's CSV/JSONL);
- `prompts`: administrations (option order x framing x wording x draw) and prompts;
- `scoring`: one answer -> a `LikertSample` (expected or drawn scale point);
- `summary`: samples -> a profile with consistency and reliability statistics;
- `instrument`: `MeasureConfig` and the `LikertInstrument` the engine runs.
"""

from valuescope.instruments.likert.instrument import (
    LikertInstrument,
    MeasureConfig,
    load_instrument,
)
from valuescope.instruments.likert.items import (
    Item,
    ItemBank,
    ResponseScale,
    builtin_item_bank_path,
    load_instrument_file,
    load_item_bank,
)
from valuescope.instruments.likert.prompts import (
    Condition,
    all_conditions,
    build_messages,
    labels_for,
    scale_points_shown,
    select_items,
)
from valuescope.instruments.likert.scoring import LikertSample, score_choice
from valuescope.instruments.likert.summary import MeasureResults

__all__ = [
    "Condition",
    "Item",
    "ItemBank",
    "LikertInstrument",
    "LikertSample",
    "MeasureConfig",
    "MeasureResults",
    "ResponseScale",
    "all_conditions",
    "build_messages",
    "builtin_item_bank_path",
    "labels_for",
    "load_instrument",
    "load_instrument_file",
    "load_item_bank",
    "scale_points_shown",
    "score_choice",
    "select_items",
]
