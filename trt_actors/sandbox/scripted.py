"""A scripted user: drives the real bot through the Telegram emulator and keeps a transcript.

It acts like a person (sends text and photos, taps buttons) and waits after
each action until the bot has visibly answered: a new message, or an edit of
one. It knows only what a person in the chat sees: the messages, their text
and their buttons. Buttons are picked by what they *do* (their decoded
``callback_data``, which the client holds anyway: open a category, a model,
answer a step), not by their label, so one script works in both languages.
Which screen is on show (:func:`screen_of`) is read from the same things:
the buttons' actions first, and where they cannot tell (which kind of answer
a wizard step asks for), the message's text, read with the bot's phrase book.

Example::

    ann = ScriptedUser(emu.user(1001, first_name="Anna", language_code="ru"))
    await ann.say("/start")
    await ann.tap_action(OpenCategory, category="text_to_image")
    print("\\n".join(ann.transcript))
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Final

import trio

from trt_actors.sandbox.telegram import TelegramUser
from trt_actors.sandbox.telegram.records import BotMessage, PaymentOutcome
from trt_actors.session.callback_data import (
    Action,
    BadCallbackData,
    CancelDraft,
    ChooseLanguage,
    BuyPackage,
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
    SkipStep,
    StartDraft,
    TurnPage,
    decode,
)
from trt_actors.session.texts import CATALOGUES

__all__ = ["PLACED", "BotDidNotAnswer", "ScriptedUser", "screen_of", "tiny_png"]

# A 1x1 PNG, enough for the emulator to accept as a photo.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc000000301010018dd8db00000000049454e44ae426082"
)


def tiny_png() -> bytes:
    return _PNG


class BotDidNotAnswer(AssertionError):
    """The bot showed nothing new within the wait; the message says after what."""


def _version(messages: list[BotMessage]) -> int:
    return sum(1 + len(m.edits) for m in messages)


def _recency(message: BotMessage) -> tuple[int, int, int]:
    return (message.edit_date or message.date, message.message_id, len(message.edits))


def _actions(message: BotMessage) -> Iterable[tuple[str, str, Action]]:
    """The message's buttons that carry our data: (label, data, decoded action)."""
    for row in message.buttons:
        for button in row:
            if button.callback_data is None:
                continue
            try:
                yield button.text, button.callback_data, decode(button.callback_data).action
            except BadCallbackData:
                continue


_TAG: Final = re.compile(r"<[^>]+>")
_BLANK: Final = re.compile(r"\{[a-z_]+\}")


def _phrase(key: str) -> tuple[re.Pattern[str], ...]:
    """The phrase ``key`` of every language as a chat shows it (markup gone), any text in each blank."""
    patterns = []
    for catalogue in CATALOGUES.values():
        shown = html.unescape(_TAG.sub("", catalogue[key]))
        patterns.append(re.compile("(.+?)".join(re.escape(part) for part in _BLANK.split(shown))))
    return tuple(patterns)


_STEP_HEADER: Final = _phrase("step.header")
# The most particular first: "{label}?" (a yes/no question) reads almost any question.
_STEP_ASKS: Final = tuple(
    (f"step.{kind}", _phrase(f"step.ask.{kind}"))
    for kind in ("images", "image", "text", "number", "buttons", "media", "yes_no")
)
_UNPRICED: Final = _phrase("unpriced.text")
_ORDERS: Final = tuple(
    (key, _phrase(key))
    for key in (
        "job.queued", "job.generating", "job.delivering", "job.done", "job.failed", "job.failed_note",
        "order.reserving", "order.reserved", "order.rejected", "order.charged", "order.released",
        "ledger.topup", "ledger.adjustment", "ledger.debited", "ledger.promo", "ledger.credited",
        "ledger.released", "ledger.refund_reserved", "ledger.refund_completed", "ledger.refund_failed",
        "ledger.refund_rejected", "promo.prompt", "invite.title",
    )
) + tuple(("promo.refused", _phrase(f"promo.refused_{reason}"))
          for reason in ("unknown", "expired", "used_up", "already_redeemed"))
_RENAMED: Final = {"promo.prompt": "promo", "invite.title": "invite"}


PLACED: Final = ("order.reserved", "job.queued", "job.generating", "job.delivering", "job.done")
"""The screens of an order whose price the ledger holds, as its job goes on: wait for any of them."""


def _step(lines: list[str]) -> str | None:
    """``step.<kind>`` when a line reads "<model> · step k of n" (``step`` if the question is unclear)."""
    for at, line in enumerate(lines[:-1]):
        if any(header.fullmatch(line) for header in _STEP_HEADER):
            ask = lines[at + 1]
            return next((kind for kind, phrases in _STEP_ASKS if any(p.fullmatch(ask) for p in phrases)), "step")
    return None


