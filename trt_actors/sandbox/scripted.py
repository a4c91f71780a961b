"""A scripted user: drives the real bot through the Telegram emulator and keeps a transcript.

It acts like a person (sends text and photos, taps buttons) and waits after
each action until the bot has visibly answered: a new message, or an edit of
one. Buttons are picked by what they *do* (their decoded action: open a
category, a model, answer a step), not by their label, so one script works in
both languages. The screen kind comes from the bot's own log (the last
``UiRendered`` of the chat), which the demo and the end-to-end tests can read.

Example::

    ann = ScriptedUser(emu.user(1001, first_name="Anna", language_code="ru"), bot.log)
    await ann.say("/start")
    await ann.tap_action(OpenCategory, category="text_to_image")
    print("\\n".join(ann.transcript))
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import trio

from eventlog import EventStore
from trt_actors.events import UiRendered
from trt_actors.sandbox.telegram import TelegramUser
from trt_actors.sandbox.telegram.records import BotMessage
from trt_actors.session.callback_data import (
    Action,
    BadCallbackData,
    ChooseValue,
    FinishImages,
    GoBack,
    OpenCategory,
    OpenModel,
    SkipStep,
    TurnPage,
    decode,
)

__all__ = ["BotDidNotAnswer", "ScriptedUser", "tiny_png"]

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


class ScriptedUser:
    """One simulated person in a private chat with the bot."""

    def __init__(self, user: TelegramUser, log: EventStore, *, wait: float = 10.0) -> None:
        self.user = user
        self.log = log
        self.wait = wait
        self.transcript: list[str] = []
        self.name = str(user.as_user.get("first_name", user.id))

    @property
    def chat_id(self) -> int:
        return self.user.chat_id

    @property
    def current(self) -> BotMessage:
        """The message the bot last sent or edited in this chat."""
        messages = [m for m in self.user.messages() if not m.deleted]
        if not messages:
            raise BotDidNotAnswer(f"{self.name} has no message from the bot yet")
        return max(messages, key=lambda m: (m.edit_date or m.date, m.message_id, len(m.edits)))

    async def _after(self, what: str, act: Callable[[], Awaitable[object]]) -> BotMessage:
        before = _version(self.user.messages())
        await act()
        try:
            with trio.fail_after(self.wait):
                messages = await self.user.wait_until(lambda ms: _version(ms) > before)
        except trio.TooSlowError:
            raise BotDidNotAnswer(f"the bot did not answer {self.name}'s {what} within {self.wait} s") from None
        changed = max(
            (m for m in messages if not m.deleted),
            key=lambda m: (m.edit_date or m.date, m.message_id, len(m.edits)),
        )
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
        found: list[tuple[str, str, Action]] = []
        for row in self.current.buttons:
            for button in row:
                if button.callback_data is None:
                    continue
                try:
                    found.append((button.text, button.callback_data, decode(button.callback_data).action))
                except BadCallbackData:
                    continue
        return found

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
        """The kind of screen the bot last rendered for this chat (``menu``, ``step.text``, ``confirm``…)."""
        stream = f"chat:{self.chat_id}"
        version = await self.log.stream_version(stream)
        for recorded in reversed(await self.log.read_stream(stream, from_version=max(1, version - 30))):
            if isinstance(recorded.event, UiRendered):
                return recorded.event.screen
        return ""

    async def answer_step(self, prompt: str = "a red fox in the snow, golden hour") -> None:
        """Answer the wizard step on screen the simplest legal way."""
        screen = await self.screen()
        if screen == "step.text":
            await self.say(prompt)
        elif screen == "step.number":
            await self.say("1")
        elif screen in ("step.buttons", "step.yes_no"):
            await self.tap_action(ChooseValue)
        elif screen in ("step.image", "step.images"):
            await self.send_photo()
            if await self.screen() == screen and self.has_action(FinishImages):
                await self.tap_action(FinishImages)
        elif self.has_action(SkipStep):
            await self.tap_action(SkipStep)
        else:
            await self.tap_action(GoBack)

    async def walk_wizard(self, *, limit: int = 30) -> list[str]:
        """Answer steps until a confirmation (or an unpriced end) is on screen; the screens seen."""
        seen: list[str] = []
        for _ in range(limit):
            screen = await self.screen()
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
