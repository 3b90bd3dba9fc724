"""OPRO and PICACO: reading proposals, the search loops on scripted models (the best wins,
the trajectory ascends, convergence and the budget stop the search, the pools grow without
duplicates), then both methods on the embedded model (and a rerun from the cache) and
through a llama.cpp server."""

from __future__ import annotations

import asyncio
import json
import math
import re
from pathlib import Path

import pytest

from valuescope.frameworks import load_framework
from valuescope.judges import Judge, Judgement
from valuescope.models import (
    CachedModel,
    Choice,
    Completion,
    GenerateConfig,
    Message,
    ModelSettings,
    TokenUsage,
    get_model,
)
from valuescope.steering.methods import method_class
from valuescope.steering.methods._proposals import parse_instruction, target_in_words
from valuescope.steering.methods.baselines import value_instruction
from valuescope.steering.methods.picaco import Pools, meta_prompt
from valuescope.steering.search import (
    CallBudget,
    MethodContext,
    MethodOutcome,
    MethodSettings,
    ScoredResponse,
    SearchLog,
)
from valuescope.steering.targets import parse_target
from valuescope.steering.tasks import Task, load_tasks

SCHWARTZ = load_framework("schwartz10")

# --- reading an instruction out of an optimiser's answer --------------------------------


@pytest.mark.parametrize(
    ("answer", "instruction", "how"),
    [
        ("<INS>Act on your own ideas.</INS> I hope this helps!", "Act on your own ideas.", "tags"),
        ("Sure.\n<ins>\n  Think for yourself first.\n</ins>", "Think for yourself first.", "tags"),
        ("<INS> Choose your own path freely.\n\nscore: 80", "Choose your own path freely.",
         "open tag"),
        ('Here is my instruction: "Decide things on your own terms."',
         "Decide things on your own terms.", "quotes"),
        ("New instruction: Explore new ideas boldly.\nscore:\n71", "Explore new ideas boldly.",
         "first line"),
        ("text: Help the people close to you. score: 64", "Help the people close to you.",
         "first line"),
        ("Here is a better instruction:\n\n1. Follow your curiosity every day.",
         "Follow your curiosity every day.", "first line"),
        ("**Instruction:** Care for your friends and family.", "Care for your friends and family.",
         "first line"),
    ],
)  # fmt: skip
def test_an_instruction_is_read_from_tags_quotes_or_a_first_line(
    answer: str, instruction: str, how: str
) -> None:
    parsed = parse_instruction(answer)
    assert (parsed.text, parsed.how) == (instruction, how)


@pytest.mark.parametrize("answer", ["", "   \n", "<INS></INS>", "<INS> ok </INS>", "!!! ???",
                                    "score: 55", "Here is a new instruction:"])  # fmt: skip
def test_an_unreadable_answer_gives_no_instruction_and_says_why(answer: str) -> None:
    parsed = parse_instruction(answer)
    assert parsed.text is None and parsed.how


def test_a_runaway_proposal_is_cut_at_a_word_boundary() -> None:
    full = "Be kind to the people around you. " * 100
    parsed = parse_instruction(f"<INS>{full}</INS>")
    assert parsed.text is not None and 1100 < len(parsed.text) <= 1200
    assert full.startswith(parsed.text) and full[len(parsed.text)] == " "


def test_the_target_in_words_ranks_values_and_gives_no_numbers() -> None:
    target = parse_target("tradition=1,self_direction=6,benevolence=5", SCHWARTZ)
    lines = target_in_words(SCHWARTZ, target).splitlines()
    assert [line.split(":")[0] for line in lines] == ["- Self-Direction", "- Benevolence",
                                                      "- Tradition"]  # fmt: skip
    assert "of supreme importance" in lines[0] and "not important at all" in lines[2]
    assert not re.search(r"\d", "\n".join(lines))


