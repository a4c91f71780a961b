"""``/metrics``: the ``statistics()`` records of the running parts, as Prometheus text.

Every stateful thing in the project has a ``statistics()`` method returning a
frozen record (a msgspec Struct). :class:`Metrics` holds named providers and
renders what they return in the Prometheus text exposition format (0.0.4):
each number or boolean becomes a gauge named ``trt_<provider>_<field path>``;
a list of records that carry a ``name`` (a supervisor's children, say) becomes
one series per item with a ``name`` label; a dict becomes one series per key
with a ``key`` label. Strings and ``None`` are left out (they are not numbers,
and a free-form string is where a secret could leak).

Example::

    metrics = Metrics()
    metrics.register("outbox", outbox.statistics)
    metrics.register("eventlog", log.statistics)
    print(metrics.render())
    # # TYPE trt_outbox_sent gauge
    # trt_outbox_sent 12
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping
import msgspec
import msgspec.structs

__all__ = ["CONTENT_TYPE", "Metrics", "render_record"]

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_INVALID = re.compile(r"[^a-zA-Z0-9_]")

Labels = tuple[tuple[str, str], ...]
Samples = dict[str, list[tuple[Labels, float]]]


def _metric_name(*parts: str) -> str:
    name = _INVALID.sub("_", "_".join(p for p in parts if p))
    return name if not name[:1].isdigit() else f"_{name}"


def _label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(int(value)) if float(value).is_integer() else repr(float(value))


def _walk(name: str, value: object, labels: Labels, into: Samples) -> None:
    if isinstance(value, bool):
        into.setdefault(name, []).append((labels, 1.0 if value else 0.0))
    elif isinstance(value, int | float):
        into.setdefault(name, []).append((labels, float(value)))
    elif isinstance(value, msgspec.Struct):
        for field in msgspec.structs.fields(value):
            if field.name != "name" or not labels or labels[-1][0] != "name":
                _walk(_metric_name(name, field.name), getattr(value, field.name), labels, into)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _walk(name, item, (*labels, ("key", str(key))), into)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            item_name = getattr(item, "name", None)
            label = ("name", item_name) if isinstance(item_name, str) else ("index", str(index))
            _walk(name, item, (*labels, label), into)


def render_record(prefix: str, record: object, into: Samples | None = None) -> Samples:
    """The samples of one ``statistics()`` record under the metric-name prefix ``prefix``."""
    samples: Samples = {} if into is None else into
    _walk(_metric_name(prefix), record, (), samples)
    return samples


class Metrics:
    """Named ``statistics()`` providers, rendered together for ``/metrics``."""

    def __init__(self, namespace: str = "trt") -> None:
        self._namespace = namespace
        self._providers: dict[str, Callable[[], object]] = {}

    def register(self, name: str, provider: Callable[[], object]) -> None:
        """Add ``provider`` (a ``statistics`` method); its metrics are named ``<namespace>_<name>_...``."""
        if name in self._providers:
            raise ValueError(f"a metrics provider named {name!r} is already registered")
        self._providers[name] = provider

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._providers)

    def render(self) -> str:
        """Every provider's record as Prometheus text; a provider that raises is skipped (and logged)."""
        samples: Samples = {}
        for name, provider in self._providers.items():
            try:
                record = provider()
            except Exception:
                log.exception("the metrics provider %r failed; its metrics are left out", name)
                continue
            render_record(_metric_name(self._namespace, name), record, samples)
        lines: list[str] = []
        for metric, series in samples.items():
            lines.append(f"# TYPE {metric} gauge")
            for labels, value in series:
                rendered = ",".join(f'{key}="{_label_value(val)}"' for key, val in labels)
                lines.append(f"{metric}{{{rendered}}} {_number(value)}" if rendered else f"{metric} {_number(value)}")
        return "\n".join(lines) + "\n"
