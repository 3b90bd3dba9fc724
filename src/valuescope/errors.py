"""The exceptions valuescope raises for a person to read, and the exit code of each.

    ValuescopeError          the root: catch it to catch every error valuescope means
    |-- UserError            exit 2: a mistake in what the user gave (a file, an option,
    |                        a model name, a run folder)
    `-- BackendError         exit 3: a model server or backend failed

Each class carries its exit code (`exit_code`); the command line catches `ValuescopeError`
only, prints its message as one `error:` line and exits with that code. Anything else is
a bug and keeps its traceback.

The errors of each package subclass one of these and keep the built-in base they had
(`DataFileError` is still a `ValueError`, an unknown framework still a `KeyError`), so code
that catches the old names or bases goes on working. Their messages are one line that names
what the user gave (file:line, the option as typed, the unknown name and the known ones).

This module sits in the bottom layer and imports nothing.
"""

from __future__ import annotations

from typing import ClassVar

USER_ERROR_EXIT = 2
BACKEND_ERROR_EXIT = 3


class ValuescopeError(Exception):
    """Every error valuescope raises for a person to read."""

    exit_code: ClassVar[int] = 1
    """What the command line exits with when this error ends a command."""

    # The message as given, even where a built-in base (KeyError) would quote it.
    __str__ = Exception.__str__


class UserError(ValuescopeError):
    """A mistake in what the user gave: a file, an option, a model name, a run folder."""

    exit_code: ClassVar[int] = USER_ERROR_EXIT


class BackendError(ValuescopeError, RuntimeError):
    """A model server or backend failed (unreachable, refused the request, kept failing)."""

    exit_code: ClassVar[int] = BACKEND_ERROR_EXIT


class MissingFile(UserError, FileNotFoundError):
    """A file or folder the user named is not there (the message names it)."""


__all__ = [
    "BACKEND_ERROR_EXIT",
    "USER_ERROR_EXIT",
    "BackendError",
    "MissingFile",
    "UserError",
    "ValuescopeError",
]