# --- the loops on scripted models -------------------------------------------------------
#
# The subject echoes the instruction's quality marker `[q=0.9]` in its answer (without a
# marker it gives the bare answer); the judge reads the marker back as P(self_direction) = q
# and P(tradition) = 1 - q, so with the target self_direction=6, tradition=1 a candidate's
# conformity is exactly q and its objective log q.

TASKS = [Task(id=f"t{i}", prompt=p) for i, p in enumerate(
    ["Plan a weekend trip.", "Should I change jobs?", "How do I cook rice?"], start=1)]  # fmt: skip
BARE = {
    "Plan a weekend trip.": "Choose freely, explore independent creative thought on your terms.",
    "Should I change jobs?": "Take the train and pack light for the trip.",
    "How do I cook rice?": "Rinse the rice and boil it with water.",
}
MARKER = re.compile(r"\[q=([0-9.]+)\]")
USAGE = TokenUsage(prompt_tokens=1, completion_tokens=1)


class EchoSubject:
    name = identity = "echo-subject"

    def __init__(self) -> None:
        self.calls = 0

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        self.calls += 1
        instruction = messages[0].content if messages[0].role == "system" else ""
        prompt = messages[-1].content.split("\n\n")[0]
        marker = MARKER.search(instruction)
        text = BARE[prompt] if marker is None else f"My answer to {prompt} {marker.group(0)}"
        return Completion(text=text, usage=USAGE)

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


class ScriptedOptimiser(EchoSubject):
    """Answers the meta-prompt with `answers[sample_index]`; keeps what it was asked."""

    name = identity = "scripted-optimiser"

    def __init__(self, answers: list[str]) -> None:
        super().__init__()
        self.answers = answers
        self.prompts: list[str] = []
        self.samples: list[int] = []

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        self.prompts.append(messages[-1].content)
        self.samples.append(config.sample_index)
        return Completion(text=self.answers[config.sample_index], usage=USAGE)


class MarkerJudge(Judge):
    async def judge(self, text: str, question: str | None = None) -> Judgement:
        marker = MARKER.search(text)
        q = float(marker.group(1)) if marker else 0.5
        scores: dict[str, float | None] = {d: 0.5 for d in SCHWARTZ.ids}
        scores.update(self_direction=q, tradition=1 - q)
        return Judgement(mode="all@once", valid=True, scores=scores, calls=1,
                         labels={d: int((s or 0) > 0.5) for d, s in scores.items()},
                         score_method="logprobs")  # fmt: skip


def scripted(tmp_path: Path, method: str, answers: list[str], max_calls: int | None = None,
             **settings: int) -> tuple[MethodContext, EchoSubject, ScriptedOptimiser]:  # fmt: skip
    subject, optimiser = EchoSubject(), ScriptedOptimiser(answers)
    model = CachedModel(subject, None)
    context = MethodContext(
        method=method, model=model, optimiser=CachedModel(optimiser, None),  # type: ignore[arg-type]
        judge=MarkerJudge(model, SCHWARTZ), framework=SCHWARTZ,
        target=parse_target("self_direction=6,tradition=1", SCHWARTZ), tasks=TASKS[:2],
        settings=MethodSettings(**settings), budget=CallBudget(max_calls),
        log=SearchLog(tmp_path / method / "candidates.jsonl"),
    )  # fmt: skip
    return context, subject, optimiser


def search(context: MethodContext) -> MethodOutcome:
    return asyncio.run(method_class(context.method)().search(context))


def proposal(q: float, words: str = "Decide things on your own") -> str:
    return f"<INS>{words} [q={q}]</INS>"


