"""Steering in context (docs/guide/steering.md; docs/methods.md): value targets, steering
methods that search for an instruction (or a rewrite) that makes a model hold them, the
before/after evaluation, the safety check and the SFT/DPO export.

    target = parse_target("self_direction=6,tradition=1", load_framework("schwartz10"))
    artifact = load_steering("runs/2026...-steer-schwartz10-llamacpp")
    steered = SteeredModel(get_model("llamacpp"), artifact)
"""

from valuescope.steering.artifact import (
    ARTIFACT_FILE,
    METHOD_NAMES,
    MethodName,
    RewriteConfig,
    SteeringArtifact,
    SteeringError,
    artifact_path,
    find_artifact,
    load_steering,
)
from valuescope.steering.model import SteeredModel, steer_model
from valuescope.steering.targets import (
    Target,
    TargetError,
    load_target,
    parse_scale,
    parse_target,
    read_target,
)
from valuescope.steering.tasks import Task, TaskSplit, load_tasks, split_tasks

__all__ = [
    "ARTIFACT_FILE",
    "METHOD_NAMES",
    "MethodName",
    "RewriteConfig",
    "SteeredModel",
    "SteeringArtifact",
    "SteeringError",
    "Target",
    "TargetError",
    "Task",
    "TaskSplit",
    "artifact_path",
    "find_artifact",
    "load_steering",
    "load_target",
    "load_tasks",
    "parse_scale",
    "parse_target",
    "read_target",
    "split_tasks",
    "steer_model",
]
