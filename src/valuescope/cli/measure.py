"""`valuescope measure`: its options, and the profile and reliability tables it prints."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape
from rich.table import Table

from valuescope.cli._console import ci_cell, console, fmt, print_run_footer
from valuescope.cli._norms import print_norms
from valuescope.cli._options import (
    RunOptions,
    given_on_command_line,
    refuse_likert_only,
    run_options,
)
from valuescope.cli._params import (
    FrameworksDir,
    JudgeMode,
    Limit,
    Paraphrases,
    Personas,
    Samples,
    Temperature,
)
from valuescope.cli._run import run_command
from valuescope.cli._tables import row_table
from valuescope.cli.probes import (
    LIKERT_ONLY,
    manifest_command,
    print_probes,
    print_probes_plan,
    reject_likert_options,
)
from valuescope.thresholds import ITEM_REST_FLOOR

if TYPE_CHECKING:
    from valuescope.instruments.likert import LikertInstrument, MeasureResults
    from valuescope.instruments.likert.respondent_summary import RespondentResults
    from valuescope.instruments.likert.summary import DimensionResult


def profile_table(results: MeasureResults) -> Table:
    has_mrat = any(r.score_mrat is not None for r in results.dimensions.values())
    table = row_table(
        escape(f"{results.framework} profile of {results.model}"),
        ["value"],
        [
            "score",
            "95% CI",
            "items",
            *(["MRAT"] if has_mrat else []),
            "mass",
            "bias",
            "order",
            "wording",
            "acq",
            "invalid",
        ],
    )
    for dim, r in results.dimensions.items():
        table.add_row(
            dim,
            fmt(r.score),
            ci_bounds(r.ci),
            items_scored(r),
            *([fmt(r.score_mrat)] if has_mrat else []),
            fmt(r.option_mass),
            fmt(r.position_bias),
            fmt(r.order_consistency),
            fmt(r.paraphrase_consistency),
            fmt(r.acquiescence),
            f"{r.n_invalid}/{r.n_samples}",
        )
    return table


def ci_bounds(ci: list[float | None]) -> str:
    """`[3.41, 3.62]`, or `-` where the dimension has no CI (its reason is in results.json)."""
    if len(ci) != 2 or ci[0] is None or ci[1] is None:
        return "-"
    return f"[{fmt(ci[0])}, {fmt(ci[1])}]"


def items_scored(r: DimensionResult) -> str:
    """The items the score and its CI are over: `3`, or `2/3` when one of the 3 asked had no
    valid answer (results written before `n_items_scored` show the items asked)."""
    scored = r.n_items if r.n_items_scored is None else r.n_items_scored
    return str(scored) if scored == r.n_items else f"{scored}/{r.n_items}"


def consistency_table(results: MeasureResults) -> Table:
    table = row_table(
        f"consistency over {results.overall.n_administrations} administrations of the "
        "model itself (not reliability)",
        ["value"],
        ("forms: order", "forms: wording", "retest", "< 0.7"),
    )
    for dim, r in results.dimensions.items():
        table.add_row(
            dim,
            fmt(r.parallel_forms_order),
            fmt(r.parallel_forms_paraphrase),
            fmt(r.test_retest),
            str(len(r.flags)),
        )
    return table


def print_profile(results: MeasureResults, directory: Path) -> None:
    console.print(profile_table(results))
    console.print(
        "95% CI: t-interval over the items (items: how many were scored, of those asked "
        "where fewer); '-' = no CI, below 3 items or with every item scoring the same "
        "(the reason is in results.json, dimensions.*.reasons.ci); mass: probability on the "
        "options; bias: E(asc) - E(desc), negative = pulled to the first option; order / "
        "wording: consistency across option orders / paraphrases; acq: mean agreement "
        "before reverse-keying",
        style="dim",
    )
    if results.norms is not None:
        print_norms(results.norms)
    console.print(consistency_table(results))
    console.print(
        "forms: do the items keep their rank order across option orders / wordings "
        "(correlation); < 0.7: how many fall below 0.7; '-' = not computable, the reason is "
        "in results.json, dimensions.*.reasons. Reliability needs many respondents: "
        "--design quick asks simulated ones.",
        style="dim",
    )
    o, u = results.overall, results.usage
    if o.circumplex is not None and o.circumplex.spearman_rho.value is not None:
        console.print(
            f"circumplex check: Spearman rho(distance, correlation) = "
            f"{o.circumplex.spearman_rho.value:.2f} (negative = circumplex-like)"
        )
    shares = ", ".join(f"{k}: {v:.2f}" for k, v in o.label_share.items())
    console.print(
        f"scale {results.scale.minimum}..{results.scale.maximum}; "
        f"{o.n_samples} answers, {o.n_invalid} invalid "
        f"(option mass < {results.min_option_mass}); mean option mass {fmt(o.option_mass)}"
    )
    console.print(f"share of each label (after renormalising): {shares}")
    console.print(format_table(results))
    console.print(
        "position: share of the answers' variance (items x option orders) that option order "
        "explains; order r: do the items keep their rank order under both option orders; "
        "text: free answers that name the log-probability argmax, unparseable ones apart",
        style="dim",
    )
    if results.respondents is not None:
        console.print(respondents_table(results))
        reasons = {
            reason
            for d in results.respondents.dimensions.values()
            for reason in d.reliability.reasons.values()
        }
        for reason in sorted(reasons):
            console.print(f"'-': {escape(reason)}", style="dim")
        weak = {d: r.weak_items for d, r in results.respondents.dimensions.items() if r.weak_items}
        if weak:
            named = "; ".join(f"{d}: {', '.join(ids)}" for d, ids in weak.items())
            console.print(
                f"weak items (corrected item-rest r < {ITEM_REST_FLOOR}, or alpha rises "
                f"without them): {escape(named)}",
                style="yellow",
                soft_wrap=True,
            )
    print_run_footer(u, results.warnings, directory)


Design = Literal["none", "quick", "standard", "full"]


@run_options
def measure(
    ctx: typer.Context,
    instrument: Annotated[
        Literal["likert", "probes"],
        typer.Option(
            help="likert: the framework's questionnaire, scored from the answer distribution; "
            "probes: open-ended questions answered freely and scored by a value judge."
        ),
    ] = "likert",
    framework: Annotated[
        str, typer.Option(help="Framework id (schwartz = schwartz10) or YAML file.")
    ] = "schwartz10",
    items: Annotated[
        Path | None,
        typer.Option(
            help="Your own instrument: a YAML bank, a CSV/JSONL table of items, or a shipped "
            "bank's id; with --instrument probes a probe bank (YAML, or the JSONL that "
            "`valuescope generate` writes)."
        ),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            help="Column names of a CSV/JSONL instrument, FIELD=COLUMN comma-separated, e.g. "
            "text=item,id=no (fields: id, text, dimension, polarity, paraphrases)."
        ),
    ] = None,
    scale: Annotated[
        Path | None,
        typer.Option(help="YAML with the response scale (points, anchors, stem) of a CSV file."),
    ] = None,
    frameworks_dir: FrameworksDir = None,
    paraphrases: Paraphrases = None,
    samples: Samples = 1,
    temperature: Temperature = 1.0,
    limit: Limit = None,
    design: Annotated[
        Design,
        typer.Option(
            metavar="<design>",
            help="Simulated respondents for reliability over respondents: quick (30 personas), "
            "standard (100), full (50 personas x every instruction x every postamble); none "
            "= the model's own profile only.",
        ),
    ] = "none",
    personas: Personas = None,
    check_text: Annotated[
        int,
        typer.Option(
            min=0,
            help="Also ask K administrations per dimension for a free answer and report its "
            "agreement with the log-probability answer.",
        ),
    ] = 0,
    judge: Annotated[
        str | None,
        typer.Option(
            help="--instrument probes: the model that judges the answers (default: "
            "the measured model itself)."
        ),
    ] = None,
    judge_mode: JudgeMode = "all@once",
    max_tokens: Annotated[
        int, typer.Option(min=16, help="--instrument probes: longest answer, in tokens.")
    ] = 160,
    norms: Annotated[
        Path | None,
        typer.Option(
            help="Human norms (YAML or CSV: per dimension the mean, sd and n of a published "
            "sample on the instrument's scale, with its source): adds z, percentile, Welch's "
            "t and Hedges' g per dimension."
        ),
    ] = None,
    *,
    run: RunOptions,
) -> None:
    """Measure a model's profile on a framework: its questionnaire, scored from the answer
    distribution under 2 option orders x 2 framings x each wording (item + paraphrases), or
    (--instrument probes) its free answers to value-laden questions, scored by a judge."""
    from valuescope import api

    probes = instrument == "probes"
    if run.resume is not None:
        probes = manifest_command(run.resume) == "probes"
    options = {
        "framework": framework, "items": items, "frameworks_dir": frameworks_dir,
        "limit": limit, "samples": samples, "temperature": temperature, "design": design,
        "personas": personas, **run.config_fields(),
    }  # fmt: skip
    if probes:
        reject_likert_options(given_on_command_line(ctx, LIKERT_ONLY))
        job = "--instrument probes asks for free answers and a judge's ratings"
        refuse_likert_only(job, ("--model", run.model), ("--judge", str(judge) if judge else None))
        options |= {"judge": judge, "judge_mode": judge_mode, "max_tokens": max_tokens}
        run_command(ctx, "probes", lambda p: api.aprobes(**options, out=run.out, progress=p),
                    run, print_probes, "answering", plan=print_probes_plan)  # fmt: skip
        return
    probes_only = given_on_command_line(ctx, ["judge", "judge_mode", "max_tokens"])
    if probes_only:
        raise typer.BadParameter(f"{', '.join(probes_only)} apply to --instrument probes")
    options |= {"columns": columns, "scale": scale, "paraphrases": paraphrases,
                "check_text": check_text, "norms": norms}  # fmt: skip
    run_command(ctx, "measure", lambda p: api.ameasure(**options, out=run.out, progress=p),
                run, print_profile, plan=print_plan)  # fmt: skip


SECONDS_PER_EMBEDDED_ANSWER = 0.17
"""The default embedded model on 2 cores (the demo: 360 answers in about 60 s)."""


def print_plan(instrument: LikertInstrument) -> None:
    """Before a run with respondents: how many answers it asks, and roughly how long."""
    if not instrument.respondents:
        return
    d, items = instrument.design_summary(), len(instrument.items)
    answered = items * len(instrument.respondent_conditions)
    own = items * len(instrument.conditions)
    console.print(
        f"design {d.name}: {d.respondents} respondents ({d.personas} personas, "
        f"{d.instructions} instructions, {d.postambles} postambles) x {d.orders} orders x "
        f"{items} items = {answered:,} answers, + {own:,} for the model's own profile",
        highlight=False,
    )
    backend = instrument.config.backend
    if backend == "llamacpp":
        minutes = (answered + own) * SECONDS_PER_EMBEDDED_ANSWER / 60
        console.print(f"about {minutes:.0f} min on the embedded model (2 cores)", style="dim")
    elif backend == "openai":
        console.print("time: see the progress bar's eta once answers arrive", style="dim")


def format_table(results: MeasureResults) -> Table:
    table = row_table(
        "answer-format checks",
        ["value"],
        ("position", "order r", "flag", "text = argmax", "unparsed", "text - expected"),
    )
    for dim, r in results.dimensions.items():
        p, t = r.position, r.text_check
        share = None if p is None else p.share.value
        table.add_row(
            dim,
            fmt(share),
            fmt(None if p is None else p.order_r.value),
            "-" if share is None else position_flag(share),
            f"{t.n_agree}/{t.n_compared}" if t else "-",
            str(t.n_unparseable) if t else "-",
            fmt(t.mean_score_difference.value) if t else "-",
        )
    return table


def position_flag(share: float) -> str:
    """`position` past the verdict's limits, `care`, or `ok`."""
    from valuescope import thresholds

    if share >= thresholds.POSITION_SHARE_NOT:
        return "position"
    return "care" if share >= thresholds.POSITION_SHARE_CARE else "ok"


