"""IROTE (self-reflections) and COUPLE (counterfactual rewriting): the logic on a scripted
stand-in model whose answers and judgements are fixed by rules, then end to end on the
embedded model, through `SteeredModel`, and through a real OpenAI-compatible server."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from valuescope.frameworks import load_framework
from valuescope.judges import Judge
from valuescope.models import (
    CachedModel,
    Choice,
    Completion,
    GenerateConfig,
    Message,
    ModelSettings,
    TokenUsage,
    get_model,
    user,
)
from valuescope.steering import (
    RewriteConfig,
    SteeredModel,
    SteeringArtifact,
    Target,
    load_tasks,
    parse_target,
)
from valuescope.steering.methods import method_class
from valuescope.steering.methods.couple import (
    CoupleMethod,
    RewriteResult,
    counterfactual_rewrite,
)
from valuescope.steering.methods.couple_steps import (
    intervention_plan,
    parse_concepts,
    parse_plan_concepts,
    readable_rewrite,
)
from valuescope.steering.methods.irote import (
    MAX_WORDS,
    IroteMethod,
    keep_best,
    parse_reflection,
)
from valuescope.steering.search import (
    BudgetExhausted,
    CallBudget,
    Candidate,
    MethodContext,
    MethodOutcome,
    MethodSettings,
    SearchLog,
)

SCHWARTZ = load_framework("schwartz10")
TARGET = parse_target("self_direction=6,tradition=1", SCHWARTZ)
TASKS = load_tasks()[:2]  # t01 (the bakery job), t02 (friends visiting)

# --- a scripted stand-in -----------------------------------------------------------------

INDEPENDENT = "Go your own way here and choose what you find worth exploring."
CUSTOMARY = "Follow the customs your family has kept, as your elders did."
NEUTRAL = "Make a list, compare the costs and sleep on it before you answer."
REWRITTEN = "Choose your own way here: explore what the offer means to you and decide freely."

Rule = Callable[[list[Message], GenerateConfig], str | None]


def judge_labels(text: str) -> str:
    """The all@once judge's JSON: self_direction for 'own way', tradition for 'custom'."""
    lowered = text.lower()
    labels = dict.fromkeys(SCHWARTZ.ids, 0)
    labels["self_direction"] = int("own way" in lowered)
    labels["tradition"] = int("custom" in lowered)
    return json.dumps(labels, separators=(",", ":"))


class FakeBackend:
    """Answers `generate` by rules: the judge from keywords in the judged text, proposals
    and rewrites from the `rules` a test gives, task responses from the steering text."""

    def __init__(self, rules: list[Rule] | None = None) -> None:
        self.rules = rules or []
        self.asked: list[tuple[list[Message], GenerateConfig]] = []

    @property
    def name(self) -> str:
        return "fake"

    @property
    def identity(self) -> str:
        return "fake|test"

    async def generate(self, messages: list[Message], config: GenerateConfig) -> Completion:
        self.asked.append((messages, config))
        return Completion(text=self.answer(messages, config), finish_reason="stop",
                          usage=TokenUsage(prompt_tokens=10, completion_tokens=5))  # fmt: skip

    def answer(self, messages: list[Message], config: GenerateConfig) -> str:
        last = messages[-1].content
        if config.grammar is not None:  # the judge (all@once, generic route)
            return judge_labels(last.split("Answer:\n", 1)[-1])
        for rule in self.rules:
            if (said := rule(messages, config)) is not None:
                return said
        if "List the values" in last:
            return "Here are the ideas:\n- following customs\n- family duty"
        if "will be rewritten to reflect other priorities" in last:
            return "1. choosing your own path\n2) (leave out) keeping old customs\n9. junk"
        if "Rewrite the original" in last:
            return f"Rewritten response: {REWRITTEN}"
        steering = messages[0].content if messages[0].role == "system" else ""
        if "own way" in steering or "left home" in steering:
            return INDEPENDENT
        if "customs" in steering:
            return CUSTOMARY
        return CUSTOMARY if "bakery" not in last else INDEPENDENT

    async def choose(self, messages: list[Message], options: list[str]) -> Choice:
        raise NotImplementedError("the fake only writes")

    async def aclose(self) -> None:
        return None


