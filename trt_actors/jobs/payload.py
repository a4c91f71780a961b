"""The ``input`` object of KIE's ``createTask``, built from the registry. Pure functions.

A job knows the model, the user's answers (:class:`~trt_actors.events.session.Param`)
and the KIE URLs of the photos it uploaded
(:class:`~trt_actors.events.jobs.UploadedFiles`); :func:`kie_input` turns
them into what KIE expects, by these rules:

* every key is one of the model's input fields, in catalogue order, so the
  same order and answers always give the same dict;
* an answer is sent as given, a field the user did not answer gets the
  vendor's ``default``, and an optional field with neither is left out;
* an uploaded field gets its URLs: the list for an ``array`` field, the
  single URL for a ``string`` field;
* every value must be one the vendor accepts (:meth:`registry.InputField.problem`).
  ``offered`` is not checked here: it is our menu, and the session enforced
  it when the user picked.

Anything else is a :class:`PayloadError`, raised before any call is made, so
a registry that changed under a confirmed order fails the job instead of
sending KIE something it will refuse.

>>> from registry import load_registry
>>> model = load_registry().model("z-image")
>>> kie_input(model, default_params(model), ())
{'prompt': 'a red fox in the snow', 'aspect_ratio': '1:1'}

:func:`default_params` and :func:`costliest_params` give the answers of the
two users a test cares most about: the one who accepts every default and the
one who picks the dearest option everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from registry import InputField, Model, Registry
from registry.model import PerThousandChars
from registry.quotes import price_combinations, price_params
from trt_actors.events.jobs import UploadedFiles
from trt_actors.events.session import Param, ParamValue

__all__ = ["SAMPLE_TEXT", "UPLOAD_ASKS", "PayloadError", "costliest_params", "default_params", "kie_input"]

UPLOAD_ASKS: Final = ("image", "images", "audio", "video")
"""The ``ask`` modes whose values come as uploaded files, never as parameters."""

SAMPLE_TEXT: Final = "a red fox in the snow"
"""The text :func:`default_params` gives a required text field that has no default."""

_SHOWN: Final = 40
"""At most this many characters of a refused text go into an error: prompts are the user's, not the log's."""


class PayloadError(ValueError):
    """The answers cannot be sent to KIE as they are; the message names the model, the field and the problem."""


def kie_input(model: Model, params: Sequence[Param], uploads: Sequence[UploadedFiles]) -> dict[str, object]:
    """The ``input`` object of ``createTask`` for ``model``: answers, uploaded URLs, then vendor defaults.

    Raises :class:`PayloadError` for an unknown parameter or upload, a value the
    vendor refuses, a missing required field, or a wrong number of URLs.

    >>> from registry import load_registry
    >>> model = load_registry().model("recraft/remove-background")
    >>> kie_input(model, (), [UploadedFiles("image", ("https://files.example/1.jpg",))])
    {'image': 'https://files.example/1.jpg'}
    """
    given = _answers(model, params)
    sent = _uploaded(model, uploads)
    payload: dict[str, object] = {}
    for field in model.fields:
        if field.name in sent:
            payload[field.name] = sent[field.name]
            continue
        value = given.get(field.name, field.default)
        if value is None:
            if field.required:
                how = "upload it" if _is_upload(field) else "give a value"
                raise PayloadError(f"{model.id}: {field.name!r} is required and missing: {how}")
            continue
        _check(model, field, value)
        payload[field.name] = value
    return payload


def default_params(model: Model) -> tuple[Param, ...]:
    """The answers of a user who accepts every default, in catalogue order.

    Every field the wizard asks and that has a default gets it. A required
    field, or one the price depends on, without a default gets a sensible
    legal value: :data:`SAMPLE_TEXT` for a text, the first choice for buttons,
    the minimum for a number. Upload fields are not parameters (see
    :func:`kie_input`'s ``uploads``) and hidden fields are left to
    :func:`kie_input`, which sends their defaults.
    """
    priced = set(price_params(model))
    chosen: list[Param] = []
    for field in model.fields:
        if _is_upload(field):
            continue
        if field.default is not None:
            if field.ask != "hidden":
                chosen.append(Param(field.name, field.default))
        elif field.required or field.name in priced:
            chosen.append(Param(field.name, _sample(model, field)))
    return tuple(chosen)


def costliest_params(registry: Registry, model: Model) -> tuple[Param, ...]:
    """:func:`default_params` with the price parameters set to the combination ``registry`` prices highest.

    A per-second price takes the longest duration offered; a per-character
    price takes a text as long as the field allows. Ties go to the first
    combination in the registry's enumeration order. Raises
    :class:`~registry.QuoteError` if the model cannot be priced at all.
    """
    base = {param.name: param.value for param in default_params(model)}
    dearest: dict[str, ParamValue]
    if isinstance(model.price, PerThousandChars):
        text = _field(model, model.price.text_param)
        dearest = {text.name: _long_text(text)}
    else:
        dearest = max(
            price_combinations(model), key=lambda values: registry.quote(model, {**base, **values}).kie_credits
        )
    return _in_field_order(model, {**base, **dearest})


def _in_field_order(model: Model, values: dict[str, ParamValue]) -> tuple[Param, ...]:
    return tuple(Param(field.name, values[field.name]) for field in model.fields if field.name in values)


def _is_upload(field: InputField) -> bool:
    return field.ask in UPLOAD_ASKS


def _field(model: Model, name: str) -> InputField:
    field = model.field(name)
    if field is None:
        raise PayloadError(f"{model.id}: {name!r} is not one of its input fields")
    return field


def _answers(model: Model, params: Sequence[Param]) -> dict[str, ParamValue]:
    given: dict[str, ParamValue] = {}
    for param in params:
        field = _field(model, param.name)
        if _is_upload(field):
            raise PayloadError(f"{model.id}: {param.name!r} takes uploaded files, not a parameter")
        if param.name in given:
            raise PayloadError(f"{model.id}: {param.name!r} is given twice")
        given[param.name] = param.value
    return given


def _uploaded(model: Model, uploads: Sequence[UploadedFiles]) -> dict[str, object]:
    sent: dict[str, object] = {}
    for upload in uploads:
        field = _field(model, upload.name)
        if not _is_upload(field):
            raise PayloadError(f"{model.id}: {upload.name!r} does not take uploaded files")
        if upload.name in sent:
            raise PayloadError(f"{model.id}: {upload.name!r} has two uploads")
        count = len(upload.urls)
        if count == 0:
            raise PayloadError(f"{model.id}: {upload.name!r} has an upload with no files")
        if field.type != "array":
            if count > 1:
                raise PayloadError(f"{model.id}: {upload.name!r} takes one file, got {count}")
            sent[upload.name] = upload.urls[0]
            continue
        if field.max_items is not None and count > field.max_items:
            raise PayloadError(f"{model.id}: {upload.name!r} takes at most {field.max_items} files, got {count}")
        if field.min_items is not None and count < field.min_items:
            raise PayloadError(f"{model.id}: {upload.name!r} takes at least {field.min_items} files, got {count}")
        sent[upload.name] = list(upload.urls)
    return sent


def _check(model: Model, field: InputField, value: ParamValue) -> None:
    problem = field.problem(value)
    if problem is None:
        return
    if isinstance(value, str) and len(value) > _SHOWN:
        problem = problem.replace(repr(value), repr(value[:_SHOWN] + "…"))
    raise PayloadError(f"{model.id}: {field.name!r}: {problem}")


def _sample(model: Model, field: InputField) -> ParamValue:
    """A legal value for a field that has no default."""
    choices = field.choices()
    if choices:
        return choices[0]
    if field.type == "string":
        text = SAMPLE_TEXT
        if field.min_length is not None and len(text) < field.min_length:
            text = text.ljust(field.min_length, ".")
        return text[: field.max_length] if field.max_length is not None else text
    if field.type in ("integer", "number"):
        low = field.minimum if field.minimum is not None else 0
        return int(low) if field.type == "integer" else low
    raise PayloadError(f"{model.id}: {field.name!r} has no default and no value can be chosen for it")


def _long_text(field: InputField) -> str:
    """A text as long as the field allows (a few thousand characters if it sets no limit)."""
    length = field.max_length if field.max_length is not None else 5000
    words = (SAMPLE_TEXT + ". ") * (length // (len(SAMPLE_TEXT) + 2) + 1)
    return words[:length]