def respondents_table(results: MeasureResults) -> Table:
    r = results.respondents
    assert r is not None
    d = r.design
    table = row_table(
        f"reliability over {d.respondents} simulated respondents (all three >= "
        f"{r.reliable_at} = reliable)",
        ["value"],
        ("alpha", "lambda6", "omega", "reliable", "mean", "sd", "n", "weak"),
    )
    for dim, result in r.dimensions.items():
        rel = result.reliability
        table.add_row(
            dim,
            ci_cell(rel.alpha),
            ci_cell(rel.lambda6),
            ci_cell(rel.omega),
            "-" if rel.reliable is None else ("yes" if rel.reliable else "no"),
            fmt(result.mean),
            fmt(result.sd),
            str(rel.n_respondents),
            f"{len(result.weak_items)}/{len(result.items)}" if result.items else "-",
        )
    table.caption = intervals_note(r)
    return table


def intervals_note(r: RespondentResults) -> str:
    """What the reliability intervals resample, and that lambda6 is bias-corrected."""
    clusters = [c for d in r.dimensions.values() if (c := d.reliability.n_clusters) is not None]
    over = (
        f"resample the {max(clusters)} personas (respondents of one persona are not independent)"
        if clusters
        else "resample the respondents"
    )
    return f"95% intervals {over}; lambda6 is bias-corrected (jackknife), with a t-interval"


def register(app: typer.Typer) -> None:
    """Add `measure` to `app`."""
    app.command()(measure)
