"""`classify`: reading texts and gold labels (files, dev sets, Touche23), AUC / F1 with
bootstrap CIs, and whole runs on the embedded model and through llama-server."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import mannwhitneyu
from typer.testing import CliRunner

import valuescope as vs
from helpers.gallery import cache_of, output_of
from valuescope.cli import app
from valuescope.frameworks import load_framework
from valuescope.instruments.classify import load_texts
from valuescope.instruments.classify.texts import TextSourceError
from valuescope.stats import classification_metrics, f1, roc_auc

RUNNER = CliRunner()
SCHWARTZ10 = load_framework("schwartz10")
SCHWARTZ19 = load_framework("schwartz19")
MFT = load_framework("mft6")

# --- texts and labels -------------------------------------------------------------------------


def test_the_shipped_dev_sets_label_every_dimension() -> None:
    for name, framework, minimum in (("schwartz10", SCHWARTZ10, 100), ("mft6", MFT, 60)):
        texts = load_texts(f"devset:{name}", framework)
        assert len(texts.texts) >= minimum
        assert texts.labelled == framework.ids
        for dimension in framework.ids:
            positives = sum(t.gold[dimension] for t in texts.texts if t.gold)
            assert 14 <= positives <= len(texts.texts) / 2, (name, dimension)
        assert len({t.text for t in texts.texts}) == len(texts.texts)
        first = {d for t in texts.texts[:20] for d, v in (t.gold or {}).items() if v}
        assert first == set(framework.ids), "the first 20 texts should cover every dimension"


def test_a_csv_with_label_columns_named_like_dimensions(tmp_path: Path) -> None:
    path = tmp_path / "texts.csv"
    path.write_text(
        "id,body,Benevolence,power,note\n"
        "a,I help my neighbours.,1,0,x\n"
        'b,"I want to run the company, all of it.",0,1,y\n',
        encoding="utf-8",
    )
    texts = load_texts(str(path), SCHWARTZ10, text_column="body")
    assert [t.id for t in texts.texts] == ["a", "b"]
    assert texts.labelled == ["power", "benevolence"]
    assert texts.texts[1].gold == {"benevolence": 0, "power": 1}
    unlabelled = tmp_path / "plain.jsonl"
    unlabelled.write_text('{"text": "one"}\n{"text": "two"}\n', encoding="utf-8")
    plain = load_texts(str(unlabelled), SCHWARTZ10)
    assert plain.labelled == [] and [t.id for t in plain.texts] == ["t1", "t2"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,body\na,x\n", "texts.csv:2: no text in column 'text' (columns: id, body"),
        ("id,text\na,x\na,y\n", "texts.csv:3: id 'a' appears twice"),
        (
            "id,text,power\na,x,1\nb,y,\n",
            "texts.csv:3: this row has no labels, but earlier rows do",
        ),
        ("id,text,power\na,x,maybe\n", "texts.csv:2: label 'power' must be 0 or 1, not 'maybe'"),
    ],
)
def test_bad_text_files_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "texts.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TextSourceError, match=message.replace("(", r"\(")):
        load_texts(str(path), SCHWARTZ10)


def test_sources_that_do_not_exist_say_what_would(tmp_path: Path) -> None:
    with pytest.raises(TextSourceError, match="no such file"):
        load_texts(str(tmp_path / "nope.csv"), SCHWARTZ10)
    with pytest.raises(TextSourceError, match="no shipped dev set 'x'"):
        load_texts("devset:x", SCHWARTZ10)
    try:
        import datasets  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        with pytest.raises(TextSourceError, match="needs the `datasets` package"):
            load_texts("hf:someone/values", SCHWARTZ10)


CATEGORIES = [
    "Self-direction: thought", "Self-direction: action", "Stimulation", "Hedonism",
    "Achievement", "Power: dominance", "Power: resources", "Face", "Security: personal",
    "Security: societal", "Tradition", "Conformity: rules", "Conformity: interpersonal",
    "Humility", "Benevolence: caring", "Benevolence: dependability", "Universalism: concern",
    "Universalism: nature", "Universalism: tolerance", "Universalism: objectivity",
]  # fmt: skip


def _touche(directory: Path) -> Path:
    """A two-argument Touche23 split in its released layout (TSV, these column names)."""
    directory.mkdir()
    (directory / "arguments-validation.tsv").write_text(
        "Argument ID\tConclusion\tStance\tPremise\n"
        "A01\tWe should ban fast food\tin favor of\tit makes people ill and costs lives\n"
        "A02\tWe should keep the monarchy\tagainst\tit is an old custom that costs a lot\n",
        encoding="utf-8",
    )
    first = {"Face": 1, "Humility": 0, "Universalism: objectivity": 1, "Security: personal": 1}
    second = {"Humility": 1, "Tradition": 0}
    rows = ["Argument ID\t" + "\t".join(CATEGORIES)]
    for argument, ones in (("A01", first), ("A02", second)):
        rows.append(argument + "\t" + "\t".join(str(ones.get(c, 0)) for c in CATEGORIES))
    (directory / "labels-validation.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return directory


def test_touche23_maps_to_schwartz19_and_schwartz10(tmp_path: Path) -> None:
    directory = _touche(tmp_path / "touche")
    refined = load_texts(f"touche:{directory}", SCHWARTZ19)
    a01 = refined.texts[0]
    assert a01.text == "it makes people ill and costs lives"
    assert a01.question == "in favor of: We should ban fast food"
    assert a01.gold is not None and a01.gold["face"] == 1 and a01.gold["security_personal"] == 1
    assert sum(a01.gold.values()) == 2  # objectivity has no refined value: dropped
    basic = load_texts(f"touche:{directory / 'arguments-validation.tsv'}", SCHWARTZ10)
    assert basic.texts[0].gold == {**dict.fromkeys(SCHWARTZ10.ids, 0), "power": 1, "security": 1}
    assert basic.texts[1].gold == {**dict.fromkeys(SCHWARTZ10.ids, 0), "tradition": 1}
    with pytest.raises(TextSourceError, match="map to schwartz19 or schwartz10, not mft6"):
        load_texts(f"touche:{directory}", MFT)


# --- AUC and F1 -------------------------------------------------------------------------------


def test_auc_is_the_mann_whitney_statistic() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=60)
    scores = np.round(rng.random(60) + 0.4 * labels, 1)  # rounded: many ties
    u = mannwhitneyu(scores[labels == 1], scores[labels == 0]).statistic
    expected = u / ((labels == 1).sum() * (labels == 0).sum())
    assert roc_auc(labels, scores) == pytest.approx(expected)
    assert roc_auc([1, 1, 0], [0.9, 0.8, 0.1]) == 1.0
    assert roc_auc([1, 0], [0.5, 0.5]) == 0.5
    assert roc_auc([1, 1], [0.1, 0.2]) is None


def test_f1_by_hand() -> None:
    assert f1([1, 1, 0, 0], [1, 0, 1, 0]) == pytest.approx(0.5)  # tp 1, fp 1, fn 1
    assert f1([0, 0], [0, 0]) is None
    assert f1([1, 0], [0, 0]) == 0.0


def test_metrics_with_cis_missing_scores_and_an_unlabelled_dimension() -> None:
    rng = np.random.default_rng(1)
    n = 120
    gold = {"a": rng.integers(0, 2, n).tolist(), "b": [0] * n}
    # overlapping classes (perfect separation has no CI: see the next test)
    noisy = [0.4 * g + 0.6 * x for g, x in zip(gold["a"], rng.random(n), strict=True)]
    scores = {"a": [None if i < 10 else s for i, s in enumerate(noisy)], "b": [0.5] * n}
    predicted = {"a": [int(s > 0.5) if s is not None else None for s in scores["a"]], "b": [0] * n}
    per, macro = classification_metrics(gold, scores, predicted, seed=0, n_boot=300)
    a = per["a"]
    assert a.n == 110  # the ten without a score are left out, not counted as negatives
    assert a.auc.value == pytest.approx(roc_auc(gold["a"][10:], scores["a"][10:]))  # type: ignore[arg-type]
    assert a.auc.ci_low is not None and a.auc.ci_high is not None
    assert a.auc.ci_low <= a.auc.value <= a.auc.ci_high
    assert per["b"].auc.value is None and "0 of 120 positive" in (per["b"].auc.reason or "")
    assert macro.dimensions == ["a"] and macro.auc.value == a.auc.value


def _overlapping(positives: int, negatives: int) -> tuple[list[int], list[float]]:
    """Labels and scores where the classes overlap (AUC well inside (0, 1))."""
    labels = [1] * positives + [0] * negatives
    scores = [0.3 + 0.1 * (i % 5) for i in range(positives)] + [
        0.1 + 0.1 * (i % 5) for i in range(negatives)
    ]
    return labels, scores


def test_a_dimension_with_too_few_positives_or_negatives_has_no_ci() -> None:
    """The audit's case: 1 positive of 8 texts gave AUC [1.00, 1.00]. The value stands; the
    CI needs 5 texts of each class, and the macro CI every macro dimension to have them."""
    one, four, five = _overlapping(1, 7), _overlapping(4, 4), _overlapping(5, 5)
    gold = {"one": one[0] + [0] * 2, "four": four[0] + [0] * 2, "five": five[0]}
    scores: dict[str, list[float | None]] = {
        "one": [0.9, *one[1][1:], 0.1, 0.1],
        "four": [*four[1], 0.1, 0.1],
        "five": [*five[1]],
    }
    predicted = {d: [int(v is not None and v > 0.35) for v in s] for d, s in scores.items()}
    per, macro = classification_metrics(gold, scores, predicted, seed=0, n_boot=400)
    assert per["one"].auc.value == 1.0 and per["one"].auc.ci_low is None
    assert per["one"].auc.reason == (
        "1 positive and 9 negative texts: a CI needs at least 5 of each"
    )
    assert per["one"].f1.ci_low is None and per["one"].f1.reason == per["one"].auc.reason
    assert per["four"].auc.ci_low is None and "4 positive and 6 negative" in str(
        per["four"].auc.reason
    )
    five_auc = per["five"].auc
    assert five_auc.ci_low is not None and five_auc.ci_high is not None
    assert five_auc.ci_low <= (five_auc.value or 0.0) <= five_auc.ci_high
    assert macro.dimensions == ["one", "four", "five"] and macro.auc.value is not None
    assert macro.auc.ci_low is None and macro.f1.ci_low is None
    assert macro.auc.reason == (
        "every dimension needs at least 5 positive and 5 negative texts for a CI: one has 1 "
        "and 9, four has 4 and 6"
    )
    # with the short dimensions gone the macro has its CI
    _, macro = classification_metrics({"five": gold["five"]}, {"five": scores["five"]},
                                      {"five": predicted["five"]}, seed=0, n_boot=400)  # fmt: skip
    assert macro.auc.ci_low is not None and macro.auc.ci_high is not None


def test_the_cli_says_why_an_auc_has_no_ci_and_shows_the_macro_ci() -> None:
    from rich.console import Console

    from valuescope.cli.classify import no_ci_lines, results_table
    from valuescope.instruments.classify import ClassifyResults
    from valuescope.models import RunUsage

    def results(gold: dict[str, list[int]], scores: dict[str, list[float]]) -> ClassifyResults:
        predicted = {d: [int(v > 0.35) for v in s] for d, s in scores.items()}
        per, macro = classification_metrics(gold, scores, predicted, seed=0, n_boot=200)  # type: ignore[arg-type]
        return ClassifyResults(command="classify", model="m", framework="f", source="s",
                               mode="all@once", n_texts=len(next(iter(gold.values()))),
                               n_valid=0, n_invalid=0, profile={}, labelled=list(gold),
                               metrics=per, macro=macro, usage=RunUsage())  # fmt: skip

    ten, other = _overlapping(5, 5), _overlapping(5, 5)
    other[1][0] = 0.05  # a positive scored below every negative: another AUC
    both = results({"a": ten[0], "b": other[0]}, {"a": ten[1], "b": other[1]})
    assert no_ci_lines(both) == []
    console = Console(record=True, width=200)
    console.print(results_table(both))
    macro = both.macro
    assert macro is not None and macro.auc.ci_low is not None and macro.auc.ci_high is not None
    table = console.export_text()
    shown = f"{macro.auc.value:.2f} [{macro.auc.ci_low:.2f}, {macro.auc.ci_high:.2f}]"
    assert re.search(rf"macro\W+{re.escape(shown)}", table), table
    one = _overlapping(1, 9)
    short = results({"a": ten[0], "one": one[0]}, {"a": ten[1], "one": one[1]})
    assert no_ci_lines(short) == [
        "no CI for the AUC and F1 of a dimension with fewer than 5 positive or 5 negative "
        "texts (one 1 of 10 positive), nor for a macro over it"
    ]


def test_resamples_without_both_classes_are_counted_and_left_out() -> None:
    """5 positives of 40 texts: a few resamples draw none (about 0.5%); the CI is over the
    others, and `n_replicates` says how many those were."""
    labels, scores = _overlapping(5, 35)
    per, _ = classification_metrics({"a": labels}, {"a": list(scores)},
                                    {"a": [int(v > 0.35) for v in scores]}, seed=3,
                                    n_boot=2000)  # fmt: skip
    auc = per["a"].auc
    assert auc.ci_low is not None and auc.n_replicates is not None
    assert 1800 <= auc.n_replicates < 2000


def test_no_ci_from_too_few_defined_resamples_or_none_with_spread() -> None:
    from valuescope.stats import Stat
    from valuescope.stats._classification import _interval

    sparse = np.array([0.6, 0.7] * 40 + [np.nan] * 20)  # 80 of 100 defined
    ci = _interval(Stat.of(0.65), sparse, "AUC", None)
    assert ci.value == 0.65 and ci.ci_low is None and ci.n_replicates == 80
    assert ci.reason == (
        "AUC is defined in only 80 of 100 bootstrap resamples (the others lack a class): a CI "
        "needs 90%"
    )
    enough = _interval(Stat.of(0.65), np.array([0.6, 0.7] * 46 + [np.nan] * 8), "AUC", None)
    assert enough.ci_low == 0.6 and enough.ci_high == 0.7 and enough.n_replicates == 92
    # perfectly separated classes: every resample gives 1, and [1.00, 1.00] is no interval
    labels, scores = [1] * 6 + [0] * 6, [0.9] * 6 + [0.1] * 6
    per, _ = classification_metrics({"a": labels}, {"a": list(scores)}, {"a": labels}, seed=0,
                                    n_boot=200)  # fmt: skip
    assert per["a"].auc.value == 1.0 and per["a"].auc.ci_low is None
    assert per["a"].auc.reason == (
        "every one of 200 bootstrap resamples gives AUC 1.00: no spread to make an interval from"
    )


# --- whole runs -------------------------------------------------------------------------------


@pytest.mark.slow
def test_classify_the_mft_dev_set_in_both_modes(gallery: dict[str, Path], tmp_path: Path) -> None:
    """The embedded model as judge, 8 dev texts: all@once (the gallery's run) takes one call
    per text, one-by-one six; both report AUC per foundation and macro with CIs; a rerun is
    all cache hits."""
    calls = {}
    for mode in ("all@once", "one-by-one"):
        out = tmp_path / mode
        if (
            mode == "all@once"
        ):  # tests/helpers/gallery.py: classify devset:mft6 --framework mft6 --limit 8
            shutil.copytree(gallery["classify"], out)
            printed = output_of(gallery["classify"])
        else:
            args = ["classify", "devset:mft6", "--framework", "mft6", "--mode", mode]
            result = RUNNER.invoke(app, [*args, "--limit", "8", "--out", str(out)])
            assert result.exit_code == 0, result.output
            printed = result.output
        assert "macro" in printed and "AUC [95% CI]" in printed
        # 8 texts cannot hold 5 of each class: no CI anywhere, and the output says why
        assert "no CI for the AUC and F1 of a dimension with fewer than 5 positive or 5 " in printed
        assert "care 2 of 8, fairness 1 of 8" in printed and "nor for a macro over it" in printed
        results = json.loads((out / "results.json").read_text())
        assert results["n_texts"] == 8 and results["mode"] == mode
        assert results["macro"]["auc"]["value"] is not None
        assert set(results["metrics"]) == set(MFT.ids)
        calls[mode] = results["calls_per_text"]
        samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
        assert len(samples) == 8 and all(s["condition"] == mode for s in samples)
    assert calls == {"all@once": 1.0, "one-by-one": 6.0}
    cache = str(cache_of(gallery["classify"]))
    again = vs.classify("devset:mft6", framework="mft6", judge="llamacpp", limit=8,
                        cache_dir=cache, out=tmp_path / "again")  # fmt: skip
    assert again.results.usage.model_calls == 0 and again.results.usage.cache_hits == 8


def test_a_user_file_through_llama_server(cpp_llama_server: str, tmp_path: Path) -> None:
    """A user's labelled CSV judged through llama-server: with --constrain grammar every
    judgement is read from log-probabilities; without, the tiny judge's free JSON is
    repaired or counted invalid with its reason, never dropped."""
    path = tmp_path / "mine.csv"
    path.write_text(
        "id,text,care,liberty\n"
        "1,I sat with the injured dog until the vet came.,1,0\n"
        "2,Nobody should be forced to carry an ID card everywhere.,0,1\n"
        "3,The museum opens at nine on weekdays.,0,0\n",
        encoding="utf-8",
    )
    model = f"openai:smollm2@{cpp_llama_server}"
    constrained = vs.classify(path, framework="mft6", judge=model, use_cache=False,
                              settings={"constrain": "grammar"}, out=tmp_path / "g")  # fmt: skip
    results = constrained.results
    assert results.n_valid == 3 and results.score_methods == {"logprobs": 3}
    assert results.labelled == ["care", "liberty"] and set(results.metrics) == {"care", "liberty"}
    free = vs.classify(path, framework="mft6", judge=model, use_cache=False,
                       out=tmp_path / "free").results  # fmt: skip
    assert free.n_texts == 3 and free.n_valid + free.n_invalid == 3
    assert sum(free.invalid_reasons.values()) == free.n_invalid
    if free.n_invalid:
        assert any("could not be read" in w for w in free.warnings)


def test_the_profile_ci_is_a_t_interval_over_texts() -> None:
    """Mean P(expressed) over 3 texts: mean +- t(0.975, 2) sd / sqrt(3), clipped to 0..1;
    2 texts give the mean without an interval, with the reason."""
    from valuescope.instruments.classify.summary import ClassifySample, _profile

    def judged(scores: list[float]) -> list[ClassifySample]:
        return [
            ClassifySample(
                item_id=f"t{i}",
                condition="all@once",
                valid=True,
                scores={"care": v},
                labels={"care": int(v > 0.5)},
                score_method="logprobs",
                calls=1,
            )
            for i, v in enumerate(scores)
        ]

    half = 4.302652729911275 * 0.1 / 3**0.5
    mean = _profile("care", judged([0.2, 0.3, 0.4])).mean_score
    assert mean.value == pytest.approx(0.3)
    assert (mean.ci_low, mean.ci_high) == (pytest.approx(0.3 - half), pytest.approx(0.3 + half))
    wide = _profile("care", judged([0.0, 0.9, 1.0])).mean_score
    assert wide.ci_low == 0.0 and wide.ci_high == 1.0
    two = _profile("care", judged([0.2, 0.4]))
    assert two.n == 2 and two.mean_score.ci_low is None
    assert two.mean_score.reason == "needs >= 3 scored texts, has 2"
