"""`import valuescope`, `valuescope --version`, `valuescope --help` and every command's
`--help` load none of the heavy libraries (numpy, scipy, pandas, matplotlib, the web app's
fastapi and uvicorn, the embedded model's llama_cpp and xllamacpp): each command imports
what it uses when it runs. Each case runs in a fresh interpreter, since this one has long
imported them all. (Start-up times: bench/startup.py.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from valuescope import __version__

HEAVY = ("numpy", "scipy", "pandas", "matplotlib", "fastapi", "uvicorn", "llama_cpp", "xllamacpp")

CHILD = f"""
import json, sys

HEAVY = {HEAVY!r}


def heavy():
    return sorted(name for name in HEAVY if name in sys.modules)


def cli(*args):
    '''`valuescope ARGS` as the console script runs it; its exit code.'''
    from valuescope._entry import main

    sys.argv = ["valuescope", *args]
    try:
        main()
    except SystemExit as exc:
        return exc.code or 0
    return 0
"""


def child(body: str) -> dict[str, Any]:
    """Run `body` after CHILD in a fresh interpreter; the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD + body], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    result: dict[str, Any] = json.loads(lines[-1])
    result["output"] = "\n".join(lines[:-1])
    return result


def test_import_valuescope_loads_no_heavy_module() -> None:
    result = child("import valuescope\nprint(json.dumps({'heavy': heavy()}))")
    assert result["heavy"] == []


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        (["--version"], f"valuescope {__version__}"),
        (["--help"], "Measure, explain and steer"),
        (["measure", "--help"], "Measure a model's profile on a framework"),
    ],
)
def test_version_and_help_load_no_heavy_module(args: list[str], printed: str) -> None:
    result = child(f"code = cli(*{args!r})\nprint(json.dumps({{'code': code, 'heavy': heavy()}}))")
    assert result["code"] == 0 and printed in result["output"]
    assert result["heavy"] == []


def test_every_commands_help_loads_no_heavy_module() -> None:
    """One interpreter asks each command and group for its --help in turn (`bench NAME`
    included) and names the first that loaded a heavy module."""
    body = """
import typer
from valuescope.cli import app

def paths(command, path):
    yield path
    if hasattr(command, "list_commands"):
        ctx = command.context_class(command)
        for name in command.list_commands(ctx):
            yield from paths(command.get_command(ctx, name), [*path, name])

asked, codes, first = [], {}, None
for path in paths(typer.main.get_command(app), []):
    codes[" ".join(path)] = cli(*path, "--help")
    asked.append(" ".join(path))
    if first is None and heavy():
        first = [" ".join(path), heavy()]
print(json.dumps({"asked": asked, "codes": codes, "first": first}))
"""
    result = child(body)
    assert {"measure", "csi", "bench", "bench motive", "bench dilemmas", "cache stats"} <= set(
        result["asked"]
    )
    assert set(result["codes"].values()) == {0}
    assert result["first"] is None


def test_registries_load_by_name_and_list_what_they_know() -> None:
    """One `Registry` kind serves every lookup by name: entries given in code and entry
    points alike are imported only on use, and an unknown name lists the known ones."""
    from valuescope.engine import INSTRUMENTS, ON_FINISH, SUBJECT_WRAPPERS
    from valuescope.models import BACKENDS
    from valuescope.registry import Registry, UnknownName

    assert {"measure", "probes", "steer-eval"} <= set(INSTRUMENTS)  # entry points
    assert {"llamacpp", "openai", "sim"} <= set(BACKENDS)  # in code + entry point
    assert ON_FINISH.names() == ["report"] and SUBJECT_WRAPPERS.names() == ["steering"]
    toy: Registry[object] = Registry("toy", "toy", {"path": "pathlib:Path"})
    assert toy.get("path") is Path
    with pytest.raises(UnknownName, match=r"no toy 'nope' \(known: path\)"):
        toy.get("nope")
    with pytest.raises(ValueError, match="not 'module:attribute'"):
        toy.register("bad", "pathlib.Path")
