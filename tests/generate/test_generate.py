"""`generate` (AdAEM): the bandit, the scores, deduplication, reading a generator's
questions, and the loop end to end (embedded model under personas; two llama.cpp servers as
a pool of models), including resume."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from typer.testing import CliRunner

from valuescope.cli import app
from valuescope.datasets import DataFileError
from valuescope.generate import (
    UCB1,
    AdaemConfig,
    agenerate,
    elicitation,
    informativeness,
    jensen_shannon,
    load_topics,
)
from valuescope.generate.dedupe import Deduplicator
from valuescope.generate.prompts import parse_questions
from valuescope.models import Choice, Completion, GenerateConfig, Message

RUNNER = CliRunner()

# --- the parts ----------------------------------------------------------------------------------


def test_ucb1_pulls_every_arm_once_then_prefers_the_rewarding_one() -> None:
    bandit = UCB1(["a", "b", "c"])
    assert bandit.select(2) == ["a", "b"]  # unpulled arms first, in order
    for arm, r in (("a", 0.9), ("b", 0.1), ("c", 0.2)):
        bandit.update(arm, r)
    assert bandit.select(1) == ["a"]
    expected = 0.1 + math.sqrt(2 * math.log(3) / 1)
    assert bandit.score("b") == pytest.approx(expected)
    for _ in range(30):  # exploitation does not starve the others forever
        (arm,) = bandit.select(1)
        bandit.update(arm, {"a": 0.9, "b": 0.1, "c": 0.2}[arm])
    pulls = {a: s.pulls for a, s in bandit.arms.items()}
    assert pulls["a"] > pulls["c"] > 1 and pulls["b"] >= 2


def test_jsd_matches_scipy_and_informativeness_averages_pairs() -> None:
    p, q = [0.2, 0.5, 0.9], [0.9, 0.1, 0.1]
    assert jensen_shannon(p, q) == pytest.approx(jensenshannon(p, q, base=2) ** 2)
    assert jensen_shannon(p, p) == pytest.approx(0.0)
    profiles = {"x": p, "y": q, "z": p}
    pairs = [jensen_shannon(p, q), jensen_shannon(p, p), jensen_shannon(q, p)]
    assert informativeness(profiles) == pytest.approx(np.mean(pairs))
    assert informativeness({"x": p}) is None
    assert elicitation(profiles) == pytest.approx((0.9 + 0.9 + 0.9) / 3)


def test_near_duplicates_are_dropped_with_the_reason() -> None:
    lexical = Deduplicator("lexical")
    lexical.add("Should parents read their teenager's private messages at home?")
    repeat = lexical.duplicate_of("Should parents read their teenager's private messages?")
    assert repeat is not None and "word bigrams" in repeat[1]
    assert lexical.duplicate_of("Is eating meat morally acceptable today?") is None


@pytest.mark.slow
def test_embedding_dedupe_catches_a_near_verbatim_repeat() -> None:
    dedupe = Deduplicator("embedding")
    dedupe.add("Would you report a friend who cheated on an exam?")
    # word bigram Jaccard 0.38 (below 0.5), cosine 0.985: only the embedding sees it
    repeat = dedupe.duplicate_of("Would you report a friend that cheated in an exam?")
    assert repeat is not None and "embedding cosine" in repeat[1]
    assert dedupe.duplicate_of("Should cities ban cars from their centres?") is None


def test_questions_are_read_from_a_generators_list() -> None:
    text = (
        "Here are some questions:\n1. Should you lend money to a friend who never repays?\n"
        "2) AI companions: Is it healthy to confide mostly in a chatbot friend?\n"
        "- short?\n3. This line is not a question at all.\n"
        "4. Should you lend money to a friend who never repays?\n"
    )
    assert parse_questions(text, 5) == [
        "Should you lend money to a friend who never repays?",
        "Is it healthy to confide mostly in a chatbot friend?",
    ]
    assert parse_questions(text, 1) == ["Should you lend money to a friend who never repays?"]


def test_topics_from_yaml_or_lines(tmp_path: Path) -> None:
    shipped = load_topics()
    assert len(shipped) >= 48 and len({t.id for t in shipped}) == len(shipped)
    lines = tmp_path / "topics.txt"
    lines.write_text("# mine\ntipping\n\nnight shifts  # for nurses\n", "utf-8")
    assert [(t.id, t.topic) for t in load_topics(lines)] == [
        ("t1", "tipping"),
        ("t2", "night shifts"),
    ]
    bad = tmp_path / "topics.yaml"
    bad.write_text("topics:\n  - id: a\n    context: no topic\n", "utf-8")
    with pytest.raises(DataFileError, match=r"topics.yaml:2: each topic needs `topic:`"):
        load_topics(bad)


# --- the loop ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_loop_on_the_embedded_model_under_personas(tmp_path: Path) -> None:
    """3 personas of the embedded model as the pool, 2 rounds on one topic: the bank has the
    questions with provenance and scores, the probes instrument reads it, a rerun in the
    same folder asks nothing new, and other settings there are refused."""
    out = tmp_path / "gen"
    args = ["generate", "--models", "llamacpp", "--personas", "3", "--framework", "mft6",
            "--arms", "1", "--arms-per-round", "1", "--questions", "2", "--rounds", "2",
            "--max-tokens", "24", "--dedupe", "lexical", "--out", str(out)]  # fmt: skip
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "generate.json").read_text())
    assert report["rounds_run"] == 2 and report["questions"] >= 1
    (arm,) = report["arms"].values()
    assert arm["pulls"] == 2 and len(arm["rewards"]) == 2
    bank = [json.loads(line) for line in (out / "bank.jsonl").read_text().splitlines()]
    assert len(bank) == report["questions"]
    first = bank[0]
    assert first["round"] == 1 and first["parent"] is None and first["informativeness"] is not None
    assert 0.0 <= first["informativeness"] <= 1.0 and first["elicitation"] > 0.0
    rewards = [q["reward"] for q in bank]
    assert rewards == sorted(rewards, reverse=True)
    again = RUNNER.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert json.loads((out / "generate.json").read_text())["calls"] == 0  # all reused
    assert (out / "bank.jsonl").read_text().splitlines() == [
        json.dumps(q, separators=(",", ":")) for q in bank
    ]
    other = RUNNER.invoke(app, [*args[:-2], "--rounds", "3", "--out", str(out)])
    assert other.exit_code == 2 and "other settings (rounds changed" in other.output
    probes = RUNNER.invoke(app, ["measure", "--instrument", "probes", "--framework", "mft6",
                                 "--items", str(out / "bank.jsonl"), "--max-tokens", "24",
                                 "--out", str(tmp_path / "probes")])  # fmt: skip
    assert probes.exit_code == 0, probes.output


class ScriptedWriter:
    """A generator for the refinement logic: two seed questions from the topic, and for a
    refinement request one of two distinct variants."""

    name = identity = "writer"

    def __init__(self) -> None:
        self.refinements = 0

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        prompt = messages[-1].content
        if "New question:" in prompt:
            self.refinements += 1
            variants = [
                "In a village where the last weaver is retiring, should taxes fund an apprentice?",
                "Would you fine a family that refuses to join the harvest festival?",
            ]
            return Completion(text=variants[(self.refinements - 1) % 2])
        seeds = ("1. Should your town pay people to keep old customs alive?\n"
                 "2. Is it fair to tax tourists more than residents in summer?")  # fmt: skip
        return Completion(text=seeds)

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        raise AssertionError("the generator only writes")

    async def aclose(self) -> None:
        pass


def test_a_pool_of_two_servers_and_the_refinement_path(
    llama_server: str, cpp_llama_server: str, tmp_path: Path
) -> None:
    """The pool is two OpenAI-compatible models (the same weights behind llama_cpp.server
    and llama-server); a scripted writer exercises refinement: round 2 refines the best
    round-1 question of the same topic into 2 variants whose parent is that question."""
    pool = [f"openai:smollm2@{llama_server}", f"openai:smollm2@{cpp_llama_server}"]
    config = AdaemConfig(model=pool[0], models=pool, judge=pool[1], framework="mft6", arms=1,
                         arms_per_round=1,
                         questions=2, rounds=2, max_tokens=24, dedupe="lexical",
                         settings={"constrain": "grammar"})  # fmt: skip
    writer = ScriptedWriter()
    report = asyncio.run(agenerate(config, tmp_path / "gen", generator=writer))
    assert writer.refinements == 2
    bank = [json.loads(line) for line in (tmp_path / "gen" / "bank.jsonl").read_text().splitlines()]
    seeds = [q for q in bank if q["round"] == 1]
    refined = [q for q in bank if q["round"] == 2]
    assert len(seeds) == 2 and len(refined) == 2
    best = max(seeds, key=lambda q: q["reward"])
    assert {q["parent"] for q in refined} == {best["id"]}
    assert report.pool_comparison.n_seed == 2 and report.pool_comparison.n_refined == 2
    members = report.pool_comparison.members
    assert len(members) == 2 and all(m.startswith(("m1-", "m2-")) for m in members)


def test_a_call_budget_stops_before_a_round_that_would_pass_it(tmp_path: Path) -> None:
    """One round of 1 topic x 2 questions x (3 personas + the model) x 2 calls + 1 writer
    call is estimated at 17 calls: a budget of 16 runs no round and says why."""
    config = AdaemConfig(model="llamacpp", models=["llamacpp"], personas=3, framework="mft6",
                         arms=1, arms_per_round=1, questions=2, max_calls=16)  # fmt: skip
    writer = ScriptedWriter()
    report = asyncio.run(agenerate(config, tmp_path / "gen", generator=writer))
    assert report.rounds_run == 0 and report.questions == 0 and report.calls == 0
    assert report.notes == ["stopped before round 1: it would pass --max-calls 16 (0 calls so far)"]
    assert (tmp_path / "gen" / "bank.jsonl").read_text() == ""


def test_a_generate_run_is_a_study_that_refuses_other_settings(tmp_path: Path) -> None:
    """A run stopped by its budget before any round: its manifest holds the settings,
    `valuescope runs` lists it finished, a rerun in the same folder resumes it, and another
    number of rounds is refused by name before the generator is asked."""
    from valuescope.engine import ConfigError
    from valuescope.runs import list_runs

    config = AdaemConfig(model="llamacpp", models=["llamacpp"], personas=3, framework="mft6",
                         arms=1, arms_per_round=1, questions=2, max_calls=16)  # fmt: skip
    out = tmp_path / "runs" / "gen"
    asyncio.run(agenerate(config, out, generator=ScriptedWriter(), command_line="valuescope x"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["command"], manifest["status"], manifest["command_line"]) == (
        "generate", "finished", "valuescope x")  # fmt: skip
    assert manifest["config"]["rounds"] == 3 and manifest["children"] == []
    (run,) = list_runs(tmp_path / "runs").runs
    assert (run.manifest.command, run.status) == ("generate", "finished")
    created = manifest["created_utc"]
    asyncio.run(agenerate(config, out, generator=ScriptedWriter()))
    assert json.loads((out / "manifest.json").read_text())["created_utc"] == created
    writer = ScriptedWriter()
    with pytest.raises(ConfigError, match=r"other settings \(rounds changed since it started\)"):
        asyncio.run(agenerate(config.model_copy(update={"rounds": 4}), out, generator=writer))
    assert writer.refinements == 0
