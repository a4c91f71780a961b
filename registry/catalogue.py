"""Loading and saving the catalogue, and the :class:`Registry` that answers questions about it.

The catalogue is ``registry/catalogue.json``: our own data, decoded strictly.
Its version is the date of the price list it follows plus a hash of the file's
content and the markup, so every :class:`~registry.quotes.Quote` says exactly
which prices produced it.

>>> registry = load_registry()
>>> [model.id for model in registry.models_in("background_removal")]
['recraft/remove-background']
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Final

import msgspec

from registry.model import MENU_CATEGORIES, Catalogue, Model
from registry.pricing import DEFAULT_MARKUP
from registry.quotes import Quote, min_price, quote, value_prices

__all__ = ["CATALOGUE_PATH", "Registry", "RegistryError", "decode_catalogue", "encode_catalogue", "load_registry"]

CATALOGUE_PATH: Final = Path(__file__).with_name("catalogue.json")


class RegistryError(Exception):
    """The catalogue file cannot be read or decoded; the message says where."""


def decode_catalogue(data: bytes, *, origin: str = "catalogue") -> Catalogue:
    """Decode catalogue JSON strictly (unknown keys and wrong types are errors)."""
    try:
        return msgspec.json.decode(data, type=Catalogue)
    except msgspec.ValidationError as error:
        raise RegistryError(f"{origin} is not a valid catalogue: {error}") from None
    except msgspec.DecodeError as error:
        raise RegistryError(f"{origin} is not JSON: {error}") from None


def encode_catalogue(catalogue: Catalogue) -> bytes:
    """The canonical file form: sorted keys, two-space indent, trailing newline (stable diffs)."""
    compact = msgspec.json.encode(catalogue, order="sorted")
    return msgspec.json.format(compact, indent=2) + b"\n"


class Registry:
    """The loaded catalogue with its markup and version. Immutable; safe to share.

    >>> registry = load_registry()
    >>> registry.quote("z-image", {"prompt": "a fox"}).credits
    2
    """

    __slots__ = ("_by_id", "_categories", "_listed", "catalogue", "markup", "version")

    def __init__(self, catalogue: Catalogue, *, markup: Decimal = DEFAULT_MARKUP, content: bytes | None = None) -> None:
        self.catalogue = catalogue
        self.markup = markup
        digest = hashlib.sha256(content if content is not None else encode_catalogue(catalogue))
        digest.update(b"\0markup=" + str(markup).encode())
        self.version = f"{catalogue.prices_as_of}.{digest.hexdigest()[:12]}"
        self._by_id = {model.id: model for model in catalogue.models}
        self._categories: tuple[str, ...] | None = None
        self._listed: dict[str, tuple[Model, ...]] = {}  # immutable registry: computed once, on first use

    def __repr__(self) -> str:
        return f"<Registry {self.version}: {len(self.catalogue.models)} models, markup {self.markup}>"

    @property
    def models(self) -> tuple[Model, ...]:
        """Every model, enabled or not, in file order."""
        return self.catalogue.models

    def model(self, model_id: str) -> Model:
        """The model with this id; KeyError with a readable message if there is none."""
        try:
            return self._by_id[model_id]
        except KeyError:
            raise KeyError(f"no model {model_id!r} in the registry") from None

    def categories(self) -> tuple[str, ...]:
        """Menu categories that have at least one enabled model, in menu order."""
        if self._categories is None:
            used = {model.category for model in self.models if model.enabled}
            self._categories = tuple(category for category in MENU_CATEGORIES if category in used)
        return self._categories

    def models_in(self, category: str) -> tuple[Model, ...]:
        """Enabled models of one category, cheapest first (ties by id)."""
        listed = self._listed.get(category)
        if listed is None:
            chosen = [model for model in self.models if model.enabled and model.category == category]
            listed = self._listed[category] = tuple(sorted(chosen, key=lambda model: (self.min_price(model), model.id)))
        return listed

    def _resolve(self, model: Model | str) -> Model:
        return self.model(model) if isinstance(model, str) else model

    def quote(self, model: Model | str, params: Mapping[str, object]) -> Quote:
        """Price one generation; raises :class:`~registry.quotes.QuoteError` if it cannot be priced exactly."""
        return quote(self._resolve(model), params, markup=self.markup, version=self.version)

    def min_price(self, model: Model | str) -> int:
        """"From N credits": the cheapest combination (per 1,000 characters for speech)."""
        return min_price(self._resolve(model), markup=self.markup, version=self.version)

    def value_prices(self, model: Model | str, param: str, params: Mapping[str, object]) -> dict[str, int] | None:
        """Price per value of ``param`` (None if it does not change the price)."""
        return value_prices(self._resolve(model), param, params, markup=self.markup)

    def price_deltas(self, model: Model | str, param: str, params: Mapping[str, object]) -> dict[str, int] | None:
        """Price change per value of ``param`` relative to the price with ``params`` as they are."""
        prices = self.value_prices(model, param, params)
        if prices is None:
            return None
        base = self.quote(model, params).credits
        return {value: price - base for value, price in prices.items()}


def load_registry(path: Path | None = None, *, markup: Decimal | None = None) -> Registry:
    """Read and decode the catalogue (``registry/catalogue.json`` unless ``path`` is given).

    This does not validate it: call :func:`registry.validate` (the bot does so
    at start-up and refuses to start on any defect).
    """
    source = path or CATALOGUE_PATH
    try:
        content = source.read_bytes()
    except OSError as error:
        raise RegistryError(f"cannot read the catalogue {source}: {error.strerror}") from None
    catalogue = decode_catalogue(content, origin=str(source))
    return Registry(catalogue, markup=DEFAULT_MARKUP if markup is None else markup, content=content)

