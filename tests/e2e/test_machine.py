"""Random conversations with the whole bot: nothing a user sends or taps breaks a session.

Each hypothesis example starts the emulator and ``run_bot`` on a fresh log
(long polling or webhook; sessions kept or passivated after every command),
then plays a program drawn step by step from what the chat shows: texts
(unicode, HTML-ish, over 4096 characters), slash commands, photos, documents,
stickers, edits of a sent message, taps on the current message's buttons
(one at a time, or twice in a row before the bot answers), on older
messages' buttons (stale), on buttons of earlier versions of a message,
forged taps (random data up to 64 bytes, or well-formed data that means
nothing now, on real or missing messages), and restarts of the bot process.

After every step the log must show the update, exactly one screen rendered for
it and that screen delivered, and the chat must show that screen. A button of
the screen on show is always accepted; a tap drawn for another state is
always rejected as stale. At the end: no crash or restart of any actor, every
tap answered once, no Bot API call refused (the emulator checks each one
against the spec), and the whole log passes :func:`tests.e2e.support.audit_log`.

The test runs on both stores, each example on a fresh log of its own
(:data:`EXAMPLES` of them per store); each example is a ``trio.run`` of its
own, as pytest-trio would run it. One example takes about a second; the 60
on SQLite take 40-60 s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventlog import RecordedEvent
from trt_actors.app import RunningBot
from trt_actors.events import CallbackAccepted, CallbackRejected, DispatchOk, UiRendered
from trt_actors.events.session import GenerationRequested, InvoiceRequested
from trt_actors.sandbox.scripted import tiny_png
from trt_actors.sandbox.telegram import TelegramUser
from trt_actors.session.callback_data import (
    Action,
    BadCallbackData,
    CancelDraft,
    ChooseLanguage,
    ChooseValue,
    Confirm,
    FinishImages,
    GoBack,
    OpenBalance,
    OpenCategory,
    OpenHelp,
    OpenHistory,
    OpenLanguages,
    OpenMenu,
    OpenModel,
    ResumeDraft,
    SkipRest,
    SkipStep,
    StartDraft,
    TurnPage,
    decode,
    encode,
)

from .conftest import Store
from .support import (
    REGISTRY,
    Answer,
    BotProcess,
    Follower,
    audit_log,
    audit_requests,
    bot_process,
    free_port,
    shows,
    wait_settled,
)

MAX_STEPS = 40
STEP_TIMEOUT = 10.0
MISSING_MESSAGE = 999_999
"""A message id no chat ever reaches in these runs: a tap on it carries an inaccessible message."""

# -- the steps -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    text: str

    def __repr__(self) -> str:
        shown = self.text if len(self.text) <= 60 else f"{self.text[:40]}… ({len(self.text)} chars)"
        return f"Say({shown!r})"


@dataclass(frozen=True)
class SendPhoto:
    caption: str | None = None


@dataclass(frozen=True)
class SendDocument:
    pass


@dataclass(frozen=True)
class SendSticker:
    pass


@dataclass(frozen=True)
class EditLastText:
    """The user edits the last text they sent (Telegram sends ``edited_message``; the bot reads no such thing)."""

    text: str


@dataclass(frozen=True)
class Tap:
    """A tap on ``message_id`` with ``data``; ``origin`` says where the data came from."""

    message_id: int
    data: str
    origin: str

    @property
    def forged(self) -> bool:
        """True when no button of the message carries ``data`` now (the emulator must be told)."""
        return self.origin not in ("current", "older")


@dataclass(frozen=True)
class DoubleTap:
    """Two quick taps on one button of the screen on show, as an impatient thumb does."""

    message_id: int
    data: str


@dataclass(frozen=True)
class Restart:
    """The bot process stops (SIGTERM) and starts again on the same log."""


Step = Say | SendPhoto | SendDocument | SendSticker | EditLastText | Tap | DoubleTap | Restart

STALE = ("stale_screen", "already_confirmed")
"""The verdicts of a tap drawn for a state the session has left."""

# -- strategies ------------------------------------------------------------------------------

COMMANDS = [
    "/start", "/help", "/menu", "/lang", "/lang en", "/lang ru", "/lang de", "/balance", "/history", "/debug",
    "/cancel", "/start ref_123", "/start ref_0", "/start ref_99999999999999999999", "/start " + "x" * 80,
    "/start <b>&amp;", "/help@emulator_bot", "/MENU", "/no_such_command", "/", "/start\n/help",
]
_HTMLISH = st.lists(
    st.sampled_from(["<b>", "</b>", "&", "&amp;", "&lt;", "<a href='x'>", "</a>", "<", ">", "<i>", "ё", "🙂",
                     " ", "\n", "16:9", "yes", "да", "1", "0", "-3", "4.5", "a red fox"]),
    min_size=1,
    max_size=12,
).map("".join)
_LONG = st.integers(4097, 6000).map(lambda n: ("<b>&ёж🙂 " * n)[:n])
SHORT_TEXTS = st.one_of(
    st.sampled_from(COMMANDS),
    st.text(min_size=1, max_size=60),
    _HTMLISH,
    st.integers(-10, 100_000).map(str),
).filter(lambda text: bool(text.strip()))
TEXTS = st.one_of(SHORT_TEXTS, _LONG)

_JUNK_DATA = st.text(min_size=1, max_size=64).filter(lambda data: len(data.encode()) <= 64)
_WRONG_WIRE = st.sampled_from([
    "1.zz.o.no-such-model", "1.0.o.no-such-model", "2.0.m", "1.0.zz", "1..m", "1.0.o.", "1.0.lg.de", "1.-1.m",
    "1.0.p.99999", "1.0.v.", "1.0.ok.XYZ", "1.0.c.", "1.0.m.extra", "1", "1.", "1.0", "1.0.", "01.0.m",
])


def _actions(confirmations: list[str]) -> st.SearchStrategy[Action]:
    """Any action the codec can carry, with arguments that exist, almost exist, or do not."""
    models = [model.id for model in REGISTRY.models]
    return st.one_of(
        st.sampled_from([
            OpenMenu(), OpenHelp(), OpenBalance(), OpenHistory(), OpenLanguages(), StartDraft(), ResumeDraft(),
            SkipStep(), SkipRest(), FinishImages(), GoBack(), CancelDraft(),
        ]),
        st.sampled_from(["ru", "en"]).map(lambda language: ChooseLanguage(language=language)),
        st.sampled_from([*REGISTRY.categories(), "no_such_category"]).map(lambda c: OpenCategory(category=c)),
        st.integers(0, 30).map(lambda page: TurnPage(page=page)),
        st.sampled_from([*models, "no-such-model"]).map(lambda m: OpenModel(model_id=m)),
        st.integers(0, 30).map(lambda index: ChooseValue(index=index)),
        st.sampled_from([*confirmations, "0000000000", "ffffffffff"]).map(lambda c: Confirm(confirmation_id=c)),
    )


@dataclass
class View:
    """What the user can see and reach before the next step."""

    current: int | None
    current_buttons: list[str]
    older: list[tuple[int, str]]
    earlier_versions: list[tuple[int, str]]
    messages: list[int]
    nonce: int | None
    screen: str = ""
    confirmations: list[str] = field(default_factory=list)


def _data_of(buttons: Any) -> list[str]:
    return [button.callback_data for row in buttons for button in row if button.callback_data is not None]


def steps(view: View) -> st.SearchStrategy[Step]:
    """The next step, drawn from what ``view`` shows (taps on the screen on show are the likeliest)."""
    targets = [*view.messages, MISSING_MESSAGE] if view.messages else [MISSING_MESSAGE]
    nonces = st.integers(0, 3) if view.nonce is None else st.just(view.nonce) | st.integers(
        max(0, view.nonce - 3), view.nonce + 3
    )
    wellformed = st.builds(_wire, nonces, _actions(view.confirmations))
    choices: list[st.SearchStrategy[Step]] = [
        TEXTS.map(Say),
        st.sampled_from(COMMANDS).map(Say),
        st.one_of(st.none(), SHORT_TEXTS).map(SendPhoto),
        st.just(SendDocument()),
        st.just(SendSticker()),
        SHORT_TEXTS.map(EditLastText),
        st.builds(Tap, st.sampled_from(targets), st.one_of(_JUNK_DATA, _WRONG_WIRE), st.just("forged")),
        st.builds(Tap, st.sampled_from(targets), wellformed, st.just("wellformed")),
        st.just(Restart()),
    ]
    if view.current is not None and view.current_buttons:
        current = st.builds(Tap, st.just(view.current), st.sampled_from(view.current_buttons), st.just("current"))
        double = st.builds(DoubleTap, st.just(view.current), st.sampled_from(view.current_buttons))
        choices = [current] * 6 + [double] + choices
    onwards = _onwards(view)
    if onwards is not None:
        choices = [onwards] * 10 + choices
    if view.older:
        choices.append(st.sampled_from(view.older).map(lambda pair: Tap(pair[0], pair[1], "older")))
    if view.earlier_versions:
        choices.append(st.sampled_from(view.earlier_versions).map(lambda pair: Tap(pair[0], pair[1], "earlier")))
    return st.one_of(*choices)


_ONWARDS = (Confirm, StartDraft, ResumeDraft, ChooseValue, SkipStep, SkipRest, FinishImages, OpenModel, OpenCategory)


def _onwards(view: View) -> st.SearchStrategy[Step] | None:
    """What a user set on ordering does next: answer the step on show, or tap a button that leads on."""
    if view.screen == "step.text":
        return st.one_of(st.just(Say("a red fox in the snow, golden hour")), SHORT_TEXTS.map(Say))
    if view.screen == "step.number":
        return st.integers(-5, 5000).map(lambda number: Say(str(number)))
    moves: list[st.SearchStrategy[Step]] = []
    if view.screen in ("step.image", "step.images"):
        moves = [st.just(SendPhoto()), st.just(SendPhoto("make it snowy"))]
    forward = []
    for data in view.current_buttons:
        try:
            action = decode(data).action
        except BadCallbackData:
            continue
        if isinstance(action, _ONWARDS):
            forward.append(data)
    if view.current is not None and forward:
        moves.append(st.builds(Tap, st.just(view.current), st.sampled_from(forward), st.just("current")))
    return st.one_of(*moves) if moves else None


def _wire(nonce: int, action: Action) -> str:
    try:
        return encode(nonce, action)
    except ValueError:  # an argument the codec cannot carry: send it the way a forger would
        return f"1.{nonce}.{type(action).__name__}"[:64]


# -- playing a program -------------------------------------------------------------------------


class Conversation:
    """One user's chat with the bot; :meth:`play` performs a step and checks what it led to."""

    def __init__(self, process: BotProcess, user: TelegramUser) -> None:
        self.process = process
        self.emulator = process.emulator
        self.user = user
        self.follower = Follower(process.bot.log)
        self.current: int | None = None
        self.rendered: UiRendered | None = None
        self.sent_texts: list[int] = []
        self.taps = 0
        self.transcript: list[str] = []
        self._sticker = 0

    @property
    def bot(self) -> RunningBot:
        return self.process.bot

    def view(self) -> View:
        messages = [m for m in self.user.messages() if not m.deleted]
        current_buttons = [b.data for row in self.rendered.buttons for b in row if b.data] if self.rendered else []
        return View(
            current=self.current,
            current_buttons=current_buttons,
            older=[(m.message_id, d) for m in messages if m.message_id != self.current for d in _data_of(m.buttons)],
            earlier_versions=sorted(
                {(m.message_id, d) for m in messages for version in m.edits for d in _data_of(version.buttons)}
                - {(m.message_id, d) for m in messages for d in _data_of(m.buttons)}
            ),
            messages=[m.message_id for m in messages],
            nonce=self._nonce(),
            screen=self.rendered.screen if self.rendered else "",
            confirmations=[d.rpartition(".")[2] for d in current_buttons if ".ok." in d],
        )

    def _nonce(self) -> int | None:
        """The nonce of the screen on show (every button of one screen carries the same)."""
        if self.rendered is None:
            return None
        for row in self.rendered.buttons:
            for button in row:
                if button.data is not None:
                    try:
                        return decode(button.data).nonce
                    except BadCallbackData:
                        continue
        return None

    async def play(self, step: Step) -> None:
        self.transcript.append(repr(step))
        try:
            with trio.fail_after(STEP_TIMEOUT):
                await self._play(step)
        except trio.TooSlowError:
            raise AssertionError(self._stuck(step)) from None

    async def _play(self, step: Step) -> None:
        user = self.user
        match step:
            case Say(text=text):
                self.sent_texts.append(await user.send_text(text))
            case SendPhoto(caption=caption):
                await user.send_photo(tiny_png(), caption=caption)
            case SendDocument():
                await user.send_document(b"%PDF-1.4 not really", file_name="order.pdf", mime_type="application/pdf")
            case SendSticker():
                self._sticker += 1
                self.emulator.inject_update({"message": self._sticker_message(MISSING_MESSAGE + self._sticker)})
            case EditLastText(text=text):
                if not self.sent_texts:
                    self.transcript.append("  (nothing to edit)")
                    return
                edited = {"message_id": self.sent_texts[-1], "date": int(time.time()) - 5,
                          "edit_date": int(time.time()) + len(self.transcript), "chat": self._chat(),
                          "from": user.as_user, "text": text}
                self.emulator.inject_update({"edited_message": edited})
                await self.follower.next_update(user.chat_id)
                return
            case Tap():
                await self._tap(step)
                return
            case DoubleTap():
                await self._double_tap(step)
                return
            case Restart():
                await self._restart()
                return
        answer = await self.follower.next_answer(user.chat_id)
        rendered = self._check_answer(step, answer)
        assert rendered.edit_message_id is None, f"{step!r} was answered by editing a message: {rendered!r}"

    async def _tap(self, step: Tap) -> None:
        nonce_on_show = self._nonce()
        tap = await self.user.tap(step.message_id, step.data, forge=step.forged)
        self.taps += 1
        answer = await self.follower.next_answer(self.user.chat_id)
        rendered = self._check_answer(step, answer)
        await tap.wait_answered()
        # The answer is drawn into the tapped message when it is there and has text to edit; a tap on a message
        # without text (an invoice, a result's photo) or on one Telegram no longer shows gets a new message.
        editable = {m.message_id for m in self.user.messages() if not m.deleted and m.text is not None}
        expected_edit = step.message_id if step.message_id in editable else None
        assert rendered.edit_message_id == expected_edit, f"{step!r} rendered {rendered!r}"
        verdict = await self._verdict(answer)
        if step.origin == "current":
            assert isinstance(verdict, CallbackAccepted), f"a button of the screen on show was refused: {verdict!r}"
        try:
            nonce = decode(step.data).nonce
        except BadCallbackData:
            assert isinstance(verdict, CallbackRejected), f"{step.data!r} is not ours, yet {verdict!r}"
            return
        if nonce_on_show is not None and nonce != nonce_on_show:
            assert isinstance(verdict, CallbackRejected) and verdict.reason_code in STALE, (
                f"{step!r} was drawn for another state (on show: nonce {nonce_on_show}), yet {verdict!r}"
            )
        await self._hear_the_ledger(answer)

    async def _double_tap(self, step: DoubleTap) -> None:
        """Both taps leave before the first is answered; the second was drawn for a state that is gone."""
        first = await self.user.tap(step.message_id, step.data)
        second = await self.user.tap(step.message_id, step.data)
        self.taps += 2
        answers = [await self.follower.next_answer(self.user.chat_id) for _ in range(2)]
        self._check_answer(step, answers[1])
        await first.wait_answered()
        await second.wait_answered()
        verdicts = [await self._verdict(answer) for answer in answers]
        assert isinstance(verdicts[0], CallbackAccepted), f"{step!r}: the first tap got {verdicts[0]!r}"
        assert isinstance(verdicts[1], CallbackRejected) and verdicts[1].reason_code in STALE, (
            f"{step!r}: the second tap of a double tap got {verdicts[1]!r}"
        )
        await self._hear_the_ledger(answers[0])

    async def _hear_the_ledger(self, answer: Answer) -> None:
        """After a tap that asked the ledger for something, wait for its answer: the screen on show is the last
        one rendered under the tap's cid (the order reserved or refused, the packages, a receipt)."""
        chain = await self.bot.log.read_cid(answer.cid)
        if not any(isinstance(r.event, GenerationRequested | InvoiceRequested) for r in chain):
            return
        await wait_settled(self.bot)
        chain = await self.bot.log.read_cid(answer.cid)
        outcomes = {r.event.dispatch_id: r.event for r in chain if isinstance(r.event, DispatchOk)}
        shown = [r.event for r in chain if isinstance(r.event, UiRendered) and r.event.dispatch_id in outcomes]
        if shown:
            last = shown[-1]
            delivered = outcomes[last.dispatch_id]
            assert delivered.message_id is not None
            self.current, self.rendered = delivered.message_id, last
            self.transcript.append(f"  → the ledger answered: {last.screen} in message {delivered.message_id}")

    async def _restart(self) -> None:
        """Stop the bot when it is idle and start it again on the same log."""
        await _audit_run(self.bot)
        await self.emulator.wait_updates_taken()
        await self.process.restart()
        self.follower = Follower(self.bot.log)
        self.transcript.append(f"  → restarted (start {self.process.starts})")

    async def _verdict(self, answer: Answer) -> CallbackAccepted | CallbackRejected:
        chain = await self.bot.log.read_cid(answer.cid)
        verdicts = [r.event for r in chain if isinstance(r.event, CallbackAccepted | CallbackRejected)]
        assert len(verdicts) == 1, f"cid {answer.cid} has verdicts {verdicts}"
        return verdicts[0]

    def _check_answer(self, step: Step, answer: Answer) -> UiRendered:
        rendered, delivered = answer.rendered, answer.delivered
        assert rendered is not None and delivered is not None, f"{step!r}: {rendered!r} failed: {answer.failure!r}"
        assert delivered.message_id is not None, f"{step!r}: delivered without a message id: {delivered!r}"
        message = self.user.message(delivered.message_id)
        assert shows(message, rendered), f"{step!r}: the chat shows {message!r}, the log rendered {rendered!r}"
        self.current, self.rendered = delivered.message_id, rendered
        self.transcript.append(f"  → {rendered.screen} in message {delivered.message_id} ({delivered.method})")
        return rendered

    def _chat(self) -> dict[str, Any]:
        return {"id": self.user.chat_id, "type": "private", "first_name": self.user.as_user["first_name"]}

    def _sticker_message(self, message_id: int) -> dict[str, Any]:
        sticker = {"file_id": f"CAACAgIAAxk-{message_id}", "file_unique_id": f"AgAD{message_id}", "type": "regular",
                   "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": "🙂"}
        return {"message_id": message_id, "date": int(time.time()), "chat": self._chat(),
                "from": self.user.as_user, "sticker": sticker}

    def _stuck(self, step: Step) -> str:
        tail: list[RecordedEvent] = self.follower.seen[-12:]
        return "\n".join([
            f"the bot did not answer {step!r} within {STEP_TIMEOUT} s",
            *self.transcript[-12:],
            "last events: " + ", ".join(f"{r.type}@{r.stream}" for r in tail),
            f"supervisor: {self.bot.supervisor.statistics()}",
            f"sessions: {self.bot.sessions.statistics()}",
            f"receiver: {self.bot.receiver.statistics()}",
        ])


