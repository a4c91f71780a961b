"""A world of users, crashes and faults; then every invariant of the design checked on what is left.

:func:`chaos_run` keeps the Telegram and KIE emulators in this process and runs
the bot as ``python main.py run`` in two child processes on one log file (one
active, one standing by), as in production. Scripted users (the emulator's user
side) do every story at once — browse, order an image and get it, order a
voice that fails and get refunded, top up with Stars, redeem a promo code,
double-tap Confirm, come back after their session was passivated — while:

* the active instance is SIGKILLed (sometimes SIGTERMed) at random moments and
  a new one started in its place, so the standby takes over;
* Telegram answers 429 with ``retry_after`` (and refuses calls inside the ban
  it announced), 500 and 502 on every method the bot calls, and delivers
  updates again: after a kill, the batch the dead instance recorded but never
  confirmed (long polling); with ``webhook=True``, updates the bot already
  answered 200 are POSTed again, through a failover proxy in front of the two
  instances (as a load balancer would stand), which KIE's callbacks reach too;
* KIE answers 429 and 5xx, fails tasks, and sends callbacks twice, late or
  never; forged callbacks arrive at the bot's HTTP server.

Everything is drawn from one ``random.Random(seed)``; the processes' timing is
not, so a seed names a world, not a byte-exact run. At the end the faults stop,
the bot settles, and :func:`judge` lists every broken promise as a sentence
(see its docstring for the list). ``python bench/chaos.py`` runs long worlds;
``tests/e2e/test_chaos.py`` a short one.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import msgspec
import trio

from eventlog import RecordedEvent
from registry import load_valid_registry
from tests.e2e.books import books_close, ending, read_log, replays_identical
from tests.e2e.conftest import KIE_KEY, TOKEN, kie_emulator
from tests.e2e.orders import walk
from tests.e2e.support import REGISTRY, WEBHOOK_PATH, audit_log, audit_requests, free_port
from trt_actors.config import Settings
from trt_actors.events import CODEC, PassiveRejected, UiRendered, UpdateReceived
from trt_actors.events.jobs import JobFailed, ResultDelivered
from trt_actors.events.ledger import Credited, HoldCaptured, HoldPlaced, HoldVoided
from trt_actors.events.session import GenerationRequested
from trt_actors.sandbox.kie import KieEmulator, Route, Script
from trt_actors.sandbox.kie.states import WireState
from trt_actors.sandbox.scripted import BotDidNotAnswer, ScriptedUser
from trt_actors.http import Request, Response, serve
from trt_actors.sandbox.telegram import TelegramEmulator, WebhookPolicy
from trt_actors.sandbox.telegram.faults import DuplicateWebhook, RateLimit, ServerError
from trt_actors.sandbox.telegram.updates import FIRST_UPDATE_ID
from trt_actors.session.callback_data import BuyPackage, Confirm

__all__ = ["Chaos", "ChaosOutcome", "chaos_run", "judge"]

ROOT = Path(__file__).resolve().parents[2]
HMAC_KEY = "chaos-kie-hmac-key-7f3a"
WEBHOOK_SECRET = "chaos-webhook-secret-91c2"
ADMIN = 9990
FIRST_USER = 9000
PROMO = "CHAOS"
IMAGE = "z-image"
"""The model every image order uses (text to image, no photo to send)."""
FAILING = "elevenlabs/text-to-speech-turbo-2-5"
"""The model whose every KIE task fails: its orders must end refunded and told."""
IDLE = 3.0
"""``SESSION_IDLE_SECONDS`` in the run: a user who waits longer comes back to a passivated session."""

TELEGRAM_METHODS = ("getUpdates", "answerCallbackQuery", "sendMessage", "editMessageText", "sendPhoto", "sendVoice",
                    "sendInvoice", "answerPreCheckoutQuery", "sendChatAction", "deleteMessage")
TAKEOVER = 5.0
"""Seconds after a kill in which the next instance may not know what the dead one was told (a ban on getUpdates)."""
MESSAGE_METHODS = ("sendMessage", "editMessageText", "sendPhoto", "sendVoice", "sendInvoice")


@dataclass(frozen=True)
class Chaos:
    """One world: its seed, how long the users act (seconds), how many, and how many times an instance dies."""

    seed: int = 1
    duration: float = 30.0
    users: int = 8
    kills: int = 3
    webhook: bool = False
    """Updates by webhook through a failover proxy (and duplicate deliveries), instead of long polling."""
    shards: int = 1
    """``SHARDS``: above 1, ``instances`` processes share the chats (on ``postgres``) and any one of them dies."""
    instances: int = 2
    postgres: str | None = None
    """The log's PostgreSQL URL (an empty schema); None: an SQLite file in the run's folder."""


@dataclass
class ChaosOutcome:
    """What a chaos run left: the log, what happened (counts), and what the emulators saw."""

    db: str
    chaos: Chaos
    env: dict[str, str]
    counts: Counter[str] = field(default_factory=Counter)
    chats: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    tasks_per_job: Counter[str] = field(default_factory=Counter)
    paid: list[tuple[int, str]] = field(default_factory=list)
    """Every Stars payment the emulator took: (user id, charge id)."""
    problems: list[str] = field(default_factory=list)
    """What was judged while the emulators were still up: Bot API calls, callbacks, updates, bans."""
    output: bytes = b""
    """Everything the bot processes printed."""
    settled: bool = False


@dataclass
class _Instance:
    name: str
    port: int
    process: trio.Process
    out: Path


class _World:
    """The emulators, the bot's instances and the counts, shared by the users, the monkey and the faults."""

    def __init__(self, chaos: Chaos, folder: Path, tg: TelegramEmulator, kie: KieEmulator, db: str) -> None:
        self.chaos = chaos
        self.rng = random.Random(chaos.seed)
        self.folder = folder
        self.tg = tg
        self.kie = kie
        self.db = db
        self.counts: Counter[str] = Counter()
        self.instances: list[_Instance] = []
        self.kills: list[float] = []
        """When (on the Telegram emulator's clock) each kill happened."""
        self.started = 0
        self.http = httpx.AsyncClient(timeout=5.0)
        self.forward = httpx.AsyncClient(timeout=30.0)
        self.proxy = ""
        """The failover proxy's base URL in webhook mode (see :meth:`handle`)."""
        self.preferred: _Instance | None = None

    async def handle(self, request: Request) -> Response:
        """The failover proxy: the instance last seen active first, then the others; none answers → 502.

        A standby answers a webhook 503 (Telegram delivers it again later), as behind a real load balancer.
        """
        order = sorted(self.instances, key=lambda instance: instance is not self.preferred)
        headers = {k: v for k, v in request.headers.items() if k not in ("host", "content-length", "connection")}
        for instance in order:
            try:
                answer = await self.forward.request(request.method, f"http://127.0.0.1:{instance.port}{request.path}",
                                                    content=request.body, headers=headers)
            except httpx.HTTPError:
                continue
            return Response(answer.status_code, answer.content, answer.headers.get("content-type", "text/plain"))
        return Response.text("no instance answers", 502)

    def env(self, name: str, port: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KIE_", "WEBHOOK_", "TRT_"))}
        if self.proxy:  # behind the proxy: Telegram and KIE reach whichever instance answers
            env.update(WEBHOOK_URL=self.proxy + WEBHOOK_PATH, WEBHOOK_SECRET=WEBHOOK_SECRET)
        else:  # polling: KIE calls back the instance that made the task, and gives up when it is gone
            env.update(KIE_CALLBACK_BASE=f"http://127.0.0.1:{port}")
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=self.tg.api_base, KIE_API_KEY=KIE_KEY,
            KIE_API_BASE=self.kie.api_base, KIE_UPLOAD_BASE=self.kie.upload_base, TRT_DB=str(self.db),
            HTTP_PORT=str(port), KIE_WEBHOOK_HMAC_KEY=HMAC_KEY,
            WELCOME_CREDITS="10000", ADMIN_IDS=str(ADMIN), SEND_RATE_PER_CHAT="100", SEND_RATE_GLOBAL="1000",
            RATE_MESSAGES="10000/60", RATE_TAPS="10000/60", RATE_GENERATIONS="10/1", LEASE_SECONDS="1",
            SESSION_IDLE_SECONDS=str(IDLE), INSTANCE_ID=name, PYTHONPATH=str(ROOT), SHARDS=str(self.chaos.shards),
        )
        return env

    async def start(self) -> _Instance:
        """One more ``python main.py run`` on the log; it stands by until it holds the lease."""
        self.started += 1
        name, port = f"bot-{self.started}", free_port()
        out = self.folder / f"{name}.out"
        with out.open("wb") as sink:
            process = await trio.lowlevel.open_process([sys.executable, "main.py", "run"], cwd=ROOT,
                                                       env=self.env(name, port), stdout=sink,
                                                       stderr=subprocess.STDOUT)
        instance = _Instance(name, port, process, out)
        self.instances.append(instance)
        return instance

    async def active(self) -> _Instance | None:
        """The instance holding the lease (its ``/ready`` says so), if any answers. Sharing the chats: the owner
        of the global unit, once every unit has an owner."""
        found, owned = None, 0
        for instance in self.instances:
            try:
                about = (await self.http.get(f"http://127.0.0.1:{instance.port}/ready")).json()
            except (httpx.HTTPError, ValueError):
                continue
            units = about.get("units") or []
            owned += len(units)
            if about.get("mode") == "active" or "active" in units:
                found = instance
        return found if self.chaos.shards == 1 or owned == self.chaos.shards + 1 else None

    async def wait_active(self, timeout: float = 30.0) -> _Instance:
        with trio.fail_after(timeout):
            while (instance := await self.active()) is None:
                await trio.sleep(0.05)
        self.preferred = instance
        return instance

    async def stop(self, instance: _Instance, how: signal.Signals) -> None:
        instance.process.send_signal(how)
        with trio.fail_after(30):
            await instance.process.wait()
        self.instances.remove(instance)

    def output(self) -> bytes:
        return b"".join(path.read_bytes() for path in sorted(self.folder.glob("bot-*.out")))


