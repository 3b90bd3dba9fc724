"""Steering methods, one module each, loaded on first use (`method_class`)."""

from __future__ import annotations

from valuescope.registry import Registry
from valuescope.steering.artifact import MethodName
from valuescope.steering.search import SteeringMethod

__all__ = ["METHODS", "method_class"]

METHODS: Registry[type[SteeringMethod]] = Registry(
    "steering_methods",
    "steering method",
    {
        "prompt": "valuescope.steering.methods.baselines:PromptMethod",
        "persona": "valuescope.steering.methods.baselines:PersonaMethod",
        "levels": "valuescope.steering.methods.levels:LevelsMethod",
        "opro": "valuescope.steering.methods.opro:OproMethod",
        "picaco": "valuescope.steering.methods.picaco:PicacoMethod",
        "irote": "valuescope.steering.methods.irote:IroteMethod",
        "couple": "valuescope.steering.methods.couple:CoupleMethod",
    },
)
"""Method name -> its class."""


def method_class(name: MethodName) -> type[SteeringMethod]:
    return METHODS.get(name)
