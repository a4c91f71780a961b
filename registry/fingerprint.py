"""Fingerprints: one short hash of everything a vendor doc says about a model.

The hash covers the model id, the output media, every input field's facts
(type, required, enum, default, limits; fields sorted by name) and a digest of
the doc's prose. It ignores our own choices (``ask``, ``offered``) and the
order of keys, fields and YAML mappings, so the same doc always gives the same
fingerprint, and any change a person would care about gives a different one.

>>> from registry.model import InputField
>>> a = InputField(name="prompt", type="string", ask="text", required=True)
>>> fingerprint("z-image", "image", [a], "") == fingerprint("z-image", "image", (a,), "")
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import msgspec

from registry.model import InputField, Scalar

__all__ = ["FACTS", "facts", "fingerprint"]

FACTS = ("type", "required", "enum", "default", "minimum", "maximum",
         "min_length", "max_length", "min_items", "max_items")
"""The field attributes that come from the vendor and that sync compares."""


def facts(field: InputField) -> dict[str, object]:
    """The vendor facts of one field, as a plain dict (``None`` where the doc says nothing)."""
    return {name: getattr(field, name) for name in FACTS}


def _tagged(value: object) -> object:
    """Keep ``"5"``, ``5`` and ``5.0`` and ``True`` apart in the hash."""
    if isinstance(value, tuple | list):
        return [_tagged(item) for item in value]
    if isinstance(value, bool | int | float | str):
        scalar: Scalar = value
        return [type(scalar).__name__, scalar]
    return value


def _ordered(values: dict[str, object]) -> dict[str, object]:
    """Enum order is presentation, not a fact: sort it so a reordering is no change."""
    enum = values.get("enum")
    if isinstance(enum, tuple):
        values = {**values, "enum": tuple(sorted(enum, key=lambda item: (type(item).__name__, str(item))))}
    return values


def fingerprint(kie_model: str, media: str | None, fields: Iterable[InputField], prose_digest: str) -> str:
    """A 16-hex-digit SHA-256 prefix over the model's vendor facts."""
    document = {
        "model": kie_model,
        "media": media,
        "fields": {
            field.name: {name: _tagged(value) for name, value in _ordered(facts(field)).items()}
            for field in sorted(fields, key=lambda field: field.name)
        },
        "prose": prose_digest,
    }
    return hashlib.sha256(msgspec.json.encode(document, order="sorted")).hexdigest()[:16]
