"""The command-line reference (docs/cli.md), written from the typer app itself.

Each command's section is its `--help` in typer's plain (not rich) layout, so the reference
cannot fall behind the code: `mkdocs build` calls `on_files` below (mkdocs.yml: `hooks:`),
which renders it in a new process with `TYPER_USE_RICH=0` (typer reads it on import) and adds
the page as a generated file, nothing checked in. By hand: `python scripts/cli_docs.py
[OUT.md]` prints the page (or writes it to OUT.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PAGE = "cli.md"
WIDTH = 88
PLAIN = {"TYPER_USE_RICH": "0", "COLUMNS": str(WIDTH), "NO_COLOR": "1", "TERM": "dumb"}


def help_text(path: list[str]) -> str:
    """`valuescope PATH... --help` as printed at WIDTH columns, without colour."""
    from typer.testing import CliRunner

    from valuescope.cli import app

    result = CliRunner().invoke(app, [*path, "--help"], env=PLAIN, prog_name="valuescope")
    if result.exit_code != 0:
        raise RuntimeError(f"valuescope {' '.join(path)} --help exited {result.exit_code}")
    return "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())


def commands() -> list[list[str]]:
    """Every command path, depth first (`bench` lists its benchmarks as subcommands)."""
    import typer

    from valuescope.cli import app

    paths: list[list[str]] = []

    def walk(group: Any, path: list[str]) -> None:
        ctx = group.context_class(group, info_name=" ".join(["valuescope", *path]))
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            paths.append([*path, name])
            if hasattr(command, "list_commands"):
                walk(command, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


def render() -> str:
    """docs/cli.md's text: `valuescope --help`, then every command's and subcommand's."""
    out = [
        "# Command-line reference",
        "",
        "Each command's `--help`, generated from the code when the docs are built "
        "(`scripts/cli_docs.py`).",
        "",
        "```text",
        help_text([]),
        "```",
        "",
    ]
    for path in commands():
        level = "##" if len(path) == 1 else "###"
        out += [f"{level} `valuescope {' '.join(path)}`", "", "```text", help_text(path), "```", ""]
    return "\n".join(out).rstrip() + "\n"


def generate() -> str:
    """`render()` in a new process, where typer's plain layout can still be chosen."""
    script = [sys.executable, str(Path(__file__).resolve()), "--render"]
    done = subprocess.run(script, env=os.environ | PLAIN, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(__file__).name} failed:\n{done.stderr}")
    return done.stdout


def on_files(files: Any, config: Any) -> Any:
    """mkdocs hook: add the generated cli.md to the site's files."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, PAGE, content=generate()))
    return files


if __name__ == "__main__":
    if sys.argv[1:] == ["--render"]:
        sys.stdout.write(render())
        sys.exit()
    text = generate()
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
