"""The vendor's input schemas, so the KIE emulator can refuse an ``input`` the way KIE does.

Real KIE answers a ``createTask`` whose ``input`` it does not accept with
HTTP 200 and ``{"code": 422, "msg": "Invalid resolution", "data": null}``.
Give the emulator a mapping from KIE model id to :class:`Schema`
(``emu.schemas = schemas_from_registry(registry)``) and it does the same;
without one (the default) it accepts any ``input``.

A schema checks, in this order: no field the vendor does not list, every
required field present, then each value's JSON type, ``enum`` and limits
(``minimum``/``maximum``, ``minLength``/``maxLength``, ``minItems``/``maxItems``).
The first failure is the answer, and it names the field.

The check is written here rather than borrowed from the registry's
:meth:`~registry.InputField.problem`: the emulator exists to catch the bot's
mistakes, and shared code would share them. Only the facts are taken from
the registry (:func:`schemas_from_registry`) or straight from the vendor's
OpenAPI docs (:func:`schemas_from_docs`).

Example::

    emu.schemas = schemas_from_registry(load_valid_registry())
    await kie.create_task("nano-banana-pro", {"prompt": "a cat", "resolution": "4k"})
    # ValidationError: 422 "Invalid resolution: '4k' is not one of the allowed values"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol, TypeAlias

import msgspec

if TYPE_CHECKING:
    from registry import Registry

__all__ = ["FieldRule", "Schema", "schemas_from_docs", "schemas_from_registry"]

Scalar: TypeAlias = str | int | float | bool

_SHOWN: Final = 40


class _VendorField(Protocol):
    """The vendor facts of one field, as the registry and the docs reader both spell them."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def required(self) -> bool: ...
    @property
    def enum(self) -> tuple[Scalar, ...] | None: ...
    @property
    def minimum(self) -> int | float | None: ...
    @property
    def maximum(self) -> int | float | None: ...
    @property
    def min_length(self) -> int | None: ...
    @property
    def max_length(self) -> int | None: ...
    @property
    def min_items(self) -> int | None: ...
    @property
    def max_items(self) -> int | None: ...


class FieldRule(msgspec.Struct, frozen=True):
    """What the vendor accepts for one ``input`` field: its JSON type, whether it is required, its limits."""

    name: str
    type: str
    required: bool = False
    enum: tuple[Scalar, ...] | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None

    @classmethod
    def of(cls, field: _VendorField) -> FieldRule:
        """The rule for a registry :class:`~registry.InputField` (or a vendor-docs field: same facts)."""
        return cls(
            name=field.name, type=field.type, required=field.required, enum=field.enum,
            minimum=field.minimum, maximum=field.maximum, min_length=field.min_length,
            max_length=field.max_length, min_items=field.min_items, max_items=field.max_items,
        )

    def problem(self, value: object) -> str | None:
        """Why KIE refuses ``value`` for this field (after the field's name), or None."""
        if not _is_a(self.type, value):
            return f"expected {_A[self.type] if self.type in _A else self.type}, got {_json_type(value)}"
        if self.enum is not None and not any(_same(value, allowed) for allowed in self.enum):
            return f"{_show(value)} is not one of the allowed values"
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                return f"{value} is below the minimum {self.minimum}"
            if self.maximum is not None and value > self.maximum:
                return f"{value} is above the maximum {self.maximum}"
        if isinstance(value, str):
            if self.min_length is not None and len(value) < self.min_length:
                return f"{len(value)} characters, fewer than {self.min_length}"
            if self.max_length is not None and len(value) > self.max_length:
                return f"{len(value)} characters, more than {self.max_length}"
        if isinstance(value, list):
            if self.min_items is not None and len(value) < self.min_items:
                return f"{len(value)} items, fewer than {self.min_items}"
            if self.max_items is not None and len(value) > self.max_items:
                return f"{len(value)} items, more than {self.max_items}"
        return None


class Schema(msgspec.Struct, frozen=True):
    """The ``input`` object one KIE model accepts."""

    kie_model: str
    fields: tuple[FieldRule, ...]

    def problem(self, task_input: Mapping[str, object]) -> str | None:
        """The ``msg`` of KIE's 422 for ``task_input``, naming the field, or None if KIE would take it."""
        known = {rule.name: rule for rule in self.fields}
        for name in task_input:
            if name not in known:
                return f"Invalid {name}: {self.kie_model} has no such input field"
        for rule in self.fields:
            if rule.required and rule.name not in task_input:
                return f"{rule.name} is required"
        for rule in self.fields:
            if rule.name in task_input:
                problem = rule.problem(task_input[rule.name])
                if problem is not None:
                    return f"Invalid {rule.name}: {problem}"
        return None


class _VendorModel(Protocol):
    @property
    def kie_model(self) -> str: ...
    @property
    def fields(self) -> Iterable[_VendorField]: ...


def _schema(model: _VendorModel) -> Schema:
    return Schema(model.kie_model, tuple(FieldRule.of(field) for field in model.fields))


def schemas_from_registry(registry: Registry) -> dict[str, Schema]:
    """A schema for every model of ``registry`` (enabled or not), by KIE model id, from its vendor facts."""
    return {model.kie_model: _schema(model) for model in registry.models}


def schemas_from_docs(folder: Path) -> dict[str, Schema]:
    """A schema for every ``createTask`` model in a folder of KIE's vendor docs, by KIE model id.

    Read with :func:`registry.vendor_docs.read_docs` (needs PyYAML). A model
    documented by several pages takes the first in path order; pages that
    cannot be parsed are left out.
    """
    from registry.vendor_docs import read_docs  # PyYAML is needed only here

    docs = read_docs(folder)
    return {kie_model: _schema(pages[0]) for kie_model, pages in docs.models.items()}


_A: Final = {
    "string": "a string", "integer": "an integer", "number": "a number",
    "boolean": "a boolean", "array": "an array", "object": "an object",
}


def _is_a(kind: str, value: object) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return True  # a type this check does not know: KIE decides, not the emulator


def _json_type(value: object) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int():
            return "an integer"
        case float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "an array"
        case _:
            return "an object"


def _same(left: object, right: object) -> bool:
    """JSON equality: ``true`` is not ``1`` and ``"5"`` is not ``5``, but ``5`` is ``5.0``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, str) or isinstance(right, str):
        return isinstance(left, str) and isinstance(right, str) and left == right
    return left == right


def _show(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= _SHOWN else shown[: _SHOWN - 1] + "…"
