"""Behaviour that a hand mutation audit found untested (issue 21): each test here fails when
its piece of code is broken in the way named, and passed on every other test before.

- The MTMM discriminant mean is a mean of |r|: heterotrait-heteromethod correlations that are
  negative count by their size, in the point estimate and in every bootstrap replicate.
- Reverse keying maps a scale onto itself, min + max - x: on a 0-10 scale 0 <-> 10 and
  3 <-> 7 (a scale starting at 1 cannot tell this from max + 1 - x).
- The response cache keys a `choose` by its options too: the same messages asked with two
  option lists reach the backend twice and get two answers.
"""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from helpers.scripted import ScriptedModel
from helpers.stub_server import Reply, completion, stub_server
from valuescope.cli import app
from valuescope.instruments.likert import Condition, score_choice
from valuescope.instruments.likert.format_checks import text_check
from valuescope.instruments.likert.items import Item, ResponseScale
from valuescope.models import CachedModel, Choice, Message, ResponseCache, get_model, user
from valuescope.stats import mtmm

# --- MTMM: negative cross-trait correlations ---------------------------------------------------

LATENT_CORRELATION = np.array([[1.0, -0.5, 0.3], [-0.5, 1.0, -0.4], [0.3, -0.4, 1.0]])
"""Three traits, two pairs negatively correlated and one positively: the heterotrait-
heteromethod r are about -0.4, +0.24 and -0.32, so their mean |r| (about 0.32) differs from
their mean (about -0.16) and from its absolute value."""
TRAITS = ("x", "y", "z")


def negatively_related_scores() -> tuple[np.ndarray, np.ndarray]:
    """300 respondents' scores on two instruments (columns = traits), each trait measured
    with reliability 0.8 by both."""
    rng = np.random.default_rng(7)
    n = 300
    latent = rng.multivariate_normal(np.zeros(3), LATENT_CORRELATION, size=n)
    a = latent + 0.5 * rng.standard_normal((n, 3))
    b = latent + 0.5 * rng.standard_normal((n, 3))
    return a, b


def gap_of(a: np.ndarray, b: np.ndarray) -> float:
    """Mean convergent r minus mean |r| of the heterotrait-heteromethod pairs (numpy)."""
    r = np.corrcoef(a.T, b.T)[:3, 3:]
    off = ~np.eye(3, dtype=bool)
    return float(np.diag(r).mean() - np.abs(r[off]).mean())


def test_mtmm_discriminant_mean_takes_negative_correlations_by_their_size() -> None:
    a, b = negatively_related_scores()
    result = mtmm(
        {t: a[:, i] for i, t in enumerate(TRAITS)},
        {t: b[:, i] for i, t in enumerate(TRAITS)},
    )
    r = np.corrcoef(a.T, b.T)[:3, 3:]
    hetero = r[~np.eye(3, dtype=bool)]
    assert (hetero < -0.25).sum() == 4 and (hetero > 0.15).sum() == 2  # the data are as meant
    # Within a bias correction's size (|r| is far from 0 here, so any correction is small);
    # without the absolute value, or with it taken after the mean, it is off by > 0.15.
    discriminant, convergent = result.mean_discriminant.value, result.mean_convergent.value
    assert discriminant == pytest.approx(np.abs(hetero).mean(), abs=0.01)
    assert convergent == pytest.approx(np.diag(r).mean(), abs=1e-9)
    gap = result.discriminant_gap
    assert gap.value is not None and convergent is not None and discriminant is not None
    assert gap.uncorrected == pytest.approx(gap_of(a, b), abs=1e-9)
    assert gap.uncorrected == pytest.approx(convergent - discriminant, abs=1e-9)
    assert gap.value == pytest.approx(gap.uncorrected, abs=0.01)  # the jackknife correction
    # The interval is built from leave-one-out values of the same statistic: it holds the
    # estimate and agrees with a percentile bootstrap of mean convergent r - mean |r| here.
    rng = np.random.default_rng(1)
    replicates = [gap_of(a[rows], b[rows]) for rows in rng.integers(0, len(a), size=(2000, len(a)))]
    low, high = np.percentile(replicates, [2.5, 97.5])
    assert gap.ci_low is not None and gap.ci_high is not None
    assert gap.ci_low <= gap.value <= gap.ci_high
    assert gap.ci_low == pytest.approx(low, abs=0.03)
    assert gap.ci_high == pytest.approx(high, abs=0.03)


# --- reverse keying on a scale that starts at 0 ------------------------------------------------

ZERO_TO_TEN = ResponseScale(
    points=11,
    minimum=0,
    stem="How well does this describe you?",
    anchors=["not at all", *(str(k) for k in range(1, 10)), "exactly"],
)


