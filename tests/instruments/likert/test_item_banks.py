"""Quality rules for every shipped framework file and item bank.

The banks are written by us (published inventories are copyrighted), so nothing but these
tests stops a careless edit from shipping an item that names its own construct, a
near-duplicate item, or a paraphrase that silently flips an item's keying. Banks and
frameworks are discovered from the data directories: a new file is checked without
touching this module.
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from pathlib import Path

import pytest

from valuescope.datasets import load_yaml_located
from valuescope.frameworks import Framework, load_framework
from valuescope.frameworks._load import builtin_dir
from valuescope.instruments.likert.items import ItemBank, builtin_item_bank_path, load_item_bank

BANK_DIR = builtin_item_bank_path("schwartz10").parent


def _is_item_bank(path: Path) -> bool:
    """Likert item banks have `items`; other instruments (dilemmas) share the folder."""
    data = load_yaml_located(path)
    return isinstance(data, dict) and "items" in data


BANK_IDS = sorted(p.stem for p in BANK_DIR.glob("*.yaml") if _is_item_bank(p))
PUBLISHED_BANKS = {"ipip50", "ipip_neo300"}
"""Published inventories, shipped as their authors wrote them: no paraphrases of ours, and
items of one facet worded alike by design. The wording rules below are for our own banks."""
OWN_BANK_IDS = [b for b in BANK_IDS if b not in PUBLISHED_BANKS]
FRAMEWORK_IDS = sorted(p.stem for p in builtin_dir().glob("*.yaml"))

# Banks that are meant to be full questionnaires need >= 8 items per dimension, the others 4.
FULL_BANKS = {"schwartz10", "bigfive", "mft6"}
# Values and traits are easy to state in reverse, so these banks need a third or more of each
# dimension's items reverse-keyed; moral rules (gert10, mac7) read oddly reversed and need one.
BALANCED_BANKS = FULL_BANKS | {"schwartz19"}
CIRCUMPLEX_FRAMEWORKS = {"schwartz10", "schwartz19"}
PARAPHRASES_PER_ITEM = 2
MAX_JACCARD = 0.5


# --- text helpers -------------------------------------------------------------------------

_WORD = re.compile(r"[a-z]+")


def tokens(text: str) -> list[str]:
    """Lowercased alphabetic tokens (`don't` gives `don`, `t`; `self-made` gives two)."""
    return _WORD.findall(text.lower())


def jaccard(a: str, b: str) -> float:
    sa, sb = set(tokens(a)), set(tokens(b))
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


# --- "an item must not name its own dimension" -----------------------------------------

# Endings that turn one form of a word into another (inflections and the common
# derivations). Used in both directions: stripped once from a dimension's word to find its
# root (`tradition` -> `tradit`, `security` -> `secur`), then allowed after that root when
# matching a text's word (`traditional`, `secure`, `insecurity`). A closed list of endings
# plus English spelling rules, instead of a bare prefix match, keeps `career` from matching
# `care` (care + er is `carer`) and `person` from matching `personal`, while still catching
# `caring`, `careless`, `powerful` and `unfair`.
SUFFIXES = [
    "s",
    "es",
    "e",
    "ed",
    "d",
    "ing",
    "er",
    "ers",
    "or",
    "ors",
    "est",
    "ly",
    "ely",
    "y",
    "ies",
    "ied",
    "ful",
    "fully",
    "less",
    "ness",
    "al",
    "ally",
    "ial",
    "ic",
    "ical",
    "ist",
    "ists",
    "istic",
    "ism",
    "isms",
    "ity",
    "ities",
    "ty",
    "ment",
    "ments",
    "ent",
    "ently",
    "ence",
    "ance",
    "ant",
    "ancy",
    "ion",
    "ions",
    "ation",
    "ations",
    "ate",
    "ates",
    "ated",
    "ating",
    "ive",
    "ively",
    "able",
    "ably",
    "ability",
    "ential",
]
# Stripped from a dimension's word to find its root (only abstract-noun and inflection
# endings: `personal` keeps its `-al`, so `person` stays allowed for security_personal).
STRIP = sorted(
    [
        "s",
        "es",
        "ed",
        "ing",
        "ness",
        "ism",
        "ity",
        "ty",
        "ment",
        "ence",
        "ance",
        "ion",
        "ation",
        "ability",
        "dom",
    ],
    key=len,
    reverse=True,
)
VOWEL_SUFFIXES = [s for s in SUFFIXES if s[0] in "aeiouy"]
# Negating prefixes: `unfair` names fairness and `disloyal` names loyalty.
PREFIXES = ("", "un", "dis", "non", "in", "im", "em")
STOPWORDS = {"your", "with", "from", "that", "this", "their", "them", "into", "what", "when"}
MIN_STEM = 4


def dimension_words(dimension_id: str, name: str) -> set[str]:
    """Content words (length >= 4) of a dimension's id and name."""
    words = set(tokens(dimension_id.replace("_", " "))) | set(tokens(name))
    return {w for w in words if len(w) >= MIN_STEM and w not in STOPWORDS}


