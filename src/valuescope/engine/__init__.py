"""The one run engine (DESIGN.md, "engine/"): an `Instrument` run against a model with the
run store, resume, the worker pool, progress, usage and interruption.

    instrument = LikertInstrument(MeasureConfig(model="llamacpp", limit=20))
    finished = await run(instrument)            # runs/<UTC>-measure-llamacpp/
    finished = await resume(finished.directory)  # asks nothing: the run is complete
"""

from valuescope.engine._config import ConfigError, RunConfig
from valuescope.engine._fingerprint import check_resumable, digest
from valuescope.engine._instrument import (
    INSTRUMENTS,
    Instrument,
    Models,
    Plan,
    SampleKey,
    instrument_class,
)
from valuescope.engine._pool import first_failure, run_pool
from valuescope.engine._run import Progress, Run, resume, run

__all__ = [
    "INSTRUMENTS",
    "ConfigError",
    "Instrument",
    "Models",
    "Plan",
    "Progress",
    "Run",
    "RunConfig",
    "SampleKey",
    "check_resumable",
    "digest",
    "first_failure",
    "instrument_class",
    "resume",
    "run",
    "run_pool",
]
