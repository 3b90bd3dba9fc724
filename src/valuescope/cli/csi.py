"""The `csi` and `csi-validity` commands (the implicit sentiment inventory).

Thin like the rest of the CLI: parse options, run them through the API, print.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.table import Table

from valuescope.cli._console import console, fmt, print_run_footer
from valuescope.cli._options import RunOptions, refuse_likert_only, run_options
from valuescope.cli._run import run_command
from valuescope.instruments.csi.words import Lang

Mode = Literal["chunk", "per-word"]

if TYPE_CHECKING:
    from valuescope.instruments.csi import CSIResults, ValidityResults

CSI_HELP = (
    "Implicit sentiment inventory (CSI): the model's first association, comedy (positive) or "
    "tragedy (negative), for N frequent words over several passes; reports optimism, "
    "pessimism, neutrality, consistency and reluctance.\n\n"
    "--mode chunk (the original method) asks ~30 words a call and parses a free-text reply. "
    "Tiny models, such as the embedded 135M default, cannot follow that format: most of "
    "their words come back invalid. --mode per-word reads each label from the next-token "
    "distribution and answers every word: it is the mode that works on tiny models."
)


def print_csi(results: CSIResults, directory: Path) -> None:
    table = Table(title=f"CSI of {results.model} ({results.mode}, {results.passes} passes)")
    table.add_column("score", no_wrap=True)
    table.add_column("value", justify="right")
    table.add_column("what it counts")
    rows = [
        ("optimism", results.optimism, "words positive in every pass"),
        ("pessimism", results.pessimism, "words negative in every pass"),
        ("neutrality", results.neutrality, "the rest: neutral or inconsistent"),
        ("consistency", results.consistency, "1 - share of words whose passes disagree"),
        ("reluctance", results.reluctance, "neutral answers / valid answers"),
        ("invalid share", results.invalid_share, "words without a valid answer in some pass"),
    ]
    for name, value, what in rows:
        table.add_row(
            name,
            fmt(value, 3),
            what + (f" ({results.reasons[name]})" if name in results.reasons else ""),
        )
    console.print(table)
    console.print(
        f"{results.n_valid_words} of {results.n_words} words valid "
        f"({results.n_optimistic_words} optimistic, {results.n_pessimistic_words} pessimistic, "
        f"{results.n_inconsistent_words} inconsistent); word list {results.words_source} "
        f"sha256 {results.words_sha256[:12]}"
    )
    for name, shares in results.label_shares_by_pass.items():
        parts = ", ".join(f"{label} {share:.2f}" for label, share in shares.items())
        console.print(f"{name}: {parts}", highlight=False)
    if results.option_mass is not None:
        console.print(f"mean option mass {results.option_mass:.3f}")
    print_run_footer(results.usage, results.warnings, directory)


def print_validity(results: ValidityResults, directory: Path) -> None:
    table = Table(title=f"CSI validity of {results.model} (judge {results.judge})")
    for heading in ("correlation", "r", "p", "n", "note"):
        table.add_column(heading)
    for name, c in (("per story", results.per_story), ("k-group means", results.group_means)):
        table.add_row(name, fmt(c.r, 3), fmt(c.p, 3), str(c.n), c.reason or "")
    console.print(table)
    means = ", ".join(f"{k}: {fmt(v, 3)}" for k, v in results.mean_rating_by_k.items())
    console.print(f"mean rating (1 comedy .. 5 tragedy) by negative words: {means}")
    console.print(
        f"{results.n_valid} of {results.n_stories} stories valid; positive words: "
        f"{results.positive_source}; negative words: {results.negative_source}"
    )
    print_run_footer(results.usage, results.warnings, directory, results.judge_usage)


def register(app: typer.Typer) -> None:
    """Add `csi` and `csi-validity` to the valuescope app."""
    app.command(name="csi", help=CSI_HELP)(csi_command)
    app.command(name="csi-validity")(csi_validity_command)


@run_options
def csi_command(
    ctx: typer.Context,
    n: Annotated[
        int | None,
        typer.Option(
            "--n",
            min=1,
            help="Number of words (default 1000; the original uses 5000); with --words: the "
            "first N.",
        ),
    ] = None,
    words: Annotated[
        Path | None, typer.Option(help="Your own word list: one word a line, used as given.")
    ] = None,
    passes: Annotated[int, typer.Option(min=1, help="Shuffled passes over the words.")] = 2,
    mode: Annotated[
        Mode,
        typer.Option(help="chunk (the original; fails on tiny models) | per-word (log-probs)."),
    ] = "chunk",
    lang: Annotated[Lang, typer.Option(help="Language of the default word list.")] = "en",
    chunk_size: Annotated[int, typer.Option(min=1, help="Words per call in chunk mode.")] = 30,
    *,
    run: RunOptions,
) -> None:
    from valuescope import api

    refuse_likert_only("csi asks for free-text associations", ("--model", run.model))
    options = {"mode": mode, "n": n, "words": words, "lang": lang, "passes": passes,
               "chunk_size": chunk_size, **run.config_fields()}  # fmt: skip
    run_command(ctx, "csi", lambda p: api.acsi(**options, out=run.out, progress=p), run,
                print_csi, "csi")  # fmt: skip


@run_options
def csi_validity_command(
    ctx: typer.Context,
    model: Annotated[
        str | None,
        typer.Option(help="The story writer (default: the --run's model, else llamacpp)."),
    ] = None,
    judge: Annotated[
        str | None, typer.Option(help="The model that rates the stories (default: --model).")
    ] = None,
    run_dir: Annotated[
        Path | None,
        typer.Option("--run", help="A CSI run: stories use the words it found polar."),
    ] = None,
    words: Annotated[
        Path | None,
        typer.Option(help="Your own polar words instead: `word: positive|negative` a line."),
    ] = None,
    stories_per_k: Annotated[
        int, typer.Option(min=1, help="Stories for each k = 0..5 negative words.")
    ] = 5,
    lang: Annotated[
        Lang | None,
        typer.Option(help="Language of the built-in lexicon (default: the --run's, else en)."),
    ] = None,
    *,
    run: RunOptions,
) -> None:
    """Validity of the CSI: the model writes stories seeded with k negative and 5-k positive
    words, a judge rates each from comedy (1) to tragedy (5), and Pearson r between the
    negative-word share and the rating is reported per story and on the k-group means."""
    from valuescope import api

    refuse_likert_only(
        "csi-validity asks for stories and a judge's ratings of them",
        ("--model", model),
        ("--judge", judge),
    )
    options = {"judge": judge, "run": run_dir, "words": words, "lang": lang,
               "stories_per_k": stories_per_k, **run.config_fields(), "model": model}  # fmt: skip
    run_command(ctx, "csi-validity",
                lambda p: api.acsi_validity(**options, out=run.out, progress=p), run,
                print_validity, "stories")  # fmt: skip
