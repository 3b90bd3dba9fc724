"""Open-ended probes: the model answers value-laden questions freely; a judge scores them."""

from valuescope.instruments.probes.bank import Probe, ProbeBank, builtin_probes_path, load_probes
from valuescope.instruments.probes.instrument import ProbesConfig, ProbesInstrument
from valuescope.instruments.probes.summary import ProbeSample, ProbesResults

__all__ = [
    "Probe",
    "ProbeBank",
    "ProbeSample",
    "ProbesConfig",
    "ProbesInstrument",
    "ProbesResults",
    "builtin_probes_path",
    "load_probes",
]
