"""The simulated respondent (`sim`, `valuescope.sim._model`): model names and design files,
its answers against a graded response model computed here, the response styles, shared
traits across instruments, requests it cannot read, and a `measure` run that recovers the
traits it was given."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from valuescope.cli import app
from valuescope.datasets import DataFileError
from valuescope.frameworks import load_framework
from valuescope.instruments.likert.items import (
    Item,
    ItemBank,
    ResponseScale,
    builtin_item_bank_path,
    load_item_bank,
    shipped_item_banks,
)
from valuescope.instruments.likert.prompts import Condition, Order, build_messages
from valuescope.models import (
    BackendError,
    Choice,
    GenerateConfig,
    Message,
    ModelNameError,
    ModelSettings,
    load_backend,
    parse_model_name,
    system,
    user,
)
from valuescope.sim import SimConfig, SimModel, SimUnsupported

PERSONAS = [
    "Ana is a 34-year-old nurse who hikes every weekend and reads poetry at night.",
    "Ben is a retired sea captain who keeps to himself and distrusts new gadgets.",
    "Chloe is a 22-year-old student who organises protests and plays in a punk band.",
    "Dev is a 45-year-old accountant who plans every holiday to the minute.",
]


@pytest.fixture(scope="module")
def bigfive() -> ItemBank:
    return load_item_bank(builtin_item_bank_path("bigfive"), load_framework("bigfive"))


def simulated(**settings: object) -> SimModel:
    config = SimConfig.model_validate({"frameworks": ["bigfive"], **settings})
    return SimModel(config, personas=PERSONAS)


def labels(scale: ResponseScale) -> list[str]:
    return [str(i) for i in range(1, scale.points + 1)]


def messages_for(
    item: Item,
    scale: ResponseScale,
    order: Order,
    persona: str | None = None,
    where: str = "system",
    paraphrase: int = 0,
) -> list[Message]:
    """The instrument's own prompt, with the persona (if any) in a system message or at the
    start of the question: the contract says only that it appears verbatim."""
    messages = build_messages(item, scale, Condition(order, "none", paraphrase))
    if persona is None:
        return messages
    if where == "system":
        return [system(persona), *messages]
    return [
        *messages[:-1],
        user(f"Imagine you are this person: {persona}\n\n{messages[-1].content}"),
    ]


def ask(model: SimModel, messages: list[Message], options: list[str]) -> Choice:
    return asyncio.run(model.choose(messages, options))


def by_point(choice: Choice, order: Order) -> list[float]:
    """The distribution over scale points 1..K (labels shown descending are reversed)."""
    return list(choice.probs) if order == "asc" else list(reversed(choice.probs))


def grm(
    theta: float, a: float, thresholds: list[float], polarity: int, shift: float = 0.0
) -> list[float]:
    """Samejima's GRM, written out independently of the backend."""
    at_least = [1.0]
    at_least += [1.0 / (1.0 + math.exp(-a * (polarity * theta + shift - b))) for b in thresholds]
    at_least.append(0.0)
    return [at_least[k] - at_least[k + 1] for k in range(len(at_least) - 1)]


def expected_point(distribution: list[float]) -> float:
    return sum((k + 1) * p for k, p in enumerate(distribution))


def first_item(bank: ItemBank, polarity: int, dimension: str | None = None) -> Item:
    return next(
        i
        for i in bank.items
        if i.polarity == polarity and (dimension is None or i.dimension == dimension)
    )


# -- names and design files ----------------------------------------------------------------


def test_model_names() -> None:
    bare = parse_model_name("sim")
    assert (bare.backend, bare.model, bare.display) == ("sim", "", "sim-default")
    filed = parse_model_name("sim:designs/my_design.yaml")
    assert (filed.backend, filed.model, filed.display) == (
        "sim",
        "designs/my_design.yaml",
        "sim-my_design",
    )
    with pytest.raises(ModelNameError, match="YAML design file"):
        parse_model_name("sim:design.json")
    model = load_backend("sim", ModelSettings())
    assert isinstance(model, SimModel)
    assert model.name == "sim" and model.identity.startswith("sim|")