def roots(word: str) -> set[str]:
    """`word` and its roots after stripping one ending (`caring` -> `care`, `duties` -> `duty`)."""
    found = {word}
    # Only the longest ending is stripped: `humility` -> `humil`, not also `humili` (which
    # would then match `humiliate`).
    suffix = next((s for s in STRIP if word.endswith(s)), None)
    if suffix is not None and len(word) - len(suffix) >= MIN_STEM - 1:
        root = word[: -len(suffix)]
        found |= {root, root + "e"}
        if root.endswith("i"):
            found.add(root[:-1] + "y")
    return {r for r in found if len(r) >= MIN_STEM}


@cache
def forbidden_pattern(dimension_id: str, name: str) -> re.Pattern[str]:
    """A regex matching any whole word built on one of the dimension's roots.

    A word matches a root when it is the root itself or the root plus one ending of
    SUFFIXES, with English spelling rules: a final `e` is dropped before a vowel
    (`care` -> `caring`), a final `y` becomes `i` (`duty` -> `duties`), a final consonant may
    double (`defer` -> `deferring`); a negating prefix is allowed in front.
    """
    forms: set[str] = set()
    for word in dimension_words(dimension_id, name):
        for root in roots(word):
            forms.add(root)
            if root.endswith("e"):  # care -> caring, cared, carer (so never `career`), careful
                forms.update(root[:-1] + s for s in VOWEL_SUFFIXES)
                forms.update(root + s for s in SUFFIXES if s not in VOWEL_SUFFIXES)
            else:
                forms.update(root + s for s in SUFFIXES)
            if root.endswith("y"):  # duty -> duties, dutiful
                forms.update(root[:-1] + "i" + s for s in SUFFIXES if s != "ing")
            else:  # defer -> deferring
                forms.update(root + root[-1] + s for s in VOWEL_SUFFIXES)
    alternatives = "|".join(sorted(map(re.escape, forms), key=len, reverse=True))
    prefixes = "|".join(p for p in PREFIXES if p)
    return re.compile(rf"\b(?:{prefixes})?(?:{alternatives})\b")


def names_dimension(text: str, dimension_id: str, name: str) -> str | None:
    """The first word of `text` that names the dimension, or None."""
    match = forbidden_pattern(dimension_id, name).search(" ".join(tokens(text)))
    return match.group(0) if match else None


# --- "a paraphrase keeps the item's polarity" ----------------------------------------------

NEGATORS = {
    "not",
    "no",
    "never",
    "nothing",
    "cannot",
    "nobody",
    "none",
    "nowhere",
    "neither",
    "nor",
    "rarely",
    "seldom",
    "hardly",
    "barely",
    "scarcely",
    "little",
    "few",
    "without",
    "avoid",
    "avoids",
    "avoided",
    "avoiding",
    "refuse",
    "refuses",
    "refused",
    "refusing",
    "dislike",
    "dislikes",
    "lack",
    "lacks",
    "fail",
    "fails",
    "failed",
    "failing",
}
# Phrases in which a marker does not negate: "a little", "a few", "no matter", "not only".
NON_NEGATING = re.compile(r"\b(?:a\s+(?:little|few)|no\s+matter|not\s+only)\b")


def negation_count(text: str) -> int:
    """How many negation markers `text` holds (`n't` counts as one)."""
    lowered = NON_NEGATING.sub(" ", text.lower().replace("\u2019", "'"))
    contractions = len(re.findall(r"n't\b", lowered))
    lowered = re.sub(r"n't\b", " ", lowered)
    return contractions + sum(1 for w in tokens(lowered) if w in NEGATORS)