def fake_model(rules: list[Rule] | None = None) -> tuple[CachedModel, FakeBackend]:
    backend = FakeBackend(rules)
    return CachedModel(backend, None), backend


def context_for(model: CachedModel, tmp_path: Path, method: str, max_calls: int | None = None,
                target: Target = TARGET, **settings: float) -> MethodContext:  # fmt: skip
    framework = load_framework(target.framework)
    return MethodContext(
        method=method, model=model, optimiser=model, judge=Judge(model, framework),  # type: ignore[arg-type]
        framework=framework, target=target, tasks=TASKS,
        settings=MethodSettings(**settings),  # type: ignore[arg-type]
        budget=CallBudget(max_calls), log=SearchLog(tmp_path / method / "candidates.jsonl"),
    )  # fmt: skip


def couple_artifact(threshold: float = 0.25, max_tokens: int = 48,
                    target: Target = TARGET) -> SteeringArtifact:  # fmt: skip
    return SteeringArtifact(
        method="couple", framework=target.framework, target=target, instruction="Be free.",
        rewrite=RewriteConfig(threshold=threshold, max_tokens=max_tokens),
    )  # fmt: skip


# --- IROTE: parsing and keeping ------------------------------------------------------------


def test_parse_reflection_drops_preambles_and_caps_length() -> None:
    text = 'Sure! Here is the reflection:\n\n"I grew up on a farm and learned that my own way was worth it."\n\nNotes: ...'  # noqa: E501
    assert parse_reflection(text) == (
        "I grew up on a farm and learned that my own way was worth it.", None)  # fmt: skip
    assert parse_reflection("Reflection: - I left home at seventeen and never looked back.")[0] \
        == "I left home at seventeen and never looked back."  # fmt: skip
    assert parse_reflection("Original response: In my ten years abroad I kept my customs.")[0] \
        == "In my ten years abroad I kept my customs."  # fmt: skip
    assert parse_reflection("The weather is nice today and nobody knows why.") == (
        None, "not in the first person")  # fmt: skip
    assert parse_reflection("") == (None, "empty")
    assert parse_reflection("!!! ### ??? 123 456") == (None, "not prose")
    assert parse_reflection("I did.")[1] == "too short (2 words)"
    long = "I grew up by the sea. " + " ".join(["and I kept walking"] * 20)
    capped, why = parse_reflection(long)
    assert why is None and capped is not None and len(capped.split()) <= MAX_WORDS
    assert capped.endswith(".")


def test_keep_best_ranks_by_score_and_prefers_the_shorter_of_equals() -> None:
    def c(text: str, score: float | None) -> Candidate:
        return Candidate(round=1, kind="reflection", text=text, score=score)

    short, long = c("I found my own way early.", -1.0), c("I found my own way early " * 3, -1.0)
    best = c("I left.", -0.2)
    kept = keep_best([long, c("unscored", None), short, best, c("I stayed.", -5.0)], 2)
    assert [k.text for k in kept] == [best.text, short.text]


# --- IROTE: the search on the scripted model ---------------------------------------------

PROPOSALS = {  # round 1, by sample index
    0: 'Sure! Here is the reflection:\n"I grew up on a farm and learned that my own way was worth every risk I took."',  # noqa: E501
    1: "1. The weather is nice today and nobody knows.",
    2: "I grew up honouring the customs of my elders in every season.",
}
MERGED_ROUND_2 = {0: "I left home young and found my own way.",
                  1: PROPOSALS[0].split('"')[1], 2: "???"}  # fmt: skip
MERGED_ROUND_3 = {0: "I left home young and found my own way.",
                  1: "I kept the customs of my elders all my life.", 2: "..."}  # fmt: skip


