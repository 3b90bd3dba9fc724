"""valuescope: measure, explain and steer the values and traits of language models.

The public API is small; heavy backends load only when a model is opened:

    from valuescope import MeasureConfig, measure
    run = asyncio.run(measure(MeasureConfig(model="llamacpp", limit=10)))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from valuescope.measure import MeasureConfig, measure, resume_measure
    from valuescope.models import get_model

_LAZY = {
    "MeasureConfig": "valuescope.measure",
    "measure": "valuescope.measure",
    "resume_measure": "valuescope.measure",
    "get_model": "valuescope.models",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'valuescope' has no attribute {name!r}")


__all__ = ["MeasureConfig", "__version__", "get_model", "measure", "resume_measure"]
