"""One process per run folder, and whether a run is alive: an advisory lock on `run.lock`.

A process that writes a run (a new one, a resumed one, a study and its children) holds an
exclusive `flock` on `<run>/run.lock` for as long as it writes. The operating system
releases it when the process exits, however it exits: a run killed with SIGKILL leaves no
stale lock behind. So:

- a second process on the same folder is refused at once, with one line that names the
  holder (`RunLocked`);
- a run is `running` exactly while some process holds its lock (`is_locked`), which is
  what `valuescope runs` and the viewer show. A file's age says nothing: a killed run
  stopped writing a second ago, a live one may wait minutes on a slow server.

The file itself holds the holder's pid, host and start time, for the message only; it stays
after the run (an unlocked file means nothing). Within one process the lock is the
process's: acquiring a folder it already holds takes the lock over from the earlier holder
(a run abandoned by an exception in a notebook must not lock its own kernel out). Where
`fcntl` does not exist (Windows), the lock is a no-op and `is_locked` is always False.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import IO

from valuescope.runs._store import RunStoreError, utc_iso

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK = "run.lock"
_HELD: dict[str, RunLock] = {}
"""The locks this process holds, by folder."""


class RunLocked(RunStoreError):
    """Another live process is writing this run folder."""


class RunLock:
    """The exclusive lock on one run folder, held until `release` (or the process ends)."""

    def __init__(self, directory: Path, handle: IO[str] | None) -> None:
        self.directory = directory
        self._handle = handle

    @classmethod
    def acquire(cls, directory: Path) -> RunLock:
        """Lock `directory` (which must exist) or raise `RunLocked` naming the holder."""
        if fcntl is None:
            return cls(directory, None)
        key = str(directory.resolve())
        if key in _HELD:  # this process's own: an earlier holder that did not let go
            _HELD[key].release()
        path = directory / LOCK
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(path)
            handle.close()
            raise RunLocked(
                f"{directory} is being written by another valuescope process ({holder}); "
                "wait for it to finish, stop it, or choose another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        mine = {"pid": os.getpid(), "host": socket.gethostname(), "since": utc_iso()}
        handle.write(json.dumps(mine) + "\n")
        handle.flush()
        lock = cls(directory, handle)
        _HELD[key] = lock
        return lock

    def release(self) -> None:
        """Give the lock up (closing the file releases it); safe to call twice."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            key = str(self.directory.resolve())
            if _HELD.get(key) is self:
                del _HELD[key]

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_locked(directory: Path) -> bool:
    """Whether a live process holds `directory`'s lock (its run is running)."""
    if fcntl is None:
        return False
    try:
        handle = (directory / LOCK).open("r", encoding="utf-8")
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False


def _describe(path: Path) -> str:
    """`pid 123 on host, since <time>` from the lock file, or what can be said without it."""
    try:
        holder = json.loads(path.read_text("utf-8"))
        return f"pid {holder['pid']} on {holder['host']}, since {holder['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "its pid is not recorded yet"