def on_point(point: int) -> Choice:
    """All probability on the label of scale point `point` (ascending order: label point+1)."""
    options = [str(k) for k in range(1, 12)]
    return Choice(
        options=options,
        probs=[1.0 if k == point else 0.0 for k in range(11)],
        option_mass=1.0,
        method="logprobs",
    )


@pytest.mark.parametrize("sampled", [False, True])
def test_reverse_keying_mirrors_a_zero_to_ten_scale(sampled: bool) -> None:
    forward = Item(id="f", dimension="extraversion", text="I talk a lot.", polarity=1)
    reverse = Item(id="r", dimension="extraversion", text="I keep quiet.", polarity=-1)
    asc = Condition("asc", "none")
    sampling = (1.0, 0) if sampled else None
    for point, mirrored in [(0, 10), (3, 7), (5, 5), (7, 3), (10, 0)]:
        kept = score_choice(forward, ZERO_TO_TEN, asc, [], on_point(point), 0.25, sampling)
        turned = score_choice(reverse, ZERO_TO_TEN, asc, [], on_point(point), 0.25, sampling)
        assert kept.score == pytest.approx(point)
        assert turned.score == pytest.approx(mirrored)
        assert turned.expected_raw == pytest.approx(point)  # agreement is not reversed


def test_free_text_answers_are_reverse_keyed_like_the_distribution() -> None:
    """`--check-text` scores a free answer as the distribution is scored: a reverse-keyed
    item answered "3" on 0-10 scores 7, and the text - expected difference is 0 when the
    free answer names the point the distribution holds."""
    reverse = Item(id="r", dimension="extraversion", text="I keep quiet.", polarity=-1)
    forward = Item(id="f", dimension="extraversion", text="I talk a lot.", polarity=1)
    samples = [
        score_choice(item, ZERO_TO_TEN, Condition("asc", "none"), [], on_point(3), 0.25)
        for item in (reverse, forward)
    ]
    answered = [s.model_copy(update={"text_answer": "4", "text_label": "4"}) for s in samples]
    check = text_check(answered, ZERO_TO_TEN)
    assert check is not None and check.n_agree == 2
    assert check.mean_score_difference.value == pytest.approx(0.0)


MIRRORED_ITEMS = """\
id,text,dimension,polarity
e1,I am the life of every party I go to.,extraversion,1
e2,I keep quiet around people I do not know.,extraversion,-1
n1,I worry about things that may never happen.,neuroticism,1
n2,I stay calm when things go wrong.,neuroticism,R
"""
ZERO_TO_TEN_FILE = """\
points: 11
minimum: 0
stem: How well does this describe you?
anchors: [not at all, "1", "2", "3", "4", somewhat, "6", "7", "8", "9", exactly]
"""


def grm_expected_point(theta: float, a: float, thresholds: list[float], minimum: int) -> float:
    """Expected scale point of Samejima's GRM, written out here (not the backend's)."""
    at_least = [1.0, *(1.0 / (1.0 + math.exp(-a * (theta - b))) for b in thresholds), 0.0]
    return sum((minimum + k) * (at_least[k] - at_least[k + 1]) for k in range(len(at_least) - 1))


