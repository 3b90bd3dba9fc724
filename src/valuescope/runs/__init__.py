"""The run store: manifest, incremental samples, results; resume."""

from valuescope.runs._list import RunListing, RunSummary, list_runs
from valuescope.runs._load import RunData, load_run
from valuescope.runs._lock import LOCK, RunLock, RunLocked, is_locked
from valuescope.runs._schema import (
    SCHEMA_VERSION,
    Manifest,
    Record,
    ResultsBase,
    SampleRecord,
    invalid_note,
)
from valuescope.runs._store import (
    MANIFEST,
    OUTCOME,
    PROGRESS,
    RESULTS,
    SAMPLES,
    RunStore,
    RunStoreError,
    default_run_dir,
    git_revision,
    package_versions,
    read_json_model,
    read_outcome,
    utc_stamp,
    write_outcome,
)

__all__ = [
    "LOCK",
    "MANIFEST",
    "OUTCOME",
    "PROGRESS",
    "RESULTS",
    "SAMPLES",
    "SCHEMA_VERSION",
    "Manifest",
    "Record",
    "ResultsBase",
    "RunData",
    "RunListing",
    "RunLock",
    "RunLocked",
    "RunStore",
    "RunStoreError",
    "RunSummary",
    "SampleRecord",
    "default_run_dir",
    "git_revision",
    "invalid_note",
    "is_locked",
    "list_runs",
    "load_run",
    "package_versions",
    "read_json_model",
    "read_outcome",
    "utc_stamp",
    "write_outcome",
]
