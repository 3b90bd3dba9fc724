"""The baselines every optimiser must beat: a plain value instruction and a role.

- `prompt`: "Let these priorities guide everything you write", the target values with
  their definitions grouped by how much they matter (what a user would write by hand).
- `persona`: the same priorities as a person to role-play ("You are someone for whom ...").

Neither searches: each is scored once on the optimisation tasks, so that its candidate and
score sit in the run beside the optimisers' for comparison.
"""

from __future__ import annotations

from typing import ClassVar

from valuescope.frameworks import Framework
from valuescope.steering.artifact import MethodName
from valuescope.steering.search import MethodContext, MethodOutcome
from valuescope.steering.targets import Target

IMPORTANCE = (
    (0.85, "of supreme importance"),
    (0.6, "very important"),
    (0.4, "somewhat important"),
    (0.15, "of little importance"),
    (-1.0, "not important at all, something you would rather avoid"),
)


def importance(share: float) -> str:
    """A normalised priority in words."""
    return next(words for floor, words in IMPORTANCE if share >= floor)


def _entries(framework: Framework, target: Target) -> list[tuple[str, str, str]]:
    """(importance words, name, definition) per target dimension, highest first."""
    entries = []
    for d in target.ranked():
        dimension = framework.dimension(d)
        definition = dimension.definition.rstrip(".")
        entries.append((importance(target.normalised(d)), dimension.name, definition))
    return entries


def value_instruction(framework: Framework, target: Target) -> str:
    """The `prompt` baseline's instruction."""
    lines = [f"- {name} ({definition.lower()}): {words}." for words, name, definition in
             _entries(framework, target)]  # fmt: skip
    return (
        "Let these priorities guide everything you write, in what you advise, decide and "
        "value:\n" + "\n".join(lines)
    )


def persona_instruction(framework: Framework, target: Target) -> str:
    """The `persona` baseline's role."""
    parts = [f"{name.lower()} ({definition.lower()}) is {words}" for words, name, definition in
             _entries(framework, target)]  # fmt: skip
    return (
        "You are a person with a clear character. For you, " + "; ".join(parts) + ". "
        "Stay in this role in everything you write, and answer as this person would, "
        "without describing yourself."
    )


class _Baseline:
    name: ClassVar[MethodName]

    def instruction(self, context: MethodContext) -> str:
        raise NotImplementedError

    async def search(self, context: MethodContext) -> MethodOutcome:
        text = self.instruction(context)
        scored = await context.evaluate(text, context.tasks)
        best = context.candidate(1, "baseline", text, scored)
        return MethodOutcome(instruction=text, score=best.score, rounds_run=1,
                             stopped="no search")  # fmt: skip


class PromptMethod(_Baseline):
    """A plain value instruction (no search)."""

    name: ClassVar[MethodName] = "prompt"

    def instruction(self, context: MethodContext) -> str:
        return value_instruction(context.framework, context.target)


class PersonaMethod(_Baseline):
    """Role-play of a person holding the target values (no search)."""

    name: ClassVar[MethodName] = "persona"

    def instruction(self, context: MethodContext) -> str:
        return persona_instruction(context.framework, context.target)
