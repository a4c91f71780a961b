"""Properties of the event-sourced shell against the pure fold of its decider, on a real log."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import msgspec
import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventlog import SQLiteEventLog
from tests.runtime.counter import CODEC, Count, CounterCommand, CounterDecider, Increment, ResetCount
from trt_actors.events import Event
from trt_actors.runtime.decider import CommandRejected
from trt_actors.runtime import ActorRef, CommandMeta, EventSourced, SourcedMessage, execute, fold, inspect, spawn

commands = st.lists(
    st.one_of(st.builds(Increment, by=st.integers(min_value=-2, max_value=9)), st.just(ResetCount())),
    max_size=12,
)


def decide_all(commands: Sequence[CounterCommand]) -> tuple[list[Event], list[int]]:
    """What a perfect, crash-free shell records (decide, skip rejections, fold), and which commands recorded."""
    decider, state = CounterDecider(), CounterDecider().initial_state()
    events: list[Event] = []
    recorded: list[int] = []
    for n, command in enumerate(commands):
        try:
            decided = decider.decide(state, command)
        except CommandRejected:
            continue
        if decided:
            recorded.append(n)
        events.extend(decided)
        state = fold(decider, state, decided)
    return events, recorded


@given(commands=commands, split=st.integers(min_value=0, max_value=12))
def test_folding_in_two_parts_through_an_encoded_snapshot_is_folding_once(
    commands: list[CounterCommand], split: int
) -> None:
    decider = CounterDecider()
    events, _ = decide_all(commands)
    head = fold(decider, decider.initial_state(), events[:split])
    restored = msgspec.json.decode(msgspec.json.encode(head), type=Count)
    assert fold(decider, restored, events[split:]) == fold(decider, decider.initial_state(), events)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands=commands, snapshot_every=st.integers(min_value=1, max_value=4))
async def test_the_shell_agrees_with_the_pure_fold_and_rebuilds_to_the_same_state(
    commands: list[CounterCommand], snapshot_every: int
) -> None:
    decider = CounterDecider()
    expected_events, recorded_commands = decide_all(commands)
    expected = fold(decider, decider.initial_state(), expected_events)
    with tempfile.TemporaryDirectory() as directory:
        async with SQLiteEventLog.open(Path(directory) / "p.sqlite3", codec=CODEC) as log:

            def start(nursery: trio.Nursery) -> ActorRef[SourcedMessage[CounterCommand, Count]]:
                shell = EventSourced(CounterDecider(), log, "counter:1", snapshot_every=snapshot_every)
                return spawn(nursery, "counter:1", shell)

            async def run_all(counter: ActorRef[SourcedMessage[CounterCommand, Count]], only: Sequence[int]) -> None:
                for n in only:
                    command = commands[n]
                    meta = CommandMeta(command_id=f"c{n}", cid=f"c{n}", ts=float(n))
                    try:
                        await execute(counter, command, meta, timeout=None)
                    except CommandRejected:
                        pass

            async with trio.open_nursery() as nursery:
                counter = start(nursery)
                await run_all(counter, range(len(commands)))
                assert (await inspect(counter, timeout=None)).state == expected
                nursery.cancel_scope.cancel()

            recorded = await log.read_stream("counter:1")
            assert [r.event for r in recorded] == expected_events

            async with trio.open_nursery() as nursery:
                rebuilt = start(nursery)
                current = await inspect(rebuilt, timeout=None)
                assert (current.state, current.version) == (expected, len(expected_events))
                # Every command that recorded events, again: each one is recognised and appends nothing.
                # (A command that decided nothing left no trace, so running it again decides again.)
                await run_all(rebuilt, recorded_commands)
                again = await inspect(rebuilt, timeout=None)
                assert (again.state, again.statistics.duplicates) == (expected, len(recorded_commands))
                nursery.cancel_scope.cancel()
            assert await log.stream_version("counter:1") == len(expected_events)