def irote_rule(messages: list[Message], config: GenerateConfig) -> str | None:
    last = messages[-1].content
    if "Write one self-reflection" in last:
        return PROPOSALS[config.sample_index]
    if "Here are self-reflections" in last:
        merged = MERGED_ROUND_3 if "found my own way" in last else MERGED_ROUND_2
        return merged[config.sample_index]
    return None


def test_irote_keeps_the_best_reflection_and_stops_when_the_kept_set_stops_changing(
    tmp_path: Path,
) -> None:
    model, backend = fake_model([irote_rule])
    context = context_for(model, tmp_path, "irote", rounds=5, candidates=3, reflections=1)
    outcome = asyncio.run(IroteMethod().search(context))
    assert outcome.stopped == "converged" and outcome.rounds_run == 3
    # round 2's shorter merge scored as well as the long reflection and replaced it
    assert outcome.reflections == ["I left home young and found my own way."]
    log = context.log.candidates
    kinds = [(c.round, c.kind, c.score is not None, c.note) for c in log]
    assert kinds[:3] == [
        (1, "reflection", True, "18 words"),
        (1, "reflection", False, "unreadable proposal: not in the first person"),
        (1, "reflection", True, "12 words"),
    ]
    assert [k[2] for k in kinds[3:6]] == [True, False, False]  # new merge, repeat, junk
    assert kinds[4][3] == "a repeat of an earlier reflection (not rescored)"
    # 9 proposals; 2 tasks x (response + judgement) for the bare model and each of the 4
    # new readable reflections; the final set of one is its own candidate's responses
    assert context.budget.spent == 9 + 5 * 4
    final = log[-1]
    assert final.kind == "final" and final.reflections == outcome.reflections
    assert final.score == outcome.score and final.text.startswith("A few things about who")
    scores = {c.text: c.score for c in log if c.score is not None}
    assert scores[PROPOSALS[2]] < scores[outcome.reflections[0]]  # customs: tradition shows
    # every reflection was scored with the artifact's own rendering in front of the tasks
    fronts = {m[0].content for m, c in backend.asked if m[0].role == "system" and
              m[0].content.startswith("A few things")}  # fmt: skip
    assert "A few things about who you are, in your own words:\n- " + PROPOSALS[2] in fronts
    # compactness fed the kept reflection back with its score (one kept: rewrite it)
    merges = [m[-1].content for m, _ in backend.asked if "Here are self-" in m[-1].content]
    assert len(merges) == 6
    first = PROPOSALS[0].split('"')[1]
    assert f"1. (score {scores[first]:.2f}) {first}" in merges[0]
    assert "Rewrite reflection 1 into a new one" in merges[0] and "1. (score" in merges[3]
    assert [json.loads(line)["kind"] for line in
            context.log.path.read_text().splitlines()][-1] == "final"  # fmt: skip


def test_irote_stops_on_the_budget_with_the_best_so_far(tmp_path: Path) -> None:
    model, _ = fake_model([irote_rule])
    # round 1: write (1), bare responses and judgements (4), responses and judgements (4),
    # write (10, unreadable), write (11), a response (12): the next request passes 12
    context = context_for(model, tmp_path, "irote", max_calls=12, rounds=3, candidates=3,
                          reflections=1)  # fmt: skip
    outcome = asyncio.run(IroteMethod().search(context))
    assert outcome.stopped == "budget" and outcome.rounds_run == 1
    assert outcome.reflections == [PROPOSALS[0].split('"')[1]]
    assert context.budget.spent == 12
    with pytest.raises(BudgetExhausted):  # nothing scored at all: the runner decides
        asyncio.run(IroteMethod().search(context_for(model, tmp_path, "irote", max_calls=3)))


# --- COUPLE: the plan, the parsers ---------------------------------------------------------


