"""The API's shape, fast: every CLI command is a Python function taking the CLI's arguments
in the CLI's order and its options by their CLI names, results turn into plain JSON, and the
CLI and the API make the same run.

Reachability runs each command against a scripted server that refuses every request: the
command got its options through validation to the model when the refusal comes back.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import click
import pytest
import typer
from typer.testing import CliRunner

from helpers.stub_server import Reply, stub_server
from valuescope import api
from valuescope.cli import app
from valuescope.models import BackendError


def refuse(body: dict[str, Any], number: int) -> Reply:
    return 400, {"error": {"message": "refused by the test"}}


def cli_arguments(*path: str) -> list[str]:
    """The positional arguments of `valuescope PATH...` (e.g. classify -> [source])."""
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.get_command(click.Context(command), name)
    return [p.name or "" for p in command.params if p.param_type_name == "argument"]


def api_positionals(function: Any) -> list[str]:
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    return [p.name for p in inspect.signature(function).parameters.values() if p.kind in kinds]


@pytest.mark.parametrize(
    ("path", "function", "extra"),
    [
        (("measure",), api.measure, ["model"]),
        (("csi",), api.csi, ["model"]),
        (("csi-validity",), api.csi_validity, ["model"]),
        (("dilemmas",), api.dilemmas, ["model"]),
        (("bench", "motive"), api.bench, ["benchmark", "model"]),
        (("classify",), api.classify, []),
        (("safety",), api.safety, ["model"]),
        (("generate",), api.generate, []),
        (("construct",), api.construct, ["model"]),
        (("steer",), api.steer, ["model"]),
        (("validity",), api.validity, ["model"]),
        (("compare",), api.compare, []),
        (("agreement",), api.agreement, []),
    ],
)
def test_positional_arguments_follow_the_cli(path: tuple[str, ...], function: Any,
                                             extra: list[str]) -> None:  # fmt: skip
    """The CLI's arguments come first, in its order; `model` (an option there) may follow,
    and `bench NAME`'s NAME is `benchmark`."""
    arguments = cli_arguments(*path)
    positionals = api_positionals(function)
    if path[0] == "bench":
        assert positionals == extra
    else:
        assert positionals == arguments + extra
    assert function.__doc__ and "valuescope " + path[0] in " ".join(function.__doc__.split())
    assert api.COMMANDS[path[0]].__name__ == "a" + function.__name__


def test_every_run_command_has_a_function() -> None:
    runs = {"measure", "probes", "csi", "csi-validity", "dilemmas", "bench", "classify",
            "safety", "validity", "steer", "generate", "construct", "compare", "agreement",
            "resume"}  # fmt: skip
    assert set(api.COMMANDS) == runs
    for name in runs:
        blocking = getattr(api, name.replace("-", "_"))
        assert inspect.signature(blocking) == inspect.signature(api.COMMANDS[name])
        assert not inspect.iscoroutinefunction(blocking)


def test_every_command_reaches_the_model_from_python(tmp_path: Path) -> None:
    """Each command, called with the CLI's argument order and option names, gets to the
    model (which refuses): its options all passed validation."""
    with stub_server(refuse) as (url, received):
        m = f"openai:stub@{url}"
        cheap: dict[str, Any] = {"no_cache": True, "timeout": 5.0, "concurrency": 1}
        calls: dict[str, Any] = {
            "measure": lambda o: api.measure(m, framework="bigfive", limit=1, paraphrases=0,
                                             columns=None, out=o, **cheap),
            "probes": lambda o: api.measure(m, instrument="probes", limit=1, judge_mode="all@once",
                                            out=o, **cheap),
            "csi": lambda o: api.csi(m, mode="per-word", n=2, passes=1, out=o, **cheap),
            "csi-validity": lambda o: api.csi_validity(m, stories_per_k=1, out=o, **cheap),
            "dilemmas": lambda o: api.dilemmas(m, limit=1, tasks="choice", out=o, **cheap),
            "bench": lambda o: api.bench("motive", m, limit=1, answer_mode="choose", out=o,
                                         **cheap),
            "classify": lambda o: api.classify("devset:mft6", framework="mft6", judge=m,
                                               limit=1, out=o, **cheap),
            "safety": lambda o: api.safety(m, limit=1, mitigations="none", out=o, **cheap),
            "validity": lambda o: api.validity(m, instruments="bigfive,bigfive_short",
                                               personas="3", limit=5, out=o, **cheap),
            "steer": lambda o: api.steer(m, target="self_direction=6,tradition=1",
                                         method="prompt", held_out_tasks=2, out=o, **cheap),
            "generate": lambda o: api.generate(models=m, framework="schwartz10", personas=2,
                                               rounds=1, dedupe="lexical", out=o, **cheap),
            "construct": lambda o: api.construct(m, culture="Japan", related="Korea",
                                                 questions=1, out=o, **cheap),
            "compare": lambda o: api.compare(models=f"{m},{m}", framework="bigfive", limit=1,
                                             paraphrases=0, out=o, **cheap),
        }  # fmt: skip
        for name, call in calls.items():
            before = len(received)
            with pytest.raises(BackendError):
                call(tmp_path / name)
            assert len(received) > before, f"{name} asked no model"
    from valuescope.runs import RunStoreError

    with pytest.raises(RunStoreError, match="no-such-run"):
        api.resume(tmp_path / "no-such-run")
    with pytest.raises(RunStoreError, match="questionnaire"):
        api.agreement(tmp_path / "questionnaire", tmp_path / "probes")
    with pytest.raises(ValueError, match="no command 'mesure'"):
        api.run("mesure")


def test_to_dict_is_results_json_and_round_trips(tmp_path: Path) -> None:
    run = api.measure("sim", framework="bigfive", limit=5, paraphrases=0, out=tmp_path / "r")
    plain = json.loads(json.dumps(run.to_dict()))
    assert plain["directory"] == str(tmp_path / "r")
    assert plain["results"] == json.loads((tmp_path / "r" / "results.json").read_text())
    assert type(run.results).model_validate(plain["results"]) == run.results


def test_validity_results_are_validity_json(tmp_path: Path) -> None:
    """The README's promise: a validity run's results are validity.json's content."""
    study = api.run("validity", "sim", instruments=["bigfive", "bigfive_short"], personas="6",
                    limit=10, paraphrases=0, out=tmp_path / "v")  # fmt: skip
    written = json.loads((tmp_path / "v" / "validity.json").read_text())
    assert study.results.to_dict() == written
    assert json.loads(json.dumps(study.to_dict()))["results"] == written
    assert [f.name for f in study.files] == ["validity.json", "mtmm.png", "mtmm.svg"]


def test_the_cli_and_the_api_make_the_same_run(tmp_path: Path) -> None:
    options = ["--framework", "bigfive", "--limit", "5", "--paraphrases", "0", "--seed", "3",
               "--no-cache"]  # fmt: skip
    result = CliRunner().invoke(
        app, ["measure", "--model", "sim", *options, "--out", str(tmp_path / "cli")]
    )
    assert result.exit_code == 0, result.output
    api.measure("sim", framework="bigfive", limit=5, paraphrases=0, seed=3, no_cache=True,
                out=tmp_path / "py")  # fmt: skip

    def results(folder: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((tmp_path / folder / "results.json").read_text())
        data["usage"].pop("seconds")
        return data

    assert results("cli") == results("py")
    manifests = [json.loads((tmp_path / f / "manifest.json").read_text()) for f in ("cli", "py")]
    assert manifests[0]["config"] == manifests[1]["config"]