def keeps_polarity(item_text: str, paraphrase: str) -> bool:
    """Heuristic: a paraphrase keeps the item's direction when it negates the same way.

    Reverse-keying is expressed either by the meaning of the words ("I prefer a calm routine")
    or by negation ("I rarely indulge"). A paraphrase that rewords the content but adds or
    drops one negation ("I often indulge") flips the item; two negations cancel. So the number
    of negation markers (not, never, n't, rarely, hardly, without, avoid, ...) must have the
    same parity in the paraphrase as in the item. It cannot see a flip made with an antonym
    ("I love routine" -> "I hate routine"), which is why paraphrases are also reviewed by hand.
    """
    return negation_count(item_text) % 2 == negation_count(paraphrase) % 2


# --- loading -----------------------------------------------------------------------------


@cache
def framework(framework_id: str) -> Framework:
    return load_framework(framework_id)


@cache
def bank(bank_id: str) -> ItemBank:
    path = BANK_DIR / f"{bank_id}.yaml"
    return load_item_bank(path, framework(str(load_yaml_located(path)["framework"])))


def min_items(bank_id: str) -> int:
    return 8 if bank_id in FULL_BANKS else 4


# --- framework files ---------------------------------------------------------------------


def test_expected_files_are_shipped() -> None:
    expected = {"schwartz10", "schwartz19", "mft6", "bigfive", "mac7", "gert10", "ethics5"}
    assert expected <= set(FRAMEWORK_IDS)
    assert expected - {"ethics5"} <= set(BANK_IDS)


@pytest.mark.parametrize("framework_id", FRAMEWORK_IDS)
def test_framework_loads_and_is_complete(framework_id: str) -> None:
    fw = framework(framework_id)
    assert fw.id == framework_id
    assert fw.source, "cite the theory in `source:`"
    known = set(fw.ids)
    for dim in fw.dimensions:
        assert dim.definition.strip(), dim.id
        assert 4 <= len(dim.keywords) <= 6, f"{dim.id}: {len(dim.keywords)} keywords"
        related = dim.relations.consistent + dim.relations.opposing
        assert set(related) <= known, dim.id
        assert dim.id not in related, f"{dim.id} relates to itself"
        assert not set(dim.relations.consistent) & set(dim.relations.opposing), dim.id


@pytest.mark.parametrize("framework_id", FRAMEWORK_IDS)
def test_relations_are_symmetric(framework_id: str) -> None:
    fw = framework(framework_id)
    for dim in fw.dimensions:
        for kind in ("consistent", "opposing"):
            for other in getattr(dim.relations, kind):
                back = getattr(fw.dimension(other).relations, kind)
                assert dim.id in back, f"{dim.id} is {kind} with {other}, not the reverse"


@pytest.mark.parametrize("framework_id", sorted(CIRCUMPLEX_FRAMEWORKS))
def test_circumplex_frameworks_have_a_circle(framework_id: str) -> None:
    fw = framework(framework_id)
    assert fw.circle is not None
    assert sorted(fw.circle) == sorted(fw.ids)


@pytest.mark.parametrize("framework_id", sorted(CIRCUMPLEX_FRAMEWORKS))
def test_circle_neighbours_are_consistent_and_opposites_far(framework_id: str) -> None:
    """Consistent values sit close on the circle; opposing ones at least a quarter away."""
    fw = framework(framework_id)
    assert fw.circle is not None
    n = len(fw.circle)
    position = {d: i for i, d in enumerate(fw.circle)}

    def distance(a: str, b: str) -> int:
        d = abs(position[a] - position[b])
        return min(d, n - d)

    for dim in fw.dimensions:
        for other in dim.relations.consistent:
            assert distance(dim.id, other) <= 2, (dim.id, other)
        for other in dim.relations.opposing:
            assert distance(dim.id, other) >= n // 4, (dim.id, other)


# --- item banks: structure ---------------------------------------------------------------


@pytest.mark.parametrize("bank_id", BANK_IDS)
def test_bank_loads_against_its_framework(bank_id: str) -> None:
    b = bank(bank_id)
    assert b.id == bank_id
    # A framework's own bank is named after it; a second bank for a framework (another
    # method, e.g. bigfive_short) has its own name and must not take another framework's.
    assert b.framework in FRAMEWORK_IDS
    assert b.framework == bank_id or bank_id not in FRAMEWORK_IDS
    ids = [item.id for item in b.items]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("bank_id", BANK_IDS)