def test_intervention_plan_follows_the_relation_graph() -> None:
    # by hand from schwartz10.yaml: self_direction (6 -> raise) is consistent with
    # stimulation and universalism (support) and opposes conformity, tradition, security;
    # tradition (1 -> lower) is a target value, so it keeps its own direction
    plan = [(e.dimension, e.direction) for e in intervention_plan(SCHWARTZ, TARGET)]
    assert plan == [
        ("self_direction", "raise"), ("tradition", "lower"), ("stimulation", "support"),
        ("security", "recede"), ("conformity", "recede"), ("universalism", "support"),
    ]  # fmt: skip
    # two high priorities that pull against each other's neighbours: stimulation is
    # consistent with self_direction but opposes security, conformity the other way round:
    # both are left alone; tradition opposes self_direction and recedes
    both = parse_target("self_direction=6,security=6", SCHWARTZ)
    entries = intervention_plan(SCHWARTZ, both)
    assert [(e.dimension, e.direction) for e in entries] == [
        ("self_direction", "raise"), ("security", "raise"), ("power", "support"),
        ("tradition", "recede"), ("universalism", "support"),
    ]  # fmt: skip
    assert entries[2].because == "consistent with security"
    assert entries[3].because == "opposes self_direction"
    middle = parse_target("benevolence=3.5", SCHWARTZ)
    assert [(e.dimension, e.direction) for e in intervention_plan(SCHWARTZ, middle)] == [
        ("benevolence", "moderate")]  # fmt: skip


def test_couple_parsers_read_junk_robustly() -> None:
    assert parse_concepts("Here are the ideas:\n- following customs\n2. family duty\n\n* x") \
        == ["following customs", "family duty", "x"]  # fmt: skip
    assert parse_concepts("a very long line " * 5) == []
    ideas = parse_plan_concepts("1. choosing your path\n2) (leave out) old customs\n7. no\nx", 3)
    assert ideas == {0: "choosing your path", 1: "old customs"}
    draft = "Make a list, compare the costs and sleep on it before you answer her."
    assert readable_rewrite('Here is the rewritten response: "Choose freely, go your way." ',
                            "Go.") == ("Choose freely, go your way.", None)  # fmt: skip
    assert readable_rewrite("   ", draft) == (None, "empty")
    assert readable_rewrite(draft, draft) == (None, "it repeats the draft unchanged")
    assert readable_rewrite("Original response: blah blah blah blah", draft)[1] == \
        "it echoes the instructions"  # fmt: skip
    assert readable_rewrite("Choose.", draft)[1] == "1 words for a draft of 14"
    assert readable_rewrite("go " * 20, draft)[1] == "it repeats itself"
    assert readable_rewrite("1234 5678 !!!! #### $$$$ %%%%", draft)[1] == "it is not prose"


# --- COUPLE: one draft on the scripted model ----------------------------------------------

CONFIG = GenerateConfig(max_tokens=48, temperature=0.0, seed=0)
QUESTION = [user(TASKS[0].question())]


def rewrite(draft: str, rules: list[Rule] | None = None,
            config: GenerateConfig = CONFIG) -> tuple[RewriteResult, FakeBackend]:  # fmt: skip
    model, backend = fake_model(rules)
    given = Completion(text=draft, finish_reason="stop",
                       usage=TokenUsage(prompt_tokens=100, completion_tokens=20))  # fmt: skip
    result = asyncio.run(counterfactual_rewrite(model, couple_artifact(), QUESTION, given, config,
                                                SCHWARTZ))  # fmt: skip
    return result, backend


def test_a_draft_within_the_threshold_is_kept_after_one_judgement() -> None:
    result, backend = rewrite(INDEPENDENT)  # self_direction 1, tradition 0: on target
    assert result.outcome == "kept" and result.completion.text == INDEPENDENT
    assert result.completion.finish_reason == (
        "couple: kept (largest deviation 0.00 on self_direction <= 0.25); stop")  # fmt: skip
    assert len(backend.asked) == 1 and backend.asked[0][1].grammar is not None
    assert result.completion.usage == TokenUsage(prompt_tokens=100, completion_tokens=20)
    constrained, backend = rewrite(CUSTOMARY, config=CONFIG.model_copy(update={"grammar": "x"}))
    assert constrained.outcome == "kept" and not backend.asked


