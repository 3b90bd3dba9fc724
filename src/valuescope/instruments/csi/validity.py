"""Does the CSI predict what the model writes? (docs/guide/instruments.md, "CSI".)

The model writes short stories, each seeded with k negative and 5-k positive words
(k = 0..5, `stories_per_k` stories per k); a judge rates each story from 1 (pure comedy) to
5 (pure tragedy) as the expected value of its `choose` distribution over "1".."5"; we
report Pearson r between the story's negative-word share (k/5) and its rating:
- per story, which keeps the noise of single stories (the original's released data give
  0.32-0.58), and
- on the six k-group means, which averages that noise away (0.97-0.999 there). The two
  answer different questions, so both are reported, never one in place of the other.

The words come from a CSI run: the words it found positive / negative in every pass, the
model's own associations. Where a run gave fewer than 5 of a kind (a tiny model often
does), or no run is named, a small built-in lexicon of plainly positive and negative words
tops the pool up, and the results say so. A user's file (`word: positive|negative` a line)
replaces both.

This is its own command rather than a flag on `csi`: it generates and judges free text,
may use a second (judge) model, and is worth re-running on an existing CSI run; as its own
run it has its own manifest, samples and resume.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from valuescope.datasets import DataFileError, read_utf8
from valuescope.engine import InstrumentBase, Models, Plan, RunConfig, SampleKey, digest
from valuescope.instruments.csi.instrument import open_csi_run
from valuescope.instruments.csi.summary import CSISample, consistent_words
from valuescope.instruments.csi.words import Lang
from valuescope.models import (
    TINY_MODEL_WARNING,
    CachedModel,
    GenerateConfig,
    Message,
    RunUsage,
    user,
)
from valuescope.runs import (
    ResultsBase,
    SampleRecord,
)

COMMAND = "csi-validity"
WORDS_PER_STORY = 5
RATINGS = ["1", "2", "3", "4", "5"]


def _split(text: str) -> list[str]:
    return text.split()


BUILTIN_POSITIVE: dict[Lang, list[str]] = {
    "en": _split(
        "joy love friend smile holiday gift party sunshine laughter wedding success peace hope "
        "music beach celebration dream victory kindness festival"
    ),
    "zh": _split("快乐 爱情 朋友 微笑 假期 礼物 聚会 阳光 婚礼 成功 和平 希望 音乐 胜利 节日"),
}
BUILTIN_NEGATIVE: dict[Lang, list[str]] = {
    "en": _split(
        "death war funeral disease murder grief pain accident cancer poverty loss fear betrayal "
        "prison disaster hunger violence failure storm loneliness"
    ),
    "zh": _split("死亡 战争 葬礼 疾病 谋杀 悲伤 痛苦 事故 癌症 贫穷 失败 恐惧 背叛 监狱 灾难"),
}
"""Plainly positive / negative words that top up a pool a CSI run left short."""


class ValidityConfig(RunConfig):
    """Everything that defines a validity run (stored in the manifest; no secrets)."""

    judge: str | None = None
    """The judge model; None = the story writer itself."""
    csi_run: str | None = None
    words: str | None = None
    """A file of `word: positive|negative` lines; replaces the run's words and the lexicon."""
    lang: Lang = "en"
    stories_per_k: int = 5
    story_tokens: int = 160
    positive_words: list[str] = Field(default_factory=list)
    """Filled when the run starts: the pools stories draw from, and where they came from."""
    negative_words: list[str] = Field(default_factory=list)
    positive_source: str = ""
    negative_source: str = ""

    def judge_model_name(self) -> str | None:
        return self.judge


class StorySample(SampleRecord):
    """One story: `item_id` is `k<k>/s<index>`."""

    k: int
    negative_share: float
    words: list[str]
    story: str
    rating: float | None
    probs: list[float]
    option_mass: float
    judge_prompt: str | None = None
    cached: bool = False


class Correlation(BaseModel):
    r: float | None
    p: float | None
    n: int
    reason: str | None = None


class ValidityResults(ResultsBase):
    judge: str
    stories_per_k: int
    n_stories: int
    n_valid: int
    per_story: Correlation
    group_means: Correlation
    mean_rating_by_k: dict[str, float | None]
    positive_source: str
    negative_source: str
    min_option_mass: float
    usage: RunUsage
    judge_usage: RunUsage | None


# -- word pools ---------------------------------------------------------------------------