def test_design_file_errors_name_file_and_line(tmp_path: Path) -> None:
    design = tmp_path / "design.yaml"
    design.write_text("seed: 3\ndiscrimnation: 2.0\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="discrimnation") as caught:
        load_backend(f"sim:{design}", ModelSettings())
    assert str(caught.value).startswith(f"{design}:2:")

    design.write_text(
        "frameworks: [bigfive]\ntrait_means:\n  extraversion: 1.0\n  charisma: 2.0\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match="charisma") as caught:
        load_backend(f"sim:{design}", ModelSettings())
    assert str(caught.value).startswith(f"{design}:4:")

    design.write_text("frameworks: [bigfive]\nnoise: 1.5\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="noise") as caught:
        load_backend(f"sim:{design}", ModelSettings())
    assert str(caught.value).startswith(f"{design}:2:")


def test_identity_follows_the_design(tmp_path: Path) -> None:
    assert simulated().identity == simulated().identity
    assert simulated().identity != simulated(discrimination=2.0).identity
    assert simulated().identity != simulated(seed=1).identity
    other_pool = SimModel(SimConfig(frameworks=["bigfive"]), personas=PERSONAS[:2])
    assert other_pool.identity != simulated().identity


# -- the graded response model -------------------------------------------------------------


@pytest.mark.parametrize("persona", [None, PERSONAS[0]])
def test_answers_follow_the_grm_in_both_orders(bigfive: ItemBank, persona: str | None) -> None:
    model = simulated(discrimination_sd=0.4, threshold_jitter=0.5, trait_correlation=0.3)
    scale = bigfive.scale
    parameters = {p.item_id: p for p in model.true_parameters().items if p.bank == "bigfive"}
    for item in (first_item(bigfive, 1), first_item(bigfive, -1)):
        p = parameters[item.id]
        assert (p.dimension, p.latent, p.polarity) == (
            item.dimension,
            item.dimension,
            item.polarity,
        )
        theta = model.item_trait(persona, "bigfive", item.id)
        expected = grm(theta, p.discrimination, p.thresholds, item.polarity)
        seen = []
        for order, where in (("asc", "system"), ("desc", "user")):
            choice = ask(model, messages_for(item, scale, order, persona, where), labels(scale))
            assert choice.option_mass == 1.0 and choice.method == "logprobs"
            assert choice.missing == [] and choice.options == labels(scale)
            seen.append(by_point(choice, order))
        assert seen[0] == pytest.approx(expected, abs=1e-12)
        assert seen[1] == pytest.approx(expected, abs=1e-12)
        paraphrased = ask(
            model, messages_for(item, scale, "asc", persona, paraphrase=1), labels(scale)
        )
        assert paraphrased.probs == pytest.approx(expected, abs=1e-12)


def test_personas_differ_from_self_and_each_other(bigfive: ItemBank) -> None:
    model = simulated()
    item = first_item(bigfive, 1)
    answers = {
        who: tuple(
            ask(model, messages_for(item, bigfive.scale, "asc", who), labels(bigfive.scale)).probs
        )
        for who in [None, *PERSONAS]
    }
    assert len(set(answers.values())) == len(answers)
    again = ask(model, messages_for(item, bigfive.scale, "asc", PERSONAS[2]), labels(bigfive.scale))
    assert tuple(again.probs) == answers[PERSONAS[2]]


def test_personas_from_the_design_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bigfive: ItemBank
) -> None:
    # the reader valuescope falls back on where it has no `valuescope.respondents`
    monkeypatch.setattr("valuescope.sim._personas._respondents_module", lambda: None)
    (tmp_path / "pool.yaml").write_text(
        "- A night-shift baker.\n- text: A night-shift baker. She loves dogs.\n", encoding="utf-8"
    )
    design = tmp_path / "design.yaml"
    design.write_text("frameworks: [bigfive]\npersonas: pool.yaml\n", encoding="utf-8")
    model = SimModel.from_file(design)
    short, long = "A night-shift baker.", "A night-shift baker. She loves dogs."
    assert model.personas == [short, long]
    item, scale = first_item(bigfive, 1, "openness"), bigfive.scale
    p = next(p for p in model.true_parameters().items if p.item_id == item.id)
    for who in (short, long):  # the longest persona found is the respondent
        choice = ask(model, messages_for(item, scale, "asc", who, "user"), labels(scale))
        theta = model.item_trait(who, "bigfive", item.id)
        assert choice.probs == pytest.approx(grm(theta, p.discrimination, p.thresholds, 1))
    design.write_text("frameworks: [bigfive]\npersonas: [A keen gardener.]\n", encoding="utf-8")
    assert SimModel.from_file(design).personas == ["A keen gardener."]


def test_a_higher_trait_gives_a_higher_score_on_keyed_items(bigfive: ItemBank) -> None:
    model = simulated(discrimination=1.0, item_residual_sd=0.0)
    scale = bigfive.scale
    for polarity in (1, -1):
        item = first_item(bigfive, polarity, "conscientiousness")
        respondents = [None, *PERSONAS]
        theta = [model.true_traits(r)["conscientiousness"] for r in respondents]
        agreement = [
            expected_point(ask(model, messages_for(item, scale, "asc", r), labels(scale)).probs)
            for r in respondents
        ]
        by_trait = [agreement[i] for i in np.argsort(theta)]
        steps = np.diff(by_trait) * polarity
        assert (steps > 0).all(), (polarity, theta, agreement)


def test_item_parameters_follow_the_design() -> None:
    fixed = simulated(threshold_jitter=0.0, threshold_range=[-1.5, 3.0]).true_parameters()
    assert {p.discrimination for p in fixed.items} == {1.5}
    # The framework's shipped banks: bigfive (5 points), bigfive_short (7 points), ipip50 and
    # ipip_neo300 (5 points).
    assert {p.bank for p in fixed.items} == {"bigfive", "bigfive_short", "ipip50", "ipip_neo300"}
    assert {tuple(p.thresholds) for p in fixed.items if p.bank == "bigfive"} == {
        (-1.5, 0.0, 1.5, 3.0)
    }
    for p in fixed.items:
        if p.bank == "bigfive_short":
            assert p.thresholds == pytest.approx([-1.5, -0.6, 0.3, 1.2, 2.1, 3.0])
    varied = simulated(threshold_jitter=0.5, discrimination_sd=0.3).true_parameters().items
    shifts = np.array([np.mean(p.thresholds) - 0.0 for p in varied])
    spreads = np.log([p.discrimination / 1.5 for p in varied])
    assert 0.3 < shifts.std() < 0.7 and abs(shifts.mean()) < 0.25
    assert 0.18 < spreads.std() < 0.42 and abs(spreads.mean()) < 0.15
    for p in varied:  # one shift per item: the spacing stays even
        steps = len(p.thresholds) - 1
        assert np.diff(p.thresholds) == pytest.approx([4.0 / steps] * steps)


def test_item_residuals_make_items_of_one_trait_agree_imperfectly(bigfive: ItemBank) -> None:
    items = [i for i in bigfive.items if i.dimension == "agreeableness"][:2]
    who = [f"persona number {n}" for n in range(300)]
    residuals = []
    correlations = {}
    for sd in (0.0, 1.0):
        model = SimModel(SimConfig(frameworks=["bigfive"], item_residual_sd=sd), personas=who)
        scores = []
        for item in items:
            points = []
            for persona in who:
                asc, desc = (
                    ask(
                        model,
                        messages_for(item, bigfive.scale, order, persona),
                        ["1", "2", "3", "4", "5"],
                    )
                    for order in ("asc", "desc")
                )
                assert by_point(asc, "asc") == pytest.approx(by_point(desc, "desc"))
                points.append(expected_point(asc.probs) * item.polarity)
                if sd:
                    trait = model.true_traits(persona)["agreeableness"]
                    residuals.append(model.item_trait(persona, "bigfive", item.id) - trait)
            scores.append(points)
        correlations[sd] = np.corrcoef(scores)[0, 1]
    assert correlations[0.0] > 0.95
    assert 0.2 < correlations[1.0] < 0.75
    assert np.mean(residuals) == pytest.approx(0.0, abs=0.1)
    assert np.std(residuals) == pytest.approx(1.0, abs=0.1)


# -- response styles -----------------------------------------------------------------------


def test_position_bias_pulls_toward_the_first_option_in_both_orders(bigfive: ItemBank) -> None:
    plain, biased = simulated(), simulated(position_bias=1.0)
    scale = bigfive.scale
    for item in bigfive.items[:6]:
        for order in ("asc", "desc"):
            messages = messages_for(item, scale, order)
            before, after = (
                ask(plain, messages, labels(scale)),
                ask(biased, messages, labels(scale)),
            )
            assert after.probs[0] > before.probs[0]
            assert sum(after.probs) == pytest.approx(1.0)


def test_acquiescence_raises_agreement_whatever_the_keying(bigfive: ItemBank) -> None:
    plain, agreeing = simulated(), simulated(acquiescence=1.0)
    scale = bigfive.scale
    for polarity in (1, -1):
        for item in [i for i in bigfive.items if i.polarity == polarity][:4]:
            for order in ("asc", "desc"):
                messages = messages_for(item, scale, order)
                before = expected_point(by_point(ask(plain, messages, labels(scale)), order))
                after = expected_point(by_point(ask(agreeing, messages, labels(scale)), order))
                assert after > before + 0.1


def test_noise_one_is_uniform_and_option_mass_is_passed_on(bigfive: ItemBank) -> None:
    model = simulated(noise=1.0, option_mass=0.6)
    choice = ask(
        model, messages_for(bigfive.items[0], bigfive.scale, "desc"), labels(bigfive.scale)
    )
    assert choice.probs == pytest.approx([0.2] * 5)
    assert choice.option_mass == pytest.approx(0.6)


def test_pure_noise_differs_per_prompt_but_is_deterministic(bigfive: ItemBank) -> None:
    model = simulated(pure_noise=True)
    scale = bigfive.scale
    requests = [messages_for(i, scale, o) for i in bigfive.items[:5] for o in ("asc", "desc")]
    first = [tuple(ask(model, m, labels(scale)).probs) for m in requests]
    assert len(set(first)) == len(first)
    assert all(sum(p) == pytest.approx(1.0) for p in first)
    fresh = simulated(pure_noise=True)
    assert [tuple(ask(fresh, m, labels(scale)).probs) for m in requests] == first
    reseeded = simulated(pure_noise=True, seed=5)
    assert tuple(ask(reseeded, requests[0], labels(scale)).probs) != first[0]


# -- shared traits -------------------------------------------------------------------------


def test_two_instruments_of_one_trait_share_it(tmp_path: Path, bigfive: ItemBank) -> None:
    (tmp_path / "mine.csv").write_text(
        "id,text,dimension,polarity\n"
        "m1,I am the life of every party I go to.,Extraversion,1\n"
        "m2,I keep quiet around people I do not know.,extraversion,-1\n"
        "m3,I worry about things that may never happen.,Neuroticism,1\n",
        encoding="utf-8",
    )
    (tmp_path / "mine.scale.yaml").write_text(
        "points: 4\nstem: Does this describe you?\n"
        "anchors: [Not at all, A little, Mostly, Exactly]\n",
        encoding="utf-8",
    )
    design = tmp_path / "design.yaml"
    design.write_text(
        "frameworks: [bigfive]\nitem_files:\n  - {path: mine.csv, framework: big5}\n"
        "threshold_jitter: 0.3\nitem_residual_sd: 0\n",
        encoding="utf-8",
    )
    model = SimModel.from_file(design, personas=PERSONAS)
    parameters = {(p.bank, p.item_id): p for p in model.true_parameters().items}
    assert parameters[("mine.csv", "m1")].latent == parameters[("bigfive", "ex1")].latent
    scale = ResponseScale(
        points=4,
        stem="Does this describe you?",
        anchors=["Not at all", "A little", "Mostly", "Exactly"],
    )
    mine = Item(
        id="m2",
        dimension="extraversion",
        text="I keep quiet around people I do not know.",
        polarity=-1,
    )
    p = parameters[("mine.csv", "m2")]
    for persona in (None, PERSONAS[1]):
        theta = model.true_traits(persona, framework="bigfive")["extraversion"]
        choice = ask(model, messages_for(mine, scale, "desc", persona), labels(scale))
        expected = grm(theta, p.discrimination, p.thresholds, -1)
        assert by_point(choice, "desc") == pytest.approx(expected, abs=1e-12)
        shipped = first_item(bigfive, 1, "extraversion")
        q = parameters[("bigfive", shipped.id)]
        choice = ask(
            model, messages_for(shipped, bigfive.scale, "asc", persona), labels(bigfive.scale)
        )
        assert choice.probs == pytest.approx(
            grm(theta, q.discrimination, q.thresholds, 1), abs=1e-12
        )


def test_every_shipped_big_five_item_is_answered_from_its_own_bank_and_id() -> None:
    """The four shipped Big Five banks word items alike: IPIP-50 and `bigfive` share "I have
    a vivid imagination." (other scales), IPIP-50 and IPIP-NEO-300 share the same scale and
    near-identical wordings ("I have a vivid imagination" without the period). Each item's
    prompt must be answered with its own bank's and id's parameters and residual."""
    model = simulated(discrimination_sd=0.4, threshold_jitter=0.5)
    parameters = {(p.bank, p.item_id): p for p in model.true_parameters().items}
    framework = load_framework("bigfive")
    banks = [b for b, (owner, _) in shipped_item_banks().items() if owner == "bigfive"]
    assert sorted(banks) == ["bigfive", "bigfive_short", "ipip50", "ipip_neo300"]
    wrong = []
    for bank_id in banks:
        bank = load_item_bank(shipped_item_banks()[bank_id][1], framework)
        for item in bank.items:
            p = parameters[(bank_id, item.id)]
            theta = model.item_trait(PERSONAS[2], bank_id, item.id)
            expected = grm(theta, p.discrimination, p.thresholds, p.polarity)
            choice = ask(
                model, messages_for(item, bank.scale, "asc", PERSONAS[2]), labels(bank.scale)
            )
            if choice.probs != pytest.approx(expected, abs=1e-12):
                wrong.append(f"{bank_id}:{item.id} {item.text!r}")
    assert not wrong, wrong


def test_aliases_merge_dimensions_and_unrelated_frameworks_change_nothing() -> None:
    alone = simulated()
    both = SimModel(SimConfig(frameworks=["bigfive", "mft6"]), personas=PERSONAS)
    merged = SimModel(
        SimConfig(frameworks=["bigfive", "mft6"], dimension_aliases={"mft6.care": "agreeableness"}),
        personas=PERSONAS,
    )
    for who in (None, *PERSONAS):
        assert both.true_traits(who, "bigfive") == alone.true_traits(who, "bigfive")
        assert (
            both.true_traits(who, "mft6")["care"]
            != both.true_traits(who, "bigfive")["agreeableness"]
        )
        assert (
            merged.true_traits(who, "mft")["care"]
            == merged.true_traits(who, "big5")["agreeableness"]
        )


def test_traits_have_the_configured_means_and_correlations() -> None:
    model = simulated(
        trait_correlation=0.3,
        trait_means={"Extraversion": 1.0},
        trait_correlations={"neuroticism": {"extraversion": -0.2}},
    )
    draws = np.array(
        [list(model.true_traits(f"persona number {n}", "bigfive").values()) for n in range(4000)]
    )
    names = list(model.true_traits(None, "bigfive"))
    ex, ne, op = names.index("extraversion"), names.index("neuroticism"), names.index("openness")
    assert draws[:, ex].mean() == pytest.approx(1.0, abs=0.06)
    assert draws[:, op].mean() == pytest.approx(0.0, abs=0.06)
    assert draws.std(axis=0) == pytest.approx([1.0] * 5, abs=0.05)
    corr = np.corrcoef(draws, rowvar=False)
    assert corr[ex, op] == pytest.approx(0.3, abs=0.05)
    assert corr[ex, ne] == pytest.approx(-0.2, abs=0.05)


# -- requests it cannot read ---------------------------------------------------------------


def test_unknown_statements_and_unmapped_options_are_invalid_not_errors(bigfive: ItemBank) -> None:
    model = simulated()
    scale = bigfive.scale
    stranger = Item(id="x", dimension="openness", text="I juggle flaming torches at breakfast.")
    choice = ask(model, messages_for(stranger, scale, "asc"), labels(scale))
    assert choice.option_mass == 0.0 and choice.probs == pytest.approx([0.2] * 5)
    assert choice.invalid_reason(0.25) is not None and "statement" in (choice.unscored_reason or "")
    bare = [user(f'"{bigfive.items[0].text}"\nAnswer 1 to 5:')]
    choice = ask(model, bare, labels(scale))
    assert choice.option_mass == 0.0 and "'1 = <anchor>'" in (choice.unscored_reason or "")
    wrong_scale = build_messages(
        bigfive.items[0],
        scale.model_copy(update={"anchors": list("abcde")}),
        Condition("asc", "none"),
    )
    assert ask(model, wrong_scale, labels(scale)).option_mass == 0.0


def test_generate_draws_a_label_and_refuses_free_text(bigfive: ItemBank) -> None:
    model = simulated(discrimination=4.0)
    scale = bigfive.scale
    messages = messages_for(bigfive.items[0], scale, "desc")
    mode = int(np.argmax(ask(model, messages, labels(scale)).probs)) + 1
    greedy = asyncio.run(model.generate(messages, GenerateConfig(temperature=0.0)))
    assert greedy.text == str(mode)
    drawn = [
        asyncio.run(model.generate(messages, GenerateConfig(temperature=1.0, sample_index=k))).text
        for k in range(40)
    ]
    assert set(drawn) <= set(labels(scale)) and len(set(drawn)) > 1
    again = asyncio.run(model.generate(messages, GenerateConfig(temperature=1.0, sample_index=3)))
    assert again.text == drawn[3]
    with pytest.raises(SimUnsupported, match="Likert items only") as caught:
        asyncio.run(model.generate([user("Write a poem about the sea.")], GenerateConfig()))
    assert isinstance(caught.value, NotImplementedError) and isinstance(caught.value, BackendError)


# -- a whole run ---------------------------------------------------------------------------


def test_measure_recovers_the_self_respondents_traits(tmp_path: Path) -> None:
    design = tmp_path / "recovery.yaml"
    design.write_text(
        "seed: 11\nframeworks: [bigfive]\ndiscrimination: 2.5\nthreshold_jitter: 0.0\n"
        "item_residual_sd: 0.0\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        ["measure", "--model", f"sim:{design}", "--framework", "bigfive", "--paraphrases", "0",
         "--out", str(out), "--cache-dir", str(tmp_path / "cache")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    scores = {d: r["score"] for d, r in results["dimensions"].items()}
    assert len(scores) == 5 and all(s is not None for s in scores.values())
    model = SimModel.from_file(design)
    truth = model.true_traits("self", framework="bigfive")
    # Equal discriminations and thresholds symmetric about 0: every item, keyed (25) or
    # reverse-keyed (20), scores the same increasing function of the trait, so the scores
    # order the traits exactly and equal that function.
    assert sorted(scores, key=scores.__getitem__) == sorted(truth, key=truth.__getitem__)
    for dimension, theta in truth.items():
        assert scores[dimension] == pytest.approx(
            expected_point(grm(theta, 2.5, [-2.0, -2.0 / 3.0, 2.0 / 3.0, 2.0], 1)), abs=1e-9
        )
    assert results["overall"]["n_invalid"] == 0
    assert results["overall"]["n_samples"] == 45 * 4
