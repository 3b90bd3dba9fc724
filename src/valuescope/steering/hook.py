"""Steering as the engine's `steering` subject wrapper (entry point
`valuescope.subject_wrappers`): a run config's `steering` names an artifact, which is read
and checked here before any model is opened, and put in front of the measured model."""

from __future__ import annotations

from collections.abc import Callable

from valuescope.models import CachedModel


def wrap_subject(spec: str) -> Callable[[CachedModel], CachedModel]:
    """The artifact `spec` names (a steer run folder, a method folder or an artifact.json),
    read and checked now; the returned function puts it in front of a model."""
    from valuescope.steering import SteeredModel, load_steering

    artifact = load_steering(spec)

    def wrap(bare: CachedModel) -> CachedModel:
        return SteeredModel(bare, artifact)

    return wrap