async def _audit_run(bot: RunningBot) -> None:
    """This run of the bot is alive and well: nothing crashed, restarted, failed or waits."""
    await wait_settled(bot)
    supervisor = bot.supervisor.statistics()
    assert (supervisor.crashes, supervisor.restarts, supervisor.escalations) == (0, 0, 0), supervisor
    assert all(child.state == "running" for child in supervisor.per_child), supervisor
    assert bot.sessions.statistics().crashes == 0, bot.sessions.statistics()
    receiver = bot.receiver.statistics()
    assert receiver.running and receiver.answers.failed == 0, receiver
    router = bot.router.statistics()
    assert router.running and router.retries == 0 and router.abandoned == 0, router
    assert bot.outbox.running and bot.outbox.statistics().failed == 0, bot.outbox.statistics()


async def _audit(conversation: Conversation) -> None:
    bot, emulator = conversation.bot, conversation.emulator
    await _audit_run(bot)
    callbacks = emulator.callback_statistics()
    assert callbacks.total == conversation.taps, callbacks
    assert callbacks.unanswered == 0 and callbacks.rejected_answers == 0, callbacks
    events = await bot.log.read_from(1, limit=1_000_000)
    problems = audit_log(events) + audit_requests(emulator, [conversation.user], events, tolerate=_abandoned_poll)
    # A stopped bot leaves its long poll behind; the next start's getUpdates ends it with 409 (nobody reads it).
    abandoned = [r for r in emulator.requests_for("getUpdates") if r.status == 409]
    if len(abandoned) > conversation.process.starts - 1:
        problems.append(f"{len(abandoned)} getUpdates were refused with 409 in {conversation.process.starts} starts")
    assert not problems, "\n".join([*problems, "steps:", *conversation.transcript])


