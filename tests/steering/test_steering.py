"""Steering's own parts: targets, artifacts and `--steering`, the objective, the method
table and its tests, the steer run (search, evaluation, transfer, export, resume) on the
embedded model and through a llama.cpp server."""

from __future__ import annotations

import asyncio
import json
import math
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.gallery import cache_of, output_of
from valuescope.cli import app
from valuescope.datasets import DataFileError
from valuescope.engine import resume
from valuescope.frameworks import load_framework
from valuescope.models import system, user
from valuescope.steering import (
    SteeringArtifact,
    SteeringError,
    TargetError,
    load_steering,
    load_target,
    load_tasks,
    parse_scale,
    parse_target,
    split_tasks,
)
from valuescope.steering.config import SteerConfig
from valuescope.steering.evaluation import EvaluationSample
from valuescope.steering.export import training_records
from valuescope.steering.objective import conformity, parroting, value_loglik
from valuescope.steering.run import Steerer
from valuescope.steering.search import MethodSettings
from valuescope.steering.summary import finding, paired_comparisons
from valuescope.steering.tasks import Task

RUNNER = CliRunner()
SCHWARTZ = load_framework("schwartz10")
CONFLICT = "self_direction=6,tradition=1,benevolence=5"


# --- targets ----------------------------------------------------------------------------------


def test_a_target_names_known_dimensions_on_its_scale() -> None:
    target = parse_target("Self-Direction=6, tradition=1", SCHWARTZ)
    assert target.priorities == {"self_direction": 6.0, "tradition": 1.0}
    assert target.normalised("self_direction") == 1.0 and target.normalised("tradition") == 0.0
    assert target.on_scale(0.5) == 3.5 and target.ranked() == ["self_direction", "tradition"]
    with pytest.raises(TargetError, match="known: self_direction, stimulation"):
        parse_target("freedom=6", SCHWARTZ)
    with pytest.raises(TargetError, match=r"off the scale 1\.\.6: power=7"):
        parse_target("power=7", SCHWARTZ)
    with pytest.raises(TargetError, match="named twice"):
        parse_target("power=2,Power=3", SCHWARTZ)
    with pytest.raises(TargetError, match="name=priority"):
        parse_target("power", SCHWARTZ)
    assert parse_target("power=5", SCHWARTZ, parse_scale("1..5")).normalised("power") == 1.0


def test_a_target_file_names_the_line_at_fault(tmp_path: Path) -> None:
    path = tmp_path / "target.yaml"
    path.write_text("scale: [1, 5]\npriorities:\n  power: 5\n  freedom: 2\n", "utf-8")
    with pytest.raises(DataFileError, match=r"target.yaml:4: 'freedom' is not a dimension"):
        load_target(path, SCHWARTZ)
    path.write_text("framework: mft6\npriorities:\n  power: 5\n", "utf-8")
    with pytest.raises(DataFileError, match=r"target.yaml:1: the target is for mft6"):
        load_target(path, SCHWARTZ)
    path.write_text("scale: [1, 5]\npriorities:\n  power: 5\n  tradition: 1\n", "utf-8")
    assert load_target(path, SCHWARTZ).normalised("power") == 1.0


def test_tasks_split_in_halves_with_the_seed(tmp_path: Path) -> None:
    tasks = load_tasks()
    assert len(tasks) >= 60
    split = split_tasks(tasks, seed=3, source="shipped")
    ids = [t.id for t in split.optimisation + split.held_out]
    assert sorted(ids) == sorted(t.id for t in tasks)
    assert split == split_tasks(tasks, seed=3, source="shipped")
    assert split != split_tasks(tasks, seed=4, source="shipped")
    lines = tmp_path / "tasks.txt"
    lines.write_text("a\nb\n\nc\n", "utf-8")
    with pytest.raises(DataFileError, match="3 tasks; steering needs at least 4"):
        load_tasks(lines)


# --- artifacts and --steering ---------------------------------------------------------------


def _artifact(instruction: str = "Value tradition above all.") -> SteeringArtifact:
    target = parse_target("tradition=6", SCHWARTZ)
    return SteeringArtifact(method="prompt", framework="schwartz10", target=target,
                            instruction=instruction)  # fmt: skip