def test_opro_keeps_the_best_and_shows_its_trajectory_ascending(tmp_path: Path) -> None:
    answers = [proposal(0.7), proposal(0.9, "Choose your own path"), proposal(0.8),
               proposal(0.95, "Explore ideas on your own")]  # fmt: skip
    context, _, optimiser = scripted(tmp_path, "opro", answers, rounds=2, candidates=2)
    outcome = search(context)
    assert (outcome.instruction, outcome.stopped, outcome.rounds_run) == (
        "Explore ideas on your own [q=0.95]", "rounds", 2)  # fmt: skip
    assert outcome.score == pytest.approx(0.95)
    assert optimiser.samples == [0, 1, 2, 3]
    first, second = optimiser.prompts[0], optimiser.prompts[2]
    assert re.findall(r"score:\n(\d+)", first) == ["50"]
    assert re.findall(r"score:\n(\d+)", second) == ["50", "70", "90"]
    assert second.index("Choose your own path [q=0.9]") > second.index("[q=0.7]")
    assert "- Self-Direction: of supreme importance" in first and "<INS>" in first
    lines = [json.loads(x) for x in context.log.path.read_text().splitlines()]
    assert [(x["round"], x["kind"]) for x in lines] == [(0, "seed")] + [(1, "proposal")] * 2 + [
        (2, "proposal")] * 2  # fmt: skip
    assert [x["chosen"] for x in lines] == [False, False, False, False, True]
    assert lines[0]["text"] == value_instruction(SCHWARTZ, context.target)


def test_opro_stops_at_the_first_round_without_progress(tmp_path: Path) -> None:
    answers = [proposal(0.9), proposal(0.6, "Keep old customs"), proposal(0.8, "Be brave now"),
               proposal(0.85, "Be kind now"), proposal(0.99, "Never asked for")]  # fmt: skip
    context, _, optimiser = scripted(tmp_path, "opro", answers, rounds=4, candidates=2)
    outcome = search(context)
    assert (outcome.stopped, outcome.rounds_run) == ("converged", 2)
    assert outcome.instruction == "Decide things on your own [q=0.9]"
    assert len(optimiser.prompts) == 4 and len(context.log.candidates) == 5


def test_unreadable_and_repeated_proposals_are_logged_not_rescored(tmp_path: Path) -> None:
    answers = ["", "Sure! :)", proposal(0.9), proposal(0.9)]
    context, subject, _ = scripted(tmp_path, "opro", answers, rounds=3, candidates=2)
    outcome = search(context)
    assert (outcome.stopped, outcome.rounds_run) == ("converged", 1)
    assert outcome.instruction == value_instruction(SCHWARTZ, context.target)
    unreadable = context.log.candidates[1:]
    assert [c.score for c in unreadable] == [None, None]
    assert all((c.note or "").startswith("unreadable proposal") for c in unreadable)
    assert unreadable[1].text == "Sure! :)"

    context, subject, _ = scripted(tmp_path, "opro", answers[2:], rounds=1, candidates=2)
    search(context)
    _, first, again = context.log.candidates
    assert first.score == again.score == pytest.approx(0.9)
    assert "its responses reused" in (again.note or "")
    assert subject.calls == 2 + 2 + 2  # bare, seed, one proposal: the repeat asks nothing


@pytest.mark.parametrize("method", ["opro", "picaco"])
def test_the_budget_stops_the_search_and_keeps_the_best(tmp_path: Path, method: str) -> None:
    # seed: 2 bare + 2 judged + 2 steered + 2 judged = 8; round 1: 2 proposals + 2 x 4 = 18;
    # round 2: 2 proposals (20), the first proposal's responses (22), its judge: over 22.
    answers = [proposal(0.7), proposal(0.9, "Choose your own path"), proposal(0.99),
               proposal(0.98, "Explore ideas on your own")]  # fmt: skip
    context, _, _ = scripted(tmp_path, method, answers, max_calls=22, rounds=3, candidates=2)
    outcome = search(context)
    assert (outcome.stopped, outcome.rounds_run) == ("budget", 1)
    assert outcome.instruction == "Choose your own path [q=0.9]"
    assert context.budget.spent == 22
    chosen = [c for c in context.log.candidates if c.chosen]
    assert [c.text for c in chosen] == [outcome.instruction] and chosen[0].score == outcome.score


