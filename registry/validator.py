"""The validator: every way a catalogue can be wrong, one :class:`Defect` per finding.

The bot refuses to start on any defect, and ``python main.py registry
validate`` prints them one per line (exit status 1). A disabled model (for
example one that sync has just imported) gets only the structural checks
(ids, texts, category, media, duplicate fields); enabling it brings every
other check to bear. Defect codes:

==========================  ==================================================
``format``                  unknown catalogue format number
``duplicate-id``            two models share an id
``missing-text``            an id, doc path, name or description is empty
``unknown-category``        category not in :data:`registry.model.CATEGORIES`
``unknown-media``           output media not in :data:`registry.model.MEDIA_TYPES`
``duplicate-field``         two input fields share a name
``unknown-type``            field type not a JSON schema type we know
``limits``                  min above max, negative lengths, limits on the wrong type
``enum``                    empty or repeated enum values, or values of the wrong type
``default-illegal``         a default the vendor would reject
``offered-illegal``         an offered value the vendor would reject
``ask-mismatch``            the way we ask does not fit the field (buttons without values, ...)
``required-hidden``         a required field we never ask for and have no default for
``price-missing``           an enabled model without a price rule
``price-params``            a price rule names unknown fields or values
``price-not-positive``      a price entry of zero or less
``price-not-total``         some parameter combination has no price, or several
``free-too-expensive``      a free-tier model that costs us too much
``category-empty``          a menu category without any enabled model
==========================  ==================================================

>>> from registry import load_registry
>>> validate(load_registry().catalogue)
[]
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import msgspec

from registry.model import (
    ASK_MODES,
    CATEGORIES,
    FIELD_TYPES,
    MEDIA_TYPES,
    MENU_CATEGORIES,
    Catalogue,
    InputField,
    Model,
    PerCombination,
    PerSecond,
    PerThousandChars,
    PerValue,
    PriceEntry,
)
from registry.pricing import DEFAULT_MARKUP, FREE_TIER_MAX_KIE_CREDITS
from registry.quotes import QuoteError, canonical, price_combinations, price_params, quote

__all__ = ["CATALOGUE_FORMAT", "Defect", "validate"]

CATALOGUE_FORMAT = 1

_ASK_FITS: dict[str, tuple[str, ...]] = {
    "yes_no": ("boolean",),
    "text": ("string",),
    "number": ("integer", "number"),
    "image": ("string",),
    "audio": ("string",),
    "video": ("string",),
    "images": ("array",),
}


class Defect(msgspec.Struct, frozen=True):
    """One thing wrong with the catalogue. ``str(defect)`` is the line the CLI prints."""

    model_id: str
    code: str
    message: str

    def __str__(self) -> str:
        where = self.model_id or "(catalogue)"
        return f"{where}: {self.code}: {self.message}"


def _field_defects(model: Model, field: InputField) -> list[Defect]:
    found: list[Defect] = []

    def add(code: str, message: str) -> None:
        found.append(Defect(model.id, code, f"field {field.name!r}: {message}"))

    if field.type not in FIELD_TYPES:
        add("unknown-type", f"type {field.type!r} is not one of {list(FIELD_TYPES)}")
    pairs = (
        ("minimum", field.minimum, field.maximum, ("integer", "number")),
        ("min_length", field.min_length, field.max_length, ("string",)),
        ("min_items", field.min_items, field.max_items, ("array",)),
    )
    for name, low, high, types in pairs:
        if (low is not None or high is not None) and field.type not in types:
            add("limits", f"{name} and its maximum apply only to {'/'.join(types)} fields")
        if low is not None and high is not None and low > high:
            add("limits", f"{name} {low} is above the maximum {high}")
        if name != "minimum" and any(limit is not None and limit < 0 for limit in (low, high)):
            add("limits", f"{name} limits cannot be negative")
    if field.enum is not None:
        if not field.enum:
            add("enum", "the enum is empty")
        if len({canonical(value) for value in field.enum}) != len(field.enum):
            add("enum", "the enum repeats a value")
        for value in field.enum:
            problem = field.problem(value)
            if problem is not None and field.type != "array":
                add("enum", f"enum value {problem}")
    if field.default is not None and (problem := field.problem(field.default)) is not None:
        add("default-illegal", f"the default {problem}")
    if field.offered is not None:
        if not field.offered:
            add("offered-illegal", "the list of offered values is empty")
        for value in field.offered:
            if (problem := field.problem(value)) is not None:
                add("offered-illegal", f"offered value {problem}")
    if field.ask not in ASK_MODES:
        add("ask-mismatch", f"ask {field.ask!r} is not one of {list(ASK_MODES)}")
    elif field.ask == "buttons" and field.choices() is None:
        add("ask-mismatch", "asked with buttons but has no enum or offered values")
    elif field.ask in _ASK_FITS and field.type not in _ASK_FITS[field.ask]:
        add("ask-mismatch", f"asked as {field.ask!r} but its type is {field.type!r}")
    if field.required and field.ask == "hidden" and field.default is None:
        add("required-hidden", "required, never asked and without a default")
    return found


def _entry_defects(model: Model, names: tuple[str, ...], entries: tuple[PriceEntry, ...]) -> list[Defect]:
    found: list[Defect] = []
    for entry in entries:
        if set(entry.when) != set(names):
            found.append(Defect(model.id, "price-params",
                                f"entry {entry.when} must name exactly {list(names)}"))
        if entry.kie_credits <= 0:
            found.append(Defect(model.id, "price-not-positive", f"entry {entry.when} costs {entry.kie_credits}"))
        if not entry.source:
            found.append(Defect(model.id, "price-params", f"entry {entry.when} has no price-list source"))
    return found


def _price_defects(model: Model) -> list[Defect]:
    rule = model.price
    if rule is None:
        return [Defect(model.id, "price-missing", "enabled but has no price rule")] if model.enabled else []
    found: list[Defect] = []
    for name in price_params(model):
        field = model.field(name)
        if field is None:
            found.append(Defect(model.id, "price-params", f"the price uses {name!r}, which is not an input field"))
        elif field.type == "array":
            found.append(Defect(model.id, "price-params", f"the price uses {name!r}, an array"))
    match rule:
        case PerValue(param=param, entries=entries):
            found += _entry_defects(model, (param,), entries)
        case PerCombination(params=params, entries=entries):
            found += _entry_defects(model, params, entries)
        case PerSecond(by=by, entries=entries):
            found += _entry_defects(model, by, entries)
        case PerThousandChars(text_param=text, kie_credits=rate):
            text_field = model.field(text)
            if text_field is not None and text_field.type != "string":
                found.append(Defect(model.id, "price-params", f"the price counts characters of {text!r}, not text"))
            if rate <= 0:
                found.append(Defect(model.id, "price-not-positive", f"{rate} KIE credits per 1,000 characters"))
        case _:
            if rule.kie_credits <= 0:
                found.append(Defect(model.id, "price-not-positive", f"the fixed price is {rule.kie_credits}"))
    if found:
        return found
    costs: list[Decimal] = []
    try:
        for combination in price_combinations(model):
            try:
                costs.append(quote(model, combination, markup=DEFAULT_MARKUP, version="").kie_credits)
            except QuoteError as error:
                found.append(Defect(model.id, "price-not-total", str(error).removeprefix(f"{model.id}: ")))
    except QuoteError as error:
        found.append(Defect(model.id, "price-params", str(error).removeprefix(f"{model.id}: ")))
    if model.free and costs and max(costs) > FREE_TIER_MAX_KIE_CREDITS:
        found.append(Defect(model.id, "free-too-expensive",
                            f"free tier, but costs us up to {max(costs)} KIE credits "
                            f"(the limit is {FREE_TIER_MAX_KIE_CREDITS})"))
    return found


def _model_defects(model: Model) -> list[Defect]:
    found: list[Defect] = []
    texts = {"id": model.id, "kie_model": model.kie_model, "source_doc": model.source_doc,
             "name.ru": model.name.ru, "name.en": model.name.en,
             "description.ru": model.description.ru, "description.en": model.description.en}
    for name, text in texts.items():
        if not text.strip():
            found.append(Defect(model.id, "missing-text", f"{name} is empty"))
    if model.category not in CATEGORIES:
        found.append(Defect(model.id, "unknown-category", f"{model.category!r} is not one of {list(CATEGORIES)}"))
    if model.media not in MEDIA_TYPES:
        found.append(Defect(model.id, "unknown-media", f"{model.media!r} is not one of {list(MEDIA_TYPES)}"))
    for name, count in Counter(field.name for field in model.fields).items():
        if count > 1:
            found.append(Defect(model.id, "duplicate-field", f"field {name!r} appears {count} times"))
    if not model.enabled:
        return found
    for field in model.fields:
        found += _field_defects(model, field)
    if model.free and model.price is None:
        found.append(Defect(model.id, "free-too-expensive", "free tier, but has no price to check"))
    found += _price_defects(model)
    return found


def validate(catalogue: Catalogue, *, require_categories: bool = True) -> list[Defect]:
    """Every defect of ``catalogue``, in file order; an empty list means it may go live.

    ``require_categories`` also demands an enabled model in every menu category
    (off for small test catalogues).
    """
    found: list[Defect] = []
    if catalogue.format != CATALOGUE_FORMAT:
        found.append(Defect("", "format", f"format {catalogue.format} is not {CATALOGUE_FORMAT}"))
    for model_id, count in Counter(model.id for model in catalogue.models).items():
        if count > 1:
            found.append(Defect(model_id, "duplicate-id", f"{count} models have this id"))
    for model in catalogue.models:
        found += _model_defects(model)
    if require_categories:
        enabled = {model.category for model in catalogue.models if model.enabled}
        for category in MENU_CATEGORIES:
            if category not in enabled:
                found.append(Defect("", "category-empty", f"no enabled model in {category!r}"))
    return found
