"""Markdown for people: the sync report and the side-by-side view of one model.

Both are plain functions from data to text; the CLI decides where the text goes.
"""

from __future__ import annotations

from registry.fingerprint import FACTS, facts
from registry.model import InputField, Model
from registry.pricing import kie_credits_from_usd
from registry.sync import SyncReport, price_sources, show_value
from registry.vendor_docs import PriceList, VendorModel

__all__ = ["render_comparison", "render_sync_report"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def render_sync_report(report: SyncReport, *, notes: list[str] | None = None) -> str:
    """The Markdown report of one sync run (``notes`` lists what ``--update`` did)."""
    counts: dict[str, int] = {}
    for status in report.models:
        counts[status.status] = counts.get(status.status, 0) + 1
    unsafe = report.unsafe()
    lines = [
        "# Registry sync report",
        "",
        f"- Docs: `{report.docs}`",
        f"- Price list: `{report.price_list or 'not found'}`",
        f"- Catalogue models: {len(report.models)} ("
        + ", ".join(f"{count} {name}" for name, count in sorted(counts.items())) + ")",
        f"- Unsafe changes (need a person): {len(unsafe)}",
        f"- Models in the docs but not in the catalogue: {len(report.new_models)}",
        f"- Docs skipped (not createTask): {len(report.skipped)}; docs that failed to parse: {len(report.failures)}",
        "",
    ]
    if notes is not None:
        lines += ["## Applied by --update", ""] + [f"- {note}" for note in notes or ["nothing"]] + [""]
    changed = [status for status in report.models if status.changes]
    lines += ["## Changes", ""]
    if not changed:
        lines += ["Every catalogue model matches its vendor doc and the price list.", ""]
    else:
        lines += ["| model | status | kind | safe | field | registry | vendor |", "|---|---|---|---|---|---|---|"]
        for status in changed:
            for change in status.changes:
                lines.append(
                    f"| `{status.model_id}` | {status.status} | {change.kind} | {'yes' if change.safe else '**no**'} "
                    f"| {_cell(change.field)} | {_cell(change.old)} | {_cell(change.new)} |"
                )
        lines.append("")
    if report.new_models:
        lines += ["## In the docs, not in the catalogue", "",
                  "`--update` adds these disabled and without a price; a person files, prices and enables them.", ""]
        lines += [f"- `{model.kie_model}` ({model.media or 'unknown media'}) from `{model.doc}`"
                  for model in report.new_models]
        lines.append("")
    if report.duplicates:
        lines += ["## One model id in several docs", ""]
        lines += [f"- `{kie}`: " + ", ".join(f"`{doc}`" for doc in docs) for kie, docs in report.duplicates]
        lines.append("")
    if report.price_conflicts:
        lines += ["## Price-list rows listed twice with different prices", ""]
        lines += [f"- {label}" for label in report.price_conflicts] + [""]
    if report.failures:
        lines += ["## Docs that could not be parsed", ""]
        lines += [f"- `{doc}`: {reason}" for doc, reason in report.failures] + [""]
    if report.skipped:
        lines += ["## Docs skipped", ""]
        lines += [f"- `{doc}`: {reason}" for doc, reason in report.skipped] + [""]
    return "\n".join(lines)


def _facts_text(field: InputField | None) -> dict[str, str]:
    if field is None:
        return {name: "(absent)" for name in FACTS}
    return {name: show_value(value) for name, value in facts(field).items()}


def render_comparison(model: Model, vendor: VendorModel | None, prices: PriceList | None) -> str:
    """One model's registry entry beside its vendor doc, field by field, then its prices."""
    lines = [
        f"# `{model.id}` ({model.name.en})",
        "",
        f"- KIE model: `{model.kie_model}`; category {model.category}; media {model.media}"
        f" (doc: {vendor.media if vendor else '-'})",
        f"- Registry doc: `{model.source_doc}`; vendor doc: `{vendor.doc if vendor else 'not found'}`",
        f"- enabled {model.enabled}, locked {model.locked}, free {model.free}",
        "",
        "| field | fact | registry | vendor |",
        "|---|---|---|---|",
    ]
    theirs = {field.name: field for field in vendor.fields} if vendor else {}
    names = [field.name for field in model.fields] + [name for name in theirs if model.field(name) is None]
    for name in names:
        ours_facts = _facts_text(model.field(name))
        their_facts = _facts_text(theirs.get(name)) if vendor else {fact: "?" for fact in FACTS}
        for fact in FACTS:
            if ours_facts[fact] == their_facts[fact] == "-":
                continue
            mark = "" if ours_facts[fact] == their_facts[fact] else " **≠**"
            lines.append(f"| {name} | {fact} | {_cell(ours_facts[fact])} | {_cell(their_facts[fact])}{mark} |")
        ours = model.field(name)
        if ours is not None:
            lines.append(f"| {name} | ask (ours) | {ours.ask} | |")
            if ours.offered is not None:
                lines.append(f"| {name} | offered (ours) | {_cell(show_value(ours.offered))} | |")
    lines += ["", "| price-list row | registry KIE credits | price list KIE credits |", "|---|---|---|"]
    for source, kie in dict.fromkeys(price_sources(model.price)):
        listed = prices.usd.get(source) if prices else None
        shown = str(kie_credits_from_usd(listed)) if listed is not None else "(not in the list)"
        mark = "" if listed is not None and kie_credits_from_usd(listed) == kie else " **≠**"
        lines.append(f"| {_cell(source)} | {kie} | {shown}{mark} |")
    return "\n".join(lines) + "\n"