def test_items_per_dimension_and_reverse_keying(bank_id: str) -> None:
    b = bank(bank_id)
    for dim in framework(b.framework).ids:
        items = b.for_dimension(dim)
        assert len(items) >= min_items(bank_id), f"{dim}: {len(items)} items"
        reverse = sum(1 for item in items if item.polarity == -1)
        if bank_id in BALANCED_BANKS:
            assert 3 * reverse >= len(items), f"{dim}: {reverse}/{len(items)} reverse-keyed"
        else:
            assert reverse >= 1, f"{dim}: no reverse-keyed item"


@pytest.mark.parametrize("bank_id", OWN_BANK_IDS)
def test_every_item_has_two_distinct_paraphrases(bank_id: str) -> None:
    for item in bank(bank_id).items:
        assert len(item.paraphrases) == PARAPHRASES_PER_ITEM, item.id
        texts = [item.text, *item.paraphrases]
        assert len({t.strip().lower() for t in texts}) == len(texts), item.id


# --- item banks: wording -----------------------------------------------------------------


@pytest.mark.parametrize("bank_id", BANK_IDS)
def test_no_item_names_its_own_dimension(bank_id: str) -> None:
    b = bank(bank_id)
    fw = framework(b.framework)
    offenders = []
    for item in b.items:
        dim = fw.dimension(item.dimension)
        for text in (item.text, *item.paraphrases):
            word = names_dimension(text, dim.id, dim.name)
            if word:
                offenders.append(f"{item.id}: {word!r} in {text!r}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("bank_id", OWN_BANK_IDS)
def test_items_are_not_near_duplicates(bank_id: str) -> None:
    items = bank(bank_id).items
    offenders = [
        f"{a.id} ~ {b.id}: {jaccard(a.text, b.text):.2f}"
        for a, b in itertools.combinations(items, 2)
        if jaccard(a.text, b.text) >= MAX_JACCARD
    ]
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("bank_id", BANK_IDS)
def test_paraphrases_stay_away_from_other_items(bank_id: str) -> None:
    """A paraphrase is closer to its own item than to any other item's wording."""
    items = bank(bank_id).items
    offenders = []
    for a, b in itertools.permutations(items, 2):
        for paraphrase in a.paraphrases:
            for other in (b.text, *b.paraphrases):
                if jaccard(paraphrase, other) >= MAX_JACCARD:
                    offenders.append(f"{a.id} paraphrase ~ {b.id}: {paraphrase!r} / {other!r}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("bank_id", BANK_IDS)
def test_paraphrases_keep_polarity(bank_id: str) -> None:
    offenders = [
        f"{item.id}: {item.text!r} -> {p!r}"
        for item in bank(bank_id).items
        for p in item.paraphrases
        if not keeps_polarity(item.text, p)
    ]
    assert not offenders, "\n".join(offenders)


# --- the checkers themselves -------------------------------------------------------------


def test_polarity_checker_flags_a_flipped_paraphrase() -> None:
    assert not keeps_polarity("I rarely let myself indulge.", "I often let myself indulge.")
    assert not keeps_polarity("I prefer a calm routine.", "I don't like a calm routine.")
    assert keeps_polarity("I rarely let myself indulge.", "I seldom allow myself treats.")
    assert keeps_polarity("Status means little to me.", "I don't care about status.")
    assert keeps_polarity("I enjoy a little risk.", "Some danger appeals to me.")


def test_dimension_word_matching() -> None:
    assert names_dimension("I value our traditional holidays.", "tradition", "Tradition")
    assert names_dimension("Powerful people impress me.", "power", "Power")
    assert names_dimension("I am caring.", "care", "Care")
    assert names_dimension("I am careless with others.", "care", "Care")
    assert names_dimension("That was unfair.", "fairness", "Fairness")
    assert names_dimension("I feel insecure at night.", "security", "Security")
    assert names_dimension("I did my duties.", "doing_duty", "Do your duty")
    assert not names_dimension("My career matters.", "care", "Care")
    assert not names_dimension("My cars are old.", "care", "Care")
    assert not names_dimension("I was humiliated.", "humility", "Humility")
    assert not names_dimension("Every person counts.", "security_personal", "Security (Personal)")
    assert not names_dimension("I trust you.", "doing_duty", "Do your duty")
