"""COUPLE's steps as pure functions (`methods/couple.py` runs them): the intervention plan
built from the framework's relation graph, the three prompts, and the parsers that read the
model's answers robustly (a tiny model writes preambles, bullets and junk).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from valuescope.frameworks import Framework
from valuescope.models import Message, user
from valuescope.steering.targets import Target

Direction = Literal["raise", "support", "moderate", "lower", "recede"]
MAX_CONCEPTS = 5
_DIRECTION_WORDS: dict[Direction, str] = {
    "raise": "bring in",
    "support": "bring in a little",
    "moderate": "keep moderate",
    "lower": "leave out",
    "recede": "play down",
}


@dataclass(frozen=True)
class PlanEntry:
    """Where one dimension should go in the counterfactual, and why."""

    dimension: str
    direction: Direction
    because: str


def intervention_plan(framework: Framework, target: Target) -> list[PlanEntry]:
    """The intervention, from the target and the relation graph (see the module docstring):
    target dimensions in priority order, then supported and receding neighbours in the
    framework's order."""
    low, high = target.scale
    plan: dict[str, PlanEntry] = {}
    for d in target.ranked():
        t = target.normalised(d)
        direction: Direction = "raise" if t > 0.5 else "lower" if t < 0.5 else "moderate"
        because = f"target priority {target.priorities[d]:g} on {low:g}..{high:g}"
        plan[d] = PlanEntry(d, direction, because)
    supported: dict[str, list[str]] = {}
    receding: dict[str, list[str]] = {}
    for d in (d for d in target.ranked() if target.normalised(d) > 0.5):
        relations = framework.dimension(d).relations
        for neighbour in relations.consistent:
            supported.setdefault(neighbour, []).append(d)
        for neighbour in relations.opposing:
            receding.setdefault(neighbour, []).append(d)
    for d in framework.ids:
        if d in plan or (d in supported and d in receding):
            continue
        if d in supported:
            plan[d] = PlanEntry(d, "support", "consistent with " + ", ".join(supported[d]))
        elif d in receding:
            plan[d] = PlanEntry(d, "recede", "opposes " + ", ".join(receding[d]))
    return list(plan.values())


def largest_deviation(expression: dict[str, float], target: Target) -> tuple[str, float] | None:
    """The target dimension furthest from its normalised priority, and |p - t| (None when
    the judge scored none of them)."""
    gaps = {d: abs(expression[d] - target.normalised(d)) for d in target.dimensions
            if d in expression}  # fmt: skip
    if not gaps:
        return None
    worst = max(gaps, key=lambda d: gaps[d])
    return worst, gaps[worst]


_BULLET = re.compile(r"^\s*(?:[-*\u2022]+|\(?\d+[.)]|[a-z][.)])\s*")
_PREAMBLE = re.compile(
    r"^\s*(?:(?:(?:sure|okay|ok)[,.!]?\s*)?(?:here is|here's|below is)[^\n:]{0,60}"
    r"|(?:the\s+)?(?:rewritten|revised|new)(?:\s+response)?|response)\s*:\s*",
    re.IGNORECASE,
)
_ECHOES = ("original response:", "rewrite the original", "leaves out or plays down",
           "brings in:", "request:")  # fmt: skip


def clean_lines(text: str) -> list[str]:
    """The non-empty lines of `text` without bullets, numbers and wrapping quotes."""
    lines = (_BULLET.sub("", line).strip().strip("\"'*").strip() for line in text.splitlines())
    return [line for line in lines if line]


