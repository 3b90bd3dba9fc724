"""One SQLite response cache for every backend.

The key is a hash of everything that determines an answer: backend identity (weights or
endpoint), model, messages, request parameters and, for sampled requests, the sample index
(so K samples at temperature > 0 stay K distinct cached answers). A repeated run therefore
makes no model calls. WAL mode and a busy timeout let several processes write at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir
from pydantic import BaseModel

from valuescope.errors import UserError

CACHE_FILE = "responses.sqlite"


def default_cache_dir() -> Path:
    """`$VALUESCOPE_CACHE_DIR`, else the platform's user cache dir for valuescope."""
    return Path(os.environ.get("VALUESCOPE_CACHE_DIR") or user_cache_dir("valuescope"))


def cache_key(identity: str, kind: str, payload: dict[str, Any]) -> str:
    """A stable hash of one request. `payload` must be JSON-serialisable."""
    blob = json.dumps(
        {"identity": identity, "kind": kind, "payload": payload},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode()).hexdigest()


class CacheStats(BaseModel):
    path: str
    entries: int
    size_bytes: int
    by_model: dict[str, int]


class ResponseCache:
    """A key-value store of model answers (JSON text), safe for concurrent writers."""

    def __init__(self, directory: Path) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file in the way, no permission: the user's --cache-dir
            raise UserError(
                f"cannot make the response cache folder {directory}: {exc.strerror}"
            ) from exc
        self.path = directory / CACHE_FILE
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
        self._initialise()

    def _initialise(self, attempts: int = 300) -> None:
        """Switch to WAL and create the table. Switching the journal mode takes an exclusive
        lock that SQLite's busy timeout does not wait for, so processes opening the cache at
        the same moment retry here."""
        for attempt in range(attempts):
            try:
                if self._db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS responses ("
                    " key TEXT PRIMARY KEY, identity TEXT NOT NULL, kind TEXT NOT NULL,"
                    " value TEXT NOT NULL, created REAL NOT NULL)"
                )
                self._db.commit()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == attempts - 1:
                    raise
                time.sleep(0.1)

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, identity: str, kind: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, identity, kind, value, created)"
                " VALUES (?, ?, ?, ?, ?)",
                (key, identity, kind, value, time.time()),
            )
            self._db.commit()

    def stats(self) -> CacheStats:
        with self._lock:
            rows = self._db.execute(
                "SELECT identity, COUNT(*) FROM responses GROUP BY identity"
            ).fetchall()
        by_model = {str(identity): int(n) for identity, n in rows}
        size = sum(p.stat().st_size for p in self.path.parent.glob(CACHE_FILE + "*"))
        return CacheStats(
            path=str(self.path), entries=sum(by_model.values()), size_bytes=size, by_model=by_model
        )

    def clear(self) -> int:
        """Delete every entry; return how many there were."""
        with self._lock:
            n = int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])
            self._db.execute("DELETE FROM responses")
            self._db.commit()
            self._db.execute("VACUUM")
        return n

    def close(self) -> None:
        with self._lock:
            self._db.close()