async def chaos_run(folder: Path, chaos: Chaos) -> ChaosOutcome:
    """Run one world in ``folder`` (the log and the bots' output go there); what is left, judged in part."""
    db = chaos.postgres or str(folder / "bot.sqlite3")
    async with TelegramEmulator.serve(token=TOKEN, webhook_policy=WebhookPolicy(max_retry=3.0)) as tg, kie_emulator(
        callback_secret=HMAC_KEY, balance=1e9, callback_retry_interval=1.0
    ) as kie, trio.open_nursery() as proxying:
        kie.script(FAILING, Script(waiting=1, generating=1, stage_seconds=0.3, outcome=WireState.FAIL))
        world = _World(chaos, folder, tg, kie, db)
        if chaos.webhook:
            world.proxy = await proxying.start(serve, world.handle)
        outcome = ChaosOutcome(db=db, chaos=chaos, env=world.env("bot-0", 0))
        users = [ScriptedUser(tg.user(FIRST_USER + n, first_name=f"u{n}", language_code=("en", "ru")[n % 2]), wait=15)
                 for n in range(chaos.users)]
        try:
            await world.start()
            await world.wait_active()
            for _ in range(chaos.instances - 1):
                await world.start()  # the standby, or the others sharing the chats
            admin = ScriptedUser(tg.user(ADMIN, first_name="admin", language_code="en"))
            await admin.say(f"/admin promo {PROMO} 25 100000 30")
            tg.faults.enforce_bans()
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_monkey, world)
                nursery.start_soon(_telegram_faults, world)
                nursery.start_soon(_kie_faults, world)
                nursery.start_soon(_forge_callbacks, world)
                with trio.move_on_after(chaos.duration):
                    async with trio.open_nursery() as acting:
                        for n, user in enumerate(users):
                            acting.start_soon(_live, world, user, random.Random(chaos.seed * 1000 + n))
                nursery.cancel_scope.cancel()
            outcome.counts["telegram faults"] = tg.statistics().faults_injected
            tg.faults.clear()
            kie.faults.clear()
            for model in kie.tasks and {task.model for task in kie.tasks.values()} or set():
                if model != FAILING:
                    kie.script(model, Script(waiting=1, generating=1, stage_seconds=0.1))
            outcome.settled = await _settle(world, outcome)
            outcome.problems.extend(_judge_emulator(world, users, await read_log(db)))
        finally:
            for instance in list(world.instances):
                await world.stop(instance, signal.SIGTERM)
            await world.http.aclose()
            await world.forward.aclose()
            proxying.cancel_scope.cancel()
        outcome.counts.update(world.counts)
        outcome.counts["users"] = chaos.users
        outcome.chats = {user.chat_id: [(m.kind, m.body or "") for m in user.user.messages()] for user in users}
        for task in kie.tasks.values():
            if task.callback_url:
                outcome.tasks_per_job[task.callback_url.rstrip("/").split("/")[-2]] += 1
        outcome.counts["KIE tasks"] = len(kie.tasks)
        outcome.paid = [(t.user_id, t.id) for t in tg.star_transactions() if not t.refund]
        outcome.output = world.output()
    return outcome


