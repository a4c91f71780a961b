"""Quotes: the price of one generation, with the rule that produced it. Pure functions.

A quote never guesses. Every price-relevant parameter must have a legal value
(given, or the field's default), and exactly one price entry must match;
otherwise :class:`QuoteError` says what is missing. There is no fallback price.

>>> from registry import load_registry
>>> registry = load_registry()
>>> registry.quote("nano-banana-pro", {"prompt": "a cat", "resolution": "4K"}).credits
48
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from itertools import product
from typing import Final

import msgspec

from registry.model import (
    Fixed,
    InputField,
    Model,
    PerCombination,
    PerSecond,
    PerThousandChars,
    PerValue,
    PriceEntry,
    Scalar,
)
from registry.pricing import credits_for

__all__ = [
    "Quote",
    "QuoteError",
    "canonical",
    "price_combinations",
    "price_domain",
    "price_params",
    "quote",
    "min_price",
    "value_prices",
]

REFERENCE_CHARS: Final = 1000
"""Text length used for "from N credits" of a per-character model: the price of 1,000 characters."""

MAX_ENUMERATED_SECONDS: Final = 120
"""A seconds parameter without a list of values is enumerated from its minimum to its maximum; at most this many."""


class QuoteError(ValueError):
    """A model cannot be priced with these parameters; the message says why."""


class Quote(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The price of one generation and where it came from.

    ``credits`` is what the user pays; ``kie_credits`` what KIE charges us;
    ``rule`` names the rule and the parameter values that matched; ``source``
    is the KIE price-list row; ``registry_version`` identifies the catalogue and
    markup that priced it.
    """

    model_id: str
    credits: int
    kie_credits: Decimal
    markup: Decimal
    rule: str
    source: str
    registry_version: str


def canonical(value: Scalar) -> str:
    """The string form of a parameter value used in price tables: ``True`` -> ``"true"``, ``5.0`` -> ``"5"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def price_params(model: Model) -> tuple[str, ...]:
    """Names of the parameters the model's price depends on, in rule order."""
    match model.price:
        case None | Fixed():
            return ()
        case PerValue(param=param):
            return (param,)
        case PerCombination(params=params):
            return params
        case PerSecond(seconds_param=seconds, by=by):
            return (*by, seconds)
        case PerThousandChars(text_param=text):
            return (text,)


def _field(model: Model, name: str) -> InputField:
    field = model.field(name)
    if field is None:
        raise QuoteError(f"{model.id}: the price rule uses {name!r}, which is not one of its input fields")
    return field


def _value(model: Model, name: str, params: Mapping[str, object]) -> Scalar:
    """The legal value of price parameter ``name``: given or default."""
    field = _field(model, name)
    value = params.get(name, field.default)
    if value is None:
        raise QuoteError(f"{model.id}: choose {name!r} first; the price depends on it")
    problem = field.problem(value)
    if problem is not None:
        raise QuoteError(f"{model.id}: {name!r}: {problem}")
    assert isinstance(value, str | int | float)
    if field.offered is not None and canonical(value) not in {canonical(choice) for choice in field.offered}:
        raise QuoteError(f"{model.id}: {value!r} is not one of the values we offer for {name!r}")
    return value


def _match(model: Model, entries: tuple[PriceEntry, ...], key: dict[str, str]) -> PriceEntry:
    found = [entry for entry in entries if entry.when == key]
    shown = ", ".join(f"{name}={value}" for name, value in key.items()) or "(no parameters)"
    if not found:
        raise QuoteError(f"{model.id}: no price for {shown}; the model cannot be sold like this")
    if len(found) > 1:
        raise QuoteError(f"{model.id}: {len(found)} prices for {shown}; the price table is ambiguous")
    return found[0]


def _seconds(model: Model, name: str, value: Scalar) -> Decimal:
    try:
        seconds = Decimal(canonical(value))
    except InvalidOperation:
        raise QuoteError(f"{model.id}: {name!r} must be a number of seconds, not {value!r}") from None
    if not seconds.is_finite() or seconds <= 0:
        raise QuoteError(f"{model.id}: {name!r} must be a positive number of seconds, not {value!r}")
    return seconds


