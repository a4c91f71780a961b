"""The trace of a causal chain: a tree in order, timed from each commit, on the command line too."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import trio

import main
from eventlog import NewEvent, open_log
from eventlog.trace import render_trace
from trt_actors.events import (
    CODEC,
    CallbackAccepted,
    CallbackReceived,
    CallbackRouted,
    UpdateReceived,
)


def chain(cid: str) -> list[NewEvent]:
    return [
        NewEvent(event_id="e1", stream="updates", cid=cid, ts=100.0,
                 event=UpdateReceived(update_id=5, kind="callback_query", body="{}")),
        NewEvent(event_id="e2", stream="updates", cid=cid, ts=100.001, causation="e1",
                 event=CallbackReceived(update_id=5, callback_query_id="q", data="1.a.home")),
        NewEvent(event_id="e3", stream="updates", cid=cid, ts=100.002, causation="e2",
                 event=CallbackRouted(target="session:7")),
        NewEvent(event_id="e4", stream="chat:7", cid=cid, ts=100.010, causation="e3",
                 event=CallbackAccepted(action="home")),
        NewEvent(event_id="other", stream="chat:8", cid="another", ts=100.0, event=CallbackAccepted(action="x")),
    ]


async def test_trace_shows_the_chain_as_a_tree_in_order(target: str) -> None:
    async with open_log(target, codec=CODEC) as log:
        await log.append(chain("u5"))
        text = render_trace(await log.read_cid("u5"))
    lines = text.splitlines()
    assert lines[0].startswith("cid u5: 4 events")
    tree = [line[54:] for line in lines[1:]]  # seq, time, time after the cause, stream: 54 columns
    types = [t.strip().split("(")[0] for t in tree]
    assert types == ["UpdateReceived", "CallbackReceived", "CallbackRouted", "CallbackAccepted"]
    assert [len(t) - len(t.lstrip()) for t in tree] == [0, 2, 4, 6]
    assert "+    10.0 ms" in lines[4]
    assert render_trace([]) == "no events with this cid"


def test_trace_command_prints_the_chain_and_says_when_there_is_none(
    fresh_target: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    target, empty = fresh_target(), fresh_target()  # a log, and a file or schema with none

    async def fill() -> None:
        async with open_log(target, codec=CODEC) as log:
            await log.append(chain("u5"))

    trio.run(fill)
    assert main.main(["trace", "u5", "--db", target]) == 0
    assert "CallbackRouted(target='session:7')" in capsys.readouterr().out
    assert main.main(["trace", "nope", "--db", target]) == 1
    assert main.main(["trace", "u5", "--db", empty]) == 2
    assert "no event log" in capsys.readouterr().err


async def test_trace_times_each_step_from_its_commit_when_the_log_knows_it(target: str) -> None:
    events = chain("u6")
    async with open_log(target, codec=CODEC) as log:
        await log.append(events[:1])  # the update, committed first...
        await trio.sleep(0.05)
        await log.append(events[1:4])  # ...its consequences 50 ms later (all sharing the update's ts)
        recorded = await log.read_cid("u6")
        committed = await log.commit_times("u6")
    assert sorted(committed) == [r.seq for r in recorded]
    text = render_trace(recorded, committed)
    assert "times from each event's commit" in text
    offsets = [float(line.split("+")[1].split("ms")[0]) for line in text.splitlines()[1:]]
    assert offsets[0] == 0.0 and offsets[-1] >= 40.0  # where the time went, not the events' shared ts
    assert "times from" not in render_trace(recorded)  # without commit times: the events' own times