# -- the users ------------------------------------------------------------------------------------------


async def _live(world: _World, user: ScriptedUser, rng: random.Random) -> None:
    """One user doing story after story until the world ends; a story the bot does not answer is given up."""
    stories: list[tuple[str, Callable[[ScriptedUser, random.Random], Awaitable[None]]]] = [
        ("browse", _browse), ("order an image", _order_image), ("order a failing voice", _order_failing),
        ("top up with Stars", _top_up), ("redeem the promo code", _redeem), ("double-tap Confirm", _double_confirm),
        ("come back after passivation", _come_back),
    ]
    while True:
        name, story = rng.choice(stories)
        world.counts[f"story: {name}"] += 1
        try:
            with trio.move_on_after(60):
                await story(user, rng)
        except (BotDidNotAnswer, AssertionError):
            # The bot was down or slow, or a late message (a result, a receipt) came in between: a person would
            # start again too. Whether the bot kept its promises is for the judge, from the log.
            world.counts["stories given up (the bot was slow or down, or a late message came between)"] += 1
        await trio.sleep(rng.uniform(0.0, 0.5))


async def _browse(user: ScriptedUser, rng: random.Random) -> None:
    await user.say("/start")
    for _ in range(rng.randint(1, 4)):
        actions = [(label, data) for label, data, action in user.actions() if not isinstance(action, Confirm)]
        if not actions:
            return
        label, data = rng.choice(actions)
        await user.tap_data(data, label)