def test_picaco_scores_by_the_objective_and_converges_when_the_instruction_stays(
    tmp_path: Path,
) -> None:
    answers = [proposal(0.9), proposal(0.6, "Keep old customs"), proposal(0.8, "Be brave now"),
               proposal(0.9), proposal(0.99, "Never asked for")]  # fmt: skip
    context, _, optimiser = scripted(tmp_path, "picaco", answers, rounds=5, candidates=2)
    outcome = search(context)
    assert (outcome.stopped, outcome.rounds_run) == ("converged", 2)
    assert outcome.instruction == "Decide things on your own [q=0.9]"
    assert outcome.score == pytest.approx(math.log(0.9))  # not the conformity, 0.9
    assert len(optimiser.prompts) == 4
    assert "its responses reused" in (context.log.candidates[-1].note or "")


def test_picaco_pools_grow_without_duplicates_and_exclude_each_other(tmp_path: Path) -> None:
    answers = [proposal(0.7), proposal(0.8), proposal(0.9)]
    context, _, optimiser = scripted(tmp_path, "picaco", answers, rounds=3, candidates=1,
                                     aligned_pool=1, noisy_pool=1)  # fmt: skip
    context.tasks = TASKS
    outcome = search(context)
    assert (outcome.stopped, outcome.rounds_run) == ("rounds", 3)
    assert outcome.instruction == "Decide things on your own [q=0.9]"
    pools = Pools.model_validate_json((tmp_path / "picaco" / "pools.json").read_text())
    aligned, noisy = [e.text for e in pools.aligned], [e.text for e in pools.noisy]
    assert [e.round for e in pools.aligned] == [1, 2, 3] and len(set(aligned)) == 3
    # the seed changes nothing (no marker), so round 1's aligned answer is a bare one: the
    # noisy pool skips it and takes the other two bare answers, one per round, then stops
    assert aligned[0] in BARE.values() and not set(aligned) & set(noisy)
    assert [e.round for e in pools.noisy] == [1, 2] and len(set(noisy)) == 2
    assert set(noisy) | {aligned[0]} == set(BARE.values())
    assert all(e.instruction is None for e in pools.noisy)
    assert [e.instruction for e in pools.aligned][1:] == [
        "Decide things on your own [q=0.7]", "Decide things on your own [q=0.8]"]  # fmt: skip
    want, avoid = optimiser.prompts[1].split("what we do not want")
    avoid, current = avoid.split("The current instruction is:")
    assert any(a in want for a in aligned[:2]) and not any(n in want for n in noisy)
    assert any(n in avoid for n in noisy[:1]) and not any(a in avoid for a in aligned)
    assert current.startswith("\nDecide things on your own [q=0.7]")


def scored(task: str, text: str, loglik: float, parroting: float,
           objective: float | None = None) -> ScoredResponse:  # fmt: skip
    return ScoredResponse(task_id=task, text=text, valid=True, loglik=loglik,
                          parroting=parroting,
                          objective=loglik if objective is None else objective)  # fmt: skip


def test_pools_take_the_best_aligned_and_the_noisiest_bare_answers() -> None:
    steered = [scored("t1", "good", -0.1, 0.0), scored("t2", "fine", -0.3, 0.0),
               scored("t3", "poor", -1.0, 0.0)]  # fmt: skip
    bare = [scored("t1", "plain", -0.5, 0.0), scored("t2", "recites", -0.2, 0.4),
            scored("t3", "off", -0.9, 0.0), scored("t4", "good", -2.0, 0.5)]  # fmt: skip
    pools = Pools()
    pools.grow(1, "e1", steered, bare, aligned=2, noisy=2)
    assert [e.text for e in pools.aligned] == ["good", "fine"]
    # noisiness = loglik - 2 * parroting: good -3.0 (taken as aligned), recites -1.0, off -0.9
    assert [e.text for e in pools.noisy] == ["recites", "off"]
    pools.grow(2, "e2", steered, bare, aligned=2, noisy=2)
    assert [e.text for e in pools.aligned] == ["good", "fine", "poor"]
    assert [e.text for e in pools.noisy] == ["recites", "off", "plain"]
    assert [e.round for e in pools.noisy] == [1, 1, 2]


