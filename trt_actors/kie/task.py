"""What KIE says about a task, read tolerantly into one immutable record.

The ``recordInfo`` payload (and the callback body, which has the same shape)
is irregular on the wire: ``param`` is a JSON string whose ``input`` is
itself a JSON string (double encoding); ``resultJson`` is ``""`` while the
task runs and a JSON string later; ``failCode`` is ``null``, ``""``, a string
or a number; times are ``null`` until known. :func:`parse_task` accepts all of
these, ignores fields it does not know, and returns a :class:`TaskInfo` whose
fields always have one type.

Example::

    info = parse_task(envelope_data)
    if info.state is TaskState.SUCCESS:
        urls = info.result_urls
"""

from __future__ import annotations

import json
import math
from typing import Any

import msgspec

from trt_actors.kie.states import TaskState, parse_state

__all__ = ["CreatedTask", "TaskInfo", "parse_created", "parse_task"]


class TaskInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One task as KIE reports it, normalised.

    ``cost_time`` is in the unit KIE sends (seconds in real traffic): show it,
    do not compute with it. ``credits_consumed`` and ``credits_remaining``
    come only with callbacks.
    """

    task_id: str
    model: str = ""
    state: TaskState
    raw_state: str = ""
    input: dict[str, Any] = msgspec.field(default_factory=dict)
    result_urls: tuple[str, ...] = ()
    fail_code: str | None = None
    fail_msg: str | None = None
    cost_time: float | None = None
    created_at_ms: int | None = None
    completed_at_ms: int | None = None
    credits_consumed: float | None = None
    credits_remaining: float | None = None


class CreatedTask(msgspec.Struct, frozen=True, kw_only=True):
    """KIE accepted a createTask: the id to poll, and the model it was for."""

    task_id: str
    model: str


class _WireTask(msgspec.Struct, rename="camel"):
    """The wire shape; every field optional, every odd one typed ``Any``."""

    task_id: Any = None
    task_id_snake: Any = msgspec.field(default=None, name="task_id")
    model: Any = None
    state: Any = None
    param: Any = None
    result_json: Any = None
    fail_code: Any = None
    fail_msg: Any = None
    cost_time: Any = None
    create_time: Any = None
    complete_time: Any = None
    consume_credits: Any = None
    credits_consumed: Any = None
    remained_credits: Any = None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value or None
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    number: float
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _millis(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _json_value(value: Any) -> Any:
    """Decode a JSON string (repeatedly, for double encoding); pass other values through."""
    for _ in range(3):
        if not isinstance(value, str):
            return value
        text = value.strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to read: the text as it is
            return value
    return value


def _input_of(param: Any) -> dict[str, Any]:
    decoded = _json_value(param)
    if not isinstance(decoded, dict):
        return {}
    inner = _json_value(decoded.get("input")) if "input" in decoded else decoded
    return dict(inner) if isinstance(inner, dict) else {}


def _urls_of(result_json: Any) -> tuple[str, ...]:
    decoded = _json_value(result_json)
    if not isinstance(decoded, dict):
        return ()
    for key in ("resultUrls", "result_urls", "resultUrl", "urls", "url"):
        found = decoded.get(key)
        if isinstance(found, str) and found:
            return (found,)
        if isinstance(found, list):
            return tuple(url for url in found if isinstance(url, str) and url)
    return ()


def parse_task(data: Any) -> TaskInfo:
    """Read a recordInfo ``data`` object (or a callback's ``data``) into a :class:`TaskInfo`.

    Raises ``ValueError`` if ``data`` is not an object with a task id; the
    client turns that into :class:`~trt_actors.kie.errors.KieProtocolError`.
    """
    if not isinstance(data, dict):
        raise ValueError(f"expected a task object, got {type(data).__name__}")
    wire = msgspec.convert(data, _WireTask, strict=False)
    task_id = _text(wire.task_id) or _text(wire.task_id_snake)
    if task_id is None:
        raise ValueError("the task object has no taskId")
    raw_state = wire.state if isinstance(wire.state, str) else ""
    consumed = _number(wire.consume_credits)
    return TaskInfo(
        task_id=task_id,
        model=_text(wire.model) or "",
        state=parse_state(wire.state),
        raw_state=raw_state,
        input=_input_of(wire.param),
        result_urls=_urls_of(wire.result_json),
        fail_code=_text(wire.fail_code),
        fail_msg=_text(wire.fail_msg),
        cost_time=_number(wire.cost_time),
        created_at_ms=_millis(wire.create_time),
        completed_at_ms=_millis(wire.complete_time),
        credits_consumed=consumed if consumed is not None else _number(wire.credits_consumed),
        credits_remaining=_number(wire.remained_credits),
    )


def parse_created(data: Any, model: str) -> CreatedTask:
    """Read createTask's ``data`` (``{"taskId": ..., "recordId": ...}``)."""
    if isinstance(data, dict):
        for key in ("taskId", "task_id", "recordId"):
            task_id = _text(data.get(key))
            if task_id is not None:
                return CreatedTask(task_id=task_id, model=model)
    raise ValueError("createTask answered without a taskId")