async def _confirmed(user: ScriptedUser, model_id: str) -> None:
    await walk(user, REGISTRY.model(model_id), {})
    await user.tap_action(Confirm)


async def _results(user: ScriptedUser) -> int:
    return sum(m.kind in ("photo", "voice", "audio") for m in user.user.messages())


async def _wait_for(user: ScriptedUser, seconds: float, arrived: Callable[[], Awaitable[bool]]) -> None:
    with trio.move_on_after(seconds):
        while not await arrived():
            await trio.sleep(0.1)


async def _order_image(user: ScriptedUser, rng: random.Random) -> None:
    before = await _results(user)
    await _confirmed(user, IMAGE)
    await _wait_for(user, 20, lambda: _more(user, before))


async def _more(user: ScriptedUser, before: int) -> bool:
    return await _results(user) > before


async def _order_failing(user: ScriptedUser, rng: random.Random) -> None:
    await _confirmed(user, FAILING)

    async def told() -> bool:
        return any("could not be made" in (m.body or "") for m in user.user.messages()[-3:])

    await _wait_for(user, 20, told)


async def _top_up(user: ScriptedUser, rng: random.Random) -> None:
    await user.say("/topup")
    await user.tap_action(BuyPackage, stars=50)
    await _wait_for(user, 10, lambda: _invoice_last(user))
    if user.user.last_message().invoice is not None:
        await user.user.pay()


