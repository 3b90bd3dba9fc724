"""What makes the answers of a run comparable, and the check `resume` makes before it adds
answers to a run.

A run's manifest records the model's identity (for an embedded model: the GGUF file's hash;
for a server: the model name and endpoints), the valuescope version, and a hash of each
part of the instrument that decides what the model is asked and how answers are scored
(items, scale, framework, word list, prompt templates). A resume whose model, version or
instrument differs from what the run started with would mix two measurements in one
results file, so it is refused with one line that names what changed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel

from valuescope.runs import Manifest, RunStoreError


def digest(*parts: Any) -> str:
    """A short, stable hash of JSON-able data (pydantic models and dataclasses included)."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=_plain)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    raise TypeError(f"cannot hash a {type(value).__name__}")


def check_resumable(
    manifest: Manifest,
    fingerprint: dict[str, str],
    model_identity: str,
    judge_identity: str | None,
    version: str | None,
) -> None:
    """Raise `RunStoreError` naming the first thing that changed since the run started.

    Manifests written before these fields existed carry none of them; what a manifest does
    not record is not checked.
    """
    if manifest.model_identity != model_identity:
        raise RunStoreError(
            f"the model changed since this run started (was {manifest.model_identity!r}, now "
            f"{model_identity!r}): its answers would mix two models; start a new run"
        )
    if manifest.judge_identity is not None and manifest.judge_identity != judge_identity:
        raise RunStoreError(
            f"the judge changed since this run started (was {manifest.judge_identity!r}, now "
            f"{judge_identity!r}); start a new run"
        )
    check_version(manifest, version)
    changed = changed_parts(manifest.instrument_hash, fingerprint)
    if changed:
        raise RunStoreError(
            f"the instrument changed since this run started ({', '.join(changed)} "
            "edited): its answers would mix two questionnaires; start a new run"
        )


def check_version(manifest: Manifest, version: str | None) -> None:
    """Refuse to add to a run that another valuescope version started."""
    written_by = manifest.versions.get("valuescope")
    if written_by is not None and version is not None and written_by != version:
        raise RunStoreError(
            f"this run was started by valuescope {written_by}, this is {version}: prompts or "
            f"scoring may differ; resume it with valuescope {written_by}, or start a new run"
        )


def changed_parts(recorded: dict[str, str], now: dict[str, str], both: bool = False) -> list[str]:
    """The parts the manifest records whose hash differs now; with `both`, also those only
    `now` has (a study's settings: a key added to a mapping). Without it, a part the
    manifest does not record is not checked: an older version wrote it."""
    if not both:
        return [part for part, value in recorded.items() if now.get(part) != value]
    return sorted(p for p in {*recorded, *now} if recorded.get(p) != now.get(p))
