"""Where the engine hands a run to higher layers without importing them.

Two hooks, each a `Registry` filled from entry points (valuescope's own in its
pyproject.toml; a plugin may add its own):

- `on_finish` (`ON_FINISH`): called with a finished run's folder, single or composite.
  valuescope's `report` entry writes the run's report.html. A hook that fails is reported
  as a logged warning and never fails the run: the results are already written.
- `subject_wrappers` (`SUBJECT_WRAPPERS`): how a run config's `steering` puts an artifact
  in front of the measured model. valuescope's `steering` entry reads and checks the
  artifact (before any model is opened, so a bad one fails at once) and returns the
  function that wraps the model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from valuescope.models import CachedModel
from valuescope.registry import Registry

Wrap = Callable[[CachedModel], CachedModel]
_LOG = logging.getLogger("valuescope")

ON_FINISH: Registry[Callable[[Path], object]] = Registry("on_finish", "finish hook")
"""Name -> a function of a finished run's folder."""

SUBJECT_WRAPPERS: Registry[Callable[[str], Wrap]] = Registry("subject_wrappers", "subject wrapper")
"""Name -> a function of the config's value (e.g. an artifact's path) that returns how to
wrap the subject model."""


def run_finished(directory: Path) -> None:
    """Tell every `on_finish` hook that the run in `directory` has finished."""
    for name, hook in ON_FINISH.items():
        try:
            hook(directory)
        except Exception as error:  # a hook never fails a run whose results are written
            _LOG.warning("%s after the run in %s failed: %s: %s", name, directory,
                         type(error).__name__, error)  # fmt: skip


def subject_wrapper(kind: str, value: str) -> Wrap:
    """How to wrap the subject for a config's `kind` (e.g. "steering") set to `value`."""
    return SUBJECT_WRAPPERS.get(kind)(value)