async def _invoice_last(user: ScriptedUser) -> bool:
    return user.user.last_message().invoice is not None


async def _redeem(user: ScriptedUser, rng: random.Random) -> None:
    await user.say(f"/promo {PROMO.lower() if rng.random() < 0.5 else PROMO}")


async def _double_confirm(user: ScriptedUser, rng: random.Random) -> None:
    await walk(user, REGISTRY.model(IMAGE), {})
    (label, data), = [(label, data) for label, data, action in user.actions() if isinstance(action, Confirm)]
    message_id = user.current.message_id
    async with trio.open_nursery() as nursery:
        for _ in range(2):
            nursery.start_soon(user.user.tap, message_id, data)
    before = await _results(user)
    await _wait_for(user, 20, lambda: _more(user, before - 1))


async def _come_back(user: ScriptedUser, rng: random.Random) -> None:
    await trio.sleep(IDLE + rng.uniform(0.5, 2.0))
    await user.say("/start")


# -- the monkey and the faults --------------------------------------------------------------------------


async def _monkey(world: _World) -> None:
    """Kill the active instance ``kills`` times at random moments; start a new standby each time."""
    chaos, rng = world.chaos, world.rng
    moments = sorted(rng.uniform(0.1, 0.9) * chaos.duration for _ in range(chaos.kills))
    began = trio.current_time()
    for moment in moments:
        await trio.sleep_until(began + moment)
        victim = (rng.choice(world.instances) if world.chaos.shards > 1 and rng.random() < 0.5
                  else await world.active() or rng.choice(world.instances))
        how = signal.SIGTERM if rng.random() < 0.25 else signal.SIGKILL
        world.kills.append(world.tg.clock.now())
        await world.stop(victim, how)
        world.counts["SIGTERM" if how == signal.SIGTERM else "SIGKILL"] += 1
        await world.start()
        took_over = trio.current_time()
        await world.wait_active()
        world.counts["takeovers"] += 1
        world.counts["longest takeover (ms)"] = max(world.counts["longest takeover (ms)"],
                                                    int((trio.current_time() - took_over) * 1000))


async def _telegram_faults(world: _World) -> None:
    """A fault window every second or two: 429s with bans, 5xx on any method, confirmed updates offered again."""
    tg, rng = world.tg, world.rng
    while True:
        await trio.sleep(rng.uniform(0.5, 2.0))
        kind = rng.choice(("429", "5xx", "again") if world.chaos.webhook else ("429", "5xx"))
        rule: RateLimit | ServerError | DuplicateWebhook
        if kind == "again":  # an update the bot answered 200 is POSTed once more, as Telegram does
            rule = tg.faults.duplicate_webhook(every=rng.randint(1, 3))
            world.counts["telegram duplicate-webhook windows"] += 1
        elif kind == "429":
            method = rng.choice((*MESSAGE_METHODS, "getUpdates"))
            rule = tg.faults.rate_limit(method, every=rng.randint(3, 8), retry_after=rng.randint(1, 2))
            world.counts[f"telegram 429 windows on {method}"] += 1
        elif kind == "5xx":
            method = rng.choice(TELEGRAM_METHODS)
            rule = tg.faults.server_error(method, status=rng.choice((500, 502)), every=rng.randint(1, 3),
                                          times=rng.randint(1, 3))
            world.counts[f"telegram 5xx windows on {method}"] += 1
        await trio.sleep(rng.uniform(0.5, 3.0))
        tg.faults.remove(rule)


