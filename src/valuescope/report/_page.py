"""A run's page: the header, the kind's own sections, usage, sub-runs and the drill-down.

The same page is the static `report.html` (written into the run folder, opened from disk)
and the viewer's run page; they differ only in how links are made (`Links`) and in the
drill-down: the static report carries the first `STATIC_SAMPLES` samples, the viewer pages
and filters all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from valuescope.report._folder import (
    COMPOSITE_FILES,
    MANIFEST,
    REPORT,
    SAMPLES,
    RunFolder,
    SamplePage,
    detect_kind,
    sample_page,
)
from valuescope.report._html import el, fmt, key_values, select, table
from valuescope.report._parts import Links, Section
from valuescope.report._svg import option_bars

STATIC_SAMPLES = 300
"""Samples a static report carries; the viewer pages through the rest."""
TEXT_FIELDS = ("answer", "response", "story", "text_answer", "excerpt", "text", "rewritten")
"""Sample fields that hold text the model wrote (shown in full, escaped)."""
PROMPT_FIELDS = ("prompt", "judge_prompt")
SCORE_FIELDS = ("scores", "expression", "values", "labels", "outcome_probs")


def static_links(base: Path) -> Links:
    """Links for a report.html in `base`: relative paths to other folders' report.html."""

    def run(folder: Path) -> str | None:
        try:
            relative = folder.resolve().relative_to(base.resolve())
        except ValueError:
            return None
        return f"{relative.as_posix()}/{REPORT}"

    def file(path: Path) -> str | None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            return None

    return Links(run=run, file=file)


@dataclass
class SampleQuery:
    page: int = 1
    per_page: int = 25
    item: str | None = None
    group: str | None = None
    valid: bool | None = None
    extra: dict[str, str] = field(default_factory=dict)


def title_of(run: RunFolder) -> str:
    manifest, results = run.manifest or {}, run.results or {}
    what = manifest.get("instrument") or results.get("framework") or ""
    model = manifest.get("model") or results.get("model") or ""
    return " · ".join(str(p) for p in (run.kind, what, model) if p)


def render_run(run: RunFolder, links: Links, query: SampleQuery | None) -> Markup:
    """The body of a run's page (`page()` wraps it into a document)."""
    from valuescope.report._kinds import sections_for

    overview, *warnings = _overview(run, links)
    sections: list[Section] = [*verdict_sections(run.results or {}), *warnings]
    try:
        sections += sections_for(run, links)
    except Exception as exc:  # a report must still show what it can
        sections.append(Section("error", "This part could not be drawn",
                                el("p", f"{type(exc).__name__}: {exc}", class_="bad")))  # fmt: skip
    sections.append(overview)  # the results first; what was run and how below them
    sections += _usage(run)
    sections += _children(run, links)
    if (run.path / SAMPLES).is_file():
        sections.append(_drilldown(run, links, query))
    toc = el("nav", [el("a", s.title, href=f"#{s.id}") for s in sections], class_="toc")
    status = "finished" if run.finished else "incomplete (killed, interrupted or in flight)"
    header = [
        el("h1", title_of(run)),
        el("p", f"{run.path} · {status}", class_="sub"),
        toc,
    ]
    body = [el("section", el("h2", s.title), s.body, id=s.id) for s in sections]
    return el("div", header, body, class_="run")


def _overview(run: RunFolder, links: Links) -> list[Section]:
    manifest, results = run.manifest or {}, run.results or {}
    pairs: dict[str, object] = {}
    for name in ("command", "instrument", "model", "model_identity", "judge_identity",
                 "created_utc", "seed", "command_line", "git_revision"):  # fmt: skip
        if manifest.get(name) is not None:
            pairs[name.replace("_", " ")] = manifest[name]
    if not manifest:
        for name in ("command", "framework", "model", "seed"):
            if results.get(name) is not None:
                pairs[name] = results[name]
    config = manifest.get("config") or {}
    settings = {k: _short(v) for k, v in config.items() if v not in (None, [], {})}
    versions = manifest.get("versions") or results.get("versions") or {}
    parts = [key_values(pairs)]
    if settings:
        parts.append(el("details", el("summary", "settings"), key_values(settings)))
    if versions:
        parts.append(el("details", el("summary", "versions"), key_values(versions)))
    files = [
        el("a", path.name, href=href)
        for path in sorted(run.path.iterdir())
        if path.is_file() and path.suffix in (".json", ".jsonl", ".txt", ".yaml")
        and (href := links.file(path))
    ]  # fmt: skip
    if files:
        parts.append(el("p", "files: ", [[link, " "] for link in files], class_="sub"))
    sections = [Section("overview", "Run", el("div", parts))]
    warnings = results.get("warnings") or []
    if warnings:
        items = [el("li", str(w)) for w in warnings]
        sections.append(Section("warnings", "Warnings", el("ul", items, class_="warnings")))
    return sections


