"""valuescope: measure, explain and steer the values and traits of language models.

The public API (`valuescope.api`); heavy parts load only when first used:

    import valuescope as vs
    run = vs.measure(model="llamacpp", framework="schwartz", limit=20, paraphrases=0)
    data = vs.load_run(run.directory)   # manifest, results, samples and dimensions
    vs.write_report(run.directory)      # report.html again (runs write it when they finish)
    vs.serve_view("runs")               # the local web app over a folder of runs

Every run command is a function with the CLI's argument order and option names, blocking
and async: `measure` / `ameasure`, `probes`, `csi`, `csi_validity`, `dilemmas`, `bench`,
`classify` (`vs.classify("mytexts.csv", framework="mft6")`), `safety`, `steer`,
`construct_validity` (`valuescope validity`), `resume`, and `run("COMMAND", ...)` /
`arun` for any command by its name. `validity`, `generate` and `construct` share their
names with subpackages, so they and `compare` and `agreement` are called as
`valuescope.api.compare(...)` or `vs.run("compare", ...)`. Results have `.to_dict()`.

Errors: every error valuescope raises for a person to read is a `vs.ValuescopeError`:
`vs.UserError` for a mistake in what was given (a file, an option, a model name),
`vs.BackendError` for a model server that failed (`valuescope.errors`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from valuescope._lazy import lazy_attributes

__version__ = "0.1.0"

if TYPE_CHECKING:
    from valuescope import api
    from valuescope.api import (
        StudyRun,
        abench,
        aclassify,
        aconstruct_validity,
        acsi,
        acsi_validity,
        adilemmas,
        ameasure,
        aprobes,
        aresume,
        arun,
        asafety,
        asteer,
        bench,
        classify,
        construct_validity,
        csi,
        csi_validity,
        dilemmas,
        measure,
        probes,
        resume,
        run,
        safety,
        steer,
    )
    from valuescope.errors import BackendError, UserError, ValuescopeError
    from valuescope.instruments.classify import ClassifyConfig
    from valuescope.instruments.csi import CSIConfig, ValidityConfig
    from valuescope.instruments.dilemmas import DilemmasConfig
    from valuescope.instruments.likert import MeasureConfig
    from valuescope.models import Model, get_model
    from valuescope.report import write_report
    from valuescope.runs import RunData, load_run
    from valuescope.steering.safety import SafetyConfig
    from valuescope.validity import ConstructValidityConfig
    from valuescope.view import serve as serve_view

_LAZY = {
    **dict.fromkeys(
        [
            "measure",
            "probes",
            "csi",
            "csi_validity",
            "dilemmas",
            "bench",
            "classify",
            "safety",
            "steer",
            "resume",
            "construct_validity",
            "run",
            "ameasure",
            "aprobes",
            "acsi",
            "acsi_validity",
            "adilemmas",
            "abench",
            "aclassify",
            "asafety",
            "asteer",
            "aresume",
            "aconstruct_validity",
            "arun",
            "StudyRun",
        ],
        "valuescope.api",
    ),
    "api": "valuescope.api",
    "load_run": "valuescope.runs",
    "write_report": "valuescope.report",
    "serve_view": "valuescope.view",
    "ConstructValidityConfig": "valuescope.validity",
    "ClassifyConfig": "valuescope.instruments.classify",
    "RunData": "valuescope.runs",
    "MeasureConfig": "valuescope.instruments.likert",
    "CSIConfig": "valuescope.instruments.csi",
    "ValidityConfig": "valuescope.instruments.csi",
    "DilemmasConfig": "valuescope.instruments.dilemmas",
    "SafetyConfig": "valuescope.steering.safety",
    "Model": "valuescope.models",
    "get_model": "valuescope.models",
    **dict.fromkeys(["ValuescopeError", "UserError", "BackendError"], "valuescope.errors"),
}


__getattr__ = lazy_attributes(__name__, _LAZY)


__all__ = [
    "BackendError",
    "CSIConfig",
    "ClassifyConfig",
    "ConstructValidityConfig",
    "DilemmasConfig",
    "MeasureConfig",
    "Model",
    "RunData",
    "SafetyConfig",
    "StudyRun",
    "UserError",
    "ValidityConfig",
    "ValuescopeError",
    "__version__",
    "abench",
    "aclassify",
    "aconstruct_validity",
    "acsi",
    "acsi_validity",
    "adilemmas",
    "ameasure",
    "api",
    "aprobes",
    "aresume",
    "arun",
    "asafety",
    "asteer",
    "bench",
    "classify",
    "construct_validity",
    "csi",
    "csi_validity",
    "dilemmas",
    "get_model",
    "load_run",
    "measure",
    "probes",
    "resume",
    "run",
    "safety",
    "serve_view",
    "steer",
    "write_report",
]
