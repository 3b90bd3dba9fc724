"""The run engine: what every run command gets from it, tested once here.

- a run that fails before its first answer leaves no run directory behind (and never
  deletes a user's own files in an `--out` folder that already existed);
- Ctrl-C stops a run with exit code 130, says how many answers were saved and how to
  resume, and the resumed run ends with exactly the design's answers, none twice;
- the `Instrument` protocol is enough to write a new instrument (the docstring's shape).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from helpers.local_servers import free_port
from valuescope.cli import app
from valuescope.engine import (
    Instrument,
    Models,
    Plan,
    RunConfig,
    SampleKey,
    digest,
    resume,
    run,
)
from valuescope.models import RunUsage, user
from valuescope.runs import ResultsBase, RunStoreError, SampleRecord

RUNNER = CliRunner()


def test_failure_before_the_first_answer_leaves_no_run_directory(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    out = tmp_path / "run"
    result = RUNNER.invoke(
        app, ["measure", "--model", f"openai:m@{url}", "--limit", "2", "--out", str(out)]
    )
    assert result.exit_code == 3, result.output
    assert url in result.output
    assert not out.exists()


def test_failure_keeps_the_users_files_in_an_existing_out_folder(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    result = RUNNER.invoke(
        app, ["csi", "--model", f"openai:m@{url}", "--n", "3", "--out", str(out)]
    )
    assert result.exit_code == 3, result.output
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_ctrl_c_saves_answers_and_says_how_to_resume(tmp_path: Path) -> None:
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "valuescope", "measure", "--framework", "schwartz",
               "--limit", "30", "--paraphrases", "0", "--no-cache", "--out", str(out)]  # fmt: skip
    # Ctrl-C as in a terminal: the default disposition, whatever the test worker inherited
    # (an ignored SIGINT would be inherited, and the run would not stop)
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, preexec_fn=_sigint_default
    )
    samples = out / "samples.jsonl"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if samples.is_file() and samples.read_bytes().count(b"\n") >= 5:
            break
        assert process.poll() is None, process.communicate()
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    message = stderr.decode()
    assert process.returncode == 130, (message, stdout.decode()[-2000:])
    saved = samples.read_bytes().count(b"\n")
    assert f"interrupted: {saved} answers saved in {out}" in message
    assert f"valuescope measure --resume {out}" in message
    assert not (out / "results.json").exists()

    resumed = RUNNER.invoke(app, ["measure", "--resume", str(out)])
    assert resumed.exit_code == 0, resumed.output
    lines = [json.loads(line) for line in samples.read_text().splitlines()]
    keys = [(s["item_id"], s["condition"]) for s in lines]
    assert len(keys) == 30 * 4 == len(set(keys))
    results = json.loads((out / "results.json").read_text())
    assert results["usage"]["model_calls"] == 30 * 4 - saved


# -- a new instrument needs nothing but the protocol -----------------------------------------


class WetSample(SampleRecord):
    p_yes: float


class WetResults(ResultsBase):
    p_yes: list[float]
    usage: RunUsage


class Wet:
    """The Instrument docstring's example, grown to three questions."""

    command: ClassVar[str] = "wet"
    config_type: ClassVar[type[RunConfig]] = RunConfig
    sample_type = WetSample
    questions: ClassVar[list[str]] = ["Is water wet?", "Is fire hot?", "Is ice cold?"]

    def __init__(self, config: RunConfig, resume_from: Path | None = None) -> None:
        self.config = config
        self.instrument_name = "wet"

    def fingerprint(self) -> dict[str, str]:
        return {"questions": digest(self.questions)}

    def run_files(self) -> dict[str, str]:
        return {"questions.txt": "\n".join(self.questions)}

    def plan(self, done: set[SampleKey]) -> Plan[str]:
        pending = [q for q in self.questions if (q, "yes-no") not in done]
        return Plan(total=len(self.questions), pending=pending)

    async def answer(self, request: str, models: Models) -> Sequence[WetSample]:
        choice = await models.subject.choose([user(request + " Answer Yes or No.")], ["Yes", "No"])
        return [WetSample(item_id=request, condition="yes-no", valid=True, p_yes=choice.probs[0])]

    def summarise(self, samples: list[WetSample], models: Models) -> WetResults:
        return WetResults(command=self.command, model=self.config.model,
                          p_yes=[s.p_yes for s in samples], usage=models.subject.usage)  # fmt: skip


@pytest.mark.slow
def test_a_user_instrument_runs_on_the_engine(tmp_path: Path) -> None:
    instrument: Instrument[str, WetSample, WetResults] = Wet(RunConfig(model="llamacpp"))
    finished = asyncio.run(run(instrument, tmp_path / "wet"))
    assert len(finished.results.p_yes) == 3
    assert all(0.0 <= p <= 1.0 for p in finished.results.p_yes)
    assert (tmp_path / "wet" / "questions.txt").read_text().startswith("Is water wet?")
    lines = (tmp_path / "wet" / "samples.jsonl").read_text().splitlines()
    # appended as they arrive: with the embedded server's 4 slots, not always in order
    assert sorted(json.loads(line)["item_id"] for line in lines) == sorted(Wet.questions)
    assert finished.results.usage.model_calls == 3
    # `resume` reopens runs of registered instruments only, and says so.
    with pytest.raises(RunStoreError, match="no instrument runs 'wet'"):
        asyncio.run(resume(tmp_path / "wet"))


def test_the_invalid_answers_note_says_why_they_were_invalid() -> None:
    """Invalid answers are not all low option mass (a written answer may name no option):
    the note counts them by reason, numbers folded."""
    from valuescope.engine._config import RunConfig
    from valuescope.runs import SampleRecord

    def sample(i: int, reason: str | None) -> SampleRecord:
        return SampleRecord(item_id=str(i), condition="c", valid=reason is None,
                            invalid_reason=reason)  # fmt: skip

    samples = [sample(i, f"option_mass 0.1{i} below the minimum 0.25") for i in range(3)]
    samples += [sample(i, "no option in the answer") for i in range(3, 7)]
    samples += [sample(i, None) for i in range(7, 10)]
    (note,) = [n for n in RunConfig(model="openai:m@http://127.0.0.1:1/v1").notes(samples)]
    assert note == ("7 of 10 answers were invalid and are excluded from the scores: no option "
                    "in the answer (4); option_mass N below the minimum N (3)")  # fmt: skip
    few = [samples[6], *(sample(i, None) for i in range(10, 19))]  # 1 in 10: no note
    assert RunConfig(model="openai:m@http://127.0.0.1:1/v1").notes(few) == []
