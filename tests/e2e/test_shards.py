"""Three bot processes sharing the chats of one log (``SHARDS``), one killed with SIGKILL under load.

The emulators run in this process; the bots are ``python main.py run``
children with their own ``INSTANCE_ID``, ``SHARDS=4`` (five units: four
shards of chats and the global one) and a short lease. Users keep talking and
ordering generations while the instance that owns the most units is killed:
its units move to the two others within the lease's time, and no update is
lost or decided twice, no hold is captured twice, the books close and every
chain replays as it ran.
"""

from __future__ import annotations

import json
import math
import signal
import sys
import time
from pathlib import Path

import httpx
import trio

from eventlog import open_log
from tests.e2e.books import books_close, read_log, replays_identical
from tests.e2e.conftest import TOKEN, kie_emulator
from tests.e2e.instances import LEASE, ROOT, Bot, bot_env
from tests.e2e.orders import walk
from tests.e2e.support import REGISTRY, free_port
from trt_actors.config import Settings
from trt_actors.events import CODEC, UiRendered, UpdateReceived
from trt_actors.events.broadcast import BroadcastFinished, BroadcastStarted
from trt_actors.events.jobs import JobSubmitted, ResultDelivered
from trt_actors.events.ledger import HoldCaptured
from trt_actors.sandbox.kie import Script
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.sandbox.telegram.updates import FIRST_UPDATE_ID
from trt_actors.session.callback_data import Confirm
from trt_actors.shards import MEMBER_PREFIX, unit_names

SHARDS = 4
UNITS = unit_names(SHARDS)


async def _owners(db: str) -> dict[str, str]:
    """Each unit's holder while its lease runs (a unit nobody holds now is left out)."""
    async with open_log(db, codec=CODEC, readonly=True) as log:
        now = time.time()
        return {lease.name: lease.holder for lease in await log.leases()
                if not lease.name.startswith(MEMBER_PREFIX) and lease.expires_at > now}


async def _ready(port: int) -> dict[str, object]:
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"http://127.0.0.1:{port}/ready")
    about: dict[str, object] = json.loads(answer.content)
    return about


async def _fair_shares(db: str, instances: set[str], timeout: float, units: list[str] = UNITS) -> dict[str, str]:
    """Wait until ``instances`` own every ``units`` between them, none more than its share; the owners."""
    share = math.ceil(len(units) / len(instances))
    with trio.fail_after(timeout):
        while True:
            owners = await _owners(db)
            counts = [list(owners.values()).count(instance) for instance in instances]
            if set(owners) == set(units) and set(owners.values()) <= instances and max(counts) <= share:
                return owners
            await trio.sleep(0.1)