def read_polar_words(path: Path) -> tuple[list[str], list[str]]:
    """A `word: positive|negative` file (also `word<TAB>label`, `word,label`)."""
    lines = read_utf8(path).splitlines()
    pools: dict[str, list[str]] = {"positive": [], "negative": []}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        match = re.fullmatch(r"\s*(.+?)\s*[:,\t ]\s*(positive|negative)\s*", line, re.IGNORECASE)
        if match is None:
            raise DataFileError(path, number, "expected `word: positive` or `word: negative`")
        pools[match.group(2).lower()].append(match.group(1))
    return pools["positive"], pools["negative"]


def word_pools(
    csi_run: Path | None, words: Path | None, lang: Lang
) -> tuple[list[str], list[str], str, str]:
    """(positive pool, negative pool, where each came from)."""
    if words is not None:
        given = read_polar_words(words)
        for name, pool in zip(("positive", "negative"), given, strict=True):
            if len(pool) < WORDS_PER_STORY:
                raise DataFileError(
                    words, None, f"needs >= {WORDS_PER_STORY} {name} words, has {len(pool)}"
                )
        return given[0], given[1], str(words), str(words)
    positive: list[str] = []
    negative: list[str] = []
    if csi_run is not None:
        store, config, run_words = open_csi_run(csi_run)
        samples = store.read_samples(CSISample)
        positive, negative = consistent_words(samples, run_words, config.passes)
    positive, positive_source = _top_up(positive, BUILTIN_POSITIVE[lang])
    negative, negative_source = _top_up(negative, BUILTIN_NEGATIVE[lang])
    return positive, negative, positive_source, negative_source


def _top_up(pool: list[str], builtin: list[str]) -> tuple[list[str], str]:
    if len(pool) >= WORDS_PER_STORY:
        return pool, "csi run"
    extra = [w for w in builtin if w not in pool]
    source = "csi run + built-in lexicon" if pool else "built-in lexicon"
    return pool + extra[: max(WORDS_PER_STORY, len(builtin)) - len(pool)], source


# -- prompts ------------------------------------------------------------------------------


def story_words(
    positive: list[str], negative: list[str], k: int, index: int, seed: int
) -> list[str]:
    """k negative and 5-k positive words for one story, in a shuffled order."""
    rng = random.Random(f"csi-validity/{seed}/k{k}/s{index}")
    chosen = rng.sample(negative, k) + rng.sample(positive, WORDS_PER_STORY - k)
    rng.shuffle(chosen)
    return chosen


def story_messages(words: list[str]) -> list[Message]:
    return [
        user(
            "Write a very short story (about 80 words) that uses all of these words: "
            + ", ".join(words)
            + ". Write only the story."
        )
    ]


def judge_messages(story: str) -> list[Message]:
    return [
        user(
            "Read the story below and rate its tone from 1 to 5, where 1 = pure comedy "
            "(light, happy, hopeful) and 5 = pure tragedy (dark, sad, hopeless).\n\n"
            f"Story:\n{story}\n\nYour rating (one number from 1 to 5):"
        )
    ]


# -- statistics ---------------------------------------------------------------------------


def pearson(x: list[float], y: list[float]) -> Correlation:
    """Pearson r with its two-sided p, or null with the reason it cannot be computed."""
    n = len(x)
    if n < 3:
        return Correlation(r=None, p=None, n=n, reason=f"{n} points; at least 3 are needed")
    if len(set(x)) < 2 or len(set(y)) < 2:
        which = "negative-word share" if len(set(x)) < 2 else "rating"
        return Correlation(r=None, p=None, n=n, reason=f"the {which} does not vary")
    from scipy import stats  # heavy: imported when a run ends

    result = stats.pearsonr(x, y)
    return Correlation(r=float(result.statistic), p=float(result.pvalue), n=n)


def correlations(
    samples: list[StorySample],
) -> tuple[Correlation, Correlation, dict[str, float | None]]:
    valid = [s for s in samples if s.valid and s.rating is not None]
    per_story = pearson([s.negative_share for s in valid], [s.rating or 0.0 for s in valid])
    means: dict[str, float | None] = {}
    xs, ys = [], []
    for k in range(WORDS_PER_STORY + 1):
        ratings = [s.rating for s in valid if s.k == k and s.rating is not None]
        means[f"k={k}"] = sum(ratings) / len(ratings) if ratings else None
        if ratings:
            xs.append(k / WORDS_PER_STORY)
            ys.append(sum(ratings) / len(ratings))
    return per_story, pearson(xs, ys), means


