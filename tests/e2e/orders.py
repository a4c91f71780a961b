"""Placing an order through the Telegram emulator as a person does: every wizard step answered, up to Confirm."""

from __future__ import annotations

from registry import Model
from trt_actors.events.session import ParamValue
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.session.callback_data import ChooseValue, FinishImages, SkipStep, StartDraft
from trt_actors.session.wizard import can_skip, choices, image_limits, steps_of

__all__ = ["TELEGRAM_TEXT", "kind_of", "walk"]

TELEGRAM_TEXT = 4096
"""The longest text a Telegram message carries: the longest answer a user can type."""


def kind_of(model: Model) -> str:
    """The kind of message a model's result arrives as."""
    if model.media == "video":
        return "video"
    if model.media == "audio":
        return "voice" if model.category == "text_to_speech" else "audio"
    return "photo" if model.media == "image" else "document"


async def walk(user: ScriptedUser, model: Model, values: dict[str, ParamValue], *, photos: int = 1) -> None:
    """From /start to the confirmation of ``model`` answered with ``values`` (the rest skipped or the first choice)."""
    await user.say("/start")
    await user.open_model(model.category, model.id)
    await user.tap_action(StartDraft)
    for field in steps_of(model):
        value = values.get(field.name)
        if field.ask == "text":
            text = str(value) if value is not None else "a red fox in the snow"
            await user.say(text[:min(TELEGRAM_TEXT, field.max_length or TELEGRAM_TEXT)])
        elif field.ask in ("image", "images"):
            fewest, most = image_limits(field)
            for _ in range(min(max(photos, fewest, 1), most)):
                await user.send_photo()
            if user.has_action(FinishImages):
                await user.tap_action(FinishImages)
        elif value is not None and field.ask in ("buttons", "yes_no"):
            offered = choices(field)
            index = next(i for i, choice in enumerate(offered) if choice == value and type(choice) is type(value))
            await user.tap_action(ChooseValue, index=index)
        elif value is not None and field.ask == "number":
            await user.say(str(value))
        elif can_skip(field):
            await user.tap_action(SkipStep)
        else:
            await user.tap_action(ChooseValue, index=0)
    assert await user.screen() == "confirm", user.transcript[-8:]
