"""Many distinct chats at once (polling): each is answered, and passivation frees their sessions.

The issue's figure is 10,000 chats in a minute; the suite sends 1,000 chats'
``/start`` as fast as the emulator takes them (a tenth of the chats, at a
higher rate than the issue's), so that the folder runs in about a minute on
a small machine: ``bench/abuse.py`` runs the full count and measures memory
and the other chats' latency. Every update is recorded once and answered
once, the router and the outbox keep at most their ``max_pending`` events in
memory, sessions are activated once each and every one is passivated once
the chats are idle, the rate limiter forgets the whole wave a window after it
(here windows of two seconds, so the test need not wait a minute), and no
credit moves.
"""

from __future__ import annotations

import inspect
import time
from pathlib import Path

import trio

from tests.abuse.watch import received, wait_passivated, watching
from tests.e2e.support import bot_process, wait_settled
from trt_actors.actors.routing import Router
from trt_actors.events import UiRendered
from trt_actors.limits import Rate

CHATS = 1_000
FIRST = 20_000
WINDOW = 2.0


async def test_1000_new_chats_at_once_are_each_answered_and_their_sessions_passivated(tmp_path: Path) -> None:
    async with bot_process(tmp_path / "trt.sqlite3", idle_timeout=0.5, rate_messages=Rate(30, WINDOW),
                           rate_taps=Rate(60, WINDOW)) as process:
        bot, emulator = process.bot, process.emulator
        users = [emulator.user(FIRST + n, f"New{n}", language_code="en") for n in range(CHATS)]
        async with watching(bot) as peaks:
            for user in users:
                await user.send_text("/start")
            with trio.fail_after(120):
                for user in users:
                    await user.wait_messages(1)
                await wait_settled(bot, timeout=60)
        router, outbox = bot.router.statistics(), bot.outbox.statistics()
        await wait_passivated(bot)
        sessions = bot.sessions.statistics()
        wave_windows = sessions.limited_users
        # A window after the wave, one more chat writes: the limiter forgets every user of the wave.
        await trio.sleep(max(0.0, max(r.ts for r in await bot.log.read_from(1, limit=1_000_000)) + WINDOW
                             - time.time()))
        late = emulator.user(FIRST + CHATS, "Late", language_code="en")
        await late.send_text("/start")
        with trio.fail_after(30):
            await late.wait_messages(1)
        windows_after = bot.sessions.statistics().limited_users
        users.append(late)
        events = await bot.log.read_from(1, limit=1_000_000)
        assert emulator.pending_updates == 0

    assert received(events) == {user.chat_id: 1 for user in users}
    assert all(len(user.messages()) == 1 for user in users)
    assert len([r for r in events if isinstance(r.event, UiRendered)]) == CHATS + 1
    # Each chat's session was built once and left memory once it was idle; the limiter forgot the wave.
    assert sessions.activations == CHATS and sessions.evictions == sessions.crashes == 0
    assert sessions.live == 0 and sessions.passivations == CHATS
    assert peaks.samples > 10 and peaks.live_sessions <= CHATS
    assert peaks.router_pending <= router.max_pending and peaks.outbox_pending <= outbox.reactor.max_pending
    assert peaks.limiter_windows <= CHATS and wave_windows == CHATS and windows_after == 1
    assert (router.pending, router.lanes, outbox.pending) == (0, 0, 0)
    assert not [r for r in events if r.stream.startswith("ledger:")]


async def test_past_max_live_sessions_the_least_recently_used_leave_memory_and_come_back_from_the_log(
    tmp_path: Path,
) -> None:
    """``MAX_LIVE_SESSIONS`` bounds the sessions in memory even before any is idle: 100 chats with room for 8,
    each answered, then each answered again from a session rebuilt from the log. While the router decides
    chats at once (32 lanes) the sessions being decided may go over the limit; once they are done, it holds."""
    async with bot_process(tmp_path / "trt.sqlite3", max_live_sessions=8) as process:
        bot, emulator = process.bot, process.emulator
        users = [emulator.user(FIRST + n, f"New{n}", language_code="en") for n in range(100)]
        async with watching(bot) as peaks:
            for round_ in (1, 2):
                for user in users:
                    await user.send_text("/start")
                with trio.fail_after(60):
                    for user in users:
                        await user.wait_messages(round_)
            await wait_settled(bot, timeout=30)
        sessions = bot.sessions.statistics()
    lanes = inspect.signature(Router).parameters["workers"].default  # chats the router decides at once
    assert peaks.live_sessions <= 8 + lanes and sessions.live <= 8
    assert sessions.activations == 200 and sessions.evictions >= 192 and sessions.crashes == 0
    assert all(len(user.messages()) == 2 for user in users)