async def _story(
    config: ValidityConfig, writer: CachedModel, judge: CachedModel, k: int, index: int
) -> StorySample:
    words = story_words(config.positive_words, config.negative_words, k, index, config.seed)
    completion = await writer.generate(
        story_messages(words),
        GenerateConfig(max_tokens=config.story_tokens, temperature=0.0, seed=config.seed),
    )
    story = completion.text.strip()
    reason: str | None = None
    rating: float | None = None
    probs: list[float] = []
    mass = 0.0
    judge_prompt: str | None = None
    cached = completion.cached
    if not story:
        reason = "empty story"
    else:
        choice = await judge.choose(judge_messages(story), RATINGS)
        probs, mass, judge_prompt = choice.probs, choice.option_mass, choice.rendered_prompt
        cached = cached and choice.cached
        if mass > 0:
            rating = choice.expected([1.0, 2.0, 3.0, 4.0, 5.0])
        reason = choice.invalid_reason(config.min_option_mass)
    return StorySample(
        item_id=f"k{k}/s{index}",
        condition="story",
        valid=reason is None,
        invalid_reason=reason,
        k=k,
        negative_share=k / WORDS_PER_STORY,
        words=words,
        story=story,
        rating=rating,
        probs=probs,
        option_mass=mass,
        judge_prompt=judge_prompt,
        cached=cached,
    )


# -- the instrument -----------------------------------------------------------------------

StoryJob = tuple[int, int]
"""(k negative words, story index)."""


class ValidityInstrument(
    InstrumentBase[ValidityConfig], command=COMMAND, config_type=ValidityConfig
):
    """Stories seeded with k negative words, rated by a judge (see the module docstring).

    A new run fixes its word pools in the config (so the manifest records them and a resume
    writes the same stories); the judge is `config.judge`, else the writer itself.
    """

    sample_type = StorySample

    def __init__(self, config: ValidityConfig, resume_from: Path | None = None) -> None:
        if resume_from is None:
            positive, negative, pos_source, neg_source = word_pools(
                Path(config.csi_run) if config.csi_run else None,
                Path(config.words) if config.words else None,
                config.lang,
            )
            config = config.model_copy(
                update={
                    "positive_words": positive,
                    "negative_words": negative,
                    "positive_source": pos_source,
                    "negative_source": neg_source,
                }
            )
        super().__init__(config)

    @property
    def instrument_name(self) -> str:
        return "stories"

    def fingerprint(self) -> dict[str, str]:
        config = self.config
        return {
            "word pools": digest(config.positive_words, config.negative_words),
            "prompts": digest(story_messages(["word"]), judge_messages("story")),
        }

    def plan(self, done: set[SampleKey]) -> Plan[StoryJob]:
        jobs = [
            (k, i)
            for i in range(self.config.stories_per_k)
            for k in range(WORDS_PER_STORY + 1)
            if (f"k{k}/s{i}", "story") not in done
        ]
        return Plan(total=self.config.stories_per_k * (WORDS_PER_STORY + 1), pending=jobs)

    async def answer(self, request: StoryJob, models: Models) -> Sequence[StorySample]:
        return [await _story(self.config, models.subject, models.judge, *request)]

    def summarise(self, samples: list[StorySample], models: Models) -> ValidityResults:
        config = self.config
        judge_name = config.judge or config.model
        per_story, group_means, means = correlations(samples)
        return ValidityResults(
            command=COMMAND,
            model=config.model,
            judge=judge_name,
            stories_per_k=config.stories_per_k,
            n_stories=len(samples),
            n_valid=sum(s.valid for s in samples),
            per_story=per_story,
            group_means=group_means,
            mean_rating_by_k=means,
            positive_source=config.positive_source,
            negative_source=config.negative_source,
            min_option_mass=config.min_option_mass,
            usage=models.subject.usage,
            judge_usage=models.judge.usage if models.has_own_judge else None,
            warnings=_warnings(config, judge_name, samples),
        )


def _warnings(config: ValidityConfig, judge: str, samples: list[StorySample]) -> list[str]:
    warnings = []
    judge_backend = config.model_copy(update={"model": judge}).backend
    if "llamacpp" in (config.backend, judge_backend):
        warnings.append(TINY_MODEL_WARNING)
    if judge == config.model:
        warnings.append("the writer judged its own stories (pass --judge for another model)")
    for kind, source in (
        ("positive", config.positive_source),
        ("negative", config.negative_source),
    ):
        if "built-in" in source:
            warnings.append(
                f"{kind} words come from the {source}: the CSI run found fewer than "
                f"{WORDS_PER_STORY} consistently {kind} words"
                if config.csi_run
                else f"{kind} words come from the built-in lexicon (no --run given)"
            )
    invalid = sum(not s.valid for s in samples)
    if samples and invalid / len(samples) > 0.2:
        warnings.append(f"{invalid} of {len(samples)} stories were invalid and left out")
    return warnings
