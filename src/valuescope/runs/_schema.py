"""What a run directory holds: the manifest, one line per sample, the results.

Every record carries a `schema_version` so that later versions of valuescope can read (or
refuse with a clear message) runs written by earlier ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from valuescope.verdict import Verdict

SCHEMA_VERSION = 1


class Manifest(BaseModel):
    """Everything needed to understand and to resume a run. Holds no secret: the API key's
    *variable name* is in the config, never its value."""

    schema_version: int = SCHEMA_VERSION
    command: str
    instrument: str | None = None
    """What is asked (the item bank, the word list): part of the run directory's name."""
    created_utc: str
    model: str
    model_identity: str
    judge_identity: str | None = None
    """Set when another model judges free text."""
    instrument_hash: dict[str, str] = Field(default_factory=dict)
    """A hash per part of the instrument (items, scale, framework, prompts): what resume
    checks before it adds answers (see `engine._fingerprint`)."""
    command_line: str | None = None
    """The command that started the run, when it came from the command line."""
    seed: int
    config: dict[str, Any]
    versions: dict[str, str]
    git_revision: str | None = None
    # -- a study (a composite run: `engine.Study`) ------------------------------------------
    children: list[str] | None = None
    """A study's runs, as paths relative to its folder; None for a single run."""
    fingerprint: dict[str, str] = Field(default_factory=dict)
    """A study's hash per setting: what a rerun in the same folder must not change."""
    status: Literal["running", "finished"] | None = None
    """A study's own word on how far it got (None for a single run, whose files say it)."""
    finished_utc: str | None = None

    @property
    def is_study(self) -> bool:
        return self.children is not None


class SampleRecord(BaseModel):
    """One answer, identified by `item_id` + `condition`. Instruments subclass this.

    An invalid sample (e.g. too little probability on the options) is kept and counted, with
    its reason, and excluded from scores.
    """

    schema_version: int = SCHEMA_VERSION
    item_id: str
    condition: str
    valid: bool
    invalid_reason: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.item_id, self.condition)


def invalid_note(samples: Sequence[SampleRecord], what: str) -> list[str]:
    """`N of M <what>`, the results' warning when N of the samples are invalid (none when
    all are valid)."""
    invalid = sum(not s.valid for s in samples)
    return [f"{invalid} of {len(samples)} {what}"] if invalid else []


class Record(BaseModel):
    """A results model with `to_dict()`: every command's results, single or composite."""

    def to_dict(self) -> dict[str, Any]:
        """The results as plain JSON types: what the run's JSON file holds."""
        return self.model_dump(mode="json")


class ResultsBase(Record):
    schema_version: int = SCHEMA_VERSION
    command: str
    model: str
    failure: str | None = None
    """Why the run has nothing to read (every answer invalid ...), in one line; the CLI
    then exits 4 and `valuescope runs` lists the run as failed."""
    verdict: Verdict | None = None
    """Can the numbers be read, and why (`valuescope.verdict`); None where the command
    gives no verdict."""
    warnings: list[str] = Field(default_factory=list)
