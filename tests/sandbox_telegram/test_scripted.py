"""The scripted user reads the screen from the chat alone: the buttons' actions, then the text."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import trt_actors.sandbox.scripted as scripted
from trt_actors.sandbox.scripted import ScriptedUser, screen_of
from trt_actors.sandbox.telegram import BotMessage, Button, parse_html
from trt_actors.session.callback_data import (
    Action,
    BuyPackage,
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
    OpenTopUp,
    SkipStep,
    StartDraft,
    TurnPage,
    encode,
)
from trt_actors.session.texts import Texts


def _message(lines: list[str], rows: list[list[Action]]) -> BotMessage:
    """A message as the chat shows it: the HTML parsed to plain text, each button labelled arbitrarily."""
    text, _ = parse_html("\n".join(lines))
    keyboard = tuple(
        tuple(Button(text=f"button {n}", callback_data=encode(7, action)) for n, action in enumerate(row))
        for row in rows
    )
    return BotMessage(message_id=1, kind="text", date=0, text=text, buttons=keyboard)


def _screens(language: str) -> dict[str, BotMessage]:
    say = Texts.of(language).say
    header = say("step.header", model="Nano <Banana> Pro", k=2, n=4)
    back_cancel: list[Action] = [GoBack(), CancelDraft()]
    menu_row: list[Action] = [GoBack(), OpenMenu()]
    return {
        "menu": _message(
            [say("menu.greeting", name="Ann"), say("menu.intro")],
            [[OpenCategory(category="text_to_image")], [OpenBalance(), OpenHistory()], [OpenHelp(), OpenLanguages()]],
        ),
        "category": _message(["Images", say("category.intro")],
                             [[OpenModel(model_id="z-image")], [TurnPage(page=1)], menu_row]),
        "model": _message(["Z-Image", say("model.no_steps")], [[StartDraft()], menu_row]),
        "step.text": _message([header, say("step.ask.text", label="Prompt"), say("step.limit.chars", max=10000)],
                              [back_cancel]),
        "step.number": _message([header, say("step.ask.number", label="Seed"), say("step.optional")],
                                [[SkipStep()], back_cancel]),
        "step.buttons": _message([header, say("step.ask.buttons", label="Aspect ratio"), say("step.prices")],
                                 [[ChooseValue(index=0), ChooseValue(index=1)], back_cancel]),
        "step.yes_no": _message([header, say("step.ask.yes_no", label="Sound")],
                                [[ChooseValue(index=0), ChooseValue(index=1)], back_cancel]),
        "step.image": _message([header, say("step.ask.image", label="Photo")], [back_cancel]),
        "step.images": _message(
            [say("notice.photo_received", count=1), "", header,
             say("step.ask.images", label="Photos", min=1, max=8), say("step.images.count", count=1, max=8)],
            [[FinishImages()], back_cancel],
        ),
        "step.media": _message([header, say("step.ask.media", label="Audio", kind="audio")], [back_cancel]),
        "unpriced": _message([say("unpriced.text", model="Kling")], [back_cancel]),
        "confirm": _message([say("confirm.title"), say("confirm.price", price="36")],
                            [[Confirm(confirmation_id="abcd1234")], back_cancel]),
        "order.reserving": _message([say("order.reserving", model="Z-Image", price="2", code="abcd1234")],
                                    [[OpenBalance(), OpenMenu()]]),
        "order.reserved": _message([say("order.reserved", model="Z-Image", price="2", code="abcd1234")],
                                   [[OpenBalance(), OpenMenu()]]),
        "order.rejected": _message([say("order.rejected", model="Z-Image", price="2", code="abcd1234")],
                                   [[OpenTopUp()], [OpenBalance(), OpenMenu()]]),
        "topup": _message([say("topup.title"), say("topup.text")],
                          [[BuyPackage(stars=50, credits=100)], [OpenBalance(), OpenMenu()]]),
        "balance": _message([say("balance.text", balance="0")], [[OpenTopUp()], [OpenHistory(), OpenMenu()]]),
        "history": _message([say("history.empty")], [[OpenBalance(), OpenMenu()]]),
        "help": _message([say("help.text")], [[OpenLanguages(), OpenMenu()]]),
        "language": _message([say("language.text")],
                             [[ChooseLanguage(language="ru"), ChooseLanguage(language="en")], [OpenMenu()]]),
    }


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_screen_is_told_from_what_the_chat_shows(language: str) -> None:
    for expected, message in _screens(language).items():
        assert screen_of(message) == expected, (expected, message.text)


def test_buttons_that_are_not_ours_are_ignored() -> None:
    message = BotMessage(message_id=1, kind="text", date=0, text="Hello",
                         buttons=((Button(text="site", url="https://example.org"), Button(text="x", callback_data="?")),))
    assert screen_of(message) == ""


def test_the_scripted_user_needs_no_event_log() -> None:
    assert list(inspect.signature(ScriptedUser).parameters) == ["user", "wait"]
    tree = ast.parse(Path(inspect.getfile(scripted)).read_text(encoding="utf-8"))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    bot_side = sorted(
        name for name in imported
        if name.split(".")[0] == "eventlog"
        or name.startswith(("trt_actors.events", "trt_actors.actors", "trt_actors.app", "trt_actors.runtime"))
    )
    assert bot_side == [], f"the scripted user must see only the chat, but imports {bot_side}"
