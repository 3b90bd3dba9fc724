"""The CSI instrument: word lists, scores against hand-computed values, the chunk and per-word
pipelines, resume, validity, and end to end on the embedded model through the CLI.

Scoring logic is checked with scripted models (`ScriptedModel`, `ChunkScript`): they are not
backends, they let a test know the right answer. The end-to-end tests run the real embedded
model in one pass per mode, 120 words per word and 300 in chunks (two passes would double
tests that already take about a minute on 2 cores); the scripted tests cover the shuffled
passes.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from conftest import BATCH_SPLIT_TOLERANCE
from helpers.scripted import ScriptedModel
from valuescope.cli.csi import register
from valuescope.datasets import DataFileError
from valuescope.engine import resume
from valuescope.engine import run as run_instrument
from valuescope.instruments.csi.instrument import (
    RETRY_OPENING,
    CSIConfig,
    CSIInstrument,
    chunk_messages,
    pass_order,
    per_word_options,
)
from valuescope.instruments.csi.summary import CSISample, summarise
from valuescope.instruments.csi.validity import ValidityConfig, ValidityInstrument
from valuescope.instruments.csi.words import (
    EN_STOP_WORDS,
    default_words,
    hash_words,
    read_word_file,
)
from valuescope.models import CachedModel, Choice, Completion, GenerateConfig, Message, TokenUsage

RUNNER = CliRunner()


def csi_app() -> typer.Typer:
    """An app with only the CSI commands (cli.py registers them on the real one)."""
    app = typer.Typer()
    register(app)
    return app


def invoke(*args: str) -> str:
    result = RUNNER.invoke(csi_app(), list(args))
    assert result.exit_code == 0, result.output
    return result.output


def results_of(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "results.json").read_text())  # type: ignore[no-any-return]


def samples_of(directory: Path) -> list[dict[str, Any]]:
    lines = (directory / "samples.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


# -- word lists ---------------------------------------------------------------------------


def test_default_word_list_keeps_content_words() -> None:
    words = default_words(200, "en")
    assert len(words.words) == 200 == len(set(words.words))
    assert all(w.isalpha() and len(w) >= 3 for w in words.words)
    assert not set(words.words) & EN_STOP_WORDS
    assert "the" not in words.words and "tragedy" not in words.words
    assert words.sha256 == default_words(200, "en").sha256 == hash_words(words.words)
    zh = default_words(50, "zh")
    assert len(zh.words) == 50 and all(len(w) >= 2 for w in zh.words)
    assert "我们" not in zh.words


def test_user_word_list_is_used_as_given(tmp_path: Path) -> None:
    path = tmp_path / "words.txt"
    path.write_text("Sunshine\n\nice cream\n  war  \n")
    assert read_word_file(path).words == ["Sunshine", "ice cream", "war"]
    assert read_word_file(path, n=2).words == ["Sunshine", "ice cream"]


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("joy\nwar\n\n joy \n", ":4:", "duplicate word 'joy' (first on line 1)"),
        ("", ":1:", "empty"),
        ("\n  \n", ":1:", "empty"),
    ],
)
def test_malformed_word_file_names_file_and_line(
    tmp_path: Path, text: str, where: str, what: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(DataFileError) as error:
        read_word_file(path)
    assert f"{path}{where}" in str(error.value) and what in str(error.value)
    # The CLI prints it as one line and exits 2, before loading any model.
    result = RUNNER.invoke(csi_app(), ["csi", "--words", str(path), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert f"{path}{where}" in result.output.replace("\n", "")


def test_case_pairs_are_distinct_words(tmp_path: Path) -> None:
    # The published English CSI list holds 479 such pairs; they were refused as duplicates.
    path = tmp_path / "words.txt"
    path.write_text("it\nIt\nMay\nmay\nMAY\n")
    assert read_word_file(path).words == ["it", "It", "May", "may", "MAY"]


# -- scores -------------------------------------------------------------------------------


def sample(word: str, p: int, label: str | None) -> CSISample:
    return CSISample(
        item_id=word,
        condition=f"chunk/pass{p}",
        valid=label is not None,
        mode="chunk",
        pass_index=p,
        label=label,  # type: ignore[arg-type]
    )


# word: (pass 0, pass 1); None = invalid
SCRIPT: dict[str, tuple[str | None, str | None]] = {
    "joy": ("positive", "positive"),  # optimistic
    "war": ("negative", "negative"),  # pessimistic
    "party": ("positive", "negative"),  # inconsistent
    "table": ("neutral", "neutral"),  # neutral, consistent
    "art": ("positive", None),  # invalid in one pass: left out of the denominators
    "paper": ("neutral", "positive"),  # inconsistent
}


def check_script_metrics(m: Any) -> None:
    """Hand-computed: 5 valid words of 6; 11 valid answers, 3 of them neutral."""
    assert m.n_words == 6 and m.n_valid_words == 5 and m.n_valid_answers == 11
    assert m.optimism == pytest.approx(1 / 5)
    assert m.pessimism == pytest.approx(1 / 5)
    assert m.neutrality == pytest.approx(3 / 5)
    assert m.optimism + m.pessimism + m.neutrality == pytest.approx(1.0)
    assert m.consistency == pytest.approx(1 - 2 / 5)
    assert m.reluctance == pytest.approx(3 / 11)
    assert m.invalid_share == pytest.approx(1 / 6)
    assert (m.n_optimistic_words, m.n_pessimistic_words, m.n_inconsistent_words) == (1, 1, 2)
    assert m.label_shares_by_pass["pass0"] == pytest.approx(
        {"positive": 3 / 6, "negative": 1 / 6, "neutral": 2 / 6}
    )
    assert m.label_shares_by_pass["pass1"] == pytest.approx(
        {"positive": 2 / 5, "negative": 2 / 5, "neutral": 1 / 5}
    )


def test_scores_match_hand_computed_values() -> None:
    samples = [sample(w, p, labels[p]) for w, labels in SCRIPT.items() for p in (0, 1)]
    check_script_metrics(summarise(samples, list(SCRIPT), passes=2))


def test_scores_with_no_valid_word_are_null_with_reasons() -> None:
    m = summarise([sample("joy", 0, None)], ["joy"], passes=1)
    assert m.optimism is None and m.consistency is None and m.reluctance is None
    assert m.invalid_share == 1.0
    assert "optimism" in m.reasons and "reluctance" in m.reasons


# -- the chunk pipeline, with a scripted chat model ---------------------------------------

REPLY_TEXT = {"positive": "comedy", "negative": "tragedy", "neutral": "comedy or tragedy"}


class ChunkScript:
    """Answers chunk prompts with untidy replies: chatter, renumbered and merged lines, and
    each word's next scripted label (None = the word is left out)."""

    def __init__(self, answers: dict[str, list[str | None]]) -> None:
        self.answers = {w: list(a) for w, a in answers.items()}
        self.asked: list[list[str]] = []
        self.retries: list[bool] = []

    @property
    def name(self) -> str:
        return "chunk-script"

    @property
    def identity(self) -> str:
        return "chunk-script|test"

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        words = messages[-1].content.split("Words:\n", 1)[1].splitlines()
        self.asked.append(words)
        self.retries.append(messages[-1].content.startswith(RETRY_OPENING))
        lines = ["Sure! Here are my associations:"]
        for number, word in enumerate(words, start=7):
            label = self.answers[word].pop(0)
            if label is not None:
                lines.append(f"{number}. {word.upper()} - {REPLY_TEXT[label]}")
        merged = [", ".join(lines[i : i + 2]) for i in range(1, len(lines), 2)]
        return Completion(text="\n".join([lines[0], *merged]), usage=TokenUsage(prompt_tokens=5))

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        raise NotImplementedError("the chunk script only writes replies")

    async def aclose(self) -> None:
        return None


