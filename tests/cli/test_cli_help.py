"""Every `--help` reads at 80 columns (TERM=dumb): no line longer than 80, no option name,
type, default or word of a help text cut off mid-word or shortened with `…` by rich's
table, and no paragraph broken where its docstring's source line happened to end."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from valuescope.cli import app

WIDTH = 80


def commands() -> Iterator[tuple[list[str], Any]]:
    """(the words that name it, the click command) of the top level and every command,
    the benchmarks that `bench` builds on first use included."""
    root = typer.main.get_command(app)

    def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        yield path, command
        if hasattr(command, "list_commands"):
            ctx = typer.Context(command)
            for name in command.list_commands(ctx):
                yield from walk(command.get_command(ctx, name), [*path, name])

    return walk(root, [])


COMMANDS = list(commands())


def render(path: list[str]) -> str:
    result = CliRunner().invoke(
        app, [*path, "--help"], env={"COLUMNS": str(WIDTH), "TERM": "dumb"}, terminal_width=WIDTH
    )
    assert result.exit_code == 0, result.output
    return result.output


def words(text: str) -> list[str]:
    """The words a help text shows (rich markup escapes dropped)."""
    return [w for w in text.replace("\\[", "[").split() if w]


def expected_words(command: Any) -> list[str]:
    """Every word the help of `command` must show whole: its docstring, and each option's
    names, type, range, help and default."""
    ctx = typer.Context(command)
    shown = words((command.help or "").partition("\f")[0])
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        shown += [*param.opts, *param.secondary_opts]
        if hasattr(param, "display_type_rich"):
            shown += words(param.display_type_rich(ctx=ctx) or "")
        shown += words(getattr(param, "help", None) or "")
        default = param.get_default(ctx)
        if isinstance(default, str | int | float) and not isinstance(default, bool):
            shown += words(str(default))
    return shown


def test_every_command_is_walked() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"", "measure", "steer", "bench", "bench motive", "cache clear"} <= names


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "top")
def test_help_fits_80_columns(path: list[str]) -> None:
    command = dict((tuple(p), c) for p, c in COMMANDS)[tuple(path)]
    output = render(path)
    lines = output.splitlines()
    too_long = [line for line in lines if len(line) > WIDTH]
    assert not too_long, "\n".join(too_long)
    assert "…" not in output, output
    tokens = set(re.split(r"[\s│╭╮╰╯─]+", output))
    cut = [w for w in expected_words(command) if w not in tokens and w not in output]
    assert not cut, f"cut off in `{' '.join(path)} --help`: {cut}\n{output}"


LIST_ITEM = re.compile(r"\s*([-*]|\d+[.)])\s")


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "top")
def test_paragraphs_reflow(path: list[str]) -> None:
    """Typer keeps a docstring's line breaks inside a paragraph (all of them in the command
    list, those after the first paragraph in a command's own help), and rich then wraps each
    source line again at 80 columns, leaving ragged half lines. So the help a command is
    given has none: only a list item starts a new line within a paragraph."""
    command = dict((tuple(p), c) for p, c in COMMANDS)[tuple(path)]
    help_text = inspect.cleandoc(command.help or "").partition("\f")[0]
    broken = [
        line
        for paragraph in help_text.split("\n\n")
        if not paragraph.startswith("\b")
        for line in paragraph.split("\n")[1:]
        if not LIST_ITEM.match(line)
    ]
    assert not broken, f"`{' '.join(path)}`: a line break inside a paragraph before {broken}"
