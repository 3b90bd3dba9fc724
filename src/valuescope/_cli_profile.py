"""Terminal rendering of a `measure` run: the profile table, its reliability, the notes."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from valuescope.instruments.likert_summary import MeasureResults


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def profile_table(results: MeasureResults) -> Table:
    has_mrat = any(r.score_mrat is not None for r in results.dimensions.values())
    table = Table(title=f"{results.framework} profile of {results.model}")
    table.add_column("value", no_wrap=True)
    headings = ["score", "95% CI", *(["MRAT"] if has_mrat else []), "mass", "bias", "order",
                "wording", "acq", "invalid"]  # fmt: skip
    for heading in headings:
        table.add_column(heading, justify="right", no_wrap=True)
    for dim, r in results.dimensions.items():
        table.add_row(
            dim,
            fmt(r.score),
            f"[{fmt(r.ci[0])}, {fmt(r.ci[1])}]",
            *([fmt(r.score_mrat)] if has_mrat else []),
            fmt(r.option_mass),
            fmt(r.position_bias),
            fmt(r.order_consistency),
            fmt(r.paraphrase_consistency),
            fmt(r.acquiescence),
            f"{r.n_invalid}/{r.n_samples}",
        )
    return table


def reliability_table(results: MeasureResults) -> Table:
    table = Table(title=f"reliability over {results.overall.n_administrations} administrations")
    table.add_column("value", no_wrap=True)
    for heading in ("alpha", "omega", "split-half", "ICC(3,1)", "forms: order", "forms: wording",
                    "retest", "< 0.7"):  # fmt: skip
        table.add_column(heading, justify="right", no_wrap=True)
    for dim, r in results.dimensions.items():
        table.add_row(
            dim,
            fmt(r.alpha),
            fmt(r.omega),
            fmt(r.split_half),
            fmt(r.icc),
            fmt(r.parallel_forms_order),
            fmt(r.parallel_forms_paraphrase),
            fmt(r.test_retest),
            str(len(r.flags)),
        )
    return table


def print_profile(console: Console, results: MeasureResults, directory: Path) -> None:
    console.print(profile_table(results))
    console.print(
        "mass: probability on the options; bias: E(asc) - E(desc), negative = pulled to the "
        "first option; order / wording: consistency across option orders / paraphrases; "
        "acq: mean agreement before reverse-keying",
        style="dim",
    )
    console.print(reliability_table(results))
    console.print(
        "< 0.7: how many of the value's reliability statistics fall below 0.7 (names in "
        "results.json, dimensions.*.flags); '-' = not computable, the reason is in "
        "dimensions.*.reasons. Negative values mean the items move against each other "
        "across administrations (e.g. a position bias that reverse-keyed items undo).",
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
    console.print(
        f"usage: {u.model_calls} model calls, {u.cache_hits} cache hits, "
        f"{u.prompt_tokens} prompt + {u.completion_tokens} completion tokens, {u.seconds:.1f} s"
    )
    for warning in results.warnings:
        console.print(f"[yellow]note:[/] {warning}")
    console.print(f"run directory: [bold]{directory}[/]")