def chunk_answers() -> dict[str, list[str | None]]:
    # pass 0, then pass 1; a word left out of a reply is asked once more.
    answers: dict[str, list[str | None]] = {}
    for word, (first, second) in SCRIPT.items():
        answers[word] = [first, second] if second is not None else [first, None, None]
    return answers


def test_chunk_pipeline_parses_untidy_replies_and_re_asks_missing_words(tmp_path: Path) -> None:
    model = ChunkScript(chunk_answers())
    config = CSIConfig(
        model="chunk-script", words=str(word_file(tmp_path)), chunk_size=4, use_cache=False
    )
    run = asyncio.run(run_instrument(CSIInstrument(config), tmp_path / "run", model=model))
    check_script_metrics(run.results)
    # Each pass: chunks of 4 + 2; in pass 1, the chunk that left out "art" is followed by a
    # call that asks "art" alone.
    assert sorted(len(c) for c in model.asked) == [1, 2, 2, 4, 4]
    again = model.asked.index(["art"])
    assert again >= 3 and "art" in model.asked[again - 1]
    # The follow-up is a new prompt: the same one at temperature 0 would bring the same reply.
    assert [i for i, retry in enumerate(model.retries) if retry] == [again]
    assert sorted(model.asked[0] + model.asked[1]) == sorted(SCRIPT)
    assert model.asked[0] == pass_order(list(SCRIPT), 0, 0)[:4]
    art = [s for s in samples_of(run.directory) if s["item_id"] == "art"]
    assert [(s["valid"], s["attempts"]) for s in art] == [(True, 1), (False, 2)]
    assert "missing from the reply" in art[1]["invalid_reason"]
    assert run.results.usage.model_calls == 5
    assert (run.directory / "words.txt").read_text().split() == list(SCRIPT)
    assert run.results.words_sha256 == hash_words(list(SCRIPT))


