"""A steer run (`steer.json`): the target, the held-out evaluation of every method, each
method's search and the candidates it tried, trait transfer to the questionnaire, the
levels calibration and the exported training data.

The evaluation's tables come from `steer_eval` (the same results sit in `evaluation/`);
links to the evaluation and transfer runs are the generic page's "Runs inside".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from valuescope.report._folder import ReportError, RunFolder, read_json
from valuescope.report._html import el, fmt, key_values, table
from valuescope.report._kinds._cells import stat
from valuescope.report._kinds.steer_eval import evaluation_sections
from valuescope.report._parts import Links, Section

LONG_TEXT = 160
"""Candidate texts longer than this are folded into a <details>."""


def sections(run: RunFolder, links: Links) -> list[Section]:
    results = run.results or {}
    out = [_target(results)]
    evaluation = results.get("evaluation")
    if isinstance(evaluation, dict):
        out += evaluation_sections(evaluation)
    out.append(_search(run, results))
    out.append(_candidates(run, results))
    if results.get("transfer"):
        out.append(_transfer(results))
    levels = _levels(run)
    if levels is not None:
        out.append(levels)
    if results.get("export"):
        out.append(_export(run, results, links))
    return out


def _target(results: dict[str, Any]) -> Section:
    target: dict[str, Any] = results.get("target") or {}
    scale = results.get("scale") or [None, None]
    split = results.get("split") or {}
    rows = [[d, fmt(p)] for d, p in sorted(target.items(), key=lambda kv: -(kv[1] or 0))]
    body = el(
        "div",
        el("p", f"Priorities on the {fmt(scale[0], 0)}..{fmt(scale[-1], 0)} scale of "
           f"{results.get('framework')}, model {results.get('model')}.", class_="sub"),
        table(["value", "priority"], rows),
        key_values({f"{name} tasks": ", ".join(map(str, ids)) for name, ids in split.items()}),
    )  # fmt: skip
    return Section("target", "Target", body)


def _search(run: RunFolder, results: dict[str, Any]) -> Section:
    rows = []
    for name, m in (results.get("methods") or {}).items():
        usage = m.get("usage") or {}
        tokens = (usage.get("prompt_tokens") or 0) + (usage.get("completion_tokens") or 0)
        rows.append([name, m.get("stopped"), m.get("rounds_run"), m.get("candidates"),
                     f"{m.get('requests')} / {m.get('max_calls') or '∞'}", tokens,
                     stat(m.get("score"), 3)])  # fmt: skip
    notes = [el("li", f"{name}: {note}") for name, m in (results.get("methods") or {}).items()
             for note in m.get("notes") or []]  # fmt: skip
    body = el(
        "div",
        el("p", "How each method's search ended. The winning artifact is reusable with "
           "--steering (methods/<m>/artifact.json).", class_="sub"),
        table(["method", "stopped", "rounds", "candidates", "requests / cap", "tokens",
               "score"], rows, numeric_from=2),
        el("ul", notes) if notes else None,
        [[el("h3", f"{name}: winning artifact"), _artifact(run.path / "methods" / name)]
         for name in results.get("methods") or {}],
    )  # fmt: skip
    return Section("search", "Search per method", body)


def _artifact(folder: Path) -> Markup:
    """The winner's instruction (and reflections, rewrite settings) from artifact.json."""
    try:
        artifact = (
            read_json(folder / "artifact.json") if (folder / "artifact.json").is_file() else None
        )
    except ReportError as exc:
        return el("span", str(exc), class_="bad")
    if not isinstance(artifact, dict):
        return el("span", "–", class_="muted")
    parts: list[object] = [el("pre", str(artifact.get("instruction") or ""))]
    reflections = artifact.get("reflections") or []
    if reflections:
        parts.append(el("details", el("summary", f"{len(reflections)} reflections"),
                        el("ul", [el("li", str(r)) for r in reflections])))  # fmt: skip
    if artifact.get("rewrite"):
        parts.append(el("div", f"rewrite: {artifact['rewrite']}", class_="sub"))
    return el("div", parts)


