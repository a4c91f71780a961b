"""The model catalogue: the single source of truth for models, their inputs and their prices.

The catalogue is data (``registry/catalogue.json``) plus a little strict code:
a validator that refuses anything inconsistent, a pure :func:`quote`, and a
sync tool that compares the data with KIE's vendor docs. Typical use::

    from registry import load_valid_registry

    registry = load_valid_registry()          # InvalidRegistry lists every defect
    for category in registry.categories():    # menu: categories with enabled models
        for model in registry.models_in(category):
            print(model.name.ru, "от", registry.min_price(model))
    quote = registry.quote("nano-banana-pro", {"prompt": "a cat", "resolution": "4K"})
    quote.credits, quote.rule, quote.registry_version

Prices: ``credits = ceil(kie_credits * markup)``; see :mod:`registry.pricing`.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from registry.catalogue import Registry, RegistryError, load_registry
from registry.model import CATEGORIES, MEDIA_TYPES, MENU_CATEGORIES, InputField, Model, Text
from registry.pricing import DEFAULT_MARKUP, credits_for
from registry.quotes import Quote, QuoteError, quote
from registry.validator import Defect, validate

__all__ = [
    "CATEGORIES",
    "DEFAULT_MARKUP",
    "MEDIA_TYPES",
    "MENU_CATEGORIES",
    "Defect",
    "InputField",
    "InvalidRegistry",
    "Model",
    "Quote",
    "QuoteError",
    "Registry",
    "RegistryError",
    "Text",
    "credits_for",
    "load_registry",
    "load_valid_registry",
    "quote",
    "validate",
]


class InvalidRegistry(RegistryError):
    """The catalogue has defects; ``defects`` lists them and the message shows them one per line."""

    def __init__(self, defects: list[Defect]) -> None:
        self.defects = defects
        lines = "\n".join(f"  {defect}" for defect in defects)
        super().__init__(
            f"the model registry has {len(defects)} defect(s) and the bot will not start with it:\n{lines}\n"
            "Fix registry/catalogue.json and check with `python main.py registry validate`."
        )


def load_valid_registry(path: Path | None = None, *, markup: Decimal | None = None) -> Registry:
    """Load the catalogue and validate it: what the bot calls at start-up.

    Raises :class:`InvalidRegistry` (with every defect) or :class:`RegistryError`.
    """
    registry = load_registry(path, markup=markup)
    defects = validate(registry.catalogue)
    if defects:
        raise InvalidRegistry(defects)
    return registry
