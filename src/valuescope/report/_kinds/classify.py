"""A classify run: the value profile a judge reads in a set of texts and, when the texts have
gold labels, how well the judge agrees with them.

Agreement is ROC-AUC (does the judge rank texts that express a value above those that do
not?) and F1 of its 0/1 labels, each with the bootstrap CI results.json carries. The ROC
curves are drawn from the judge's scores in samples.jsonl and the gold labels of the source
(results.json keeps neither): the gold labels are read again through classify's own loader
from the manifest's `source`, except for a hub dataset (`hf:`), which a report must not
download. A curve's area is the AUC in the table, so the two check each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from valuescope.report._folder import RunFolder
from valuescope.report._html import charts, el, figure, fmt, key_values, table
from valuescope.report._kinds._cells import reasons_table, scores_read_by
from valuescope.report._kinds.probes import cistat, stat_text
from valuescope.report._parts import Links, Section, no_results
from valuescope.report._svg import Bar, Series, bars, lines


def sections(run: RunFolder, links: Links) -> list[Section]:
    results = run.results or {}
    profile: dict[str, Any] = results.get("profile") or {}
    if not profile:
        return no_results("profile", "Profile")
    out = [_profile(results, profile), _judge(results)]
    if results.get("metrics"):
        out.append(_agreement(run, results))
    return out


def _profile(results: dict[str, Any], profile: dict[str, Any]) -> Section:
    stats = {d: cistat((r or {}).get("mean_score")) for d, r in profile.items()}
    chart = bars(
        [Bar(d, *stats[d]) for d in profile], 0.0, 1.0, title="text profile", label_width=130
    )
    rows = [
        [d, stat_text((r or {}).get("mean_score")), (r or {}).get("label_rate"), (r or {}).get("n")]
        for d, r in profile.items()
    ]
    body = el(
        "div",
        el(
            "p",
            f"How much the {fmt(results.get('n_texts'))} texts of {fmt(results.get('source'))} "
            "express each value, by the judge: the mean P(expressed) over texts (95% CI "
            "resampling texts) and the share of texts it labels 1.",
            class_="sub",
        ),
        charts(
            figure(chart, "Mean P(expressed), 95% CI."),
        ),
        table(["dimension", "mean P(expressed) [95% CI]", "labelled 1", "texts"], rows),
    )
    return Section("profile", "Text profile", body)


def _judge(results: dict[str, Any]) -> Section:
    pairs = {
        "judge": results.get("model"),
        "mode": results.get("mode"),
        "source": results.get("source"),
        "texts (valid / invalid)": f"{fmt(results.get('n_texts'))} "
        f"({fmt(results.get('n_valid'))} / {fmt(results.get('n_invalid'))})",
        "scores read by": scores_read_by(results),
        "answers repaired": results.get("n_repaired"),
        "calls per text": results.get("calls_per_text"),
    }
    reasons = reasons_table(results, ["why a judgement is invalid", "texts"])
    return Section("judge", "Judge", el("div", key_values(pairs), reasons))


def _agreement(run: RunFolder, results: dict[str, Any]) -> Section:
    metrics: dict[str, Any] = results.get("metrics") or {}
    macro: dict[str, Any] = results.get("macro") or {}
    rows = [
        [d, stat_text(m.get("auc")), stat_text(m.get("f1")), m.get("n"), m.get("positives"),
         m.get("predicted_positive")]
        for d, m in ((d, m or {}) for d, m in metrics.items())
    ]  # fmt: skip
    rows.append(
        [el("b", "macro"), stat_text(macro.get("auc")), stat_text(macro.get("f1")), "", "", ""]
    )
    curves, note = roc_curves(run, results, list(metrics))
    series = [Series(f"{d} (AUC {fmt(_area(f, t))})", f, t) for d, (f, t) in curves.items()]
    auc_bars = bars([Bar(d, *cistat((m or {}).get("auc"))) for d, m in metrics.items()], 0.0, 1.0,
                    title="ROC-AUC per dimension", reference=0.5, label_width=110)  # fmt: skip
    body = el(
        "div",
        el(
            "p",
            f"The judge against the gold labels of {fmt(results.get('source'))} "
            f"({', '.join(results.get('labelled') or [])}). ROC-AUC 0.5 is chance; the CIs "
            "are bootstraps over texts (a dash: see its tooltip). Macro: the mean over "
            f"{', '.join(macro.get('dimensions') or []) or 'no dimension'}.",
            class_="sub",
        ),
        table(
            [
                "dimension",
                "ROC-AUC [95% CI]",
                "F1 [95% CI]",
                "texts",
                "gold positives",
                "judged positive",
            ],
            rows,
        ),
        charts(
            figure(auc_bars, "ROC-AUC, 95% CI; dashed: chance."),
            el(
                "figure",
                lines(
                    series,
                    (0.0, 1.0),
                    (0.0, 1.0),
                    title="ROC curves",
                    x_label="false positive rate",
                    y_label="true positive rate",
                    diagonal=True,
                ),
                el(
                    "figcaption",
                    "ROC curve per dimension from the samples' scores; dashed: chance.",
                ),
            )
            if series
            else None,
        ),
        el("p", note, class_="sub") if note else None,
    )
    return Section("agreement", "Agreement with gold labels", body)


def roc_curve(gold: Sequence[int], scores: Sequence[float]) -> tuple[list[float], list[float]]:
    """(false positive rates, true positive rates) from (0, 0) to (1, 1), one point per
    distinct score (tied scores move both rates at once: the curve's area is the AUC with
    ties counted half, as the rank-sum AUC in results.json counts them)."""
    y = np.asarray(gold, dtype=int)
    s = np.asarray(scores, dtype=float)
    positives, negatives = int((y == 1).sum()), int((y == 0).sum())
    if positives == 0 or negatives == 0:
        return [], []
    fpr, tpr = [0.0], [0.0]
    for threshold in np.unique(s)[::-1]:
        chosen = s >= threshold
        tpr.append(float((chosen & (y == 1)).sum() / positives))
        fpr.append(float((chosen & (y == 0)).sum() / negatives))
    return fpr, tpr


def _area(fpr: Sequence[float], tpr: Sequence[float]) -> float | None:
    if len(fpr) < 2:
        return None
    return float(sum((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2 for i in range(1, len(fpr))))


def roc_curves(
    run: RunFolder, results: dict[str, Any], dims: list[str]
) -> tuple[dict[str, tuple[list[float], list[float]]], str | None]:
    """Each dimension's ROC curve (results.json's own `roc` if a version writes one, else
    computed), and a note when there are none."""
    given = results.get("roc")
    if isinstance(given, dict) and given:
        return {d: (list(c.get("fpr") or []), list(c.get("tpr") or [])) for d, c in given.items()
                if isinstance(c, dict)}, None  # fmt: skip
    gold, why = gold_labels(run)
    if gold is None:
        return {}, f"No ROC curves: {why}"
    mode = results.get("mode")
    scored: dict[str, dict[str, float]] = {d: {} for d in dims}
    for record in run.jsonl("samples.jsonl"):
        if mode and record.get("condition") not in (None, mode):
            continue
        for d, v in (record.get("scores") or {}).items():
            if d in scored and isinstance(v, int | float):
                scored[d][str(record.get("item_id"))] = float(v)
    curves = {}
    for d in dims:
        ids = [i for i in scored[d] if d in gold.get(i, {})]
        fpr, tpr = roc_curve([gold[i][d] for i in ids], [scored[d][i] for i in ids])
        if fpr:
            curves[d] = (fpr, tpr)
    return (
        curves,
        None if curves else "No ROC curves: no dimension has positive and negative texts.",
    )


def gold_labels(run: RunFolder) -> tuple[dict[str, dict[str, int]] | None, str]:
    """text id -> dimension -> 0/1, read from the run's source through classify's loader."""
    config: dict[str, Any] = (run.manifest or {}).get("config") or {}
    source = config.get("source") or (run.results or {}).get("source")
    if not isinstance(source, str) or not source:
        return None, "the manifest names no source"
    if source.startswith("hf:"):
        return None, f"the gold labels are in {source}, which a report does not download"
    try:
        from valuescope.frameworks import load_framework
        from valuescope.instruments.classify.texts import load_texts

        extra = config.get("frameworks_dir")
        name = str(config.get("framework") or (run.results or {}).get("framework"))
        framework = load_framework(name, Path(extra) if extra else None)
        texts = load_texts(
            source,
            framework,
            config.get("text_column") or "text",
            config.get("id_column") or "id",
            config.get("question_column"),
        )
    except Exception as exc:  # moved or unreadable source: the tables still stand
        return None, f"the gold labels could not be read from {source} ({exc})"
    return {t.id: dict(t.gold) for t in texts.texts if t.gold}, ""
