"""What the parts share: running the sim through the engine, the files a run reads, and the
direct route the population values come from.

Running. `run_sim` is one `valuescope.measure` run on `sim:DESIGN.yaml` (response cache
off, `--paraphrases 0`, a temporary run directory), as `valuescope measure --model
sim:DESIGN.yaml --framework bigfive --personas FILE` would. `write_personas` and
`write_design` write the files it reads; `replicate` is the loop of parts (a), (b) and (d):
per replication a fresh persona file (so fresh trait draws), then a progress note.

Population values (the direct route). The sim's answers are deterministic: with no position
bias and no noise, respondent r's expected score on item i is the GRM's expected scale
point at `SimModel.item_trait(r, bank, item)` (the trait plus r's residual on i),
reverse-keyed, in both option orders. So the population is N_pop respondents (default
5,000) whose respondents x items matrix is computed from `true_parameters()` and
`item_trait()` without prompts (running the engine on a pool of 5,000 personas would cost
minutes: the sim looks for every pool text in every prompt); the statistics are the same
functions the engine's summary calls (`cronbach_alpha`, `guttman_lambda6`,
`mcdonald_omega`, Pearson r). Parts (a) and (b) check the route: the matrix it computes for
the first replication's respondents equals the engine's (`engine_vs_direct`, printed as the
max |difference|); part (c)'s predictions are the same route with the response styles
applied.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

import valuescope
from valuescope.instruments.likert import MeasureResults
from valuescope.instruments.likert.respondent_summary import respondent_matrix
from valuescope.instruments.likert.scoring import LikertSample
from valuescope.respondents import load_personas
from valuescope.sim import ItemParameters, SimModel
from valuescope.stats import CIStat, cronbach_alpha, guttman_lambda6, mcdonald_omega

Matrix = np.ndarray[Any, np.dtype[np.float64]]

BIG_FIVE = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
STATISTICS = ("alpha", "lambda6", "omega")
RULE = 0.70
"""The all-three rule's threshold (`respondent_summary.RELIABLE_AT`)."""

RELIABILITY_DESIGN: dict[str, Any] = {
    "seed": 2,
    "frameworks": ["bigfive"],
    "discrimination": 1.2,
    "discrimination_sd": 0.3,
    "item_residual_sd": 1.5,
    "threshold_jitter": 0.3,
}


# -- running the sim through the engine -------------------------------------------------------


class _Collect:
    """A `Progress` that keeps every sample as the engine scores it (no re-reading)."""

    def __init__(self) -> None:
        self.samples: list[LikertSample] = []

    def start(self, total: int, already_done: int, directory: Path) -> None:
        return None

    def advance(self, sample: Any, model: Any) -> None:
        self.samples.append(sample)


def run_sim(design: Path, out: Path, **options: Any) -> tuple[MeasureResults, list[LikertSample]]:
    """One `measure` run on `sim:design` (cache off, no paraphrases): results and samples.
    The run directory is removed afterwards (its samples.jsonl is megabytes)."""
    collect = _Collect()
    options.setdefault("framework", "bigfive")
    run = valuescope.measure(
        f"sim:{design}", out=out, progress=collect, use_cache=False, paraphrases=0, **options
    )
    shutil.rmtree(out, ignore_errors=True)
    results = run.results
    assert isinstance(results, MeasureResults)
    return results, collect.samples


def write_personas(path: Path, tag: str, n: int) -> list[str]:
    """`n` distinct persona texts, one a line ("I am respondent a007-00012."): the sim draws
    a respondent's traits from the text, so any distinct texts make distinct respondents. No
    text contains another (fixed width), as the sim's longest-match lookup needs."""
    texts = persona_texts(tag, n)
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    return texts


def persona_texts(tag: str, n: int) -> list[str]:
    return [f"I am respondent {tag}-{i:05d}." for i in range(n)]


