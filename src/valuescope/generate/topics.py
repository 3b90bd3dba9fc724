"""Seed topics for `generate`: the bandit's arms.

Shipped: `generate/data/topics.yaml` (60 topics in 12 areas, written for valuescope). A
user's file (`--topics FILE`) is the same YAML (`topics: [{id, topic, context}]`) or plain
text, one topic per line (`#` starts a comment; ids become t1, t2, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from valuescope.datasets import DataFileError, line_of, load_yaml_located, read_utf8


@dataclass(frozen=True)
class Topic:
    id: str
    topic: str
    context: str = ""


def builtin_topics_path() -> Path:
    return Path(str(files("valuescope.generate") / "data" / "topics.yaml"))


def load_topics(path: Path | None = None) -> list[Topic]:
    path = path or builtin_topics_path()
    if path.suffix in (".yaml", ".yml"):
        data = load_yaml_located(path)
        rows = data.get("topics") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not rows:
            raise DataFileError(path, None, "a YAML topic file needs a list under `topics:`")
        topics = []
        for index, row in enumerate(rows):
            line = line_of(data, ("topics", index))
            if not isinstance(row, dict) or not str(row.get("topic") or "").strip():
                raise DataFileError(path, line, "each topic needs `topic:` (and an id)")
            topic_id = str(row.get("id") or f"t{index + 1}")
            context = " ".join(str(row.get("context") or "").split())
            topics.append(Topic(topic_id, " ".join(str(row["topic"]).split()), context))
    else:
        lines = [
            (n, ln.split("#", 1)[0].strip()) for n, ln in enumerate(read_utf8(path).splitlines(), 1)
        ]
        topics = [Topic(f"t{i}", text) for i, (_, text) in enumerate([x for x in lines if x[1]], 1)]
        if not topics:
            raise DataFileError(path, None, "no topics (one per line)")
    ids = [t.id for t in topics]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate is not None:
        raise DataFileError(path, None, f"topic id {duplicate!r} appears twice")
    return topics
