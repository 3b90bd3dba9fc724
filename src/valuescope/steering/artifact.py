"""What a steering method produces, and how it is put in front of a model.

A `SteeringArtifact` is a small JSON file (`methods/<method>/artifact.json` in a steer run)
that holds everything needed to steer a model again without rerunning the search:

- `instruction`: text that goes before every conversation (as the system message, or at the
  head of an existing one): a plain value instruction (`prompt`), a role (`persona`), trait
  adjectives at a level (`levels`), or an optimised meta-instruction (`opro`, `picaco`);
- `reflections`: IROTE's first-person self-reflections, which become the instruction;
- `rewrite`: COUPLE's configuration. COUPLE does not prompt the model: every free-text
  answer is drafted by the bare model and rewritten toward the target (abduction,
  intervention, prediction). Closed answers (questionnaires, `choose`) cannot be rewritten,
  so for them a COUPLE artifact falls back to its `instruction` (the plain value
  instruction); `closed_answers` says so in the report.

`load_steering` accepts the artifact file, a method's folder, or a steer run folder that
holds a single method (with several it names them, and the user picks one).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from valuescope.engine import ConfigError
from valuescope.models import Message, system
from valuescope.steering.targets import Target

MethodName = Literal["prompt", "persona", "levels", "opro", "picaco", "irote", "couple"]
METHOD_NAMES: tuple[MethodName, ...] = (
    "prompt", "persona", "levels", "opro", "picaco", "irote", "couple",
)  # fmt: skip
ARTIFACT_FILE = "artifact.json"
METHODS_DIR = "methods"


class SteeringError(ConfigError):
    """A steering artifact or run folder that cannot be used (named in the message)."""


def reflections_text(reflections: list[str]) -> str:
    """IROTE's reflections as the text that goes in front of a conversation."""
    lines = "\n".join(f"- {r}" for r in reflections)
    return f"A few things about who you are, in your own words:\n{lines}"


def put_in_front(text: str | None, messages: list[Message]) -> list[Message]:
    """`messages` with `text` in front: a new system message, or prepended to the one
    already there (a persona framing stays where it was, after it); unchanged without
    text. Searches use it for candidates, `SteeringArtifact.apply` for winners."""
    if not text:
        return list(messages)
    if messages and messages[0].role == "system":
        return [system(f"{text}\n\n{messages[0].content}"), *messages[1:]]
    return [system(text), *messages]


class RewriteConfig(BaseModel):
    """COUPLE's rewrite at inference time (see `methods/couple.py`)."""

    threshold: float = Field(default=0.25, ge=0.0, le=1.0)
    """Rewrite when some target value's judged expression is further than this from its
    normalised priority; below it the draft is kept."""
    max_tokens: int = Field(default=160, ge=16)
    judge_mode: Literal["all@once", "one-by-one"] = "all@once"


class SteeringArtifact(BaseModel):
    """A reusable steering result (see the module docstring)."""

    method: MethodName
    framework: str
    target: Target
    instruction: str | None = None
    reflections: list[str] = Field(default_factory=list)
    rewrite: RewriteConfig | None = None
    score: float | None = None
    """The winner's objective on the optimisation prompts (None for baselines)."""
    source: str | None = None
    """The steer run it came from."""

    def system_text(self) -> str | None:
        """What goes before a conversation: the reflections, else the instruction."""
        return reflections_text(self.reflections) if self.reflections else self.instruction

    def apply(self, messages: list[Message]) -> list[Message]:
        """`messages` with the steering text in front (`put_in_front`)."""
        return put_in_front(self.system_text(), messages)

    def digest(self) -> str:
        """A short hash of everything that changes what the steered model is asked."""
        data = self.model_dump(mode="json", exclude={"score", "source"})
        blob = json.dumps(data, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")


def artifact_path(run_dir: Path, method: str) -> Path:
    return run_dir / METHODS_DIR / method / ARTIFACT_FILE


def _read(path: Path) -> SteeringArtifact:
    try:
        return SteeringArtifact.model_validate_json(path.read_text("utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise SteeringError(f"{path}: not a steering artifact ({first})") from None


def find_artifact(path: Path) -> Path:
    """The artifact file that `--steering PATH` means (see the module docstring)."""
    if path.is_file():
        return path
    if (path / ARTIFACT_FILE).is_file():
        return path / ARTIFACT_FILE
    methods = sorted(p.parent for p in (path / METHODS_DIR).glob(f"*/{ARTIFACT_FILE}"))
    if len(methods) == 1:
        return methods[0] / ARTIFACT_FILE
    if methods:
        listed = ", ".join(str(m) for m in methods)
        raise SteeringError(f"{path} holds {len(methods)} steering methods; name one: {listed}")
    if not path.exists():
        raise SteeringError(f"no steering artifact at {path}")
    raise SteeringError(
        f"{path} holds no steering artifact (an artifact.json, or a `valuescope steer` run)"
    )


def load_steering(path: Path | str) -> SteeringArtifact:
    """The artifact at `path` (a file, a method folder, or a one-method steer run)."""
    return _read(find_artifact(Path(path)))