def test_a_users_zero_to_ten_file_scores_reverse_items_as_mirror_images(tmp_path: Path) -> None:
    """`measure --model sim --items FILE` on a 0-10 scale. The simulated respondent answers a
    reverse-keyed item as the mirror image of a keyed one of the same trait (no residual,
    thresholds symmetric about 0, no acquiescence), so after reverse keying both score the
    same, the dimension score is the keyed item's expected point, and the balanced agreement
    sits at the scale's midpoint 5."""
    (tmp_path / "mine.csv").write_text(MIRRORED_ITEMS, encoding="utf-8")
    (tmp_path / "mine.scale.yaml").write_text(ZERO_TO_TEN_FILE, encoding="utf-8")
    design = tmp_path / "design.yaml"
    design.write_text(
        "frameworks: [bigfive]\nitem_files:\n  - {path: mine.csv, framework: bigfive}\n"
        "item_residual_sd: 0\nthreshold_jitter: 0\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        ["measure", "--model", f"sim:{design}", "--framework", "bigfive", "--items",
         str(tmp_path / "mine.csv"), "--paraphrases", "0", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert (results["scale"]["minimum"], results["scale"]["points"]) == (0, 11)
    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 16 and all(s["valid"] for s in samples)
    for s in samples:
        mirrored = s["expected_raw"] if s["polarity"] == 1 else 10.0 - s["expected_raw"]
        assert s["score"] == pytest.approx(mirrored, abs=1e-9)
    from valuescope.sim import SimModel

    truth = SimModel.from_file(design).true_traits("self", framework="bigfive")
    thresholds = list(np.linspace(-2.0, 2.0, 10))
    for dimension in ("extraversion", "neuroticism"):
        item_scores = {s["item_id"]: s["score"] for s in samples if s["dimension"] == dimension}
        assert len(set(np.round(list(item_scores.values()), 9))) == 1  # keyed = reverse-keyed
        assert results["dimensions"][dimension]["score"] == pytest.approx(
            grm_expected_point(truth[dimension], 1.5, thresholds, 0), abs=1e-9
        )
    assert results["overall"]["acquiescence"]["balanced_agreement"] == pytest.approx(5.0)
    [reason] = [r for r in results["verdict"]["reasons"] if r["check"] == "acquiescence"]
    assert reason["figures"]["offset"] == pytest.approx(0.0, abs=1e-9)
    assert "midpoint 5" in reason["text"]


# --- the response cache keys a choice by its options ------------------------------------------


def test_one_question_with_two_option_lists_reaches_the_backend_twice(tmp_path: Path) -> None:
    """Same messages, other options: a second request, not the first one's cached answer
    (which would name options that were not asked); asked again, each is a cache hit."""

    def script(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
        return ([0.9, 0.1] if options == ["Yes", "No"] else [0.2, 0.3, 0.5]), 1.0

    backend = ScriptedModel(script)
    model = CachedModel(backend, ResponseCache(tmp_path / "cache"))
    question = [user("Do you agree?")]
    two, three = ["Yes", "No"], ["Yes", "Maybe", "No"]

    async def ask(options: list[str]) -> Choice:
        return await model.choose(question, options)

    first, second = asyncio.run(ask(two)), asyncio.run(ask(three))
    assert backend.calls == 2
    assert (first.options, first.probs) == (two, [0.9, 0.1])
    assert (second.options, second.probs) == (three, [0.2, 0.3, 0.5])
    again = [asyncio.run(ask(two)), asyncio.run(ask(three))]
    assert backend.calls == 2 and all(c.cached for c in again)
    assert [c.probs for c in again] == [[0.9, 0.1], [0.2, 0.3, 0.5]]

    # At once, on an empty cache: neither waits for the other's answer.
    fresh = ScriptedModel(script)
    together = CachedModel(fresh, ResponseCache(tmp_path / "fresh"))

    async def both() -> tuple[Choice, Choice]:
        return await asyncio.gather(
            together.choose(question, two), together.choose(question, three)
        )

    answers = asyncio.run(both())
    assert fresh.calls == 2 and [c.options for c in answers] == [two, three]


def test_a_server_is_asked_again_for_other_options(tmp_path: Path) -> None:
    """Through `get_model` (the cache users get) and the OpenAI-compatible backend over real
    HTTP: the server sees the same request twice and the two answers renormalise its
    log-probabilities over each list."""
    logprobs = [("1", math.log(0.5)), ("2", math.log(0.3)), ("3", math.log(0.1))]

    def answer(body: dict[str, Any], number: int) -> Reply:
        return 200, completion("1", logprobs)

    with stub_server(answer) as (url, received):
        model = get_model(f"openai:stub@{url}", cache_dir=tmp_path / "cache")

        async def ask() -> list[Choice]:
            try:
                question = [user("Pick a number.")]
                low = await model.choose(question, ["1", "2"])
                high = await model.choose(question, ["2", "3"])
                return [low, high, await model.choose(question, ["1", "2"])]
            finally:
                await model.backend.aclose()

        low, high, repeated = asyncio.run(ask())
    assert len(received) == 2 and received[0]["messages"] == received[1]["messages"]
    assert low.probs == pytest.approx([0.625, 0.375]) and low.option_mass == pytest.approx(0.8)
    assert high.probs == pytest.approx([0.75, 0.25]) and high.option_mass == pytest.approx(0.4)
    assert repeated.cached and repeated.probs == low.probs
    assert model.usage.model_calls == 2 and model.usage.cache_hits == 1


def test_the_embedded_model_is_asked_again_for_other_options(gguf: Path, tmp_path: Path) -> None:
    """The same through the embedded llama.cpp model (a real forward pass per request): the
    second option list is scored by the model, not read back from the first one's entry."""
    model = get_model("llamacpp", cache_dir=tmp_path / "cache")
    question = [user("Is the sky blue? Answer Yes or No.")]

    async def ask() -> list[Choice]:
        try:
            return [
                await model.choose(question, ["Yes", "No"]),
                await model.choose(question, ["No", "Maybe"]),
                await model.choose(question, ["No", "Maybe"]),
            ]
        finally:
            await model.backend.aclose()

    yes_no, no_maybe, again = asyncio.run(ask())
    assert model.usage.model_calls == 2 and model.usage.cache_hits == 1
    assert yes_no.options == ["Yes", "No"] and no_maybe.options == ["No", "Maybe"]
    assert not no_maybe.cached and again.cached and again.probs == no_maybe.probs
    assert no_maybe.option_mass != pytest.approx(yes_no.option_mass)
