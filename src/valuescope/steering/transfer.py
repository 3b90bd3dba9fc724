"""Trait transfer: does steering move the questionnaire as it moves behaviour?

The bare model and each steered condition take the framework's shipped questionnaire
(`measure --steering`, `transfer_items` items per dimension, each in its own words under
2 option orders x 2 framings, no paraphrases, in `<steer run>/transfer/<condition>/`); the
table puts, per target value, the questionnaire score beside the judged expression in the
held-out answers. A method that moves one and not the other steers what the model says
about itself, or what it does, but not both.
"""

from __future__ import annotations

from pathlib import Path

from valuescope.engine import ConfigError, Progress, resume, run
from valuescope.frameworks import Framework
from valuescope.instruments.likert.instrument import LikertInstrument, MeasureConfig
from valuescope.instruments.likert.summary import MeasureResults
from valuescope.runs import MANIFEST
from valuescope.steering.artifact import artifact_path
from valuescope.steering.config import SteerConfig
from valuescope.steering.evaluation import BARE
from valuescope.steering.report import TransferRow
from valuescope.steering.summary import EvaluationResults

TRANSFER_DIR = "transfer"


async def _questionnaire(
    config: SteerConfig, framework: Framework, condition: str, out: Path,
    progress: Progress | None,
) -> MeasureResults:  # fmt: skip
    directory = out / TRANSFER_DIR / condition
    if (directory / MANIFEST).is_file():
        finished = await resume(directory, "measure", progress)
    else:
        measure = MeasureConfig(
            **config.model_dump(include={"model", "seed", "min_option_mass", "settings",
                                         "use_cache", "cache_dir"}),
            framework=framework.id, limit=config.transfer_items * len(framework.ids),
            paraphrases=0,
            steering=None if condition == BARE else str(artifact_path(out, condition)),
        )  # fmt: skip
        finished = await run(LikertInstrument(measure), directory, progress)
    assert isinstance(finished.results, MeasureResults)
    return finished.results


async def transfer_table(
    config: SteerConfig, framework: Framework, out: Path,
    evaluation: EvaluationResults | None, progress: Progress | None,
) -> tuple[list[TransferRow], list[str]]:  # fmt: skip
    """(one row per target value, notes). No shipped questionnaire: no rows, a note."""
    conditions = [BARE, *config.methods]
    scores: dict[str, dict[str, float | None]] = {}
    verdicts: list[str] = []
    try:
        for condition in conditions:
            results = await _questionnaire(config, framework, condition, out, progress)
            scores[condition] = {d: r.score for d, r in results.dimensions.items()}
            verdicts.append(f"{condition} {_verdict_of(results)}")
    except ConfigError as exc:
        return [], [f"trait transfer skipped: {exc}"]
    behaviour: dict[str, dict[str, float | None]] = {}
    if evaluation is not None:
        for metrics in evaluation.conditions:
            behaviour[metrics.condition] = {d: s.value for d, s in metrics.expression.items()}
    rows = [
        TransferRow(
            dimension=d,
            priority=p,
            questionnaire={c: scores[c].get(d) for c in conditions},
            behaviour={c: behaviour.get(c, {}).get(d) for c in conditions},
        )
        for d, p in config.target.priorities.items()
    ]
    return rows, [f"trait transfer questionnaire verdicts: {'; '.join(verdicts)}"]


def _verdict_of(results: MeasureResults) -> str:
    """A questionnaire run's verdict in a few words: its level and deciding checks."""
    if results.failure is not None:
        return f"failed ({results.failure})"
    if results.verdict is None:
        return "without a verdict"
    return results.verdict.explained(texts=False)