def write_design(path: Path, settings: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return path


def replicate(
    folder: Path,
    part: str,
    replications: int,
    respondents: int,
    progress: Callable[[str], None] | None = None,
) -> Iterator[tuple[int, Path]]:
    """The replication loop of parts (a), (b) and (d): for r = 0..replications-1, writes a
    fresh persona file of `respondents` texts (`personas_{r:03d}.txt`, tagged with the part
    and r, so every replication draws new traits) and yields (r, that file); once the
    caller's loop body is done, reports "(part) replication r+1/replications"."""
    for r in range(replications):
        personas = folder / f"personas_{r:03d}.txt"
        write_personas(personas, f"{part}{r:03d}", respondents)
        yield r, personas
        if progress is not None:
            progress(f"({part}) replication {r + 1}/{replications}")


# -- the direct route: expected scores from the true parameters ---------------------------------


def _grm_categories(location: Matrix, parameters: Sequence[ItemParameters]) -> Matrix:
    """P(category k), k = 0..K-1, for respondents x items locations (polarity * trait +
    acquiescence): Samejima's GRM written out from the sim's documented model."""
    a = np.array([p.discrimination for p in parameters])
    b = np.array([p.thresholds for p in parameters])
    at_least = 1.0 / (1.0 + np.exp(-a[None, :, None] * (location[:, :, None] - b[None])))
    ones = np.ones((*location.shape, 1))
    cumulative = np.concatenate([ones, at_least, np.zeros_like(ones)], axis=2)
    probs: Matrix = np.maximum(cumulative[..., :-1] - cumulative[..., 1:], 0.0)
    return probs


def item_traits(
    model: SimModel, personas: Sequence[str | None], bank: str
) -> tuple[list[ItemParameters], Matrix]:
    """The bank's items (its order) and the respondents x items traits they are answered
    with (`SimModel.item_trait`: the trait plus the respondent's residual on the item)."""
    parameters = [p for p in model.true_parameters().items if p.bank == bank]
    traits = np.array(
        [[model.item_trait(who, bank, p.item_id) for p in parameters] for who in personas]
    )
    return parameters, traits


def expected_scores(
    model: SimModel, personas: Sequence[str | None], bank: str
) -> tuple[list[ItemParameters], Matrix]:
    """The items and the respondents x items reverse-keyed expected scores the sim's
    answers give (valid without position bias, noise or pure noise: then both option orders
    give the same expectation, and the engine's cell, their mean, is this value)."""
    config = model.config
    assert not (config.position_bias or config.noise or config.pure_noise)
    parameters, traits = item_traits(model, personas, bank)
    polarity = np.array([p.polarity for p in parameters])
    probs = _grm_categories(polarity * traits + config.acquiescence, parameters)
    points = np.arange(1, probs.shape[2] + 1)  # scale points of a scale starting at 1
    raw = probs @ points
    scores: Matrix = np.where(polarity == 1, raw, probs.shape[2] + 1 - raw)
    return parameters, scores


def by_dimension(parameters: Sequence[ItemParameters]) -> dict[str, list[int]]:
    """Dimension -> its columns, in the order of the item ids (as the engine sorts them)."""
    columns: dict[str, list[int]] = {}
    for j in sorted(range(len(parameters)), key=lambda j: parameters[j].item_id):
        columns.setdefault(parameters[j].dimension, []).append(j)
    return columns


def point_statistics(matrix: Matrix) -> dict[str, float]:
    """alpha, lambda6 and omega of a respondents x items matrix (the engine's functions)."""
    values = {
        "alpha": cronbach_alpha(matrix).value,
        "lambda6": guttman_lambda6(matrix).value,
        "omega": mcdonald_omega(matrix).value,
    }
    return {k: float("nan") if v is None else v for k, v in values.items()}


def engine_vs_direct(
    samples: Sequence[LikertSample], model: SimModel, personas_file: Path, bank: str
) -> float:
    """Max |engine cell - direct expected score| over the respondents of one run."""
    text = {p.id: p.text for p in load_personas(personas_file)}
    worst = 0.0
    parameters = [p for p in model.true_parameters().items if p.bank == bank]
    for dimension, columns in by_dimension(parameters).items():
        item_ids = [parameters[j].item_id for j in columns]
        mine = [s for s in samples if s.dimension == dimension and s.respondent is not None]
        ids, engine = respondent_matrix(mine, item_ids)
        who = [text[r.split("/")[0]] for r in ids]
        _, direct = expected_scores(model, who, bank)
        worst = max(worst, float(np.nanmax(np.abs(engine - direct[:, columns]))))
    return worst


# -- small helpers --------------------------------------------------------------------------


def _value(stat: CIStat) -> float:
    return math.nan if stat.value is None else stat.value


def _width(stat: CIStat) -> float:
    if stat.ci_low is None or stat.ci_high is None:
        return math.nan
    return stat.ci_high - stat.ci_low


def _covers(stat: CIStat, truth: float) -> bool:
    return (
        stat.ci_low is not None
        and stat.ci_high is not None
        and (stat.ci_low <= truth <= stat.ci_high)
    )


def _num(value: float | None) -> float:
    return math.nan if value is None else value


def _mean(values: dict[str, float]) -> float:
    return float(np.mean(list(values.values())))