async def _kie_faults(world: _World) -> None:
    """KIE misbehaving: 429 and 5xx on its routes, and image tasks whose callbacks come twice, late or never."""
    kie, rng = world.kie, world.rng
    while True:
        await trio.sleep(rng.uniform(0.5, 2.0))
        route = rng.choice((Route.CREATE_TASK, Route.RECORD_INFO, Route.RECORD_INFO))
        code = rng.choice((429, 500, 502, 455))
        kie.faults.inject(route, code, http_status=rng.random() < 0.5, times=rng.randint(1, 2))
        world.counts[f"KIE {code} on {route.value}"] += 1
        callbacks, delay = rng.choice(((1, 0.0), (2, 0.0), (0, 0.0), (1, 2.5), (2, 1.0)))
        kie.script(IMAGE, Script(waiting=1, generating=1, stage_seconds=rng.uniform(0.1, 0.8), callbacks=callbacks,
                                 callback_delay=delay))


async def _forge_callbacks(world: _World) -> None:
    """Now and then a forged KIE callback: a wrong token in the path, or a real path with a wrong signature."""
    rng = world.rng
    while True:
        await trio.sleep(rng.uniform(1.0, 3.0))
        urls = [task.callback_url for task in world.kie.tasks.values() if task.callback_url]
        instance = await world.active()
        if not urls or instance is None:
            continue
        real = rng.choice(urls)
        job_id = real.rstrip("/").split("/")[-2]
        base = f"http://127.0.0.1:{instance.port}/kie/callback/{job_id}"
        body = {"code": 200, "msg": "done", "data": {"taskId": "forged", "state": "success",
                                                       "resultJson": '{"resultUrls":["http://127.0.0.1:9/x.png"]}'}}
        forged = rng.choice((f"{base}/not-the-token", base + "/" + real.rstrip("/").split("/")[-1]))
        headers = {"X-Webhook-Timestamp": "1700000000", "X-Webhook-Signature": "Zm9yZ2Vk"}
        try:
            answer = await world.http.post(forged, json=body, headers=headers)
        except httpx.HTTPError:
            continue
        world.counts["forged KIE callbacks"] += 1
        if answer.status_code < 400:
            world.counts["forged KIE callbacks accepted"] += 1


# -- the end ----------------------------------------------------------------------------------------------


async def _settle(world: _World, outcome: ChaosOutcome) -> bool:
    """Faults off: wait until every order ended, Telegram has nothing pending and the log stops growing."""
    await world.wait_active()
    quiet, head = 0, -1
    with trio.move_on_after(120):
        while quiet < 20:
            await trio.sleep(0.1)
            events = await read_log(world.db)
            done = _orders_done(events) and world.tg.statistics().updates.pending == 0
            quiet = quiet + 1 if done and len(events) == head else 0
            head = len(events)
        return True
    outcome.problems.append("the bot did not settle within 120 s of the faults ending")
    return False


def _orders_done(events: list[RecordedEvent]) -> bool:
    placed = {r.event.hold_id for r in events if isinstance(r.event, HoldPlaced)}
    ended = {r.stream.removeprefix("job:") for r in events if isinstance(r.event, JobFailed | ResultDelivered)}
    settled = {r.event.hold_id for r in events if isinstance(r.event, HoldCaptured | HoldVoided)}
    return placed <= ended and placed <= settled