def screen_of(message: BotMessage) -> str:
    """The kind of screen ``message`` shows, read as a person reads it: its buttons, then its text.

    The names are the bot's own (``menu``, ``category``, ``model``,
    ``step.text``, ``step.buttons``, ``step.images``…, ``confirm``,
    ``unpriced``, ``order.reserving``, ``order.reserved``, ``order.rejected``,
    ``order.charged``, ``order.released``, the job's progress ``job.queued``,
    ``job.generating``, ``job.delivering``, ``job.done``, ``job.failed`` and
    the note ``job.failed_note``, ``ledger.topup`` and the other
    receipts of the ledger, ``topup``, ``balance``,
    ``history``, ``help``, ``language``, ``debug``, ``promo``, ``promo.refused``,
    ``invite``); ``wizard`` or ``step``
    when a wizard screen cannot be told apart, ``""`` when nothing fits.
    """
    kinds = {type(action) for _, _, action in _actions(message)}
    body = message.body or ""
    if Confirm in kinds:
        return "confirm"
    if CancelDraft in kinds:
        step = _step(body.splitlines())
        if step is not None:
            return step
        return "unpriced" if any(phrase.search(body) for phrase in _UNPRICED) else "wizard"
    if BuyPackage in kinds:
        return "topup"
    order = next((key for key, phrases in _ORDERS if any(p.search(body) for p in phrases)), None)
    if order is not None:
        return _RENAMED.get(order, order)
    if StartDraft in kinds:
        return "model"
    if OpenCategory in kinds or OpenHelp in kinds:
        return "menu"
    if ChooseLanguage in kinds:
        return "language"
    if GoBack in kinds or TurnPage in kinds:
        return "category"
    if OpenLanguages in kinds:
        return "help"
    if OpenHistory in kinds:
        return "balance"
    if OpenBalance in kinds:
        return "history"
    return "debug" if kinds == {OpenMenu} else ""


