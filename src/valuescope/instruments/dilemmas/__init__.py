"""Moral dilemmas (`valuescope dilemmas`): which framework's course of action a model
prefers. `bank` (file format), `requests` (prompts, orders, scoring), `summary`
(per-framework statistics), `instrument` (`DilemmasConfig`, `DilemmasInstrument`)."""

from valuescope.instruments.dilemmas.instrument import DilemmasConfig, DilemmasInstrument
from valuescope.instruments.dilemmas.requests import DilemmaSample
from valuescope.instruments.dilemmas.summary import DilemmaResults

__all__ = ["DilemmaResults", "DilemmaSample", "DilemmasConfig", "DilemmasInstrument"]
