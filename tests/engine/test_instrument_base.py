"""The optional instrument bases: class keywords set the protocol's class attributes, the
plan of a keyed design leaves out what is done and counts everything."""

from __future__ import annotations

from dataclasses import dataclass

from valuescope.engine import InstrumentBase, KeyedInstrument, Plan, RunConfig, SampleKey


@dataclass(frozen=True)
class Ask:
    item: str

    @property
    def key(self) -> SampleKey:
        return (self.item, "q")


class Asks(KeyedInstrument[RunConfig, Ask], command="asks", config_type=RunConfig):
    def requests(self) -> list[Ask]:
        return [Ask("a"), Ask("b"), Ask("c")]


def test_class_keywords_set_command_and_config_type() -> None:
    instrument = Asks(RunConfig(model="stub"))
    assert (Asks.command, Asks.config_type) == ("asks", RunConfig)
    assert instrument.config.model == "stub"
    assert instrument.run_files() == {}
    assert "command" not in vars(InstrumentBase)


def test_a_keyed_plan_counts_all_and_leaves_out_the_done() -> None:
    plan = Asks(RunConfig(model="stub")).plan({("b", "q"), ("x", "q")})
    assert plan.total == 3
    assert [r.item for r in plan.pending] == ["a", "c"]
    assert Plan.of([], set()) == Plan(total=0, pending=[])