def _judge_emulator(world: _World, users: list[ScriptedUser], events: list[RecordedEvent]) -> list[str]:
    """What only the emulators can tell: refused calls, unanswered taps, bans broken, updates lost or doubled."""
    tg = world.tg
    problems = audit_requests(tg, [user.user for user in users], events, tolerate=_tolerated)
    # A new instance answers again the taps and pre-checkout queries of its last seconds that the dead one may
    # have answered (a spinner that never stops costs more than a refused call): Telegram refuses the repeat.
    # Any other refusal of an answer is wrong.
    for method, key in (("answerCallbackQuery", "callback_query_id"), ("answerPreCheckoutQuery", "pre_checkout_query_id")):
        answers = tg.requests_for(method)
        answered = {r.params.get(key) for r in answers if r.status == 200}
        refused = [r.params.get(key) for r in answers if r.status == 400]
        world.counts[f"{method} repeated after a restart (refused, harmless)"] = len(refused)
        if wrongly := [query for query in refused if query not in answered]:
            problems.append(f"{method}: answers to queries nobody had answered were refused: {wrongly[:10]}")
    callbacks = tg.callback_statistics()
    if callbacks.unanswered or callbacks.expired:
        problems.append(f"taps: {callbacks.unanswered} never answered, {callbacks.expired} answered too late "
                        f"(of {callbacks.total})")
    # A ban on getUpdates told to an instance that was then killed is not known to the next one (the receiver
    # keeps it in memory; the outbox's pauses are in the log): its first poll is refused again, and honoured.
    inherited = [ban for ban in tg.faults.broken_bans
                 if ban[0] == "getUpdates" and any(0 <= ban[3] - kill <= TAKEOVER for kill in world.kills)]
    world.counts["getUpdates inside a ban told to a killed instance"] = len(inherited)
    if broken := [ban[:3] for ban in tg.faults.broken_bans if ban not in inherited]:
        problems.append(f"{len(broken)} calls were made inside a ban a 429 had announced "
                        f"(method, chat or method, seconds early): {broken[:10]}")
    received = Counter(r.event.update_id for r in events if isinstance(r.event, UpdateReceived))
    doubled = [update_id for update_id, times in received.items() if times > 1]
    if doubled:
        problems.append(f"updates recorded more than once: {doubled[:10]}")
    # A standby sent an update by the proxy answers the user at once ("updating, send it again") and records it
    # as PassiveRejected once it is active: declined and told, not lost.
    declined = {r.event.update_id for r in events if isinstance(r.event, PassiveRejected)}
    world.counts["updates declined and told by a standby"] = len(declined)
    sent = range(FIRST_UPDATE_ID, tg.statistics().updates.next_update_id)
    missing = [update_id for update_id in sent if update_id not in received and update_id not in declined]
    if missing:
        problems.append(f"{len(missing)} updates Telegram sent were never recorded: {missing[:10]}")
    world.counts["updates"] = len(sent)
    # A batch recorded by an instance killed before its next getUpdates confirmed it comes again to the next one.
    world.counts["updates Telegram delivered again (after a kill)"] = tg.statistics().updates.delivered - len(sent)
    world.counts["taps"] = callbacks.total
    return problems


def _tolerated(method: str, status: int) -> bool:
    """The refusals the chaos itself causes: its 429s and 5xx, the 409 that ends a dead instance's long poll,
    and the repeated answers to taps and pre-checkout queries that :func:`_judge_emulator` checks one by one."""
    return status in (429, 500, 502) or (method, status) in (
        ("getUpdates", 409), ("answerCallbackQuery", 400), ("answerPreCheckoutQuery", 400))


