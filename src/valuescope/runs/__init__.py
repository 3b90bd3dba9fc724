"""The run store: manifest, incremental samples, results; resume."""

from valuescope.runs._schema import SCHEMA_VERSION, Manifest, ResultsBase, SampleRecord
from valuescope.runs._store import (
    RunStore,
    RunStoreError,
    default_run_dir,
    git_revision,
    package_versions,
    utc_stamp,
)

__all__ = [
    "SCHEMA_VERSION",
    "Manifest",
    "ResultsBase",
    "RunStore",
    "RunStoreError",
    "SampleRecord",
    "default_run_dir",
    "git_revision",
    "package_versions",
    "utc_stamp",
]
