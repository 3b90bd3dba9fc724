"""Simulated respondents: who answers a questionnaire when one model answers it many times.

One model is one respondent, so reliability over its own administrations says little (see
docs/guide/measuring.md). Following Serapio-Garcia et al. (Nature Machine Intelligence 2025), each
*respondent* is the model framed by a persona description, an item instruction and a
postamble; every respondent answers every item, in both option orders (they never varied
the order; we do, so that a pull toward the first option cancels within a respondent
instead of passing for a trait). Reliability and construct validity are then computed over
respondents x items (`summary.py`, `stats._respondents`).

A design crosses N personas with the instructions and postambles:

- `rotate`: respondent i is persona i with instruction i mod I and postamble (i div I) mod P,
  so N respondents use every instruction and postamble about equally (the presets);
- `cross`: every persona with every instruction and every postamble (N x I x P respondents,
  their full design: 50 x 5 x 5 = 1,250).

The model's own profile (administrations without a persona) is asked as before, beside the
respondents; the two are summarised apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from valuescope import respondents
from valuescope.engine import ConfigError
from valuescope.respondents import Persona, Phrase

Crossing = Literal["rotate", "cross"]
DesignName = Literal["none", "quick", "standard", "full"]
MIN_RESPONDENTS = 20
"""Below this many respondents reliability over respondents is null (with that reason)."""


class DesignPreset(BaseModel):
    personas: int
    crossing: Crossing
    description: str


PRESETS: dict[str, DesignPreset] = {
    "quick": DesignPreset(
        personas=30, crossing="rotate", description="30 personas, one instruction and "
        "postamble each (rotated): 20 respondents are needed, and some lose an item to an "
        "invalid answer"
    ),
    "standard": DesignPreset(
        personas=100, crossing="rotate", description="100 personas, instructions and "
        "postambles rotated"
    ),
    "full": DesignPreset(
        personas=50, crossing="cross", description="50 personas x every instruction x every "
        "postamble (Serapio-Garcia et al.'s design, 50 x 5 x 5; ours has 6 x 6 phrasings)"
    ),
}  # fmt: skip


def persona_of(respondent_id: str) -> str:
    """The persona id of a respondent id (`p017/i3/a2` -> `p017`): respondents of one
    persona share its traits, so intervals over respondents resample personas."""
    return respondent_id.split("/", 1)[0]


@dataclass(frozen=True)
class Respondent:
    """One simulated respondent: a persona answering under one instruction and postamble."""

    persona: Persona
    instruction: Phrase
    postamble: Phrase

    @property
    def id(self) -> str:
        """`p017/i3/a2`: persona, instruction and postamble ids (part of a condition id)."""
        return f"{self.persona.id}/{self.instruction.id}/{self.postamble.id}"


def persona_count(
    design: DesignName, personas: int | None, personas_file: str | None
) -> int | None:
    """How many personas a run's options ask for; None for no respondents at all.

    `--personas N` wins; else the preset's number; else (a file alone) every persona in it.
    Shared by the questionnaire's design and the probes, so that the same options give both
    instruments the same personas (what `agreement` pairs them by)."""
    if design == "none" and personas is None and personas_file is None:
        return None
    if personas is not None:
        return personas
    preset = PRESETS.get(design)
    if preset is not None:
        return preset.personas
    return len(respondents.load_personas(Path(personas_file) if personas_file else None))


def personas_asked(design: DesignName, personas: int | None, personas_file: str | None) -> str:
    """The options that set how many personas a run asks for, as the user typed them:
    `--personas 300`, `--design quick`, `--personas FILE --design quick` (for messages)."""
    if personas is not None:
        return f"--personas {personas}"
    return " ".join([f"--personas {personas_file}"] * bool(personas_file) + [f"--design {design}"])


def design_personas(
    n_personas: int, seed: int, personas_file: Path | None = None, asked: str | None = None
) -> list[Persona]:
    """`n_personas` personas drawn (seeded) from the shipped pool or the user's file; `asked`
    (`personas_asked`) is what the user gave for them, which a too-small pool's error quotes."""
    pool = respondents.load_personas(personas_file)
    if n_personas > len(pool):
        source = personas_file or "the shipped pool"
        plain = f"--personas {n_personas}"
        wants = f"{plain}:" if asked in (None, plain) else f"{asked} asks for {n_personas}, but"
        raise ConfigError(f"{wants} {source} has {len(pool)} personas")
    return respondents.sample_personas(pool, n_personas, seed)


def respondents_for(
    n_personas: int,
    crossing: Crossing,
    seed: int,
    personas_file: Path | None = None,
    asked: str | None = None,
) -> list[Respondent]:
    """The respondents of a design: `design_personas`, crossed with the shipped
    instructions and postambles."""
    personas = design_personas(n_personas, seed, personas_file, asked)
    instructions, postambles = respondents.load_instructions(), respondents.load_postambles()
    if crossing == "cross":
        return [Respondent(p, i, a) for p in personas for i in instructions for a in postambles]
    n_i = len(instructions)
    return [
        Respondent(p, instructions[k % n_i], postambles[(k // n_i) % len(postambles)])
        for k, p in enumerate(personas)
    ]
