"""CSI replies are read by word, never by line position (METHODS.md, "Known flaws")."""

from __future__ import annotations

from valuescope.instruments.csi.parse import parse_reply


def labels(reply: str, words: list[str]) -> dict[str, str]:
    return {w: r.label for w, r in parse_reply(reply, words).items()}


def test_clean_reply() -> None:
    reply = "joy: comedy\nwar: tragedy\ntable: comedy"
    assert labels(reply, ["joy", "war", "table"]) == {
        "joy": "positive",
        "war": "negative",
        "table": "positive",
    }


def test_renumbered_and_reordered_lines() -> None:
    reply = "1. war: tragedy\n2. table - Comedy\n7) JOY: COMEDY"
    assert labels(reply, ["joy", "war", "table"]) == {
        "joy": "positive",
        "war": "negative",
        "table": "positive",
    }


def test_merged_line_attributes_each_label_to_the_nearest_preceding_word() -> None:
    reply = "3. joy - comedy, 4. war - tragedy\n5. table: comedy"
    assert labels(reply, ["joy", "war", "table"]) == {
        "joy": "positive",
        "war": "negative",
        "table": "positive",
    }


def test_dropped_line_is_missing_and_does_not_shift_the_others() -> None:
    # Positional parsing would give war the label of table here.
    reply = "joy: comedy\ntable: tragedy"
    assert labels(reply, ["joy", "war", "table"]) == {
        "joy": "positive",
        "war": "missing",
        "table": "negative",
    }


def test_chatter_and_an_echo_of_the_list_are_ignored() -> None:
    reply = (
        "Sure! Here are my first associations for joy, war and table.\n"
        "\n"
        "joy: comedy\n"
        "war: tragedy\n"
        "I hope this helps!"
    )
    assert labels(reply, ["joy", "war", "table"]) == {
        "joy": "positive",
        "war": "negative",
        "table": "missing",
    }


def test_a_line_with_both_labels_is_neutral_not_positive() -> None:
    reply = "joy: comedy or tragedy\nwar: tragedy, though also comedy"
    assert labels(reply, ["joy", "war"]) == {"joy": "neutral", "war": "neutral"}


def test_a_word_with_no_label_is_neutral() -> None:
    assert labels("joy: happy", ["joy"]) == {"joy": "neutral"}


def test_lines_that_disagree_make_the_word_neutral() -> None:
    reply = "joy: comedy\n...\njoy: tragedy"
    assert labels(reply, ["joy"]) == {"joy": "neutral"}


def test_an_unlabelled_mention_does_not_override_a_labelled_one() -> None:
    reply = "joy\njoy: comedy"
    assert labels(reply, ["joy"]) == {"joy": "positive"}


def test_positive_and_negative_are_labels_too() -> None:
    reply = "joy - positive\nwar - negative"
    assert labels(reply, ["joy", "war"]) == {"joy": "positive", "war": "negative"}


def test_label_before_the_word() -> None:
    assert labels("Comedy - joy", ["joy"]) == {"joy": "positive"}


def test_whole_word_matching_art_is_not_in_party() -> None:
    reply = "party: comedy"
    assert labels(reply, ["art", "party"]) == {"art": "missing", "party": "positive"}
    reply = "party: comedy\nart: tragedy"
    assert labels(reply, ["art", "party"]) == {"art": "negative", "party": "positive"}


def test_a_word_inside_a_longer_word_is_not_matched() -> None:
    # "war" inside "warm", "comedy" inside "comedyish": neither is a whole word.
    reply = "warm: comedyish"
    assert labels(reply, ["war", "warm"]) == {"war": "missing", "warm": "neutral"}


def test_a_word_that_is_also_a_label() -> None:
    reply = "comedy: tragedy\njoy: comedy"
    assert labels(reply, ["comedy", "joy"]) == {"comedy": "negative", "joy": "positive"}


def test_chinese_words_and_labels() -> None:
    reply = "1. 快乐：喜剧\n2. 战争 - 悲剧\n中国人喜剧"
    assert labels(reply, ["快乐", "战争", "中国", "中国人"]) == {
        "快乐": "positive",
        "战争": "negative",
        "中国": "missing",
        "中国人": "positive",
    }


def test_excerpt_names_the_lines_read() -> None:
    reading = parse_reply("intro\n2. war: tragedy", ["war"])["war"]
    assert reading.excerpt == "2. war: tragedy"


def reading(reply: str, words: list[str], word: str) -> tuple[str, str | None]:
    result = parse_reply(reply, words)[word]
    return result.label, result.reason


# -- case-sensitive words (a published list holds `it` and `It` as two words) --------------


def test_case_variants_are_told_apart_by_their_exact_spelling() -> None:
    reply = "it: comedy\nIt: tragedy\nJOY: comedy"
    assert labels(reply, ["it", "It", "joy"]) == {
        "it": "positive",
        "It": "negative",
        "joy": "positive",
    }
    # Line order does not matter; each line goes to the word written in its case.
    assert labels("It: tragedy\nit: comedy", ["It", "it"]) == {
        "It": "negative",
        "it": "positive",
    }


def test_another_case_matches_the_only_variant_asked() -> None:
    assert labels("It: tragedy", ["it", "joy"]) == {"it": "negative", "joy": "missing"}
    assert labels("IT - comedy", ["It"]) == {"It": "positive"}


def test_a_spelling_that_fits_several_variants_is_invalid_with_a_reason() -> None:
    words = ["it", "It"]
    reply = "IT: comedy\nIt: tragedy"
    assert reading(reply, words, "It") == ("negative", None)
    label, reason = reading(reply, words, "it")
    assert label == "invalid" and reason is not None
    assert "'IT'" in reason and "'it'" in reason and "'It'" in reason


def test_one_variant_on_several_lines_and_the_other_on_none_is_ambiguous() -> None:
    # A model that capitalises every line: which `It` line answers `it`?
    words = ["it", "It", "joy"]
    reply = "It: comedy\nJoy: comedy\nIt: tragedy"
    label, reason = reading(reply, words, "It")
    assert label == "invalid" and reason is not None and "2 lines" in reason
    assert reading(reply, words, "it") == ("missing", None)
    assert reading(reply, words, "joy") == ("positive", None)


# -- a line that only repeats the word is not an answer -----------------------------------


def test_an_echo_of_the_chunk_one_word_a_line_is_invalid_not_neutral() -> None:
    # Observed: SmolLM2 repeated the chunk's words, one a line; that scored as 5/5 neutral.
    words = ["joy", "war", "table", "paper", "art"]
    reply = "joy\n2. war\n- **table**:\n(paper)\nart."
    result = parse_reply(reply, words)
    assert {w: r.label for w, r in result.items()} == dict.fromkeys(words, "invalid")
    assert all(r.reason == "no label for the word" for r in result.values())
    assert not any(r.answered for r in result.values())
    assert result["war"].excerpt == "2. war"


def test_a_word_with_other_text_but_no_label_stays_neutral() -> None:
    assert labels("joy: neither\nwar: happy", ["joy", "war"]) == {
        "joy": "neutral",
        "war": "neutral",
    }
