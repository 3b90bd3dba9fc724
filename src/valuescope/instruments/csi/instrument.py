"""CSI, an implicit sentiment inventory (arXiv 2503.20182; docs/guide/instruments.md).

The model gives a first, quick association, comedy (positive) or tragedy (negative), for
each of N frequent words, over P passes. Two ways to ask:

- `chunk` (the original): ~30 words a call at temperature 0, one line per word as
  `word: comedy|tragedy`. Each pass shuffles the words with a seed derived from the run seed
  and the pass number, then cuts them into chunks, so every pass sees each word in a new
  context. Replies are parsed by word (`parse.py`). A word the reply gives no answer for
  (left out, or only repeated without a label) is asked once more, with the chunk's other
  unanswered words; still unanswered, it is recorded invalid with the parser's reason.
  On resume only the missing (word, pass) pairs are asked, re-chunked.
- `per-word`: one `choose` call per word over the labels, read from the next-token
  distribution, so every word gets an answer even from a model that cannot follow the
  chunk format (a 135M model labels almost none of 30 words). Calls at temperature 0 are
  deterministic, so identical passes would agree by construction; instead passes alternate
  the order in which the prompt names the labels (comedy first on even passes, tragedy
  first on odd ones), and consistency measures whether the answer survives that. The label
  is the argmax of the two labels' probabilities; "comedy" and "Comedy" are the same answer
  (a reply often starts capitalised), so both spellings are options and their probability
  is added. An answer with less than `min_option_mass` on the labels is invalid, as in
  `measure`. There is no neutral option, so reluctance is 0 by construction.

The prompts are in English for both word lists (`--lang zh` changes the words); the parser
also reads the Chinese labels 喜剧 / 悲剧 where a model answers in Chinese.

Scores: `summary.py`. Word lists: `words.py`; the list is copied into the run directory
(`words.txt`) so that a resume asks the same words whatever the installed wordfreq says.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from valuescope.engine import InstrumentBase, Models, Plan, RunConfig, SampleKey, digest
from valuescope.instruments.csi.parse import WordReading, parse_reply
from valuescope.instruments.csi.summary import (
    LABELS,
    CSIMetrics,
    CSISample,
    condition_id,
    summarise,
)
from valuescope.instruments.csi.words import Lang, hash_words, load_words
from valuescope.models import (
    TINY_MODEL_WARNING,
    CachedModel,
    Choice,
    GenerateConfig,
    Message,
    RunUsage,
    user,
)
from valuescope.runs import ResultsBase, RunStore, RunStoreError

COMMAND = "csi"
WORDS_FILE = "words.txt"
Mode = Literal["chunk", "per-word"]
POSITIVE, NEGATIVE = "comedy", "tragedy"


class CSIConfig(RunConfig):
    """Everything that defines a CSI run (stored in the manifest; no secrets)."""

    mode: Mode = "chunk"
    n: int | None = None
    """How many words; None = the whole `words` file, or 1,000 from wordfreq."""
    words: str | None = None
    """The user's word list file; None = wordfreq's most frequent content words."""
    lang: Lang = "en"
    passes: int = 2
    chunk_size: int = 30
    words_source: str | None = None
    """Filled when the run starts: where the words came from, and their hash."""
    words_sha256: str | None = None


class CSIResults(ResultsBase, CSIMetrics):
    mode: Mode
    lang: Lang
    passes: int
    chunk_size: int | None
    words_source: str
    words_sha256: str
    min_option_mass: float | None
    usage: RunUsage


# -- prompts ------------------------------------------------------------------------------


RETRY_OPENING = "Your last answer left out the words below. "


def chunk_messages(words: list[str], retry: bool = False) -> list[Message]:
    """The chunk prompt; the follow-up for left-out words opens differently, since the same
    prompt at temperature 0 would only bring back the same reply (or its cache entry)."""
    return [
        user(
            (RETRY_OPENING if retry else "")
            + "For each word below, give your first, quick association: does it feel like a "
            "comedy (positive) or a tragedy (negative)? Answer every word, one line per "
            "word, as `word: comedy` or `word: tragedy`, and nothing else.\n\nWords:\n"
            + "\n".join(words)
        )
    ]


def label_order(pass_index: int) -> tuple[str, str]:
    """Per-word mode names comedy first on even passes and tragedy first on odd ones."""
    return (POSITIVE, NEGATIVE) if pass_index % 2 == 0 else (NEGATIVE, POSITIVE)


def per_word_messages(word: str, pass_index: int) -> list[Message]:
    # The word comes last so that consecutive prompts share a prefix (llama.cpp reuses its
    # KV cache), and the answer follows right after it.
    a, b = label_order(pass_index)
    return [
        user(
            f"Give your first, quick association with a word: does it feel like a {a} or a "
            f"{b}? Reply with one word: {a} or {b}.\n\nWord: {word}"
        )
    ]


def per_word_options(pass_index: int) -> list[str]:
    return [v for label in label_order(pass_index) for v in (label, label.capitalize())]


def chunk_max_tokens(n_words: int) -> int:
    """Room for `word: tragedy` lines (about 5 tokens each) and a short preamble; a model
    that rambles instead is cut off there."""
    return 6 * n_words + 24


def pass_order(words: list[str], seed: int, pass_index: int) -> list[str]:
    """The words shuffled for one pass (string seeds are stable across processes)."""
    order = list(words)
    random.Random(f"csi/{seed}/pass{pass_index}").shuffle(order)
    return order


# -- turning answers into samples ---------------------------------------------------------


def score_word_choice(
    word: str, pass_index: int, choice: Choice, min_option_mass: float
) -> CSISample:
    """One per-word answer: argmax of the two labels, invalid below `min_option_mass`."""
    positive = sum(
        p for o, p in zip(choice.options, choice.probs, strict=True) if o.lower() == POSITIVE
    )
    negative = sum(
        p for o, p in zip(choice.options, choice.probs, strict=True) if o.lower() == NEGATIVE
    )
    reason = choice.invalid_reason(min_option_mass)
    label: Literal["positive", "negative", "neutral"] = (
        "positive" if positive > negative else "negative" if negative > positive else "neutral"
    )
    return CSISample(
        item_id=word,
        condition=condition_id("per-word", pass_index),
        valid=reason is None,
        invalid_reason=reason,
        mode="per-word",
        pass_index=pass_index,
        label=label if reason is None else None,
        label_order=list(label_order(pass_index)),
        probs={"positive": positive, "negative": negative},
        option_mass=choice.option_mass,
        method=choice.method,
        prompt=choice.rendered_prompt,
        cached=choice.cached,
    )


def chunk_sample(
    word: str, pass_index: int, reading: WordReading, attempts: int, cached: bool
) -> CSISample:
    why = reading.reason or "missing from the reply"
    return CSISample(
        item_id=word,
        condition=condition_id("chunk", pass_index),
        valid=reading.answered,
        invalid_reason=None if reading.answered else f"{why} (asked {attempts} times)",
        mode="chunk",
        pass_index=pass_index,
        label=reading.label if reading.label in LABELS else None,
        attempts=attempts,
        excerpt=reading.excerpt or None,
        cached=cached,
    )


async def ask_chunk(
    model: CachedModel, words: list[str], pass_index: int, seed: int
) -> list[CSISample]:
    """Ask one chunk; re-ask once the words the reply did not answer; one sample per word."""
    readings: dict[str, tuple[WordReading, int, bool]] = {}
    ask = list(words)
    for attempt in (1, 2):
        completion = await model.generate(
            chunk_messages(ask, retry=attempt > 1),
            GenerateConfig(max_tokens=chunk_max_tokens(len(ask)), temperature=0.0, seed=seed),
        )
        parsed = parse_reply(completion.text, ask)
        for word in ask:
            reading = parsed[word]
            if reading.label == "missing":
                reading = WordReading("missing", completion.text.strip()[:200])
            readings[word] = (reading, attempt, completion.cached)
        ask = [w for w in ask if not parsed[w].answered]
        if not ask:
            break
    return [chunk_sample(w, pass_index, *readings[w]) for w in words]


# -- the instrument -----------------------------------------------------------------------


def read_run_words(directory: Path, expected_sha256: str | None) -> list[str]:
    """The words a CSI run asked (its `words.txt`), checked against the manifest's hash."""
    path = directory / WORDS_FILE
    if not path.is_file():
        raise RunStoreError(f"{directory} has no {WORDS_FILE}: not a CSI run")
    words = [w for w in path.read_text(encoding="utf-8").splitlines() if w]
    if expected_sha256 and hash_words(words) != expected_sha256:
        raise RunStoreError(f"{path} does not match the word list hash in the manifest")
    return words


