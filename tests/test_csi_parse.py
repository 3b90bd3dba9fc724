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