async def test_three_instances_share_the_chats_and_a_killed_ones_units_move_within_the_lease_time(
    tmp_path: Path, postgres_url: str,
) -> None:
    db = postgres_url
    ports = {name: free_port() for name in ("bot-a", "bot-b", "bot-c")}
    async with TelegramEmulator.serve(token=TOKEN) as tg, kie_emulator() as kie:
        kie.script("z-image", Script(waiting=1, generating=1, stage_seconds=1.0, callbacks=0))
        bots: dict[str, Bot] = {}
        try:
            for name, port in ports.items():
                bots[name] = await Bot.start(bot_env(tg, kie, db, name, SHARDS=str(SHARDS), HTTP_PORT=str(port)),
                                             tmp_path)
            for bot in bots.values():
                await bot.wait_active(30)
            owners = await _fair_shares(db, set(bots), timeout=8 * LEASE)
            about = await _ready(ports["bot-a"])
            assert about["ready"] is True and about["shards"] == SHARDS
            assert about["units"] == [unit for unit in UNITS if owners[unit] == "bot-a"]
            checked = await trio.run_process([sys.executable, "main.py", "check"], cwd=ROOT, capture_stdout=True,
                                             env=bot_env(tg, kie, db, "check"), check=False)
            [line] = [line for line in checked.stdout.decode().splitlines() if line.startswith("✓ event log")]
            assert "shared by 3 instance(s) (bot-a: " in line and all(unit in line for unit in UNITS), line

            # Twelve users, three in each shard; the first six order a generation.
            users = [ScriptedUser(tg.user(8100 + n, first_name=f"U{n}", language_code="en")) for n in range(12)]
            for user in users:
                await user.say("/start")
            for user in users[:6]:
                await walk(user, REGISTRY.model("z-image"), {})
                await user.tap_action(Confirm)
            with trio.fail_after(20):
                while not any(isinstance(r.event, JobSubmitted) for r in await read_log(db)):
                    await trio.sleep(0.05)

            # Kill the instance that owns the most units, in the middle of the jobs and the talk.
            victim = max(bots, key=lambda name: (list(owners.values()).count(name), name))
            its_units = sorted(unit for unit, owner in owners.items() if owner == victim)
            async with trio.open_nursery() as talk:
                for user in users[6:]:
                    talk.start_soon(user.say, "/help")
                await bots[victim].stop(signal.SIGKILL)
                killed = time.monotonic()
            survivors = set(bots) - {victim}
            moved = await _fair_shares(db, survivors, timeout=LEASE * 6)
            took = time.monotonic() - killed
            print(f"{victim} killed; its units {its_units} moved to {sorted(survivors)} in {took:.2f} s")
            assert took < LEASE + LEASE / 3 + 2.0, (took, its_units)  # expiry, one turn of the others, slack
            assert all(moved[unit] in survivors for unit in its_units)

            for user in users:
                await user.say("/menu")
            with trio.fail_after(30):
                while len([r for r in await read_log(db) if isinstance(r.event, ResultDelivered)]) < 6:
                    await trio.sleep(0.2)
            with trio.fail_after(20):  # every recorded update answered (the last /menu screens too)
                await tg.wait_updates_taken()
                while await _undecided(db):
                    await trio.sleep(0.2)
            issued = range(FIRST_UPDATE_ID, tg.statistics().updates.next_update_id)
        finally:
            for bot in bots.values():
                await bot.stop(signal.SIGTERM)

    events = await read_log(db)
    for user in users[:6]:
        assert [m.kind for m in user.user.messages()].count("photo") == 1, user.user.id
    assert len([r for r in events if isinstance(r.event, HoldCaptured)]) == 6 and len(kie.tasks) == 6
    recorded = sorted(r.event.update_id for r in events if isinstance(r.event, UpdateReceived))
    assert recorded == list(issued)  # every update Telegram gave out recorded, none twice
    assert await _undecided(db) == []
    assert await books_close(db) == []
    settings = Settings.from_env(environ=bot_env(tg, kie, db, "replay"))
    assert await replays_identical(db, settings, REGISTRY) == []
    left = await _owners(db)  # the clean stops gave every unit up
    assert left == {}, left


async def _undecided(db: str) -> list[str]:
    """Every private update recorded got exactly one first screen: the problems, as sentences."""
    events = await read_log(db)
    screens: dict[str, int] = {}
    for recorded in events:
        if isinstance(recorded.event, UiRendered) and recorded.event.dispatch_id.endswith("/0"):
            screens[recorded.cid] = screens.get(recorded.cid, 0) + 1
    return [f"update {r.event_id}: {screens.get(r.cid, 0)} first screens" for r in events
            if isinstance(r.event, UpdateReceived) and screens.get(r.cid) != 1]