def _text(text: str) -> Markup:
    """A model-written text: in full when short, folded behind its opening when long."""
    if len(text) <= LONG_TEXT:
        return el("pre", text)
    return el("details", el("summary", text[:LONG_TEXT] + "…"), el("pre", text))


def _candidates(run: RunFolder, results: dict[str, Any]) -> Section:
    intro = "Every candidate each optimiser tried, in order, with its score (the winner marked)."
    parts: list[object] = [el("p", intro, class_="sub")]
    methods = list(results.get("methods") or {})
    folder = run.path / "methods"
    if folder.is_dir():
        methods += [
            p.name for p in sorted(folder.iterdir()) if p.is_dir() and p.name not in methods
        ]
    for name in methods:
        records = run.jsonl(f"methods/{name}/candidates.jsonl")
        if not records:
            continue
        rows = [[r.get("round"), r.get("kind"), _text(str(r.get("text") or "")),
                 r.get("note") or "", stat(r.get("score"), 3), stat(r.get("conformity"), 3),
                 fmt(r.get("parroting")), el("b", "chosen", class_="good") if r.get("chosen")
                 else ""] for r in records]  # fmt: skip
        parts.append(el("h3", f"{name} ({len(records)} candidates)"))
        parts.append(table(["round", "kind", "candidate", "note", "score", "conformity",
                            "parroting", ""], rows, numeric_from=4))  # fmt: skip
    return Section("candidates", "Candidates tried", el("div", parts))


def _transfer(results: dict[str, Any]) -> Section:
    rows_in = results.get("transfer") or []
    conditions: list[str] = []
    for row in rows_in:
        for name in [*(row.get("questionnaire") or {}), *(row.get("behaviour") or {})]:
            if name not in conditions:
                conditions.append(name)
    rows = [[row.get("dimension"), fmt(row.get("priority")),
             *(fmt((row.get("questionnaire") or {}).get(c)) for c in conditions),
             *(fmt((row.get("behaviour") or {}).get(c)) for c in conditions)]
            for row in rows_in]  # fmt: skip
    headers = ["value", "priority", *(f"questionnaire {c}" for c in conditions),
               *(f"judged {c}" for c in conditions)]  # fmt: skip
    body = el(
        "div",
        el("p", "Does steering move what the model says about itself as it moves what it "
           "does? Questionnaire score (the instrument's scale) against the judged expression "
           "(0..1) on the held-out tasks, per target value and condition.", class_="sub"),
        el("div", table(headers, rows), class_="scroll"),
    )  # fmt: skip
    return Section("transfer", "Trait transfer", body)


def _levels(run: RunFolder) -> Section | None:
    files = sorted({*run.path.glob("levels-*.json"), *run.path.glob("methods/*/levels-*.json")})
    if not files:
        return None
    parts: list[object] = []
    for path in files:
        try:
            data = read_json(path)
        except ReportError as exc:
            parts.append(el("p", str(exc), class_="bad"))
            continue
        dims = (data.get("dimensions") or {}) if isinstance(data, dict) else {}
        rows = [[d, stat({"value": r.get("rho"), "reason": r.get("reason")}),
                 stat(r.get("p"), 4), r.get("n")] for d, r in dims.items()]  # fmt: skip
        parts.append(el("h3", f"{data.get('design')} design ({path.name})"))
        parts.append(table(["dimension", "Spearman rho (level vs score)", "p", "n"], rows))
        if data.get("note"):
            parts.append(el("p", str(data["note"]), class_="sub"))
    return Section("levels", "Levels calibration", el("div", parts))


def _export(run: RunFolder, results: dict[str, Any], links: Links) -> Section:
    rows = []
    for name, count in (results.get("export") or {}).items():
        path = run.path / "export" / str(name)
        href = links.file(path) if path.is_file() else None
        link = el("a", name, href=href) if href else el("span", name)
        rows.append([link, count])
    body = el(
        "div",
        el("p", "The steered answers as TRL training records: sft.jsonl (conversations), "
           "dpo.jsonl (steered answer chosen over the bare one).", class_="sub"),
        table(["file", "records"], rows),
    )  # fmt: skip
    return Section("export", "Exported training data", body)