def test_picaco_meta_prompt_shows_the_pools_and_the_current_instruction(tmp_path: Path) -> None:
    context, _, _ = scripted(tmp_path, "picaco", [], aligned_pool=1, noisy_pool=5)
    pools = Pools()
    pools.grow(1, "e", [scored("t1", "acted on it", -0.1, 0.0)],
               [scored("t2", "named it", -0.9, 0.3)], aligned=1, noisy=5)  # fmt: skip
    text = meta_prompt(context, "Be yourself.", pools, 1)[0].content
    assert text.index("act on the values") < text.index("acted on it") < text.index(
        "ignore the values") < text.index("named it") < text.index("Be yourself.")  # fmt: skip
    assert "Request: Should I change jobs?" in text and "<INS>" in text


# --- end to end ---------------------------------------------------------------------------


def real_context(tmp_path: Path, model: CachedModel, method: str, name: str) -> MethodContext:
    return MethodContext(
        method=method, model=model, optimiser=model, judge=Judge(model, SCHWARTZ),  # type: ignore[arg-type]
        framework=SCHWARTZ,
        target=parse_target("self_direction=6,tradition=1,benevolence=5", SCHWARTZ),
        tasks=load_tasks()[:1], settings=MethodSettings(max_tokens=32, rounds=1, candidates=2),
        budget=CallBudget(60), log=SearchLog(tmp_path / name / "candidates.jsonl"),
    )  # fmt: skip


def check_run(context: MethodContext, outcome: MethodOutcome) -> None:
    lines = [json.loads(x) for x in context.log.path.read_text().splitlines()]
    assert len(lines) == len(context.log.candidates) >= 1 + 2 * min(outcome.rounds_run, 1)
    assert lines[0]["kind"] == "seed" and lines[0]["score"] is not None
    winner = [x for x in lines if x["chosen"]]
    assert len(winner) == 1 and winner[0]["score"] == outcome.score is not None
    assert winner[0]["text"] == outcome.instruction
    assert outcome.stopped in ("converged", "rounds") and outcome.rounds_run >= 1
    assert context.budget.spent <= 60


@pytest.mark.slow
@pytest.mark.parametrize("method", ["opro", "picaco"])
def test_each_method_on_the_embedded_model_and_a_rerun_from_the_cache(
    tmp_path: Path, method: str
) -> None:
    first = real_context(tmp_path, get_model("llamacpp"), method, "first")
    outcome = search(first)
    check_run(first, outcome)
    if method == "picaco":
        pools = Pools.model_validate_json((tmp_path / "first" / "pools.json").read_text())
        assert pools.aligned and pools.noisy
    model = get_model("llamacpp")
    again = real_context(tmp_path, model, method, "again")
    assert search(again) == outcome
    assert model.usage.model_calls == 0 and again.budget.spent == first.budget.spent
    assert again.log.path.read_text() == first.log.path.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("method", ["opro", "picaco"])
def test_each_method_through_a_llama_cpp_server(
    tmp_path: Path, cpp_llama_server: str, method: str
) -> None:
    model = get_model(f"openai:smollm2@{cpp_llama_server}", ModelSettings(constrain="grammar"))
    context = real_context(tmp_path, model, method, "server")
    context.settings = MethodSettings(max_tokens=32, rounds=1, candidates=2)

    async def run() -> MethodOutcome:
        try:
            return await method_class(context.method)().search(context)
        finally:
            await model.aclose()

    outcome = asyncio.run(run())
    check_run(context, outcome)
    assert model.usage.model_calls > 0
