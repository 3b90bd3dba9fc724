"""Simulated respondents: personas, item instructions and postambles that frame each
administration of a questionnaire item, so that one model can stand in for a sample of
respondents and reliability becomes measurable within it (after Serapio-Garcia et al.,
"Personality traits in large language models", Nature Machine Intelligence 2025)."""

from valuescope.respondents._pool import (
    PERSONA_FRAMING,
    Persona,
    Phrase,
    load_instructions,
    load_personas,
    load_postambles,
    sample_personas,
)

__all__ = [
    "PERSONA_FRAMING",
    "Persona",
    "Phrase",
    "load_instructions",
    "load_personas",
    "load_postambles",
    "sample_personas",
]
