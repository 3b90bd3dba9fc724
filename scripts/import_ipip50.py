"""Write the shipped IPIP-50 bank (Goldberg's Big-Five factor markers) and check its sources.

    python scripts/import_ipip50.py IPIP-50_Testing.qsf r-ipip50.Rmd \
        > src/valuescope/instruments/data/ipip50.yaml

Two sources, which must agree item by item or nothing is written:

1. IPIP's own key of the 50-item set, "Big-Five Factor Markers", the 10-item scales of
   https://ipip.ori.org/newBigFive5broadKey.htm (public domain): each factor's items with
   their + / - keys, transcribed below into `IPIP_KEY` from the page's copy in
   github.com/Olcmyk/ipip-remaster, archive/ipip-mirror/ipip.ori.org/newBigFive5broadKey.htm
   (commit 3bc2f9c2968517dd5e87ca24ee03a30bcdb1163d). The wording and keys shipped are these.
2. github.com/jinjinjinjye/R-IPIP50 (commit 54d81931357ada3edaeacd936bbf5a875389c354), the
   two input files: `IPIP-50_Testing.qsf`, a Qualtrics survey of the 50 items in the order of
   IPIP's sample questionnaire (https://ipip.ori.org/New_IPIP-50-item-scale.htm; factors
   cycle I, II, III, IV, V), and `r-ipip50.Rmd`, which scores it: the factor of each position
   (`seq(k, 50, 5)`) and the reverse-scored positions (`rev_items`). Every item's text must
   match IPIP's (ignoring case), its factor and its key must match IPIP's key.

Items are written in that questionnaire order, in the first person ("I am the life of the
party.", as the survey and the Open-Source Psychometrics Project's IPIP-FFM data give them).
Item ids are that project's column names (EXT1, AGR1, CSN1, EST1, OPN1, EXT2, ...: factor
and position within the factor in this order), so answers line up with its public human
data. Factor IV (Emotional Stability) is shipped as `neuroticism` with its keys flipped;
factor V (Intellect or Imagination) as `openness`.
"""

from __future__ import annotations

import json
import re
import sys

# IPIP's key (newBigFive5broadKey.htm, 10-item scales): factor -> (+ keyed, - keyed).
IPIP_KEY: dict[str, tuple[list[str], list[str]]] = {
    "I": (
        [
            "Am the life of the party.",
            "Feel comfortable around people.",
            "Start conversations.",
            "Talk to a lot of different people at parties.",
            "Don't mind being the center of attention.",
        ],
        [
            "Don't talk a lot.",
            "Keep in the background.",
            "Have little to say.",
            "Don't like to draw attention to myself.",
            "Am quiet around strangers.",
        ],
    ),
    "II": (
        [
            "Am interested in people.",
            "Sympathize with others' feelings.",
            "Have a soft heart.",
            "Take time out for others.",
            "Feel others' emotions.",
            "Make people feel at ease.",
        ],
        [
            "Am not really interested in others.",
            "Insult people.",
            "Am not interested in other people's problems.",
            "Feel little concern for others.",
        ],
    ),
    "III": (
        [
            "Am always prepared.",
            "Pay attention to details.",
            "Get chores done right away.",
            "Like order.",
            "Follow a schedule.",
            "Am exacting in my work.",
        ],
        [
            "Leave my belongings around.",
            "Make a mess of things.",
            "Often forget to put things back in their proper place.",
            "Shirk my duties.",
        ],
    ),
    "IV": (
        [
            "Am relaxed most of the time.",
            "Seldom feel blue.",
        ],
        [
            "Get stressed out easily.",
            "Worry about things.",
            "Am easily disturbed.",
            "Get upset easily.",
            "Change my mood a lot.",
            "Have frequent mood swings.",
            "Get irritated easily.",
            "Often feel blue.",
        ],
    ),
    "V": (
        [
            "Have a rich vocabulary.",
            "Have a vivid imagination.",
            "Have excellent ideas.",
            "Am quick to understand things.",
            "Use difficult words.",
            "Spend time reflecting on things.",
            "Am full of ideas.",
        ],
        [
            "Have difficulty understanding abstract ideas.",
            "Am not interested in abstract ideas.",
            "Do not have a good imagination.",
        ],
    ),
}
FACTORS = ["I", "II", "III", "IV", "V"]  # the questionnaire's cycle
# factor -> (dimension of the bigfive framework, sign of the factor on it, id prefix)
DIMENSIONS = {
    "I": ("extraversion", 1, "EXT"),
    "II": ("agreeableness", 1, "AGR"),
    "III": ("conscientiousness", 1, "CSN"),
    "IV": ("neuroticism", -1, "EST"),  # Emotional Stability: keys flipped
    "V": ("openness", 1, "OPN"),  # Intellect or Imagination
}
RMD_FACTORS = {"e": "I", "a": "II", "c": "III", "n": "IV", "o": "V"}  # its `trait_x_items`