def test_a_draft_off_target_is_rewritten_from_the_plan() -> None:
    result, backend = rewrite(CUSTOMARY)  # self_direction 0, tradition 1: 1.0 off
    assert result.outcome == "rewritten" and result.completion.text == REWRITTEN
    assert result.completion.finish_reason == (
        "couple: rewritten (largest deviation 1.00 on self_direction > 0.25); stop")  # fmt: skip
    assert result.expressed == ["following customs", "family duty"]
    assert result.ideas == {0: "choosing your own path", 1: "keeping old customs"}
    asked = backend.asked[-1][0][-1].content
    assert "- brings in: choosing your own path (Self-Direction); " in asked
    assert "Stimulation" in asked and "Universalism" in asked
    assert "- leaves out or plays down: keeping old customs (Tradition); " in asked
    assert "Security" in asked and "Conformity" in asked and "Power" not in asked
    assert backend.asked[-1][1] == CONFIG  # the rewrite is written under the caller's config
    # the draft plus extraction, concepts and rewrite (the judge's tokens are not in it)
    assert result.completion.usage == TokenUsage(prompt_tokens=130, completion_tokens=35)
    assert len(backend.asked) == 4


@pytest.mark.parametrize("garbled", ["", "Original response: " + CUSTOMARY, "!!! ### %%% 999"])
def test_a_garbled_rewrite_falls_back_to_the_draft(garbled: str) -> None:
    def junk(messages: list[Message], config: GenerateConfig) -> str | None:
        return garbled if "Rewrite the original" in messages[-1].content else None

    result, _ = rewrite(CUSTOMARY, [junk])
    assert result.outcome == "fallback" and result.completion.text == CUSTOMARY
    assert (result.completion.finish_reason or "").startswith(
        "couple: fallback (largest deviation 1.00 on self_direction > 0.25; the rewrite was "
        "unusable: ")  # fmt: skip


def test_couple_search_counts_every_inner_call_and_logs_one_candidate(tmp_path: Path) -> None:
    model, _ = fake_model()
    context = context_for(model, tmp_path, "couple", threshold=0.25, max_tokens=48)
    outcome = asyncio.run(CoupleMethod().search(context))
    # t01 (bakery) drafts on target: kept; t02 drafts the customs: rewritten
    assert outcome.stopped == "no search" and outcome.rewrite_threshold == 0.25
    assert outcome.instruction is not None and outcome.instruction.startswith("Let these")
    # per task: draft + judge (2), COUPLE's judge (1), [extraction, concepts, rewrite (3)],
    # the rewritten response's judge (1): 4 + 7
    assert context.budget.spent == 11
    [candidate] = context.log.candidates
    assert candidate.kind == "rewrite" and candidate.note == outcome.notes[0]
    assert candidate.note.startswith("rewrote 1 of 2 drafts, kept 1 (within 0.25")
    assert [r.text for r in candidate.responses] == [INDEPENDENT, REWRITTEN]
    assert outcome.score == candidate.score
    # the budget runs out in t02's rewrite: t01 is logged, the stop is said
    model, _ = fake_model()
    short = context_for(model, tmp_path / "short", "couple", max_calls=7)
    outcome = asyncio.run(CoupleMethod().search(short))
    assert outcome.stopped == "budget" and short.budget.spent == 7
    assert outcome.notes[0].endswith("the budget ran out after 1 of 2 tasks")


def test_the_registry_names_both_methods() -> None:
    assert method_class("irote") is IroteMethod and method_class("couple") is CoupleMethod


# --- real models ---------------------------------------------------------------------------


# Moral foundations (6 dimensions: a judgement costs 6 slots, not schwartz10's 10), with
# two values that pull against each other (liberty opposes authority)
MFT_TARGET = parse_target("liberty=6,authority=1", load_framework("mft6"))


def tiny(model: CachedModel, tmp_path: Path, method: str, candidates: int = 2) -> MethodContext:
    """CI-sized: 2 tasks, 32-token responses, 2 rounds of `candidates` proposals."""
    return context_for(model, tmp_path, method, target=MFT_TARGET, rounds=2,
                       candidates=candidates, reflections=1, max_tokens=32)  # fmt: skip


