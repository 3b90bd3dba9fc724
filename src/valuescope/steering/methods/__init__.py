"""Steering methods, one module each, loaded on first use (`method_class`)."""

from __future__ import annotations

import importlib

from valuescope.steering.artifact import MethodName
from valuescope.steering.search import SteeringMethod

METHODS: dict[MethodName, str] = {
    "prompt": "valuescope.steering.methods.baselines:PromptMethod",
    "persona": "valuescope.steering.methods.baselines:PersonaMethod",
    "levels": "valuescope.steering.methods.levels:LevelsMethod",
    "opro": "valuescope.steering.methods.opro:OproMethod",
    "picaco": "valuescope.steering.methods.picaco:PicacoMethod",
    "irote": "valuescope.steering.methods.irote:IroteMethod",
    "couple": "valuescope.steering.methods.couple:CoupleMethod",
}
"""Method name -> `module:Class`."""


def method_class(name: MethodName) -> type[SteeringMethod]:
    module, attribute = METHODS[name].split(":")
    cls: type[SteeringMethod] = getattr(importlib.import_module(module), attribute)
    return cls
