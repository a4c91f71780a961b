"""Sync: compare the catalogue with KIE's vendor docs and price list, and apply what is safe.

Each difference is a :class:`Change`, classed **safe** or **unsafe**:

========================  ======  ===============================================
kind                      safe?   meaning
========================  ======  ===============================================
``description``           safe    the doc's prose changed (fingerprint differs, facts do not)
``enum-added``            safe    the vendor accepts new values
``default``               safe    the vendor default changed
``constraint``            safe    a min/max, length or item limit changed, or an enum was dropped
``field-added``           safe    a new optional field (added hidden: the bot does not ask for it)
``price``                 safe    the price-list row for a price entry changed
``doc-moved``             safe    the model is now documented in another file
``model-id``              unsafe  the doc now names another model id
``media``                 unsafe  the output media type changed
``required``              unsafe  a field became required or optional
``field-added-required``  unsafe  a new required field
``field-removed``         unsafe  a field we send no longer exists
``type``                  unsafe  a field's type changed
``enum-removed``          unsafe  values we may offer are no longer accepted
``price-source-missing``  unsafe  a price entry's row is gone from the price list
``missing-upstream``      unsafe  no doc documents the model any more
========================  ======  ===============================================

:func:`apply_safe` applies safe changes to unlocked models only (and not to
a model they would make invalid, for example a new default outside the list
of offered values), adds models that the docs have and we do not as
**disabled** entries without a price, and never touches a ``locked`` model. A model's stored fingerprint is refreshed
only when no unsafe change remains, so unsafe changes keep being reported.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import msgspec

from registry.fingerprint import FACTS, fingerprint
from registry.model import Catalogue, Fixed, InputField, Model, PerThousandChars, PriceRule, Text
from registry.pricing import kie_credits_from_usd
from registry.quotes import canonical
from registry.validator import CATALOGUE_FORMAT, validate
from registry.vendor_docs import DocSet, PriceList, VendorModel

__all__ = [
    "Change", "ModelStatus", "SyncReport", "apply_safe", "compare", "guess_category", "price_sources", "show_value",
    "vendor_for",
]

SAFE_KINDS = frozenset({"description", "enum-added", "default", "constraint", "field-added", "price", "doc-moved"})

Status = Literal["match", "changed", "locked", "missing-upstream"]


class Change(msgspec.Struct, frozen=True):
    """One difference between a catalogue entry and its vendor doc."""

    model_id: str
    kind: str
    field: str = ""
    old: str = ""
    new: str = ""

    @property
    def safe(self) -> bool:
        """True if ``--update`` may apply it without a person."""
        return self.kind in SAFE_KINDS


class ModelStatus(msgspec.Struct, frozen=True):
    """The sync result for one catalogue model."""

    model_id: str
    status: Status
    doc: str
    fingerprint: str
    changes: tuple[Change, ...]


class SyncReport(msgspec.Struct, frozen=True):
    """Everything one sync run found."""

    docs: str
    price_list: str | None
    models: tuple[ModelStatus, ...]
    new_models: tuple[VendorModel, ...]
    duplicates: tuple[tuple[str, tuple[str, ...]], ...]
    skipped: tuple[tuple[str, str], ...]
    failures: tuple[tuple[str, str], ...]
    price_conflicts: tuple[str, ...]

    def unsafe(self) -> list[Change]:
        """Every unsafe change, locked models included."""
        return [change for status in self.models for change in status.changes if not change.safe]


def show_value(value: object) -> str:
    """A fact as report text: ``None`` -> ``-``, ``True`` -> ``true``, tuples as ``[a, b]``."""
    if value is None:
        return "-"
    if isinstance(value, tuple):
        return "[" + ", ".join(show_value(item) for item in value) + "]"
    if isinstance(value, str):
        return value
    return canonical(value) if isinstance(value, bool | int | float) else str(value)


def vendor_for(model: Model, docs: DocSet) -> VendorModel | None:
    """The vendor doc entry for a catalogue model: its own doc first, else the only doc of its id."""
    candidates = docs.models.get(model.kie_model, ())
    for candidate in candidates:
        if candidate.doc == model.source_doc:
            return candidate
    return candidates[0] if candidates else None


def _field_changes(model: Model, ours: InputField, theirs: InputField) -> list[Change]:
    changes: list[Change] = []

    def add(kind: str, old: object, new: object) -> None:
        changes.append(Change(model.id, kind, ours.name, show_value(old), show_value(new)))

    if ours.type != theirs.type:
        add("type", ours.type, theirs.type)
    if ours.required != theirs.required:
        add("required", ours.required, theirs.required)
    if ours.enum != theirs.enum:
        if ours.enum is None:
            add("enum-removed", "any value", theirs.enum)
        elif theirs.enum is None:
            add("constraint", ours.enum, "any value")
        else:
            known = {canonical(value) for value in ours.enum}
            wanted = {canonical(value) for value in theirs.enum}
            removed = tuple(value for value in ours.enum if canonical(value) not in wanted)
            added = tuple(value for value in theirs.enum if canonical(value) not in known)
            if removed:
                add("enum-removed", removed, "")
            if added:
                add("enum-added", "", added)
    if ours.default != theirs.default or type(ours.default) is not type(theirs.default):
        add("default", ours.default, theirs.default)
    for name in FACTS[4:]:
        if getattr(ours, name) != getattr(theirs, name):
            changes.append(Change(model.id, "constraint", f"{ours.name}.{name}",
                                  show_value(getattr(ours, name)), show_value(getattr(theirs, name))))
    return changes


def price_sources(rule: PriceRule | None) -> list[tuple[str, Decimal]]:
    """(price-list row, KIE credits) for every entry of a price rule."""
    match rule:
        case None:
            return []
        case Fixed(kie_credits=kie, source=source) | PerThousandChars(kie_credits=kie, source=source):
            return [(source, kie)]
        case _:
            return [(entry.source, entry.kie_credits) for entry in rule.entries]


def _price_changes(model: Model, prices: PriceList | None) -> list[Change]:
    if prices is None:
        return []
    changes: list[Change] = []
    for source, kie in dict.fromkeys(price_sources(model.price)):
        if source not in prices.usd:
            changes.append(Change(model.id, "price-source-missing", "", source, ""))
        elif (listed := kie_credits_from_usd(prices.usd[source])) != kie:
            changes.append(Change(model.id, "price", source, str(kie), str(listed)))
    return changes


def _model_changes(model: Model, vendor: VendorModel) -> list[Change]:
    changes: list[Change] = []
    if vendor.doc != model.source_doc:
        changes.append(Change(model.id, "doc-moved", "", model.source_doc, vendor.doc))
    if vendor.media != model.media:
        changes.append(Change(model.id, "media", "", model.media, show_value(vendor.media)))
    theirs = {field.name: field for field in vendor.fields}
    ours = {field.name: field for field in model.fields}
    for name, field in theirs.items():
        if name not in ours:
            changes.append(Change(model.id, "field-added-required" if field.required else "field-added",
                                  name, "", field.type))
    for name, field in ours.items():
        if name not in theirs:
            changes.append(Change(model.id, "field-removed", name, field.type, ""))
        else:
            changes += _field_changes(model, field, theirs[name])
    current = fingerprint(vendor.kie_model, vendor.media, vendor.fields, vendor.prose_digest)
    if all(change.kind == "doc-moved" for change in changes) and current != model.fingerprint:
        changes.append(Change(model.id, "description", "", model.fingerprint or "-", current))
    return changes


def compare(catalogue: Catalogue, docs: DocSet, prices: PriceList | None, *, docs_label: str = "") -> SyncReport:
    """Diff every catalogue model against the docs and prices; change nothing."""
    by_doc: dict[str, VendorModel] = {
        model.doc: model for models in docs.models.values() for model in models
    }
    statuses: list[ModelStatus] = []
    for model in catalogue.models:
        vendor = vendor_for(model, docs)
        changes: list[Change]
        if vendor is None:
            renamed = by_doc.get(model.source_doc)
            if renamed is not None:
                changes = [Change(model.id, "model-id", "", model.kie_model, renamed.kie_model)]
            else:
                changes = [Change(model.id, "missing-upstream", "", model.source_doc, "")]
            changes += _price_changes(model, prices)
            statuses.append(ModelStatus(model.id, "locked" if model.locked else "missing-upstream",
                                        model.source_doc, "", tuple(changes)))
            continue
        changes = _model_changes(model, vendor) + _price_changes(model, prices)
        status: Status = "locked" if model.locked and changes else ("changed" if changes else "match")
        statuses.append(ModelStatus(
            model.id, status, vendor.doc,
            fingerprint(vendor.kie_model, vendor.media, vendor.fields, vendor.prose_digest), tuple(changes)))
    known = {model.kie_model for model in catalogue.models}
    return SyncReport(
        docs=docs_label,
        price_list=prices.path if prices else None,
        models=tuple(statuses),
        new_models=tuple(models[0] for kie, models in docs.models.items() if kie not in known),
        duplicates=tuple((kie, tuple(m.doc for m in models)) for kie, models in docs.models.items() if len(models) > 1),
        skipped=docs.skipped,
        failures=docs.failures,
        price_conflicts=prices.conflicts if prices else (),
    )


def guess_category(kie_model: str) -> str:
    """A first guess at the menu category of an imported model, from its id."""
    hints = (("remove-background", "background_removal"), ("text-to-speech", "text_to_speech"),
             ("upscale", "upscale"), ("image-to-video", "image_to_video"), ("text-to-video", "text_to_video"),
             ("text-to-image", "text_to_image"), ("image-to-image", "image_edit"), ("edit", "image_edit"))
    for hint, category in hints:
        if hint in kie_model:
            return category
    return "other"


def _apply_field(field: InputField, change: Change, vendor: InputField) -> InputField:
    if change.kind == "enum-added":
        known = {canonical(value) for value in field.enum or ()}
        extra = tuple(value for value in vendor.enum or () if canonical(value) not in known)
        return msgspec.structs.replace(field, enum=(*(field.enum or ()), *extra))
    if change.kind == "default":
        return msgspec.structs.replace(field, default=vendor.default)
    if change.kind == "constraint" and "." in change.field:
        limit = change.field.split(".", 1)[1]
        return msgspec.structs.replace(field, **{limit: getattr(vendor, limit)})
    if change.kind == "constraint":
        return msgspec.structs.replace(field, enum=vendor.enum)
    return field


def _apply_price(rule: PriceRule | None, source: str, kie: Decimal) -> PriceRule | None:
    match rule:
        case None:
            return None
        case Fixed() | PerThousandChars():
            return msgspec.structs.replace(rule, kie_credits=kie) if rule.source == source else rule
        case _:
            entries = tuple(msgspec.structs.replace(entry, kie_credits=kie) if entry.source == source else entry
                            for entry in rule.entries)
            return msgspec.structs.replace(rule, entries=entries)


def _apply_model(model: Model, status: ModelStatus, vendor: VendorModel) -> Model:
    fields = list(model.fields)
    theirs = {field.name: field for field in vendor.fields}
    price = model.price
    source_doc = model.source_doc
    for change in status.changes:
        if not change.safe:
            continue
        if change.kind == "field-added":
            fields.append(msgspec.structs.replace(theirs[change.field], ask="hidden"))
        elif change.kind == "price":
            price = _apply_price(price, change.field, Decimal(change.new))
        elif change.kind == "doc-moved":
            source_doc = vendor.doc
        elif change.kind != "description":
            name = change.field.split(".", 1)[0]
            fields = [_apply_field(field, change, theirs[name]) if field.name == name else field for field in fields]
    refreshed = status.fingerprint if all(change.safe for change in status.changes) else model.fingerprint
    return msgspec.structs.replace(model, fields=tuple(fields), price=price, source_doc=source_doc,
                                   fingerprint=refreshed)


def _imported(vendor: VendorModel) -> Model | None:
    if vendor.media is None:
        return None
    return Model(
        id=vendor.kie_model,
        kie_model=vendor.kie_model,
        category=guess_category(vendor.kie_model),
        media=vendor.media,
        name=Text(ru=vendor.kie_model, en=vendor.kie_model),
        description=Text(ru="Добавлена из документации KIE; проверьте перед включением.",
                         en="Imported from KIE's docs; review before enabling."),
        source_doc=vendor.doc,
        fields=vendor.fields,
        enabled=False,
        fingerprint=fingerprint(vendor.kie_model, vendor.media, vendor.fields, vendor.prose_digest),
    )


def _introduced_defects(before: Model, after: Model) -> list[str]:
    """Defect codes ``after`` has that ``before`` did not (a dropped enum can orphan buttons, ...)."""

    def codes(model: Model) -> set[str]:
        alone = Catalogue(format=CATALOGUE_FORMAT, prices_as_of="", models=(model,))
        return {f"{defect.code} ({defect.message})" for defect in validate(alone, require_categories=False)}

    return sorted(codes(after) - codes(before))


def apply_safe(catalogue: Catalogue, report: SyncReport, docs: DocSet) -> tuple[Catalogue, list[str]]:
    """The catalogue with safe changes applied and new models added (disabled); plus notes on what was done."""
    statuses = {status.model_id: status for status in report.models}
    notes: list[str] = []
    models: list[Model] = []
    for model in catalogue.models:
        status = statuses.get(model.id)
        vendor = vendor_for(model, docs)
        if status is None or vendor is None or model.locked or status.status == "match":
            models.append(model)
            continue
        updated = _apply_model(model, status, vendor)
        introduced = _introduced_defects(model, updated)
        if introduced:
            notes.append(f"{model.id}: safe changes not applied, they would add defects: {', '.join(introduced)}")
            models.append(model)
            continue
        applied = sum(change.safe for change in status.changes)
        if applied:
            notes.append(f"{model.id}: applied {applied} safe change(s)")
        models.append(updated)
    taken = {model.id for model in models}
    for vendor in report.new_models:
        imported = _imported(vendor)
        if imported is None or imported.id in taken:
            notes.append(f"{vendor.kie_model}: not added (unknown media or id already used)")
            continue
        models.append(imported)
        taken.add(imported.id)
        notes.append(f"{vendor.kie_model}: added, disabled, from {vendor.doc}")
    return msgspec.structs.replace(catalogue, models=tuple(models)), notes