async def judge(outcome: ChaosOutcome) -> list[str]:
    """Every broken promise of a chaos run, as sentences (empty: every invariant held).

    Besides what was judged with the emulators up (every Bot API call valid,
    every tap answered in time, no ban broken, no update lost or recorded
    twice): every log invariant of :func:`~tests.e2e.support.audit_log` (every
    update answered by one screen, every screen delivered, no crash); every
    order delivered-and-captured or failed-and-voided-and-told, never both,
    with at most one KIE task; every Stars payment credited exactly once and no
    credit without one; the audit's closure checks; ``replay --all`` finds no
    divergence; ``PRAGMA integrity_check`` passes; no forged callback
    accepted; the token and the KIE keys appear nowhere in the bot's output or
    the log file.
    """
    events = await read_log(outcome.db)
    problems = list(outcome.problems)
    problems.extend(audit_log(events, unrendered_kinds=("edited_message", "pre_checkout_query")))
    problems.extend(_orders(outcome, events))
    charges = Counter(r.event.charge_id for r in events if isinstance(r.event, Credited) and r.event.reason == "topup")
    paid = Counter(charge for _, charge in outcome.paid)
    if charges != paid:
        problems.append(f"Stars payments {dict(paid)} were credited as {dict(charges)}")
    outcome.counts["payments"] = len(outcome.paid)
    problems.extend(f"audit: {line}" for line in await books_close(outcome.db))
    settings = Settings.from_env(outcome.env, dotenv=None)
    problems.extend(f"replay: {line}" for line in await replays_identical(outcome.db, settings, load_valid_registry()))
    if outcome.chaos.postgres is None:
        with sqlite3.connect(f"file:{outcome.db}?mode=ro", uri=True) as conn:
            (integrity,), = conn.execute("PRAGMA integrity_check").fetchall()
        if integrity != "ok":
            problems.append(f"PRAGMA integrity_check: {integrity}")
    if outcome.counts["forged KIE callbacks accepted"]:
        problems.append(f"{outcome.counts['forged KIE callbacks accepted']} forged KIE callbacks were accepted")
    if outcome.chaos.postgres is None:
        stored = b"".join(path.read_bytes() for path in Path(outcome.db).parent.glob(Path(outcome.db).name + "*"))
    else:  # what the server holds of the log: every envelope and payload
        stored = b"".join(msgspec.json.encode([r.event_id, r.stream, r.cid, r.causation]) + CODEC.encode(r.event)
                          for r in events)
    secrets = (("the bot token", TOKEN), ("the KIE key", KIE_KEY), ("the KIE HMAC key", HMAC_KEY),
               ("the webhook secret", WEBHOOK_SECRET))
    for name, secret in secrets:
        for where, text in (("the bot's output", outcome.output), ("the log file", stored)):
            if secret.encode() in text:
                problems.append(f"{name} appears in {where}")
    outcome.counts["events"] = len(events)
    return problems


def _orders(outcome: ChaosOutcome, events: list[RecordedEvent]) -> list[str]:
    problems: list[str] = []
    placed = {r.event.hold_id for r in events if isinstance(r.event, HoldPlaced)}
    orders = {r.event.confirmation_id: r for r in events if isinstance(r.event, GenerationRequested)}
    outcome.counts["orders confirmed"] = len(orders)
    outcome.counts["orders taken (hold placed)"] = len(placed)
    for job_id, asked in orders.items():
        end = ending(events, job_id)
        if job_id not in placed:
            if end.delivered or end.failed or end.captured or outcome.tasks_per_job[job_id]:
                problems.append(f"job {job_id} ran without a hold")
            continue
        told = any(isinstance(r.event, UiRendered) and r.event.screen.startswith("job.failed") and r.cid == asked.cid
                   for r in events)
        if end.charged:
            outcome.counts["orders delivered and charged"] += 1
        elif end.refunded:
            outcome.counts["orders failed and refunded"] += 1
            if not told:  # (and audit_log checks that every screen was delivered)
                problems.append(f"job {job_id} failed and was refunded, but nobody told the user")
        else:
            problems.append(end.line(job_id))
        if outcome.tasks_per_job[job_id] > 1:
            problems.append(f"job {job_id} has {outcome.tasks_per_job[job_id]} KIE tasks")
    return problems