LEVEL_CLASS = {"interpretable": "good", "interpret with care": "care", "not interpretable": "bad"}


def verdict_sections(results: dict[str, Any]) -> list[Section]:
    """What the page opens with: the run's failure, or its verdict and its reasons (those
    that decided it first, the checks it passed after them)."""
    failure = results.get("failure")
    if failure:
        body = el("p", el("b", "failed: "), str(failure), class_="bad")
        return [Section("verdict", "Verdict: failed", body)]
    verdict = results.get("verdict")
    if not isinstance(verdict, dict) or not verdict.get("level"):
        return []
    level = str(verdict["level"])
    items = [
        el(
            "li",
            el("b", str(r.get("check", ""))),
            ": ",
            str(r.get("text", "")),
            class_=LEVEL_CLASS.get(str(r.get("level"))) if r.get("level") == level else "sub",
        )
        for r in verdict.get("reasons") or []
        if isinstance(r, dict)
    ]
    headline = el("p", el("span", level, class_=LEVEL_CLASS.get(level, "bad")), class_="verdict")
    return [Section("verdict", f"Verdict: {level}", el("div", headline, el("ul", items)))]


def _short(value: Any) -> str:
    text = plain(value)
    return text if len(text) <= 200 else text[:200] + "…"


def plain(value: Any) -> str:
    """A setting as a reader writes it, not as Python prints it: a missing value is a dash,
    a mapping `key: value, ...`, a list its items joined by commas."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(plain(v) for v in value)
    return str(value)


def usage_rows(usage: dict[str, Any]) -> list[list[object]]:
    return [[
        usage.get("model_calls"), usage.get("cache_hits"), usage.get("prompt_tokens"),
        usage.get("completion_tokens"), fmt(usage.get("seconds"), 1),
    ]]  # fmt: skip


def _usage(run: RunFolder) -> list[Section]:
    results = run.results or {}
    rows = []
    for label, name in (("model", "usage"), ("judge", "judge_usage")):
        usage = results.get(name)
        if isinstance(usage, dict):
            rows.append([label, *usage_rows(usage)[0]])
    if not rows:
        return []
    headers = ["", "model calls", "cache hits", "prompt tokens", "completion tokens", "seconds"]
    return [Section("usage", "Usage", table(headers, rows))]


def child_runs(folder: Path, depth: int = 2) -> list[Path]:
    """Run folders inside `folder` (not `folder` itself), up to `depth` levels down."""
    found: list[Path] = []
    if depth == 0:
        return found
    for child in sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()):
        if detect_kind(child) is not None:
            found.append(child)
        found += child_runs(child, depth - 1)
    return found


def _children(run: RunFolder, links: Links) -> list[Section]:
    if run.kind not in COMPOSITE_FILES and not any(run.path.glob(f"*/{MANIFEST}")):
        return []
    rows = []
    for child in child_runs(run.path):
        link = links.run(child)
        name = child.relative_to(run.path).as_posix()
        rows.append([el("a", name, href=link) if link else name, detect_kind(child) or ""])
    if not rows:
        return []
    return [Section("runs", "Runs inside", table(["folder", "kind"], rows, numeric_from=9))]


def _drilldown(run: RunFolder, links: Links, query: SampleQuery | None) -> Section:
    path = run.path / SAMPLES
    static = links.samples is None
    query = query or SampleQuery(per_page=STATIC_SAMPLES if static else 25)
    page = sample_page(path, query.page, query.per_page, query.item, query.group, query.valid)
    parts: list[object] = []
    if static:
        note = f"{page.all_samples} samples"
        if page.all_samples > len(page.records):
            note += (f"; the first {len(page.records)} are here, `valuescope view` pages and "
                     "filters them all")  # fmt: skip
        parts.append(el("p", note, class_="sub"))
    else:
        parts.append(_filters(page, query))
        parts.append(_pager(page, query, links))
    parts.append(el("div", [sample_card(r, n) for r, n in zip(page.records, page.numbers,
                                                              strict=True)]))  # fmt: skip
    if not static:
        parts.append(_pager(page, query, links))
    return Section("samples", "Answers", el("div", parts))


def _filters(page: SamplePage, query: SampleQuery) -> Markup:
    groups = [("all", ""), *((g, g) for g in page.groups)]
    validity = [("all", ""), ("valid", "1"), ("invalid", "0")]
    return el(
        "form",
        el("label", "item id", el("input", name="item", value=query.item or "", type="search")),
        el("label", "group", select("group", groups, query.group or "")),
        el("label", "validity", select("valid", validity, _valid_value(query.valid))),
        el("button", "filter", type="submit"),
        method="get",
        action="#samples",
        class_="filters",
    )


def _valid_value(valid: bool | None) -> str:
    return "" if valid is None else ("1" if valid else "0")


def _pager(page: SamplePage, query: SampleQuery, links: Links) -> Markup:
    assert links.samples is not None
    pages = max((page.total + query.per_page - 1) // query.per_page, 1)

    def href(number: int) -> str:
        values = {"page": str(number), "item": query.item or "", "group": query.group or "",
                  "valid": _valid_value(query.valid)}  # fmt: skip
        assert links.samples is not None
        return links.samples({k: v for k, v in values.items() if v}) + "#samples"

    return el(
        "div",
        el("a", "← previous", href=href(query.page - 1)) if query.page > 1 else None,
        el("span", f"page {query.page} of {pages} · {page.total} of {page.all_samples} samples"),
        el("a", "next →", href=href(query.page + 1)) if query.page < pages else None,
        class_="pager",
    )


def sample_card(record: dict[str, Any], number: int) -> Markup:
    """One answer: what was asked, the options with their probabilities, what was written."""
    head = [el("b", str(record.get("item_id", "?"))), " · ", str(record.get("condition", ""))]
    for name in ("dimension", "category", "task", "persona", "respondent"):
        if record.get(name) not in (None, ""):
            head += [" · ", f"{name} {record[name]}"]
    if record.get("valid") is False:
        head += [" · ", el("span", f"invalid: {record.get('invalid_reason')}", class_="invalid")]
    asked: list[object] = [el("div", head), el("div", f"samples.jsonl line {number}",
                                               class_="meta")]  # fmt: skip
    answered: list[object] = []
    for name in PROMPT_FIELDS:
        if isinstance(record.get(name), str):
            asked.append(el("details", el("summary", name.replace("_", " ")),
                            el("pre", record[name])))  # fmt: skip
    for name in TEXT_FIELDS:
        if isinstance(record.get(name), str) and record[name]:
            asked.append(el("div", name, class_="meta"))
            asked.append(el("pre", record[name]))
    labels, probs = _options(record)
    if labels:
        answered.append(option_bars(labels, probs))
    for name in SCORE_FIELDS:
        value = record.get(name)
        if isinstance(value, dict) and value:
            answered.append(el("div", name, class_="meta"))
            answered.append(table(list(value), [[fmt(v) for v in value.values()]], numeric_from=0))
    rest = {k: _short(v) for k, v in record.items()
            if k not in (*PROMPT_FIELDS, *TEXT_FIELDS, *SCORE_FIELDS, "probs", "schema_version")
            and not isinstance(v, dict)}  # fmt: skip
    asked.append(el("details", el("summary", "all fields"), key_values(rest)))
    parts = [el("div", asked, class_="asked"), el("div", answered, class_="answered")]
    return el("div", parts, class_="sample", id=f"s{number}")


def _options(record: dict[str, Any]) -> tuple[list[str], list[float | None]]:
    probs = record.get("probs")
    if isinstance(probs, dict):
        return [str(k) for k in probs], [_number(v) for v in probs.values()]
    labels = record.get("labels")
    if isinstance(probs, list) and isinstance(labels, list) and len(labels) == len(probs):
        return [str(label) for label in labels], [_number(p) for p in probs]
    if isinstance(probs, list):
        return [str(i + 1) for i in range(len(probs))], [_number(p) for p in probs]
    return [], []


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