HEADER = """\
# IPIP-50: the 50-item IPIP representation of Goldberg's (1992) markers for the Big-Five
# factor structure (Goldberg, L. R. (1992). The development of markers for the Big-Five
# factor structure. Psychological Assessment, 4, 26-42; International Personality Item Pool,
# https://ipip.ori.org, public domain). Items and + / - keys are IPIP's 10-item scales at
# https://ipip.ori.org/newBigFive5broadKey.htm (read from its copy in
# github.com/Olcmyk/ipip-remaster, archive/ipip-mirror/ipip.ori.org/newBigFive5broadKey.htm),
# in the first person; order, factors and keys checked item by item against the IPIP-50
# survey and scoring of github.com/jinjinjinjye/R-IPIP50 (IPIP-50_Testing.qsf, r-ipip50.Rmd).
# Written by scripts/import_ipip50.py. Order: IPIP's sample questionnaire
# (https://ipip.ori.org/New_IPIP-50-item-scale.htm), factors cycling I-V. Ids: the column
# names of the Open-Source Psychometrics Project's IPIP-FFM data (EXT1, AGR1, CSN1, EST1,
# OPN1, EXT2, ...). Factor I is extraversion, II agreeableness, III conscientiousness,
# V (Intellect or Imagination) openness. Factor IV (Emotional Stability) is scored here as
# NEUROTICISM, as in the bigfive framework and ipip_neo300: its keys are flipped, so IPIP's
# + keyed "Am relaxed most of the time." and "Seldom feel blue." have polarity -1 and its
# eight - keyed items polarity 1. The response scale is IPIP's 5-point accuracy scale.
id: ipip50
framework: bigfive
description: >-
  IPIP-50: Goldberg's (1992) 50 public-domain Big-Five factor markers, 10 per factor, with
  IPIP's keys (ipip.ori.org); factor IV (Emotional Stability) scored as neuroticism (keys
  flipped), factor V (Intellect or Imagination) as openness; IPIP's 5-point accuracy scale.
scale:
  points: 5
  stem: "How accurately does the statement describe you?"
  anchors:
    - Very inaccurate
    - Moderately inaccurate
    - Neither accurate nor inaccurate
    - Moderately accurate
    - Very accurate
items:
"""


def first_person(phrase: str) -> str:
    """IPIP's phrase ("Am the life of the party.") as a statement ("I am the life ...")."""
    return "I " + phrase[0].lower() + phrase[1:]


def survey_items(path: str) -> list[str]:
    """The statements of the survey's one matrix question, in the order shown."""
    with open(path, encoding="utf-8") as handle:
        survey = json.load(handle)
    [question] = [
        e["Payload"]
        for e in survey["SurveyElements"]
        if isinstance(e.get("Payload"), dict) and "ChoiceOrder" in e["Payload"]
    ]
    return [question["Choices"][str(key)]["Display"] for key in question["ChoiceOrder"]]


def scoring(path: str) -> tuple[dict[int, str], set[int]]:
    """The factor of each position and the reverse-scored positions, from the R scoring."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    match = re.search(r"rev_items <- c\(([\d,\s]+)\)", text)
    if match is None:
        raise SystemExit(f"{path}: no `rev_items <- c(...)`")
    reverse = {int(n) for n in match.group(1).split(",")}
    factor_of: dict[int, str] = {}
    for letter, first, last, step in re.findall(
        r"trait_([eacno])_items <- seq\((\d+),\s*(\d+),\s*(\d+)\)", text
    ):
        for position in range(int(first), int(last) + 1, int(step)):
            factor_of[position] = RMD_FACTORS[letter]
    return factor_of, reverse


def main(survey_path: str, scoring_path: str) -> None:
    key: dict[str, tuple[str, str, int]] = {}  # lower-case statement -> (it, factor, +1/-1)
    for factor, (plus, minus) in IPIP_KEY.items():
        assert len(plus) + len(minus) == 10, factor
        for phrase, sign in [*((p, 1) for p in plus), *((m, -1) for m in minus)]:
            key[first_person(phrase).lower()] = (first_person(phrase), factor, sign)
    statements = survey_items(survey_path)
    factor_of, reverse = scoring(scoring_path)
    if len(statements) != 50 or sorted(factor_of) != list(range(1, 51)):
        raise SystemExit("the survey and its scoring must cover positions 1..50")
    problems: list[str] = []
    seen: set[str] = set()
    counts = dict.fromkeys(FACTORS, 0)
    out = [HEADER]
    for position, shown in enumerate(statements, start=1):
        found = key.get(" ".join(shown.split()).lower())
        if found is None:
            problems.append(f"{position}: {shown!r} is no 10-item marker on IPIP's key")
            continue
        text, factor, sign = found
        seen.add(text)
        scored_sign = -1 if position in reverse else 1
        if factor != FACTORS[(position - 1) % 5] or factor != factor_of[position]:
            problems.append(f"{position}: {text!r} is factor {factor} on IPIP's key")
        if sign != scored_sign:
            problems.append(
                f"{position}: {text!r} is keyed {sign:+d} by IPIP, {scored_sign:+d} by the scoring"
            )
        counts[factor] += 1
        dimension, flip, prefix = DIMENSIONS[factor]
        out.append(
            f"  - {{id: {prefix}{counts[factor]}, dimension: {dimension}, "
            f"polarity: {sign * flip}, text: {json.dumps(text)}}}\n"
        )
    problems += [f"{text!r} is not in the survey" for text, *_ in key.values() if text not in seen]
    if problems:
        raise SystemExit("the sources disagree:\n" + "\n".join(problems))
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
