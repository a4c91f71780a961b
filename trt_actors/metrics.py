"""``/metrics``: the ``statistics()`` records of the running parts, as Prometheus text.

Every stateful thing in the project has a ``statistics()`` method returning a
frozen record (a msgspec Struct). :class:`Metrics` holds named providers and
renders what they return in the Prometheus text exposition format (0.0.4),
with Prometheus's types and naming conventions:

* a field a record names in its ``COUNTERS`` (a ``ClassVar`` of field names:
  things that only ever go up) is a **counter** ``trt_<provider>_<field>_total``;
* a :class:`Histogram` field is a **histogram** ``..._seconds`` (``_bucket``
  with ``le``, ``_sum``, ``_count``);
* a field in milliseconds (``..._ms``) is a gauge in seconds (``..._seconds``);
* any other number or boolean is a **gauge** named ``trt_<provider>_<field path>``.

A list of records that carry a ``name`` (a supervisor's children, say) becomes
one series per item with a ``name`` label; a dict becomes one series per key
with a ``key`` label. Strings and ``None`` are left out (they are not numbers,
and a free-form string is where a secret could leak).

Example::

    metrics = Metrics()
    metrics.register("outbox", outbox.statistics)
    metrics.register("eventlog", log.statistics)
    print(metrics.render())
    # # TYPE trt_outbox_sent_total counter
    # trt_outbox_sent_total 12
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping
import msgspec
import msgspec.structs

__all__ = ["CONTENT_TYPE", "Histogram", "Metrics", "render_record"]

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_INVALID = re.compile(r"[^a-zA-Z0-9_]")

Labels = tuple[tuple[str, str], ...]
Samples = dict[str, list[tuple[Labels, float]]]
"""Sample name -> its series; a family's kind is in :data:`Kinds` (gauge when absent)."""


class Histogram(msgspec.Struct, frozen=True):
    """A histogram of seconds: ``buckets`` maps each upper bound (``"0.1"``, ..., ``"+Inf"``) to the cumulative
    count of observations at or below it; ``sum`` and ``count`` as Prometheus has them."""

    buckets: Mapping[str, int]
    sum: float
    count: int


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


_KINDS: dict[str, str] = {}
"""Family name -> ``counter`` or ``histogram`` (a gauge otherwise); filled as records are walked."""


def _walk(name: str, value: object, labels: Labels, into: Samples, kinds: dict[str, str], counter: bool = False) -> None:
    if isinstance(value, bool):
        into.setdefault(name, []).append((labels, 1.0 if value else 0.0))
    elif isinstance(value, int | float):
        if counter:
            name = f"{name}_total"
            kinds[name] = "counter"
        into.setdefault(name, []).append((labels, float(value)))
    elif isinstance(value, Histogram):
        family = name if name.endswith("_seconds") else f"{name}_seconds"
        kinds[family] = "histogram"
        for bound, count in value.buckets.items():
            into.setdefault(f"{family}_bucket", []).append(((*labels, ("le", bound)), float(count)))
        into.setdefault(f"{family}_sum", []).append((labels, value.sum))
        into.setdefault(f"{family}_count", []).append((labels, float(value.count)))
    elif isinstance(value, msgspec.Struct):
        counters: frozenset[str] = getattr(type(value), "COUNTERS", frozenset())
        for field in msgspec.structs.fields(value):
            if field.name != "name" or not labels or labels[-1][0] != "name":
                item = getattr(value, field.name)
                if field.name.endswith("_ms") and isinstance(item, int | float) and not isinstance(item, bool):
                    _walk(_metric_name(name, field.name[:-3] + "_seconds"), item / 1000, labels, into, kinds)
                else:
                    _walk(_metric_name(name, field.name), item, labels, into, kinds, field.name in counters)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _walk(name, item, (*labels, ("key", str(key))), into, kinds, counter)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            item_name = getattr(item, "name", None)
            label = ("name", item_name) if isinstance(item_name, str) else ("index", str(index))
            _walk(name, item, (*labels, label), into, kinds, counter)


def render_record(prefix: str, record: object, into: Samples | None = None,
                  kinds: dict[str, str] | None = None) -> Samples:
    """The samples of one ``statistics()`` record under the metric-name prefix ``prefix`` (kinds into ``kinds``)."""
    samples: Samples = {} if into is None else into
    _walk(_metric_name(prefix), record, (), samples, _KINDS if kinds is None else kinds)
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

    def unregister(self, prefix: str) -> None:
        """Drop every provider whose name starts with ``prefix`` (a unit of work this instance gave up)."""
        for name in [name for name in self._providers if name.startswith(prefix)]:
            del self._providers[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._providers)

    def render(self) -> str:
        """Every provider's record as Prometheus text; a provider that raises is skipped (and logged)."""
        samples: Samples = {}
        kinds: dict[str, str] = {}
        for name, provider in self._providers.items():
            try:
                record = provider()
            except Exception:
                log.exception("the metrics provider %r failed; its metrics are left out", name)
                continue
            render_record(_metric_name(self._namespace, name), record, samples, kinds)
        lines: list[str] = []
        declared: set[str] = set()
        for metric, series in samples.items():
            family = next((f for f in (metric.removesuffix(s) for s in ("_bucket", "_sum", "_count"))
                           if kinds.get(f) == "histogram"), metric)
            if family not in declared:
                declared.add(family)
                lines.append(f"# TYPE {family} {kinds.get(family, 'gauge')}")
            for labels, value in series:
                rendered = ",".join(f'{key}="{_label_value(val)}"' for key, val in labels)
                lines.append(f"{metric}{{{rendered}}} {_number(value)}" if rendered else f"{metric} {_number(value)}")
        return "\n".join(lines) + "\n"
