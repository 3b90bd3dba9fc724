"""An AdAEM generation run (`generate.json`, `bank.jsonl`, `round-*/questions.jsonl`): the
bandit's arms, the questions it generated with their informativeness and provenance, the
seed-vs-refined comparisons, and what was dropped.

The bank is what a user takes away (`measure --instrument probes --items bank.jsonl`), so
every question is listed with where it came from (round, topic, parent) and its scores;
the evaluation runs of each round are linked from the generic "Runs inside".
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from valuescope.report._folder import RunFolder
from valuescope.report._html import el, fmt, key_values, table
from valuescope.report._parts import Links, Section

BANK_LIMIT = 2000
"""Questions listed on the page (the bank file holds them all)."""


def sections(run: RunFolder, links: Links) -> list[Section]:
    results = run.results or {}
    return [_overview(run, results), _arms(results), _questions(run), _comparisons(results),
            _dropped(results)]  # fmt: skip


def _overview(run: RunFolder, results: dict[str, Any]) -> Section:
    rounds = sorted(p.name for p in run.path.glob("round-*") if p.is_dir())
    pairs = {
        "framework": results.get("framework"),
        "pool": ", ".join(map(str, results.get("pool") or [])),
        "generator": results.get("generator"),
        "judge": results.get("judge"),
        "rounds run": results.get("rounds_run"),
        "questions in the bank": results.get("questions"),
        "unparsed generations": results.get("unparsed_generations"),
        "generator calls": results.get("calls"),
        "round folders": ", ".join(rounds) or "–",
    }
    notes = [el("li", str(n)) for n in results.get("notes") or []]
    return Section("generation", "Generation", el("div", key_values(pairs),
                                                  el("ul", notes) if notes else None))  # fmt: skip


def _arms(results: dict[str, Any]) -> Section:
    arms: dict[str, Any] = results.get("arms") or {}
    rows = [[arm, a.get("topic"), a.get("pulls"), fmt(a.get("mean_reward"), 4),
             ", ".join(fmt(r, 4) for r in a.get("rewards") or [])]
            for arm, a in arms.items()]  # fmt: skip
    body = el(
        "div",
        el("p", "The UCB1 bandit's arms (topics): how often each was pulled and the reward "
           "of each pull (mean informativeness x elicitation of its new questions).",
           class_="sub"),
        table(["arm", "topic", "pulls", "mean reward", "rewards per pull"], rows, numeric_from=2),
    )  # fmt: skip
    return Section("arms", "Bandit arms", body)


def _questions(run: RunFolder) -> Section:
    bank = run.jsonl("bank.jsonl", limit=BANK_LIMIT)
    source = "bank.jsonl"
    if not bank:  # an interrupted run: the rounds' questions, unscored
        source = "round-*/questions.jsonl"
        for folder in sorted(run.path.glob("round-*")):
            number = folder.name.removeprefix("round-")
            asked = run.jsonl(f"{folder.name}/questions.jsonl", limit=BANK_LIMIT)
            bank += [{**q, "round": q.get("round", number)} for q in asked]
    bank.sort(key=lambda q: (str(q.get("round")), -(q.get("informativeness") or 0.0)))
    rows = [[q.get("id"), el("div", str(q.get("question") or "")), q.get("round"),
             _topic(q), q.get("parent") or "–", fmt(q.get("informativeness"), 4),
             fmt(q.get("elicitation"), 3), fmt(q.get("reward"), 4)] for q in bank]  # fmt: skip
    body = el(
        "div",
        el("p", f"{len(bank)} questions from {source}, by round, most informative first. "
           "Informativeness: mean pairwise Jensen-Shannon divergence of the pool members' "
           "judged profiles; elicitation: mean strongest value; reward: their product.",
           class_="sub"),
        el("div", table(["id", "question", "round", "topic (arm)", "parent", "informativeness",
                         "elicitation", "reward"], rows, numeric_from=5), class_="scroll"),
    )  # fmt: skip
    return Section("questions", "Generated questions", body)


def _topic(q: dict[str, Any]) -> Markup:
    return el("span", str(q.get("topic") or ""), el("span", f" ({q.get('arm')})", class_="muted"))


def _comparison_row(label: str, c: object) -> list[object]:
    if not isinstance(c, dict):
        return [label, "–", "–", "–", "–", "–"]
    members = c.get("members") or []
    return [label, f"{len(members)}: " + ", ".join(map(str, members)),
            fmt(c.get("seed"), 4), c.get("n_seed"), fmt(c.get("refined"), 4),
            c.get("n_refined")]  # fmt: skip


def _comparisons(results: dict[str, Any]) -> Section:
    rows = [_comparison_row("pool", results.get("pool_comparison")),
            _comparison_row("held out", results.get("held_out_comparison"))]  # fmt: skip
    body = el(
        "div",
        el("p", "Mean informativeness of the seed questions (round 1, written from the topics) "
           "and of the refined ones (later rounds), on the pool and on held-out members "
           "(mean only: no significance test).", class_="sub"),
        table(["members", "who", "seed", "n seed", "refined", "n refined"], rows, numeric_from=2),
    )  # fmt: skip
    return Section("comparison", "Seed vs refined", body)


def _dropped(results: dict[str, Any]) -> Section:
    dropped = results.get("dropped_duplicates") or []
    rows = [[el("div", str(d.get("question") or "")), el("div", str(d.get("repeats") or "")),
             d.get("why") or ""] for d in dropped if isinstance(d, dict)]  # fmt: skip
    body = (table(["dropped question", "repeats", "why"], rows, numeric_from=9) if rows
            else el("p", "No question was dropped as a near-duplicate.", class_="sub"))  # fmt: skip
    return Section("dropped", f"Dropped near-duplicates ({len(rows)})", body)