async def test_with_a_webhook_any_instance_receives_and_the_shard_owner_answers_and_a_broadcast_reaches_every_shard(
    tmp_path: Path, postgres_url: str,
) -> None:
    """Two instances behind one webhook address (here: Telegram delivers to bot-a, as a balancer might send
    everything to one of them; a second update is posted to bot-b directly). Each update is recorded by the
    instance that took it and answered by its chat's owner. An admin's broadcast, asked in one shard, is
    conducted by the owner of the global unit and delivered by each recipient's shard."""
    db, secret = postgres_url, "s3cret-for-the-webhook"
    ports = {name: free_port() for name in ("bot-a", "bot-b")}
    admins = (8400, 8401)  # one in each shard
    async with TelegramEmulator.serve(token=TOKEN) as tg, kie_emulator() as kie:
        bots: dict[str, Bot] = {}
        try:
            for name, port in ports.items():
                env = bot_env(tg, kie, db, name, SHARDS="2", HTTP_PORT=str(port), WEBHOOK_SECRET=secret,
                              WEBHOOK_URL=f"http://127.0.0.1:{ports['bot-a']}/telegram/webhook",
                              ADMIN_IDS=",".join(map(str, admins)))
                bots[name] = await Bot.start(env, tmp_path)
            for bot in bots.values():
                await bot.wait_active(30)
            owners = await _fair_shares(db, set(bots), timeout=8 * LEASE, units=unit_names(2))
            assert set(owners.values()) == {"bot-a", "bot-b"}  # the work is spread over both
            users = [ScriptedUser(tg.user(8301 + n, first_name=f"W{n}", language_code="en")) for n in range(4)]
            for user in users:  # chats of both shards, every update delivered to bot-a
                await user.say("/start")
            # The admin whose chat another instance serves than the one conducting broadcasts (the global unit's).
            admin_id = next(a for a in admins if owners[f"shard:{a % 2}/2"] != owners["active"])
            admin = ScriptedUser(tg.user(admin_id, first_name="Boss", language_code="en"))
            await admin.say("/start")

            # An update posted to bot-b (the other instance behind the balancer) is answered by its chat's owner.
            update = {"update_id": 990_000_001, "message": {
                "message_id": 1, "date": int(time.time()), "text": "/help",
                "chat": {"id": users[0].user.id, "type": "private", "first_name": "W0"},
                "from": {"id": users[0].user.id, "is_bot": False, "first_name": "W0", "language_code": "en"}}}
            async with httpx.AsyncClient() as http:
                answer = await http.post(f"http://127.0.0.1:{ports['bot-b']}/telegram/webhook", json=update,
                                         headers={"X-Telegram-Bot-Api-Secret-Token": secret})
                assert answer.status_code == 200
                forged = await http.post(f"http://127.0.0.1:{ports['bot-b']}/telegram/webhook", json=update,
                                         headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
                assert forged.status_code == 401
                metrics = (await http.get(f"http://127.0.0.1:{ports['bot-b']}/metrics")).text
            mine = (await _ready(ports["bot-b"]))["units"]
            assert isinstance(mine, list) and mine
            for unit in mine:  # each unit's figures under its own name; the instance's share
                assert f"trt_{'global' if unit == 'active' else 'shard' + unit[6]}_router_" in metrics, unit
            assert "trt_units_owned " in metrics
            with trio.fail_after(15):
                while not any("update:" in r.event_id and r.event.update_id == 990_000_001
                              for r in await read_log(db) if isinstance(r.event, UpdateReceived)):
                    await trio.sleep(0.1)

            await admin.say("/admin broadcast <b>New models</b> for all")
            await admin.tap_data(admin.current.callback_data("📣 Send to everyone"), "send")
            with trio.fail_after(20):
                while not all(any("New models" in (m.body or "") for m in user.user.messages()) for user in users):
                    await trio.sleep(0.1)
            with trio.fail_after(20):
                while await _undecided(db):
                    await trio.sleep(0.2)
            asked = time.monotonic()  # a clean stop drains what is in flight, then gives its units up
            await bots["bot-b"].stop(signal.SIGTERM)
            stopping = time.monotonic() - asked
            assert bots["bot-b"].process.returncode == 0 and stopping < 4, stopping
        finally:
            for bot in bots.values():
                await bot.stop(signal.SIGTERM)

    events = await read_log(db)
    answered_by = {r.cid: r.event for r in events if isinstance(r.event, UiRendered)}
    assert any(r.event.update_id == 990_000_001 for r in events if isinstance(r.event, UpdateReceived))
    assert answered_by  # every update got its first screen (checked by _undecided above)
    [started] = [r.event for r in events if isinstance(r.event, BroadcastStarted)]
    [finished] = [r.event for r in events if isinstance(r.event, BroadcastFinished)]
    assert started.admin_id == admin_id and finished.delivered == len(users) + 1  # and the admin
    assert await _undecided(db) == []
    assert await books_close(db) == []
