"""One shape for every error a user can cause: `valuescope.errors`' tree, and the CLI that
catches only it.

Each bad input (a missing file, a file that is not UTF-8, an unknown framework, instrument,
model or run folder) ends its command with exit 2 and one `error:` line that names what was
given, no traceback; a model that cannot do the job (the simulated respondent where free
text is needed) is refused the same way before any work; and a message quotes the options
as the user typed them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import valuescope as vs
from valuescope import errors
from valuescope.cli import app

RUNNER = CliRunner()


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with a file that is not UTF-8 (Windows-1252, as Excel saves it), a
    folder that holds no run, and a persona file of three."""
    monkeypatch.chdir(tmp_path)
    for name in ("latin1.txt", "latin1.yaml", "latin1.csv"):
        (tmp_path / name).write_bytes("caf\xe9\n".encode("cp1252"))
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text('{"command": "meas', encoding="utf-8")
    (tmp_path / "three.txt").write_text("A teacher.\nA farmer.\nA nurse.\n", encoding="utf-8")
    return tmp_path


def one_error(args: list[str]) -> str:
    """Run `valuescope ARGS`; assert exit 2 and one `error:` line, no traceback; that line."""
    result = RUNNER.invoke(app, args)
    shown = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert result.exit_code == 2, shown
    assert "Traceback" not in shown, shown
    lines = [line for line in shown.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, shown
    return lines[0]


BAD_INPUTS = {
    "measure: missing item file": (["measure", "--model", "sim", "--items", "no.yaml"], "no.yaml"),
    "measure: item file not UTF-8": (
        ["measure", "--model", "sim", "--items", "latin1.csv"],
        "latin1.csv:1: not UTF-8",
    ),
    "measure: unknown framework": (
        ["measure", "--model", "sim", "--framework", "nosuch"],
        "unknown framework 'nosuch'",
    ),
    "measure: framework file not UTF-8": (
        ["measure", "--model", "sim", "--framework", "latin1.yaml"],
        "latin1.yaml:1",
    ),
    "measure: unknown model": (["measure", "--model", "nosuch:x"], "'nosuch:x'"),
    "measure: missing persona file": (
        ["measure", "--model", "sim", "--personas", "no.txt", "--design", "quick"],
        "no.txt",
    ),
    "measure: persona file not UTF-8": (
        ["measure", "--model", "sim", "--personas", "latin1.txt", "--design", "quick"],
        "latin1.txt:1",
    ),
    "measure: resume a folder with no run": (["measure", "--resume", "empty"], "empty"),
    "csi: word list not UTF-8": (["csi", "--model", "llamacpp", "--words", "latin1.txt"], "latin1"),
    "dilemmas: missing file": (["dilemmas", "--model", "sim", "--file", "no.yaml"], "no.yaml"),
    "classify: unknown framework": (
        ["classify", "latin1.csv", "--framework", "nosuch", "--judge", "llamacpp"],
        "unknown framework 'nosuch'",
    ),
    "steer: unknown framework": (
        ["steer", "--model", "llamacpp", "--target", "power=1", "--framework", "nosuch"],
        "unknown framework 'nosuch'",
    ),
    "steer: missing target file": (
        ["steer", "--model", "llamacpp", "--target", "no.yaml"],
        "no.yaml",
    ),
    "steer: unknown method": (
        ["steer", "--model", "llamacpp", "--target", "power=1", "--method", "opro,nosuch"],
        "--method opro,nosuch: no method nosuch",
    ),
    "bench: unknown benchmark": (["bench", "nosuch"], "no benchmark 'nosuch'"),
    "validity: unknown instrument": (
        ["validity", "--model", "sim", "--instruments", "nosuch,bfi2"],
        "unknown instrument 'nosuch'",
    ),
    "compare: folders with no run": (["compare", "empty", "empty"], "empty"),
    "agreement: folders with no run": (["agreement", "empty", "empty"], "empty"),
    "compare: a manifest that is not JSON": (
        ["compare", "broken", "broken"],
        "manifest.json: not a valuescope manifest",
    ),
    "agreement: a manifest that is not JSON": (["agreement", "broken", "empty"], "manifest.json"),
    "measure: resume a manifest that is not JSON": (
        ["measure", "--resume", "broken"],
        "manifest.json",
    ),
    "runs: missing folder": (["runs", "nodir"], "nodir"),
    "report: missing folder": (["report", "nodir"], "nodir"),
    "bench: missing data file": (
        ["bench", "motive", "--model", "llamacpp", "--data", "no.yaml"],
        "no.yaml",
    ),
    "cache: a file as the cache folder": (
        ["cache", "stats", "--cache-dir", "latin1.txt"],
        "latin1.txt",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_a_bad_input_is_one_error_line_and_exit_2(here: Path, case: str) -> None:
    args, named = BAD_INPUTS[case]
    assert named in one_error(args)


SIM_REFUSED = {
    "steer": (["steer", "--model", "sim", "--target", "power=1"], "--model sim"),
    "steer judge": (
        ["steer", "--model", "llamacpp", "--judge", "sim", "--target", "power=1"],
        "--judge sim",
    ),
    "safety": (["safety", "--model", "sim"], "--model sim"),
    "csi": (["csi", "--model", "sim"], "--model sim"),
    "csi-validity": (["csi-validity", "--model", "llamacpp", "--judge", "sim"], "--judge sim"),
    "construct": (
        ["construct", "--model", "sim", "--culture", "Japan", "--related", "China"],
        "--model sim",
    ),
    "generate": (
        ["generate", "--framework", "schwartz", "--models", "llamacpp,sim"],
        "--models sim",
    ),
    "classify": (
        ["classify", "devset:schwartz10", "--framework", "schwartz", "--judge", "sim"],
        "--judge sim",
    ),
    "measure probes": (["measure", "--model", "sim", "--instrument", "probes"], "--model sim"),
    "bench": (["bench", "motive", "--model", "sim"], "--model sim"),
}


@pytest.mark.parametrize("case", list(SIM_REFUSED))
def test_the_simulated_respondent_is_refused_before_any_work(here: Path, case: str) -> None:
    """The help offers `sim` to every command; where the job needs free text (or questions
    that are not Likert items) it is refused at once, exit 2, not with exit 3 mid-run."""
    args, named = SIM_REFUSED[case]
    line = one_error(args)
    assert named in line and "Likert items only" in line, line
    assert not (here / "runs").exists()


def test_a_message_quotes_the_options_as_typed(here: Path) -> None:
    """Three personas in the file, 30 for the design: the message says what was typed."""
    line = one_error(["measure", "--model", "sim", "--personas", "three.txt", "--design", "quick"])
    assert "--personas three.txt --design quick" in line, line
    assert "--personas 30" not in line
    line = one_error(["measure", "--model", "sim", "--personas", "100000"])
    assert "--personas 100000:" in line, line


def test_a_results_file_that_is_not_utf8_is_named(here: Path) -> None:
    assert (
        RUNNER.invoke(app, ["measure", "--model", "sim", "--limit", "2", "--out", "a"]).exit_code
        == 0
    )
    (here / "a" / "results.json").write_bytes(b"caf\xe9")
    assert "results.json: not the results of a measure run" in one_error(["compare", "a", "a"])


def test_the_tree_carries_the_exit_codes_and_keeps_the_old_names() -> None:
    from valuescope.datasets import DataFileError
    from valuescope.engine import ConfigError
    from valuescope.frameworks import UnknownFramework, load_framework
    from valuescope.models import BackendError, EmbeddedModelMissing, ModelNameError
    from valuescope.registry import UnknownName
    from valuescope.report import ReportError
    from valuescope.runs import RunStoreError

    assert (errors.UserError.exit_code, errors.BackendError.exit_code) == (2, 3)
    assert BackendError is errors.BackendError is vs.BackendError
    assert vs.UserError is errors.UserError and vs.ValuescopeError is errors.ValuescopeError
    for user_error, old_base in (
        (DataFileError, ValueError),
        (ConfigError, ValueError),
        (ModelNameError, ValueError),
        (EmbeddedModelMissing, RuntimeError),
        (ReportError, RuntimeError),
        (RunStoreError, RuntimeError),
        (UnknownName, LookupError),
        (UnknownFramework, KeyError),
        (errors.MissingFile, FileNotFoundError),
    ):
        assert issubclass(user_error, errors.UserError) and issubclass(user_error, old_base)
    assert issubclass(BackendError, RuntimeError)
    with pytest.raises(KeyError) as raised:  # caught as before, printed without quotes
        load_framework("nosuch")
    assert str(raised.value).startswith("unknown framework 'nosuch'")


def test_an_error_of_another_kind_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI no longer turns a stray KeyError into a user error: that is a bug to see."""
    import valuescope.frameworks

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(valuescope.frameworks, "load_framework", broken)
    result = RUNNER.invoke(app, ["steer", "--model", "llamacpp", "--target", "power=1"])
    assert isinstance(result.exception, KeyError)
