"""The results' warning about invalid samples: "N of M <what>", and none when all are valid."""

from __future__ import annotations

from valuescope.runs import SampleRecord, invalid_note


def _sample(n: int, valid: bool) -> SampleRecord:
    return SampleRecord(item_id=str(n), condition="c", valid=valid)


def test_invalid_samples_are_counted_among_all() -> None:
    samples = [_sample(0, True), _sample(1, False), _sample(2, False)]
    assert invalid_note(samples, "answers were empty") == ["2 of 3 answers were empty"]


def test_no_note_when_every_sample_is_valid() -> None:
    assert invalid_note([_sample(0, True)], "answers were empty") == []
    assert invalid_note([], "answers were empty") == []