def word_file(tmp_path: Path, words: list[str] | None = None) -> Path:
    path = tmp_path / "words.txt"
    path.write_text("\n".join(words or list(SCRIPT)) + "\n")
    return path


def test_chunk_resume_asks_only_missing_pairs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = CSIConfig(
        model="chunk-script", words=str(word_file(tmp_path)), chunk_size=4, use_cache=False
    )
    run = asyncio.run(
        run_instrument(CSIInstrument(config), tmp_path / "run", model=ChunkScript(chunk_answers()))
    )
    samples = run.directory / "samples.jsonl"
    lines = samples.read_bytes().splitlines(keepends=True)
    # A kill after 8 samples, halfway through writing the 9th:
    samples.write_bytes(b"".join(lines[:8]) + lines[8][: len(lines[8]) // 2])
    (run.directory / "results.json").unlink()
    kept = {(s["item_id"], s["condition"]) for s in map(json.loads, lines[:8])}
    missing = {(s["item_id"], s["condition"]) for s in map(json.loads, lines[8:])}
    assert {c for _, c in missing} == {"chunk/pass1"} and len(missing) == 4

    # Resume opens the model by name from the manifest: hand it the scripted one.
    script = ChunkScript({w: [SCRIPT[w][1]] * 2 for w in SCRIPT})
    monkeypatch.setattr(
        CSIConfig, "open_model", lambda _self, _model=None: CachedModel(script, None)
    )
    resumed = asyncio.run(resume(run.directory))
    asked = sorted(w for chunk in script.asked for w in chunk)
    re_asked = ["art"] if ("art", "chunk/pass1") in missing else []
    assert asked == sorted([w for w, _ in missing] + re_asked)
    keys = [(s["item_id"], s["condition"]) for s in samples_of(resumed.directory)]
    assert len(keys) == len(set(keys)) == 12 and set(keys) == kept | missing
    check_script_metrics(resumed.results)


class ReplyScript:
    """Answers every chunk prompt with `reply(words)`, the words asked in the prompt."""

    def __init__(self, reply: Callable[[list[str]], str]) -> None:
        self.reply = reply
        self.asked: list[list[str]] = []

    @property
    def name(self) -> str:
        return "reply-script"

    @property
    def identity(self) -> str:
        return "reply-script|test"

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        words = messages[-1].content.split("Words:\n", 1)[1].splitlines()
        self.asked.append(words)
        return Completion(text=self.reply(words), usage=TokenUsage(prompt_tokens=5))

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        raise NotImplementedError("the reply script only writes replies")

    async def aclose(self) -> None:
        return None


def test_a_model_that_echoes_the_chunk_scores_invalid_not_reluctant(tmp_path: Path) -> None:
    # Observed: SmolLM2 wrote back the 5 words of a chunk, one a line, and scored 5/5 valid
    # with reluctance 1.000.
    words = ["joy", "war", "table", "paper", "art"]
    model = ReplyScript(lambda asked: "\n".join(f"{i}. {w}" for i, w in enumerate(asked, 1)))
    config = CSIConfig(
        model="reply-script", words=str(word_file(tmp_path, words)), passes=1, use_cache=False
    )
    run = asyncio.run(run_instrument(CSIInstrument(config), tmp_path / "run", model=model))
    r = run.results
    assert (r.n_valid_words, r.n_valid_answers, r.invalid_share) == (0, 0, 1.0)
    assert r.reluctance is None and r.neutrality is None
    samples = samples_of(run.directory)
    assert len(samples) == 5 and not any(s["valid"] for s in samples)
    assert all(s["label"] is None for s in samples)
    assert all(s["invalid_reason"] == "no label for the word (asked 2 times)" for s in samples)
    # Unanswered words are asked once more, like left-out ones.
    assert model.asked == [pass_order(words, 0, 0), pass_order(words, 0, 0)]
    assert any("repeated without a label" in w for w in r.warnings)


def test_case_pairs_keep_their_own_answers_through_a_run(tmp_path: Path) -> None:
    answers = {"it": "comedy", "It": "tragedy", "May": "comedy", "may": "tragedy"}
    model = ReplyScript(lambda asked: "\n".join(f"{w}: {answers[w]}" for w in asked))
    config = CSIConfig(
        model="reply-script", words=str(word_file(tmp_path, list(answers))), use_cache=False
    )
    run = asyncio.run(run_instrument(CSIInstrument(config), tmp_path / "run", model=model))
    got = {(s["item_id"], s["pass_index"]): s["label"] for s in samples_of(run.directory)}
    expected = {"comedy": "positive", "tragedy": "negative"}
    assert got == {(w, p): expected[a] for w, a in answers.items() for p in (0, 1)}
    assert (run.results.optimism, run.results.pessimism) == (0.5, 0.5)


# -- the per-word pipeline, with a scripted choose ----------------------------------------


def test_per_word_merges_capitalised_labels_alternates_order_and_flags_low_mass(
    tmp_path: Path,
) -> None:
    seen_orders: list[list[str]] = []

    def script(messages: list[Message], options: list[str]) -> tuple[list[float], float]:
        seen_orders.append(options)
        word = messages[-1].content.rsplit("Word: ", 1)[1]
        if word == "art":
            return [0.25] * 4, 0.1  # too little mass on the labels: invalid
        # joy: comedy 0.1 + Comedy 0.3 = 0.4 < tragedy 0.35 + Tragedy 0.25 = 0.6 -> negative
        by_option = {"comedy": 0.1, "Comedy": 0.3, "tragedy": 0.35, "Tragedy": 0.25}
        if word == "war":
            by_option = {"comedy": 0.5, "Comedy": 0.3, "tragedy": 0.1, "Tragedy": 0.1}
        return [by_option[o] for o in options], 0.9

    config = CSIConfig(
        model="scripted",
        mode="per-word",
        words=str(word_file(tmp_path, ["joy", "war", "art"])),
        use_cache=False,
    )
    run = asyncio.run(
        run_instrument(CSIInstrument(config), tmp_path / "run", model=ScriptedModel(script))
    )
    by_key = {(s["item_id"], s["pass_index"]): s for s in samples_of(run.directory)}
    assert by_key[("joy", 0)]["label"] == "negative"
    assert by_key[("joy", 0)]["probs"] == pytest.approx({"positive": 0.4, "negative": 0.6})
    assert by_key[("war", 1)]["label"] == "positive"
    assert (
        by_key[("art", 0)]["valid"] is False
        and "option_mass" in by_key[("art", 0)]["invalid_reason"]
    )
    assert by_key[("joy", 0)]["label_order"] == ["comedy", "tragedy"]
    assert by_key[("joy", 1)]["label_order"] == ["tragedy", "comedy"]
    assert per_word_options(1) == ["tragedy", "Tragedy", "comedy", "Comedy"]
    r = run.results
    assert (r.n_valid_words, r.pessimism, r.optimism, r.reluctance) == (2, 0.5, 0.5, 0.0)
    assert r.invalid_share == pytest.approx(1 / 3)
    assert any("reluctance is 0" in w for w in r.warnings)


# -- validity, with scripted writer and judge ---------------------------------------------

POSITIVE = ["joy", "gift", "smile", "party", "sunshine"]
NEGATIVE = ["war", "grief", "murder", "funeral", "disease"]


class StoryScript:
    """Writes a 'story' that lists its words; the judge rates 1 + (negative words), capped."""

    def __init__(self, constant: bool = False) -> None:
        self.constant = constant

    @property
    def name(self) -> str:
        return "story-script"

    @property
    def identity(self) -> str:
        return "story-script|test"

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        words = re.search(r"these words: (.*)\. Write only", messages[-1].content)
        assert words is not None
        return Completion(text=f"Once upon a time: {words.group(1)}.")

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        story = messages[-1].content
        k = sum(re.search(rf"\b{w}\b", story) is not None for w in NEGATIVE)
        point = 3 if self.constant else min(5, 1 + k)
        probs = [1.0 if int(o) == point else 0.0 for o in options]
        return Choice(options=options, probs=probs, option_mass=0.9, method="logprobs")

    async def aclose(self) -> None:
        return None


def polar_file(tmp_path: Path) -> Path:
    path = tmp_path / "polar.txt"
    path.write_text(
        "\n".join([f"{w}: positive" for w in POSITIVE] + [f"{w}\tnegative" for w in NEGATIVE])
    )
    return path


def test_validity_correlations_per_story_and_on_group_means(tmp_path: Path) -> None:
    config = ValidityConfig(
        model="story-script", words=str(polar_file(tmp_path)), stories_per_k=2, use_cache=False
    )
    run = asyncio.run(
        run_instrument(ValidityInstrument(config), tmp_path / "v", model=StoryScript())
    )
    r = run.results
    x = [k / 5 for k in range(6)]
    y = [1, 2, 3, 4, 5, 5]  # the judge's rule, by hand
    expected = float(np.corrcoef(x, y)[0, 1])
    assert r.n_stories == 12 and r.n_valid == 12
    assert r.group_means.r == pytest.approx(expected) and r.group_means.n == 6
    assert r.per_story.r == pytest.approx(expected) and r.per_story.n == 12
    assert r.mean_rating_by_k == pytest.approx({f"k={k}": float(v) for k, v in enumerate(y)})
    stories = samples_of(run.directory)
    assert all(len(s["words"]) == 5 for s in stories)
    assert all(sum(w in NEGATIVE for w in s["words"]) == s["k"] for s in stories)


def test_validity_without_variance_is_null_with_reason(tmp_path: Path) -> None:
    config = ValidityConfig(
        model="story-script", words=str(polar_file(tmp_path)), stories_per_k=1, use_cache=False
    )
    run = asyncio.run(
        run_instrument(ValidityInstrument(config), tmp_path / "v", model=StoryScript(constant=True))
    )
    assert run.results.per_story.r is None
    assert run.results.per_story.reason == "the rating does not vary"


def test_validity_resume_writes_only_missing_stories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = ValidityConfig(
        model="story-script", words=str(polar_file(tmp_path)), stories_per_k=2, use_cache=False
    )
    run = asyncio.run(
        run_instrument(ValidityInstrument(config), tmp_path / "v", model=StoryScript())
    )
    samples = run.directory / "samples.jsonl"
    lines = samples.read_bytes().splitlines(keepends=True)
    samples.write_bytes(b"".join(lines[:7]) + lines[7][:25])
    script = StoryScript()
    monkeypatch.setattr(
        ValidityConfig, "open_model", lambda _self, _model=None: CachedModel(script, None)
    )
    resumed = asyncio.run(resume(run.directory))
    keys = [s["item_id"] for s in samples_of(run.directory)]
    assert len(keys) == len(set(keys)) == 12
    assert resumed.results.usage.model_calls == 2 * (12 - 7)  # a story and its rating each
    assert resumed.results.group_means.r == pytest.approx(run.results.group_means.r)


# -- end to end on the embedded model -----------------------------------------------------


PER_WORD = 120


@pytest.fixture(scope="module")
def per_word_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A per-word run on the embedded model (once per module and test worker): its folder
    and what the command printed."""
    folder = tmp_path_factory.mktemp("csi")
    directory = folder / "per-word"
    # its own cache: a module's fixture is made before the per-test cache is set
    output = invoke(
        "csi", "--model", "llamacpp", "--mode", "per-word", "--n", str(PER_WORD), "--passes", "1",
        "--cache-dir", str(folder / "cache"), "--out", str(directory),
    )  # fmt: skip
    return directory, output


@pytest.mark.slow
def test_per_word_mode_answers_every_word_on_the_embedded_model(
    per_word_run: tuple[Path, str],
) -> None:
    run, output = per_word_run
    assert "optimism" in output and f"run directory: {run}" in output.replace("\n", "")
    results, samples = results_of(run), samples_of(run)
    assert len(samples) == PER_WORD and {s["condition"] for s in samples} == {"per-word/pass0"}
    assert all(s["probs"] is not None and s["option_mass"] > 0 for s in samples)
    assert all(s["valid"] or "option_mass" in s["invalid_reason"] for s in samples)
    assert results["mode"] == "per-word" and results["n_words"] == PER_WORD
    assert results["usage"]["model_calls"] == PER_WORD
    shares = (results["optimism"], results["pessimism"], results["neutrality"])
    assert sum(shares) == pytest.approx(1.0)
    assert results["reluctance"] == 0.0 and results["schema_version"] == 1


@pytest.mark.slow
def test_chunk_mode_on_the_embedded_model(tmp_path: Path) -> None:
    out = tmp_path / "chunk"
    output = invoke(
        "csi", "--model", "llamacpp", "--mode", "chunk", "--n", "60", "--passes", "1",
        "--out", str(out),
    )  # fmt: skip
    results, samples = results_of(out), samples_of(out)
    assert len(samples) == 60  # every word valid or recorded invalid
    assert {s["condition"] for s in samples} == {"chunk/pass0"}
    assert all(s["valid"] or s["attempts"] == 2 for s in samples)
    # 2 chunks of 30 words, plus at most one follow-up each
    assert 2 <= results["usage"]["model_calls"] <= 4
    assert results["invalid_share"] is not None
    if results["invalid_share"] > 0.2:
        assert "--mode per-word" in output.replace("\n", " ")


@pytest.mark.slow
def test_killed_per_word_run_resumes_asking_only_missing_pairs(tmp_path: Path) -> None:
    run = tmp_path / "run"
    invoke("csi", "--mode", "per-word", "--n", "10", "--no-cache", "--out", str(run))
    reference = {(s["item_id"], s["condition"]): s for s in samples_of(run)}
    samples = run / "samples.jsonl"
    lines = samples.read_bytes().splitlines(keepends=True)
    samples.write_bytes(b"".join(lines[:13]) + lines[13][:40])  # killed mid-line
    (run / "results.json").unlink()

    result = RUNNER.invoke(csi_app(), ["csi", "--resume", str(run), "--n", "5"])
    assert result.exit_code == 2 and "--n" in result.output
    invoke("csi", "--resume", str(run))
    resumed = {(s["item_id"], s["condition"]): s for s in samples_of(run)}
    assert len(samples_of(run)) == len(resumed) == 20
    assert resumed.keys() == reference.keys()
    assert results_of(run)["usage"]["model_calls"] == 20 - 13
    for key, s in resumed.items():
        assert s["probs"] == pytest.approx(reference[key]["probs"], abs=BATCH_SPLIT_TOLERANCE)


@pytest.mark.slow
def test_validity_on_the_embedded_model_from_a_csi_run(
    per_word_run: tuple[Path, str], tmp_path: Path
) -> None:
    out = tmp_path / "validity"
    output = invoke("csi-validity", "--run", str(per_word_run[0]), "--stories-per-k", "1",
                    "--out", str(out))  # fmt: skip
    results = results_of(out)
    assert results["n_stories"] == 6 and results["model"] == "llamacpp"
    for name in ("per_story", "group_means"):
        c = results[name]
        assert (c["r"] is None) == (c["reason"] is not None)
        assert c["r"] is None or -1.0 <= c["r"] <= 1.0
    assert "k-group means" in output


def test_chunk_prompt_lists_one_word_a_line() -> None:
    content = chunk_messages(["joy", "war"])[0].content
    assert content.endswith("Words:\njoy\nwar") and "word: comedy" in content