def test_an_artifact_goes_in_front_of_the_conversation(tmp_path: Path) -> None:
    artifact = _artifact()
    assert artifact.apply([user("Hi")]) == [system("Value tradition above all."), user("Hi")]
    merged = artifact.apply([system("You are Ann."), user("Hi")])
    assert merged == [system("Value tradition above all.\n\nYou are Ann."), user("Hi")]
    reflective = artifact.model_copy(update={"reflections": ["I keep my family's customs."]})
    assert "- I keep my family's customs." in (reflective.system_text() or "")
    assert artifact.digest() != _artifact("Value freedom.").digest()
    assert artifact.digest() == artifact.model_copy(update={"score": 0.3}).digest()
    for method in ("prompt", "opro"):
        artifact.model_copy(update={"method": method}).save(
            tmp_path / "run" / "methods" / method / "artifact.json")  # fmt: skip
    assert load_steering(tmp_path / "run" / "methods" / "opro").method == "opro"
    with pytest.raises(SteeringError, match="holds 2 steering methods; name one"):
        load_steering(tmp_path / "run")
    with pytest.raises(SteeringError, match="no steering artifact at"):
        load_steering(tmp_path / "nowhere")
    (tmp_path / "bad.json").write_text("{}", "utf-8")
    with pytest.raises(SteeringError, match=r"bad\.json: not a steering artifact"):
        load_steering(tmp_path / "bad.json")


