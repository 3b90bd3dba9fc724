"""valuescope: measure, explain and steer the values and traits of language models.

The public API (`api.py`); heavy parts load only when first used:

    import valuescope as vs
    run = vs.measure(model="llamacpp", framework="schwartz", limit=20, paraphrases=0)
    data = vs.load_run(run.directory)   # manifest, results, samples and dimensions
    vs.write_report(run.directory)      # report.html again (runs write it when they finish)
    vs.serve_view("runs")               # the local web app over a folder of runs

Every run command has a sync function and an async twin: `measure` / `ameasure`, `csi` /
`acsi`, `csi_validity` / `acsi_validity`, `dilemmas` / `adilemmas`, `construct_validity` /
`aconstruct_validity` (`valuescope validity`), `classify` / `aclassify`, `steer` / `asteer`,
`safety` / `asafety`, `resume` / `aresume`.

Errors: every error valuescope raises for a person to read is a `vs.ValuescopeError`:
`vs.UserError` for a mistake in what was given (a file, an option, a model name),
`vs.BackendError` for a model server that failed (`valuescope.errors`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from valuescope._lazy import lazy_attributes

__version__ = "0.1.0"

if TYPE_CHECKING:
    from valuescope.api import (
        aclassify,
        aconstruct_validity,
        acsi,
        acsi_validity,
        adilemmas,
        ameasure,
        aresume,
        asafety,
        asteer,
        classify,
        construct_validity,
        csi,
        csi_validity,
        dilemmas,
        measure,
        resume,
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
            "ameasure",
            "csi",
            "acsi",
            "csi_validity",
            "acsi_validity",
            "dilemmas",
            "adilemmas",
            "resume",
            "aresume",
            "construct_validity",
            "aconstruct_validity",
            "classify",
            "aclassify",
            "steer",
            "asteer",
            "safety",
            "asafety",
        ],
        "valuescope.api",
    ),
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
    "UserError",
    "ValidityConfig",
    "ValuescopeError",
    "__version__",
    "aclassify",
    "aconstruct_validity",
    "acsi",
    "acsi_validity",
    "adilemmas",
    "ameasure",
    "aresume",
    "asafety",
    "asteer",
    "classify",
    "construct_validity",
    "csi",
    "csi_validity",
    "dilemmas",
    "get_model",
    "load_run",
    "measure",
    "resume",
    "safety",
    "serve_view",
    "steer",
    "write_report",
]