def open_csi_run(directory: Path) -> tuple[RunStore, CSIConfig, list[str]]:
    """A finished or partial CSI run: its store, config and the words it asked."""
    store = RunStore.open_existing(directory, COMMAND)
    config = CSIConfig.model_validate(store.manifest.config)
    return store, config, read_run_words(directory, config.words_sha256)


CSIJob = tuple[int, list[str]]
"""(pass, words): one call, a chunk of a shuffled pass or a single word."""


class CSIInstrument(InstrumentBase[CSIConfig], command=COMMAND, config_type=CSIConfig):
    """The CSI in chunk or per-word mode (see the module docstring).

    A new run loads its words (wordfreq or the user's file), records where they came from
    and their hash in the config, and copies them into the run directory (`words.txt`); a
    resumed run reads them back from there, so it asks the same words whatever the
    installed wordfreq says.
    """

    sample_type = CSISample

    def __init__(self, config: CSIConfig, resume_from: Path | None = None) -> None:
        if resume_from is not None:
            self.words = read_run_words(resume_from, config.words_sha256)
        else:
            words = load_words(config.n, config.lang, Path(config.words) if config.words else None)
            self.words = words.words
            config = config.model_copy(
                update={"words_source": words.source, "words_sha256": words.sha256}
            )
        super().__init__(config)

    @property
    def instrument_name(self) -> str:
        return f"{self.config.mode}-{self.config.lang}"

    def fingerprint(self) -> dict[str, str]:
        probe = ["word"]
        prompts = [chunk_messages(probe), chunk_messages(probe, retry=True)]
        prompts += [per_word_messages(probe[0], p) for p in (0, 1)]
        options = [per_word_options(p) for p in (0, 1)]
        return {"words": hash_words(self.words), "prompts": digest(prompts, options)}

    def run_files(self) -> dict[str, str]:
        return {WORDS_FILE: "\n".join(self.words) + "\n"}

    def plan(self, done: set[SampleKey]) -> Plan[CSIJob]:
        config = self.config
        jobs: list[CSIJob] = []
        for p in range(config.passes):
            todo = [
                w
                for w in pass_order(self.words, config.seed, p)
                if (w, condition_id(config.mode, p)) not in done
            ]
            if config.mode == "per-word":
                jobs.extend((p, [w]) for w in todo)
            else:
                size = config.chunk_size
                jobs.extend((p, todo[i : i + size]) for i in range(0, len(todo), size))
        return Plan(total=len(self.words) * config.passes, pending=jobs)

    async def answer(self, request: CSIJob, models: Models) -> Sequence[CSISample]:
        pass_index, chunk = request
        if self.config.mode == "chunk":
            return await ask_chunk(models.subject, chunk, pass_index, self.config.seed)
        choice = await models.subject.choose(
            per_word_messages(chunk[0], pass_index), per_word_options(pass_index)
        )
        return [score_word_choice(chunk[0], pass_index, choice, self.config.min_option_mass)]

    def summarise(self, samples: list[CSISample], models: Models) -> CSIResults:
        config = self.config
        metrics = summarise(samples, self.words, config.passes)
        return CSIResults(
            command=COMMAND,
            model=config.model,
            mode=config.mode,
            lang=config.lang,
            passes=config.passes,
            chunk_size=config.chunk_size if config.mode == "chunk" else None,
            words_source=config.words_source or "",
            words_sha256=config.words_sha256 or hash_words(self.words),
            min_option_mass=config.min_option_mass if config.mode == "per-word" else None,
            usage=models.subject.usage,
            warnings=_warnings(config, metrics),
            **metrics.model_dump(),
        )


def _warnings(config: CSIConfig, metrics: CSIMetrics) -> list[str]:
    warnings = []
    if config.backend == "llamacpp":
        warnings.append(TINY_MODEL_WARNING)
    invalid = metrics.invalid_share or 0.0
    if config.mode == "chunk" and invalid > 0.2:
        warnings.append(
            f"{invalid:.1%} of the words got no answer (left out of the replies or repeated "
            "without a label) even when asked again: the model does not follow the chunk "
            "format; --mode per-word answers every word"
        )
    if config.mode == "per-word" and invalid > 0.2:
        warnings.append(
            f"{invalid:.1%} of the words had an answer with less than {config.min_option_mass} "
            "of its probability on the labels in some pass and were left out"
        )
    if config.passes == 1:
        warnings.append("one pass: consistency is 1 by construction")
    if config.mode == "per-word":
        warnings.append("per-word mode offers no neutral answer: reluctance is 0 by construction")
        shares = [s["positive"] for s in metrics.label_shares_by_pass.values()]
        if len(shares) >= 2 and max(shares) - min(shares) > 0.2:
            warnings.append(
                f"the positive share moves from {min(shares):.2f} to {max(shares):.2f} when the "
                "prompt names the labels in the other order: strong position bias"
            )
    return warnings