def _abandoned_poll(method: str, status: int) -> bool:
    return (method, status) == ("getUpdates", 409)


EXAMPLES = {"sqlite": 60, "postgresql": 10}
"""Conversations per store: breadth on SQLite; on PostgreSQL a few, for what the store changes (restarts,
passivation, its commits), within the suite's time."""


def test_random_conversations_never_break_the_bot(store: Store) -> None:
    @settings(max_examples=EXAMPLES[store.name], deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(
        data=st.data(),
        language=st.sampled_from(["ru", "en", "de", None]),
        name=st.sampled_from(["Anna", "a < b & c", "<b>&amp; Co</b>", "Ω" * 64, "🙂"]),
        idle_timeout=st.sampled_from([600.0, 0.005]),
        webhook=st.booleans(),
    )
    def conversation(data: st.DataObject, language: str | None, name: str, idle_timeout: float, webhook: bool) -> None:
        trio.run(partial(_converse, data, language, name, idle_timeout, webhook, store.fresh()))

    conversation()


async def _converse(
    data: st.DataObject, language: str | None, name: str, idle_timeout: float, webhook: bool, db: str,
) -> None:
    """One example: a bot on the fresh log ``db``, a conversation drawn step by step, and the audit."""
    secret = "machine-secret" if webhook else None
    async with bot_process(db, idle_timeout=idle_timeout, webhook_secret=secret, port=free_port()) as process:
        conversation = Conversation(process, process.emulator.user(5001, first_name=name, language_code=language))
        length = data.draw(st.integers(1, MAX_STEPS), label="steps")
        for number in range(length):
            await conversation.play(data.draw(steps(conversation.view()), label=f"step {number + 1}"))
        await _audit(conversation)


async def test_forged_taps_are_answered_by_a_render_even_when_nothing_changes(log_target: str) -> None:
    """The same forged tap twice on one message: two renders, the second "not modified" (delivered all the same);
    a forged tap on a message the bot never sent: a new message."""
    async with bot_process(log_target) as process:
        conversation = Conversation(process, process.emulator.user(5002, first_name="Fred", language_code="en"))
        await conversation.play(Say("/start"))
        menu = conversation.current
        assert menu is not None
        for data in ("not-ours", "not-ours", "1.zz.o.no-such-model", "1.zz.o.no-such-model"):
            await conversation.play(Tap(menu, data, "forged"))
            assert conversation.current == menu and conversation.rendered is not None
        await conversation.play(Tap(MISSING_MESSAGE, "1.0.m", "forged"))
        assert conversation.current != menu
        refused = [r for r in process.emulator.requests if r.status != 200]
        assert [(r.method, r.status) for r in refused] == [("editMessageText", 400)] * 2, refused
        await _audit(conversation)
