"""The parameter wizard's rules: which fields a model asks, in what order, and what answers are legal.

Pure functions of a :class:`registry.Model` and a :class:`~trt_actors.session.state.Draft`.
The order of the steps is ours, not the vendor's: required fields first,
then optional ones; within each group photos first (so "edit this photo"
starts with the photo), then texts, numbers, and button choices, each in the
order the catalogue lists them. Hidden fields are never asked: KIE gets their
default, or nothing.

Answers are checked here, at the boundary: a text against its length limits,
a number against its type and range, a button index against the offered
values. A bad answer is a :class:`Problem` (a catalogue key, a reason code
and the key's arguments), which the session records as ``MessageRejected``
and shows to the user without changing anything else.
"""

from __future__ import annotations

from typing import Final

import msgspec

from registry import InputField, Model
from trt_actors.events.session import ParamValue
from trt_actors.session.state import Draft

__all__ = [
    "DEFAULT_MAX_IMAGES",
    "MEDIA_ASKS",
    "Problem",
    "can_skip",
    "choices",
    "current_field",
    "image_limits",
    "parse_number",
    "parse_text",
    "quote_params",
    "steps_of",
]

MEDIA_ASKS: Final = ("image", "images", "audio", "video")
DEFAULT_MAX_IMAGES: Final = 10
"""How many photos an ``images`` field takes when the vendor gives no ``max_items``."""

_RANK: Final = {"image": 0, "images": 0, "audio": 0, "video": 0, "text": 1, "number": 2, "buttons": 3, "yes_no": 3}


_LARGEST: Final = 2.0**53
"""Numbers beyond this are refused: no field needs them and they do not survive JSON exactly."""


class Problem(msgspec.Struct, frozen=True):
    """Why an answer was refused: a ``notice.*`` key, the ``MessageRejected`` reason code, the key's arguments."""

    key: str
    reason_code: str
    args: tuple[tuple[str, str | int], ...] = ()


def steps_of(model: Model) -> tuple[InputField, ...]:
    """The fields the wizard asks for ``model``, in asking order."""
    shown = [(index, field) for index, field in enumerate(model.fields) if field.ask != "hidden"]
    shown.sort(key=lambda pair: (not pair[1].required, _RANK.get(pair[1].ask, 9), pair[0]))
    return tuple(field for _, field in shown)


def current_field(model: Model, draft: Draft) -> InputField | None:
    """The field the draft is waiting for, or None once every step is answered."""
    steps = steps_of(model)
    return steps[draft.step] if 0 <= draft.step < len(steps) else None


def can_skip(field: InputField) -> bool:
    """Whether the user may skip ``field``: it is optional, or it has a default."""
    return not field.required or field.default is not None


def choices(field: InputField) -> tuple[ParamValue, ...]:
    """The values a buttons or yes/no step offers (``offered``, else the vendor's enum, else yes/no)."""
    found = field.choices()
    return tuple(found) if found is not None else ()


def image_limits(field: InputField) -> tuple[int, int]:
    """(fewest, most) photos for an image field. An ``image`` field takes exactly one."""
    if field.ask != "images":
        return (1 if field.required else 0), 1
    most = field.max_items if field.max_items is not None and field.max_items > 0 else DEFAULT_MAX_IMAGES
    fewest = field.min_items if field.min_items is not None else (1 if field.required else 0)
    return min(max(fewest, 0), most), most


def parse_text(field: InputField, text: str) -> ParamValue | Problem:
    """A text answer, stripped of surrounding blanks and checked against the field's length limits."""
    value = text.strip()
    if not value:
        return Problem("notice.empty", "empty_text")
    if field.max_length is not None and len(value) > field.max_length:
        return Problem("notice.too_long", "text_too_long", (("length", len(value)), ("max", field.max_length)))
    if field.min_length is not None and len(value) < field.min_length:
        return Problem("notice.too_short", "text_too_short", (("length", len(value)), ("min", field.min_length)))
    if field.problem(value) is not None:
        return Problem("notice.use_buttons", "value_not_allowed")
    return value


def parse_number(field: InputField, text: str) -> ParamValue | Problem:
    """A number answer (``1,5`` is read as ``1.5``), checked against the field's type and range."""
    cleaned = text.strip().replace(",", ".").replace(" ", "")
    value: int | float
    try:
        value = float(cleaned)
    except ValueError:
        return Problem("notice.not_number", "not_a_number")
    if value != value or abs(value) > _LARGEST:
        return Problem("notice.not_number", "not_a_number")
    if field.type == "integer":
        if not value.is_integer():
            return Problem("notice.not_integer", "not_an_integer")
        value = int(value)
    elif value.is_integer() and "." not in cleaned:
        value = int(value)
    if field.problem(value) is not None:
        return Problem("notice.out_of_range", "out_of_range", (("value", cleaned[:20]),))
    return value


def quote_params(draft: Draft) -> dict[str, ParamValue]:
    """The answers as a mapping, for :meth:`registry.Registry.quote` (defaults fill the rest)."""
    return {param.name: param.value for param in draft.params}