class ScriptedUser:
    """One simulated person in a private chat with the bot."""

    def __init__(self, user: TelegramUser, *, wait: float = 10.0) -> None:
        self.user = user
        self.wait = wait
        self.transcript: list[str] = []
        self.name = str(user.as_user.get("first_name", user.id))
        self._versions: dict[int, int] = {}
        self._latest: int | None = None

    @property
    def chat_id(self) -> int:
        return self.user.chat_id

    def _notice_changes(self, messages: list[BotMessage]) -> BotMessage | None:
        """The message that changed since the last look (the most recent if several); remember this look."""
        changed = [m for m in messages if not m.deleted and 1 + len(m.edits) != self._versions.get(m.message_id)]
        self._versions = {m.message_id: 1 + len(m.edits) for m in messages}
        if not changed:
            return None
        latest = max(changed, key=_recency)
        self._latest = latest.message_id
        return latest

    @property
    def current(self) -> BotMessage:
        """The message the bot changed last in this chat: its newest, or an older one it has just edited."""
        messages = self.user.messages()
        self._notice_changes(messages)
        shown = {m.message_id: m for m in messages if not m.deleted}
        if not shown:
            raise BotDidNotAnswer(f"{self.name} has no message from the bot yet")
        if self._latest in shown:
            return shown[self._latest]
        return max(shown.values(), key=_recency)

    async def _after(self, what: str, act: Callable[[], Awaitable[object]]) -> BotMessage:
        before = self.user.messages()
        self._notice_changes(before)  # what changed before this action is not its answer
        seen = _version(before)
        await act()
        try:
            with trio.fail_after(self.wait):
                messages = await self.user.wait_until(lambda ms: _version(ms) > seen)
        except trio.TooSlowError:
            raise BotDidNotAnswer(f"the bot did not answer {self.name}'s {what} within {self.wait} s") from None
        changed = self._notice_changes(messages) or self.current
        self.transcript.append(f"{self.name} ▸ {what}")
        self.transcript.extend(_render(changed))
        return changed

    async def say(self, text: str) -> BotMessage:
        shown = text if len(text) <= 80 else f"{text[:60]}… ({len(text)} characters)"
        return await self._after(shown, lambda: self.user.send_text(text))

    async def send_photo(self) -> BotMessage:
        return await self._after("sends a photo", lambda: self.user.send_photo(tiny_png()))

    async def send_document(self, data: bytes, file_name: str, mime_type: str) -> BotMessage:
        """Send a file (not as a photo), as Telegram clients do for "send as file"."""
        return await self._after(
            f"sends the file {file_name}", lambda: self.user.send_document(data, file_name, mime_type)
        )

    def actions(self) -> list[tuple[str, str, Action]]:
        """The current message's buttons: (label, data, decoded action)."""
        return list(_actions(self.current))

    async def tap_data(self, data: str, label: str) -> BotMessage:
        """Tap the button with ``data`` on the current message."""
        return await self.tap_on(self.current.message_id, data, label)

    async def tap_on(self, message_id: int, data: str, label: str) -> BotMessage:
        """Tap the button with ``data`` on message ``message_id`` (an older one, perhaps)."""
        return await self._after(f"taps «{label}»", lambda: self.user.tap(message_id, data))

    async def tap_action(self, kind: type[Action], **fields: object) -> BotMessage:
        """Tap the first button whose action is a ``kind`` with these field values."""
        for label, data, action in self.actions():
            if isinstance(action, kind) and all(getattr(action, k) == v for k, v in fields.items()):
                return await self.tap_data(data, label)
        raise BotDidNotAnswer(
            f"{self.name} sees no {kind.__name__} {fields or ''} button; buttons: {[a[0] for a in self.actions()]}"
        )

    def has_action(self, kind: type[Action], **fields: object) -> bool:
        return any(
            isinstance(action, kind) and all(getattr(action, k) == v for k, v in fields.items())
            for _, _, action in self.actions()
        )

    async def open_model(self, category: str, model_id: str) -> BotMessage:
        """From the main menu: the category, then page by page until the model's card."""
        await self.tap_action(OpenCategory, category=category)
        seen_pages = {0}
        while not self.has_action(OpenModel, model_id=model_id):
            pages = [a.page for _, _, a in self.actions() if isinstance(a, TurnPage) and a.page not in seen_pages]
            if not pages:
                raise BotDidNotAnswer(f"{model_id} is on no page of {category}")
            seen_pages.add(min(pages))
            await self.tap_action(TurnPage, page=min(pages))
        return await self.tap_action(OpenModel, model_id=model_id)

    async def screen(self) -> str:
        """The kind of screen on show: :func:`screen_of` the current message.

        It reads only the chat and never waits; it stays a coroutine for the
        callers written when it read the bot's log.
        """
        return screen_of(self.current)

    async def pay(self) -> PaymentOutcome:
        """Pay the newest invoice in the chat, as a person taps Pay (Telegram asks the bot's pre-checkout first)."""
        outcome = await self.user.pay()
        said = outcome.status if outcome.error_message is None else f"{outcome.status} ({outcome.error_message})"
        self.transcript.append(f"{self.name} ▸ pays the invoice: {said}")
        return outcome

    async def wait_for_screen(self, *names: str) -> str:
        """Wait (up to ``wait`` seconds) until the chat shows one of ``names``; return it.

        For screens that arrive later than the answer to an action: an order
        the ledger answers ("reserving…" becomes "reserved"), a receipt.
        """
        try:
            with trio.fail_after(self.wait):
                while (shown := screen_of(self.current)) not in names:
                    seen = _version(self.user.messages())
                    await self.user.wait_until(lambda messages: _version(messages) > seen)
        except trio.TooSlowError:
            raise BotDidNotAnswer(f"{self.name} never saw {' or '.join(names)} (the chat shows {shown!r})") from None
        self.transcript.extend(_render(self.current))
        return shown

    async def answer_step(self, prompt: str = "a red fox in the snow, golden hour") -> None:
        """Answer the wizard step on screen the simplest legal way."""
        screen = screen_of(self.current)
        if screen == "step.text":
            await self.say(prompt)
        elif screen == "step.number":
            await self.say("1")
        elif screen in ("step.buttons", "step.yes_no") or self.has_action(ChooseValue):
            await self.tap_action(ChooseValue)
        elif screen in ("step.image", "step.images"):
            await self.send_photo()
            if screen_of(self.current) == screen and self.has_action(FinishImages):
                await self.tap_action(FinishImages)
        elif self.has_action(SkipStep):
            await self.tap_action(SkipStep)
        else:
            await self.tap_action(GoBack)

    async def walk_wizard(self, *, limit: int = 30) -> list[str]:
        """Answer steps until a confirmation (or an unpriced end) is on screen; the screens seen."""
        seen: list[str] = []
        for _ in range(limit):
            screen = screen_of(self.current)
            if screen in ("confirm", "unpriced"):
                return seen
            seen.append(screen)
            await self.answer_step()
        raise BotDidNotAnswer(f"{self.name}'s wizard did not end after {limit} steps: {seen}")


def _render(message: BotMessage) -> list[str]:
    marker = "bot ✎" if message.edits else "bot ›"
    body = (message.body or f"[{message.kind}]").splitlines() or [""]
    lines = [f"  {marker} {body[0]}", *(f"        {line}" for line in body[1:])]
    for row in message.buttons:
        lines.append("        " + "  ".join(f"[{button.text}]" for button in row))
    return lines
