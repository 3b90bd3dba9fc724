"""The one run engine (docs/design.md): an `Instrument` run against a model with the run
store, resume, the worker pool, progress, usage and interruption. It names no higher layer:
instruments, the report and steering reach it through registries (`INSTRUMENTS`,
`ON_FINISH`, `SUBJECT_WRAPPERS`, filled from entry points).

    instrument = LikertInstrument(MeasureConfig(model="llamacpp", limit=20))
    finished = await run(instrument)            # runs/<UTC>-measure-llamacpp/
    finished = await resume(finished.directory)  # asks nothing: the run is complete

A `Study` is a composite run (a command that runs several engine runs and writes its own
summary): the same manifest, fingerprinted resume and `run_finished`, over its children.
"""

from valuescope.engine._config import ConfigError, RunConfig
from valuescope.engine._fingerprint import check_resumable, digest
from valuescope.engine._hooks import ON_FINISH, SUBJECT_WRAPPERS, run_finished, subject_wrapper
from valuescope.engine._instrument import (
    INSTRUMENTS,
    Instrument,
    InstrumentBase,
    KeyedInstrument,
    Models,
    Plan,
    SampleKey,
    instrument_class,
)
from valuescope.engine._pool import first_failure, run_pool
from valuescope.engine._run import Progress, Run, resume, run
from valuescope.engine._study import RUNTIME_FIELDS, Study
from valuescope.engine._sync import run_sync

__all__ = [
    "INSTRUMENTS",
    "ON_FINISH",
    "RUNTIME_FIELDS",
    "SUBJECT_WRAPPERS",
    "ConfigError",
    "Instrument",
    "InstrumentBase",
    "KeyedInstrument",
    "Models",
    "Plan",
    "Progress",
    "Run",
    "RunConfig",
    "SampleKey",
    "Study",
    "check_resumable",
    "digest",
    "first_failure",
    "instrument_class",
    "resume",
    "run",
    "run_finished",
    "run_pool",
    "run_sync",
    "subject_wrapper",
]