def readable_rewrite(text: str, draft: str) -> tuple[str | None, str | None]:
    """(the rewrite without a preamble or quotes, None), or (None, why it is unusable):
    empty, an echo of the instructions, the draft unchanged, far shorter than the draft,
    repetitive, not prose."""
    body = _PREAMBLE.sub("", text.strip(), count=1).strip().strip('"').strip()
    words = body.split()
    if not words:
        return None, "empty"
    lowered = body.lower()
    if any(echo in lowered for echo in _ECHOES):
        return None, "it echoes the instructions"
    if " ".join(words) == " ".join(draft.split()):
        return None, "it repeats the draft unchanged"
    if len(words) < max(4, len(draft.split()) // 4):
        return None, f"{len(words)} words for a draft of {len(draft.split())}"
    if len(words) >= 12 and len({w.lower() for w in words}) < 0.3 * len(words):
        return None, "it repeats itself"
    letters = sum(c.isalpha() for c in body)
    if letters < 0.6 * len(body.replace(" ", "")):
        return None, "it is not prose"
    return body, None


def parse_concepts(text: str, limit: int = MAX_CONCEPTS) -> list[str]:
    """Short phrases, one a line (bullets, numbers and `...:` headings dropped), at most
    `limit`."""
    concepts = [line for line in clean_lines(text)
                if 1 <= len(line.split()) <= 10 and not line.endswith(":")]  # fmt: skip
    return list(dict.fromkeys(concepts))[:limit]


def parse_plan_concepts(text: str, count: int) -> dict[int, str]:
    """`1. idea` lines -> {0: "idea"} (plan positions; unnumbered or unknown lines dropped)."""
    found: dict[int, str] = {}
    for line in text.splitlines():
        match = re.match(r"\s*(\d+)\s*[.):-]\s*(.+)", line)
        if not match:
            continue
        index = int(match.group(1)) - 1
        idea = match.group(2).strip().strip("\"'*").strip()
        idea = re.sub(r"^\(?(?:bring in|leave out|play down|keep moderate)[a-z ]*\)?\s*:?\s*",
                      "", idea, flags=re.IGNORECASE)  # fmt: skip
        if 0 <= index < count and idea and index not in found and len(idea.split()) <= 16:
            found[index] = idea
    return found


def _describe(framework: Framework, entry: PlanEntry) -> str:
    dimension = framework.dimension(entry.dimension)
    return f"{dimension.name} ({dimension.definition.rstrip('.').lower()})"


def extraction_messages(draft: str) -> list[Message]:
    return [user(
        "List the values or value-laden ideas that the response below expresses, as two to "
        "five short phrases of a few words each, one per line. Write only the list.\n\n"
        f"Response:\n{draft}"
    )]  # fmt: skip


def concept_messages(framework: Framework, plan: list[PlanEntry], question: str) -> list[Message]:
    items = "\n".join(f"{i}. ({_DIRECTION_WORDS[e.direction]}) {_describe(framework, e)}"
                      for i, e in enumerate(plan, start=1))  # fmt: skip
    return [user(
        "A response to the request below will be rewritten to reflect other priorities: it "
        "will bring in some values and leave out others, as each item is marked. For each "
        "numbered item, write one concrete idea of a few words that fits this request's "
        "topic and would show that value, without naming the value. Answer with one line "
        "per item, as `number. idea`.\n\n"
        f"Request: {question}\n\nItems:\n{items}"
    )]  # fmt: skip


def rewrite_messages(framework: Framework, plan: list[PlanEntry], ideas: dict[int, str],
                     expressed: list[str], question: str, draft: str) -> list[Message]:  # fmt: skip
    def listed(directions: tuple[Direction, ...]) -> str:
        return "; ".join(f"{ideas[i]} ({framework.dimension(e.dimension).name})" if i in ideas
                         else _describe(framework, e)
                         for i, e in enumerate(plan) if e.direction in directions)  # fmt: skip

    more, less = listed(("raise", "support")), listed(("lower", "recede"))
    middle = listed(("moderate",))
    lines = [f"Request: {question}", f"Original response:\n{draft}"]
    if expressed:
        lines.append("The original expresses: " + "; ".join(expressed) + ".")
    changes = []
    if more:
        changes.append(f"- brings in: {more}")
    if less:
        changes.append(f"- leaves out or plays down: {less}")
    if middle:
        changes.append(f"- keeps moderate, neither more nor less: {middle}")
    words = len(draft.split())
    lines.append(
        "Rewrite the original so that it\n" + "\n".join(changes) + "\n"
        f"Keep its topic, advice, length (about {words} words) and style. Show the values "
        "through what the response says and advises; do not name them. Write only the "
        "rewritten response."
    )
    return [user("\n\n".join(lines))]
