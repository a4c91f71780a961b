"""The shape of the catalogue: models, their input fields and their price rules.

Everything here is an immutable :mod:`msgspec` ``Struct`` decoded from
``registry/catalogue.json`` with unknown fields forbidden: the file is our own
data, so a typo in it is an error, not something to ignore.

A field keeps two kinds of facts apart:

* **vendor facts**, copied from KIE's OpenAPI docs and checked by
  ``python main.py registry sync``: ``type``, ``required``, ``enum``,
  ``default``, ``minimum``/``maximum``, ``min_length``/``max_length``,
  ``min_items``/``max_items``;
* **our choices**, which sync never touches: ``ask`` (how the bot asks for the
  value) and ``offered`` (the values we let users pick, when that is a subset
  of what the vendor accepts or the vendor gives no list at all).

Price rules say how many **KIE credits** one generation costs; our price in
credits is derived from that by :func:`registry.pricing.credits_for`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, Literal, TypeAlias

import msgspec

__all__ = [
    "ASK_MODES",
    "CATEGORIES",
    "FIELD_TYPES",
    "MEDIA_TYPES",
    "MENU_CATEGORIES",
    "Ask",
    "Catalogue",
    "Fixed",
    "InputField",
    "Model",
    "PerCombination",
    "PerSecond",
    "PerThousandChars",
    "PerValue",
    "PriceEntry",
    "PriceRule",
    "Scalar",
    "Text",
]

Scalar: TypeAlias = str | int | float | bool
"""A JSON scalar: the value of one input parameter (arrays are never priced)."""

MENU_CATEGORIES: Final = (
    "text_to_image",
    "image_edit",
    "text_to_video",
    "image_to_video",
    "upscale",
    "background_removal",
    "text_to_speech",
)
"""The categories the bot's menu shows, in menu order."""

CATEGORIES: Final = (*MENU_CATEGORIES, "other")
"""Every known category. ``other`` holds imported models nobody has filed yet; the menu hides it."""

MEDIA_TYPES: Final = ("image", "video", "audio")
FIELD_TYPES: Final = ("string", "integer", "number", "boolean", "array")

Ask = Literal["buttons", "yes_no", "text", "number", "image", "images", "audio", "video", "hidden"]
ASK_MODES: Final = ("buttons", "yes_no", "text", "number", "image", "images", "audio", "video", "hidden")
"""How the bot asks for a value: ``hidden`` means it never asks and sends the default (or nothing)."""


class Text(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A user-facing string in Russian and English."""

    ru: str
    en: str


class InputField(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """One input parameter of a model, as KIE's ``input`` object names it."""

    name: str
    type: str
    ask: Ask
    required: bool = False
    enum: tuple[Scalar, ...] | None = None
    default: Scalar | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    offered: tuple[Scalar, ...] | None = None

    def problem(self, value: object) -> str | None:
        """Why the vendor would reject ``value`` for this field, or None if it is legal.

        Checks the type, the vendor ``enum`` and the limits (not ``offered``).
        """
        if not _type_ok(self.type, value):
            return f"{value!r} is not a {self.type}"
        if self.enum is not None and not any(_same(value, option) for option in self.enum):
            return f"{value!r} is not one of {list(self.enum)}"
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                return f"{value!r} is below the minimum {self.minimum}"
            if self.maximum is not None and value > self.maximum:
                return f"{value!r} is above the maximum {self.maximum}"
        if isinstance(value, str):
            if self.max_length is not None and len(value) > self.max_length:
                return f"{value!r} is longer than {self.max_length} characters"
            if self.min_length is not None and len(value) < self.min_length:
                return f"{value!r} is shorter than {self.min_length} characters"
        return None

    def choices(self) -> tuple[Scalar, ...] | None:
        """The values a user may pick: ``offered`` if set, else the vendor ``enum``, else both booleans."""
        if self.offered is not None:
            return self.offered
        if self.enum is not None:
            return self.enum
        if self.type == "boolean":
            return (False, True)
        return None


def _type_ok(kind: str, value: object) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list | tuple)
    return False


def _same(left: object, right: object) -> bool:
    """Equal and of the same kind: ``True`` is not ``1`` and ``"5"`` is not ``5``."""
    return isinstance(left, bool) == isinstance(right, bool) and isinstance(left, str) == isinstance(
        right, str
    ) and left == right


class PriceEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One row of a price table: when the listed parameters have these values, KIE charges this much.

    ``when`` maps parameter names to canonical values (see :func:`registry.quotes.canonical`).
    ``source`` is the exact label of the row in KIE's price list that the number came from.
    """

    when: dict[str, str]
    kie_credits: Decimal
    source: str


class Fixed(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag="fixed", tag_field="kind"):
    """One price whatever the parameters."""

    kie_credits: Decimal
    source: str


class PerValue(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag="per_value", tag_field="kind"):
    """A price for each value of one parameter (resolution, quality, ...)."""

    param: str
    entries: tuple[PriceEntry, ...]


class PerCombination(
    msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag="per_combination", tag_field="kind"
):
    """A price for each combination of several parameters (duration x sound, ...)."""

    params: tuple[str, ...]
    entries: tuple[PriceEntry, ...]


class PerSecond(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag="per_second", tag_field="kind"):
    """KIE credits per second of ``seconds_param``; the rate may depend on the parameters in ``by``."""

    seconds_param: str
    entries: tuple[PriceEntry, ...]
    by: tuple[str, ...] = ()


class PerThousandChars(
    msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag="per_1k_chars", tag_field="kind"
):
    """KIE credits per 1,000 characters of ``text_param``, pro rata to the character."""

    text_param: str
    kie_credits: Decimal
    source: str


PriceRule: TypeAlias = Fixed | PerValue | PerCombination | PerSecond | PerThousandChars


class Model(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One model the bot can sell.

    ``id`` is ours (stable, short, used in buttons); ``kie_model`` is what goes
    into ``createTask``. ``source_doc`` is the vendor doc the facts came from,
    relative to the docs folder; ``fingerprint`` is that doc's fingerprint when
    the entry was last synced. ``locked`` entries are never changed by sync.
    ``price`` may be missing only while the model is disabled.
    """

    id: str
    kie_model: str
    category: str
    media: str
    name: Text
    description: Text
    source_doc: str
    fields: tuple[InputField, ...]
    price: PriceRule | None = None
    enabled: bool = False
    locked: bool = False
    free: bool = False
    fingerprint: str = ""

    def field(self, name: str) -> InputField | None:
        """The input field called ``name``, or None."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        return None


class Catalogue(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The whole file: a format number, the date of the price list it follows, and the models."""

    format: int
    prices_as_of: str
    models: tuple[Model, ...]