@pytest.mark.slow
def test_measure_with_steering_puts_the_instruction_in_every_prompt(tmp_path: Path) -> None:
    """`measure --steering` on the embedded model: every rendered prompt starts with the
    instruction, the manifest's identity names the artifact, and a changed artifact is a
    changed model for `--resume`."""
    path = tmp_path / "artifact.json"
    _artifact("Always answer as a devoted traditionalist.").save(path)
    out = tmp_path / "measure"
    args = ["measure", "--framework", "schwartz10", "--limit", "2", "--paraphrases", "0"]
    result = RUNNER.invoke(app, [*args, "--steering", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    prompts = [json.loads(line)["prompt"] for line in (out / "samples.jsonl").open()]
    assert prompts and all("devoted traditionalist" in p for p in prompts)
    manifest = json.loads((out / "manifest.json").read_text())
    assert "+steering:prompt:" in manifest["model_identity"]
    assert manifest["config"]["steering"] == str(path)
    _artifact("Always answer as a rebel.").save(path)
    resumed = RUNNER.invoke(app, ["measure", "--resume", str(out)])
    assert resumed.exit_code == 2 and "model" in resumed.output
    bare = RUNNER.invoke(app, [*args, "--out", str(tmp_path / "bare")])
    assert bare.exit_code == 0
    assert not any("rebel" in json.loads(line)["prompt"]
                   for line in (tmp_path / "bare" / "samples.jsonl").open())  # fmt: skip
    missing = RUNNER.invoke(app, [*args, "--steering", str(tmp_path / "none")])
    assert missing.exit_code == 2 and "no steering artifact" in missing.output


# --- the objective ----------------------------------------------------------------------------


def test_conformity_loglik_and_parroting_by_hand() -> None:
    target = parse_target("self_direction=6,tradition=1,benevolence=3.5", SCHWARTZ)
    expression = {"self_direction": 0.8, "tradition": 0.3, "benevolence": 0.9, "power": 1.0}
    per_value = conformity(expression, target)
    assert per_value == pytest.approx({"self_direction": 0.8, "tradition": 0.7,
                                       "benevolence": 0.6})  # fmt: skip
    expected = (math.log(0.8) + math.log(0.7) + math.log(0.5 * 0.9 + 0.5 * 0.1)) / 3
    assert value_loglik(expression, target) == pytest.approx(expected)
    vocabulary = frozenset({"indepe", "tradit", "custom"})
    assert parroting("Independence and tradition matter; customs too, friends.", vocabulary) \
        == pytest.approx(3 / 5)  # fmt: skip
    assert parroting("", vocabulary) == 0.0


# --- the method table -------------------------------------------------------------------------


def _sample(condition: str, task: int, value: float, valid: bool = True) -> EvaluationSample:
    return EvaluationSample(item_id=f"t{task}", condition=condition, valid=valid,
                            response=f"{condition} answer {task}", conformity=value)  # fmt: skip


def test_paired_tests_name_a_winner_only_when_it_beats_bare() -> None:
    bare = {f"t{i}": 0.5 + 0.01 * (i % 3) for i in range(12)}
    strong = {t: v + 0.2 + 0.01 * (i % 2) for i, (t, v) in enumerate(bare.items())}
    noise = {t: v + (0.01 if i % 2 else -0.01) for i, (t, v) in enumerate(bare.items())}
    comparisons = paired_comparisons({"bare": bare, "opro": strong, "prompt": noise},
                                     ["bare", "opro", "prompt"], seed=0)  # fmt: skip
    # one sign convention: method minus bare
    assert [(c.a, c.b) for c in comparisons] == [("opro", "bare"), ("prompt", "bare"),
                                                 ("opro", "prompt")]  # fmt: skip
    bare_opro = comparisons[0]
    assert bare_opro.mean_difference.value == pytest.approx(0.205)
    assert bare_opro.p_permutation.value == pytest.approx(2 / 4096)  # every sign flip, exact
    assert bare_opro.p_holm == pytest.approx(3 * 2 / 4096) and bare_opro.significant
    assert comparisons[1].significant is False

    from valuescope.stats import CIStat, Stat
    from valuescope.steering.summary import ConditionMetrics

    def metrics(name: str, value: float) -> ConditionMetrics:
        return ConditionMetrics(
            condition=name, n_valid=12, n_invalid=0, expression={}, conformity={},
            mean_conformity=CIStat(value=value), balance_cv=Stat.of(0.1), mae=Stat.of(1.0),
            spearman=Stat.of(0.5), parroting=None, prompt_tokens=0, completion_tokens=0,
        )  # fmt: skip

    table = [metrics("bare", 0.51), metrics("opro", 0.71), metrics("prompt", 0.51)]
    best, sentence = finding(table, comparisons)
    assert best == "opro" and sentence.startswith("opro steered best")
    weak = paired_comparisons({"bare": bare, "prompt": noise}, ["bare", "prompt"], seed=0)
    best, sentence = finding([metrics("bare", 0.51), metrics("prompt", 0.52)], weak)
    assert best is None and "no winner is named" in sentence


def test_the_method_tables_cis_are_t_intervals_over_tasks() -> None:
    """Mean conformity and expression over 3 tasks: mean +- t(0.975, 2) sd / sqrt(3) (a
    percentile bootstrap over 3 tasks covered about 0.7); 2 tasks or tasks that all score
    the same give the mean without an interval, and the reason says why."""
    from valuescope.steering.evaluation import EvaluationConfig
    from valuescope.steering.summary import condition_metrics

    framework = SCHWARTZ
    target = parse_target("self_direction=6,tradition=1", framework)
    config = EvaluationConfig(model="sim", framework=framework.id, target=target, steer_dir="d",
                              methods=[], tasks=[Task(id="t0", prompt="p")])  # fmt: skip
    samples = [
        EvaluationSample(
            item_id=f"t{i}",
            condition="bare",
            valid=True,
            conformity=v,
            expression={"self_direction": v, "tradition": 0.5},
        )
        for i, v in enumerate([0.2, 0.3, 0.4])
    ]
    half = 4.302652729911275 * 0.1 / 3**0.5
    metrics = condition_metrics("bare", samples, config, framework)
    for stat in (metrics.mean_conformity, metrics.expression["self_direction"]):
        assert stat.value == pytest.approx(0.3)
        assert (stat.ci_low, stat.ci_high) == (pytest.approx(0.3 - half), pytest.approx(0.3 + half))
    same = metrics.expression["tradition"]
    assert same.value == 0.5 and same.ci_low is None and same.ci_high is None
    assert same.reason is not None and "all 3 scored tasks have the same score" in same.reason
    two = condition_metrics("bare", samples[:2], config, framework).mean_conformity
    assert two.value == pytest.approx(0.25) and two.ci_low is None
    assert two.reason == "needs >= 3 scored tasks, has 2"


def test_training_records_follow_trl_and_prefer_the_more_conforming_answer() -> None:
    tasks = [Task(id="t1", prompt="Plan my week."), Task(id="t2", prompt="Pick a gift.")]
    samples = [_sample("bare", 1, 0.5), _sample("bare", 2, 0.7), _sample("opro", 1, 0.8),
               _sample("opro", 2, 0.6), _sample("prompt", 1, 0.9, valid=False)]  # fmt: skip
    sft, dpo = training_records(samples, tasks)
    assert [r["task_id"] for r in sft] == ["t1", "t2"]
    assert sft[0]["messages"] == [
        {"role": "user", "content": tasks[0].question()},
        {"role": "assistant", "content": "opro answer 1"},
    ]
    assert len(dpo) == 1  # t2's steered answer conforms less than bare's: no pair
    pair = dpo[0]
    assert pair["prompt"] == [{"role": "user", "content": tasks[0].question()}]
    assert pair["chosen"] == [{"role": "assistant", "content": "opro answer 1"}]
    assert pair["rejected"] == [{"role": "assistant", "content": "bare answer 1"}]


# --- whole runs -----------------------------------------------------------------------------


def _check_trl_files(export: Path) -> None:
    """The export as TRL reads it: with `datasets` where installed, else by its schema."""
    for name, columns in (("sft.jsonl", {"messages"}), ("dpo.jsonl", {"prompt", "chosen",
                                                                       "rejected"})):  # fmt: skip
        records = [json.loads(line) for line in (export / name).open()]
        for record in records:
            assert columns <= set(record)
            for column in columns:
                assert all(set(turn) == {"role", "content"} for turn in record[column])
        try:
            import datasets  # type: ignore[import-not-found]
        except ImportError:
            continue
        if records:
            loaded = datasets.load_dataset("json", data_files=str(export / name), split="train")
            assert set(loaded.column_names) >= columns


def test_steer_on_the_embedded_model_end_to_end(
    gallery: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gallery's steer run on the embedded model (`prompt` and `opro`, one round, on a
    target with conflicting values, see tests/helpers/gallery.py): search, held-out evaluation,
    transfer to the questionnaire, export; then a copy resumes at no model cost."""
    printed = output_of(gallery["steer"])
    assert "held-out evaluation" in printed and "finding:" in printed
    # each transfer questionnaire's verdict, as its own measure run gives it
    verdicts = json.loads((gallery["steer"] / "steer.json").read_text())["warnings"]
    [line] = [w for w in verdicts if w.startswith("trait transfer questionnaire verdicts: ")]
    for condition in ("bare", "prompt", "opro"):
        own = json.loads((gallery["steer"] / "transfer" / condition / "results.json").read_text())
        assert f"{condition} {own['verdict']['level']}" in line, line
    out = tmp_path / "steer"
    shutil.copytree(gallery["steer"], out)
    report = json.loads((out / "steer.json").read_text())
    assert set(report["methods"]) == {"prompt", "opro"}
    lines = (out / "methods" / "prompt" / "candidates.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["chosen"] is True
    assert report["methods"]["prompt"]["requests"] == 8  # 2 bare + 2 steered, each judged
    opro = [json.loads(x) for x in (out / "methods" / "opro" / "candidates.jsonl").open()]
    assert len(opro) >= 1 + 2 and sum(c["chosen"] for c in opro) == 1  # seed + one round
    for method in ("prompt", "opro"):
        assert load_steering(out / "methods" / method).method == method
    evaluation = report["evaluation"]
    assert [c["condition"] for c in evaluation["conditions"]] == ["bare", "prompt", "opro"]
    assert all(c["n_valid"] + c["n_invalid"] == 3 for c in evaluation["conditions"])
    assert len(evaluation["comparisons"]) == 3 and evaluation["finding"]
    assert [row["dimension"] for row in report["transfer"]] == ["self_direction", "tradition",
                                                                "benevolence"]  # fmt: skip
    assert set(report["transfer"][0]["questionnaire"]) == {"bare", "prompt", "opro"}
    _check_trl_files(out / "export")
    split = json.loads((out / "split.json").read_text())
    assert len(split["optimisation"]) == 2 and len(split["held_out"]) == 3

    config = SteerConfig.model_validate(json.loads((out / "manifest.json").read_text())["config"])
    assert config.methods == ["prompt", "opro"]
    (out / "methods" / "prompt" / "method.json").unlink()  # as if killed mid-search
    monkeypatch.setenv("VALUESCOPE_CACHE_DIR", str(cache_of(gallery["steer"])))
    again = RUNNER.invoke(app, ["steer", "--resume", str(out)])
    assert again.exit_code == 0, again.output
    rerun = json.loads((out / "steer.json").read_text())
    assert rerun["methods"]["prompt"]["usage"]["model_calls"] == 0
    assert rerun["methods"]["prompt"]["usage"]["cache_hits"] == 8
    assert rerun["evaluation"]["conditions"] == evaluation["conditions"]
    args = ["steer", "--target", CONFLICT, "--method", "prompt,opro", "--rounds", "1",
            "--candidates", "2", "--optimisation-tasks", "2", "--held-out-tasks", "3",
            "--max-tokens", "40", "--transfer-items", "1", "--out", str(out)]  # fmt: skip
    other = RUNNER.invoke(app, args)
    assert other.exit_code == 2 and "other settings" in other.output


def test_a_steer_run_is_a_study_and_a_folder_from_before_is_adopted(tmp_path: Path) -> None:
    """Opening a steer run writes its manifest (before any model is opened): `valuescope
    runs` lists it as running while it is open and incomplete after, `--resume` reads its
    settings from there, the same settings reopen it, other methods are refused by name. A
    folder made before steer runs had a manifest (steer-config.json) is adopted with the
    same settings."""
    from valuescope.engine import ConfigError
    from valuescope.runs import list_runs
    from valuescope.steering.run import read_config

    config = SteerConfig(model="llamacpp", framework="schwartz10",
                         target=parse_target(CONFLICT, SCHWARTZ), optimisation_tasks=2,
                         held_out_tasks=2)  # fmt: skip
    out = tmp_path / "runs" / "steer"
    steerer = Steerer(config, out, command_line="valuescope steer ...")
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["command"], manifest["status"], manifest["instrument"]) == (
        "steer", "running", "schwartz10")  # fmt: skip
    assert "target.priorities.tradition" in manifest["fingerprint"]
    (run,) = list_runs(tmp_path / "runs").runs
    assert (run.manifest.command, run.status) == ("steer", "running")  # this process holds it
    steerer.study.release()  # as when the process ends before the run does
    (run,) = list_runs(tmp_path / "runs").runs
    assert (run.manifest.command, run.status) == ("steer", "incomplete")
    assert read_config(out) == config
    assert Steerer(config, out).study.resumed
    with pytest.raises(ConfigError, match=r"other settings \(methods changed since it started"):
        Steerer(config.model_copy(update={"methods": ["prompt", "opro"]}), out)
    old = tmp_path / "old"
    old.mkdir()
    settings = config.model_dump(mode="json", exclude={"settings", "use_cache", "cache_dir"})
    (old / "steer-config.json").write_text(json.dumps(settings))
    assert read_config(old) == config  # --resume on a folder from before
    assert Steerer(config, old).study.resumed
    assert (old / "manifest.json").is_file() and not (old / "steer-config.json").exists()


@pytest.mark.slow
def test_steer_budget_and_evaluation_resume(tmp_path: Path) -> None:
    """Through the Python API: a budget too small for any candidate leaves the plain
    instruction standing in, said in the notes; the evaluation run resumes in the engine."""
    import valuescope as vs

    finished = vs.steer(
        "llamacpp", target={"self_direction": 6, "tradition": 1, "benevolence": 5},
        methods=["persona"], optimisation_tasks=2, held_out_tasks=2,
        search={"max_tokens": 24}, max_calls=3, out=tmp_path / "s",
    )  # fmt: skip
    report = finished.report
    persona = report.methods["persona"]
    assert persona.stopped == "budget" and persona.requests <= 3
    assert persona.notes[0].startswith("fell back to the plain value instruction: budget 3 ")
    assert "the next step needs" in persona.notes[0]
    assert report.target == {"self_direction": 6.0, "tradition": 1.0, "benevolence": 5.0}
    evaluation = asyncio.run(resume(finished.directory / "evaluation", "steer-eval"))
    assert evaluation.results.model_dump()["conditions"] == [
        c.model_dump()
        for c in report.evaluation.conditions  # type: ignore[union-attr]
    ]
    with pytest.raises(TargetError, match="known:"):
        vs.steer("llamacpp", target="freedom=6", out=tmp_path / "x")


def test_steer_through_a_llama_cpp_server(cpp_llama_server: str, tmp_path: Path) -> None:
    """The steered model behind an OpenAI-compatible server (its answers, steered and bare);
    the embedded judge keeps the test short (tests/test_judges.py judges through servers)."""
    target = parse_target(CONFLICT, SCHWARTZ)
    config = SteerConfig(model=f"openai:smollm2@{cpp_llama_server}", framework="schwartz10",
                         target=target, methods=["prompt"], optimisation_tasks=2,
                         held_out_tasks=2, search=MethodSettings(max_tokens=24),
                         judge="llamacpp")  # fmt: skip
    report = asyncio.run(Steerer(config, tmp_path / "s").run())
    assert report.methods["prompt"].usage.model_calls > 0
    manifest = json.loads((tmp_path / "s" / "evaluation" / "manifest.json").read_text())
    assert manifest["model_identity"].startswith("openai|") and manifest["judge_identity"]
    assert report.evaluation is not None
    assert sum(c.n_valid for c in report.evaluation.conditions) >= 2


def test_a_budget_that_runs_out_says_what_it_needed() -> None:
    from valuescope.steering.search import BudgetExhausted, CallBudget

    budget = CallBudget(3)
    budget.spend(2)
    with pytest.raises(BudgetExhausted, match="budget 3 calls, 2 spent, the next step needs 4"):
        budget.spend(4)
    assert budget.spent == 2
