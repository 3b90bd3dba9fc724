"""Options that several commands take with one meaning, declared once (`compare --models`
and `validity` measure the way `measure` does, so they take its options as it declares
them). An option whose meaning differs between commands keeps its own declaration there."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

FrameworksDir = Annotated[Path | None, typer.Option(help="Folder of extra framework YAML files.")]
Limit = Annotated[
    int | None,
    typer.Option(min=1, help="Ask only N items (of each instrument), round-robin over dimensions."),
]
Paraphrases = Annotated[
    int | None,
    typer.Option(min=0, help="Paraphrases to ask besides each item's text (default: all)."),
]
Samples = Annotated[
    int,
    typer.Option(
        min=1,
        help="1 = score by expected value; K > 1 = sampled scoring, K draws per "
        "condition from the option distribution at --temperature (gives test-retest).",
    ),
]
Temperature = Annotated[
    float, typer.Option(min=0.05, help="Temperature of the draws under --samples K.")
]
Personas = Annotated[
    str | None,
    typer.Option(
        help="N personas from the shipped pool (overrides the design's number), or a "
        "FILE of your own (one per line, or YAML/CSV/JSONL with a text column)."
    ),
]
JudgeMode = Annotated[
    Literal["all@once", "one-by-one"],
    typer.Option(
        help="all@once: one call per answer, a JSON of 0/1 per dimension; one-by-one: one "
        "yes/no call per dimension."
    ),
]
Dedupe = Annotated[
    Literal["embedding", "lexical"],
    typer.Option(help="lexical (word overlap) or embedding (+ SmolLM2 embeddings)."),
]