def _kie_cost(model: Model, params: Mapping[str, object]) -> tuple[Decimal, str, str]:
    """(KIE credits, rule description, price-list source) for one generation."""
    match model.price:
        case None:
            raise QuoteError(f"{model.id}: has no price yet, so it cannot be sold")
        case Fixed(kie_credits=kie, source=source):
            return kie, "fixed", source
        case PerValue(param=param, entries=entries) | PerCombination(params=(param,), entries=entries):
            key = {param: canonical(_value(model, param, params))}
            entry = _match(model, entries, key)
            return entry.kie_credits, f"per_value {param}={key[param]}", entry.source
        case PerCombination(params=names, entries=entries):
            key = {name: canonical(_value(model, name, params)) for name in names}
            entry = _match(model, entries, key)
            shown = " ".join(f"{name}={value}" for name, value in key.items())
            return entry.kie_credits, f"per_combination {shown}", entry.source
        case PerSecond(seconds_param=seconds_name, by=by, entries=entries):
            key = {name: canonical(_value(model, name, params)) for name in by}
            entry = _match(model, entries, key)
            seconds = _seconds(model, seconds_name, _value(model, seconds_name, params))
            shown = "".join(f" {name}={value}" for name, value in key.items())
            rule = f"per_second {seconds_name}={seconds}{shown} at {entry.kie_credits}/s"
            return entry.kie_credits * seconds, rule, entry.source
        case PerThousandChars(text_param=text_name, kie_credits=rate, source=source):
            field = _field(model, text_name)
            text = params.get(text_name)
            if not isinstance(text, str) or not text:
                raise QuoteError(f"{model.id}: send the text first; the price depends on its length")
            if field.max_length is not None and len(text) > field.max_length:
                raise QuoteError(
                    f"{model.id}: the text is {len(text)} characters, over the limit of {field.max_length}"
                )
            if (problem := field.problem(text)) is not None:
                raise QuoteError(f"{model.id}: {text_name!r}: {problem}")
            rule = f"per_1k_chars {text_name}={len(text)} chars at {rate}/1000"
            return rate * len(text) / REFERENCE_CHARS, rule, source


def quote(model: Model, params: Mapping[str, object], *, markup: Decimal, version: str) -> Quote:
    """Price one generation of ``model`` with ``params`` (missing ones take their defaults).

    Usually called through :meth:`registry.Registry.quote`, which supplies the
    markup and version. Raises :class:`QuoteError` when the price is not
    determined or not positive.
    """
    kie, rule, source = _kie_cost(model, params)
    if kie <= 0:
        raise QuoteError(f"{model.id}: the price for {rule} is not positive; refusing to sell at {kie}")
    return Quote(
        model_id=model.id,
        credits=credits_for(kie, markup),
        kie_credits=kie,
        markup=markup,
        rule=rule,
        source=source,
        registry_version=version,
    )


def price_domain(model: Model, name: str) -> tuple[Scalar, ...]:
    """The values a user may pick for price parameter ``name`` (an integer range if there is no list)."""
    field = _field(model, name)
    choices = field.choices()
    if choices is not None:
        return choices
    if field.type == "integer" and field.minimum is not None and field.maximum is not None:
        low, high = int(field.minimum), int(field.maximum)
        if 0 <= high - low < MAX_ENUMERATED_SECONDS:
            return tuple(range(low, high + 1))
    raise QuoteError(f"{model.id}: {name!r} has no finite list of values, so its prices cannot be checked")


def price_combinations(model: Model) -> Iterator[dict[str, Scalar]]:
    """Every combination of the model's price-relevant parameters.

    A per-character model gets a text of 1,000 characters. Raises
    :class:`QuoteError` if some parameter has no finite list of values.
    """
    if isinstance(model.price, PerThousandChars):
        yield {model.price.text_param: "x" * REFERENCE_CHARS}
        return
    names = price_params(model)
    domains = [price_domain(model, name) for name in names]
    for values in product(*domains):
        yield dict(zip(names, values))


def min_price(model: Model, *, markup: Decimal, version: str = "") -> int:
    """The lowest price over all parameter combinations: "from N credits" in a menu.

    For a per-character model it is the price of 1,000 characters.
    """
    return min(quote(model, combination, markup=markup, version=version).credits
               for combination in price_combinations(model))


def value_prices(
    model: Model, param: str, params: Mapping[str, object], *, markup: Decimal
) -> dict[str, int] | None:
    """The price for each value of ``param``, other parameters as in ``params`` or their defaults.

    Returns None when ``param`` does not change the price, so a keyboard shows
    prices only on buttons where they differ. Keys are canonical values.
    """
    if param not in price_params(model) or isinstance(model.price, PerThousandChars):
        return None
    prices = {
        canonical(value): quote(model, {**params, param: value}, markup=markup, version="").credits
        for value in price_domain(model, param)
    }
    return prices if len(set(prices.values())) > 1 else None