def check_irote(outcome: MethodOutcome, context: MethodContext) -> None:
    log = context.log.candidates
    assert outcome.stopped in ("converged", "rounds") and 1 <= outcome.rounds_run <= 2
    assert all(c.kind in ("reflection", "merged", "final") for c in log)
    scored = [c for c in log if c.kind != "final" and c.score is not None]
    if outcome.reflections:  # a kept set: the best of the scored reflections, scored together
        assert log[-1].kind == "final" and log[-1].reflections == outcome.reflections
        assert outcome.reflections[0] == keep_best(scored, 1)[0].text
        assert len(outcome.reflections[0].split()) <= MAX_WORDS
    else:  # the tiny model wrote nothing readable: said, not hidden
        assert not scored and "steers nothing" in outcome.notes[-1]
    unreadable = [c for c in log if c.note and c.note.startswith("unreadable")]
    proposals = 2 * context.settings.candidates
    assert len(scored) + len(unreadable) + sum("repeat" in (c.note or "") for c in log) == proposals


def check_couple(outcome: MethodOutcome, context: MethodContext) -> None:
    [candidate] = context.log.candidates
    assert outcome.stopped == "no search" and candidate.kind == "rewrite"
    assert len(candidate.responses) == 2 and all(r.text for r in candidate.responses)
    counts = re.match(r"rewrote (\d+) of 2 drafts, kept (\d+) .*, (\d+) fell back",
                      candidate.note or "")  # fmt: skip
    assert counts is not None and sum(int(n) for n in counts.groups()) == 2
    assert outcome.score is not None and outcome.score == candidate.score


@pytest.mark.slow
def test_irote_on_the_embedded_model_and_a_rerun_from_the_cache(tmp_path: Path) -> None:
    model = get_model("llamacpp")
    context = tiny(model, tmp_path, "irote", candidates=1)  # one proposal a round: both steps
    outcome = asyncio.run(IroteMethod().search(context))
    check_irote(outcome, context)
    calls = model.usage.model_calls
    assert calls > 0 and context.budget.spent >= calls
    again = tiny(model, tmp_path / "again", "irote", candidates=1)
    assert asyncio.run(IroteMethod().search(again)) == outcome
    assert model.usage.model_calls == calls  # every request answered from the cache
    assert again.budget.spent == context.budget.spent


@pytest.mark.slow
def test_couple_on_the_embedded_model_and_through_steered_model(tmp_path: Path) -> None:
    model = get_model("llamacpp")
    context = tiny(model, tmp_path, "couple")
    outcome = asyncio.run(CoupleMethod().search(context))
    check_couple(outcome, context)
    # the artifact the runner builds, in front of the same model: the same drafts and
    # rewrites (from the cache), each with its reason
    artifact = couple_artifact(outcome.rewrite_threshold or 0.0, 32, MFT_TARGET)
    steered = SteeredModel(model, artifact.model_copy(update={"instruction": outcome.instruction}))
    calls = model.usage.model_calls
    completion = asyncio.run(steered.generate([user(TASKS[1].question())],
                                              context.response_config()))  # fmt: skip
    assert completion.finish_reason is not None
    assert completion.finish_reason.startswith(("couple: kept", "couple: rewritten",
                                                "couple: fallback"))  # fmt: skip
    assert completion.text.strip() == context.log.candidates[0].responses[1].text
    assert model.usage.model_calls == calls and completion.cached


@pytest.mark.slow
def test_both_methods_through_a_llama_cpp_server(cpp_llama_server: str, tmp_path: Path) -> None:
    async def run(method: str) -> tuple[MethodOutcome, MethodContext]:
        model = get_model(f"openai:smollm2@{cpp_llama_server}",
                          ModelSettings(constrain="grammar"))  # fmt: skip
        try:
            context = tiny(model, tmp_path, method, candidates=1)
            return await method_class(method)().search(context), context  # type: ignore[arg-type]
        finally:
            await model.aclose()

    check_irote(*asyncio.run(run("irote")))
    check_couple(*asyncio.run(run("couple")))
