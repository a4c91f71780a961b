"""Sync: stable fingerprints, every change classified right, and --update applies only safe ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from registry import validate
from registry.fingerprint import fingerprint
from registry.model import Catalogue
from registry.sync import SyncReport, apply_safe, compare
from registry.vendor_docs import VendorModel, read_docs, read_price_list

from .conftest import FIXTURE_DOCS, DocEdit, input_of, operation_of


IMAGE_DOC = "image/001-demo-text-to-image.md"
PRICES = "common/kie-ai-pricing-20260101-000000.md"


def _print(model: VendorModel) -> str:
    return fingerprint(model.kie_model, model.media, model.fields, model.prose_digest)


def _fingerprints(folder: Path) -> dict[str, str]:
    return {kie: _print(models[0]) for kie, models in read_docs(folder).models.items()}


def run(catalogue: Catalogue, folder: Path) -> SyncReport:
    docs = read_docs(folder)
    prices = read_price_list(Path(docs.price_list)) if docs.price_list else None
    return compare(catalogue, docs, prices, docs_label=str(folder))


def kinds(report: SyncReport, model_id: str = "demo/text-to-image") -> set[tuple[str, bool]]:
    (status,) = [s for s in report.models if s.model_id == model_id]
    return {(change.kind, change.safe) for change in status.changes}


# -- fingerprints ------------------------------------------------------------


def test_fingerprints_are_stable_across_runs() -> None:
    assert _fingerprints(FIXTURE_DOCS) == _fingerprints(FIXTURE_DOCS)


def test_fingerprints_ignore_key_order(edit_doc: DocEdit, docs_copy: Path) -> None:
    before = _fingerprints(docs_copy)

    def reverse(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: reverse(node[key]) for key in reversed(list(node))}
        return [reverse(item) for item in node] if isinstance(node, list) and not _is_enum_list(node) else node

    for doc in (IMAGE_DOC, "video/002-demo-text-to-video.md", "audio/005-demo-text-to-speech.md"):
        def rewrite(spec: dict[str, Any]) -> None:
            reordered = reverse(spec)
            spec.clear()
            spec.update(reordered)

        edit_doc(doc, rewrite)
    assert (docs_copy / IMAGE_DOC).read_text() != (FIXTURE_DOCS / IMAGE_DOC).read_text()
    assert _fingerprints(docs_copy) == before


def _is_enum_list(node: list[Any]) -> bool:
    return all(not isinstance(item, dict | list) for item in node)


def test_fingerprints_ignore_enum_order(edit_doc: DocEdit, docs_copy: Path) -> None:
    before = _fingerprints(docs_copy)
    edit_doc(IMAGE_DOC, lambda spec: input_of(spec)["properties"]["resolution"]["enum"].reverse())
    assert _fingerprints(docs_copy) == before


def test_fingerprints_see_a_changed_fact(edit_doc: DocEdit, docs_copy: Path) -> None:
    before = _fingerprints(docs_copy)
    edit_doc(IMAGE_DOC, lambda spec: input_of(spec)["properties"]["prompt"].update(maxLength=501))
    after = _fingerprints(docs_copy)
    assert after["demo/text-to-image"] != before["demo/text-to-image"]
    assert after["demo/text-to-video"] == before["demo/text-to-video"]


def test_the_shipped_fixture_catalogue_matches_its_docs(fixture_catalogue: Catalogue) -> None:
    report = run(fixture_catalogue, FIXTURE_DOCS)
    assert [s.status for s in report.models] == ["match"] * 5
    assert [m.kie_model for m in report.new_models] == ["demo/image-edit"]
    assert report.unsafe() == []


# -- classification ----------------------------------------------------------

Props = dict[str, Any]


def _props(spec: dict[str, Any]) -> Props:
    result: Props = input_of(spec)["properties"]
    return result


SAFE_EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "description": lambda s: operation_of(s).update(description="Now with better pictures."),
    "enum-added": lambda s: _props(s)["aspect_ratio"]["enum"].append("4:3"),
    "default": lambda s: _props(s)["aspect_ratio"].update(default="16:9"),
    "constraint": lambda s: _props(s)["prompt"].update(maxLength=800),
    "field-added": lambda s: _props(s).update(seed={"type": "integer", "description": "Random seed."}),
}

def _add_required(spec: dict[str, Any], name: str) -> None:
    _props(spec)[name] = {"type": "string", "description": "A new required field."}
    input_of(spec)["required"].append(name)


UNSAFE_EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "model-id": lambda s: operation_of(s)["requestBody"]["content"]["application/json"]["schema"]["properties"][
        "model"].update(enum=["demo/text-to-image-v2"], default="demo/text-to-image-v2"),
    "media": lambda s: operation_of(s).update({"x-apidog-folder": "docs/en/Market/Video Models/Demo",
                                               "tags": ["docs/en/Market/Video Models/Demo"]}),
    "required": lambda s: input_of(s)["required"].append("aspect_ratio"),
    "field-added-required": lambda s: _add_required(s, "style"),
    "type": lambda s: _props(s)["nsfw_checker"].update(type="string", default="no"),
    "enum-removed": lambda s: _props(s)["resolution"]["enum"].remove("4K"),
    "field-removed": lambda s: _props(s).pop("nsfw_checker"),
}


@pytest.mark.parametrize("kind", sorted(SAFE_EDITS))
def test_safe_doc_changes_are_classed_safe(kind: str, edit_doc: DocEdit, docs_copy: Path,
                                           fixture_catalogue: Catalogue) -> None:
    edit_doc(IMAGE_DOC, SAFE_EDITS[kind])
    assert kinds(run(fixture_catalogue, docs_copy)) == {(kind, True)}


@pytest.mark.parametrize("kind", sorted(UNSAFE_EDITS))
def test_unsafe_doc_changes_are_classed_unsafe(kind: str, edit_doc: DocEdit, docs_copy: Path,
                                               fixture_catalogue: Catalogue) -> None:
    edit_doc(IMAGE_DOC, UNSAFE_EDITS[kind])
    found = kinds(run(fixture_catalogue, docs_copy))
    assert (kind, False) in found
    assert all(not safe for _, safe in found if _ == kind)


def test_a_changed_price_is_safe(docs_copy: Path, fixture_catalogue: Catalogue) -> None:
    path = docs_copy / PRICES
    row = "| Demo image, text-to-image, 4K |"
    path.write_text(path.read_text().replace(f"{row} $0.04 |", f"{row} $0.05 |"))
    report = run(fixture_catalogue, docs_copy)
    (status,) = [s for s in report.models if s.changes]
    assert [(c.kind, c.safe, c.old, c.new) for c in status.changes] == [("price", True, "8", "10")]


def test_a_vanished_price_row_is_unsafe(docs_copy: Path, fixture_catalogue: Catalogue) -> None:
    path = docs_copy / PRICES
    path.write_text("\n".join(line for line in path.read_text().splitlines() if "with audio-10.0s" not in line))
    assert kinds(run(fixture_catalogue, docs_copy), "demo/text-to-video") == {("price-source-missing", False)}


def test_a_vanished_doc_is_unsafe(docs_copy: Path, fixture_catalogue: Catalogue) -> None:
    (docs_copy / IMAGE_DOC).unlink()
    report = run(fixture_catalogue, docs_copy)
    assert kinds(report) == {("missing-upstream", False)}
    assert report.models[0].status == "missing-upstream"


def test_a_moved_doc_is_safe(docs_copy: Path, fixture_catalogue: Catalogue) -> None:
    (docs_copy / IMAGE_DOC).rename(docs_copy / "image" / "101-demo-text-to-image-v2.md")
    assert kinds(run(fixture_catalogue, docs_copy)) == {("doc-moved", True)}


# -- applying ----------------------------------------------------------------


def _mixed_edit(spec: dict[str, Any]) -> None:
    SAFE_EDITS["enum-added"](spec)
    SAFE_EDITS["default"](spec)
    UNSAFE_EDITS["required"](spec)


def test_update_applies_only_safe_changes(edit_doc: DocEdit, docs_copy: Path, fixture_catalogue: Catalogue) -> None:
    edit_doc(IMAGE_DOC, _mixed_edit)
    path = docs_copy / PRICES
    path.write_text(path.read_text().replace("$0.04 |", "$0.05 |"))
    docs = read_docs(docs_copy)
    report = run(fixture_catalogue, docs_copy)
    updated, notes = apply_safe(fixture_catalogue, report, docs)
    before, after = fixture_catalogue.models[0], updated.models[0]
    aspect = after.field("aspect_ratio")
    assert aspect is not None
    assert aspect.enum == ("1:1", "16:9", "9:16", "4:3")
    assert aspect.default == "16:9"
    assert aspect.required is False  # the unsafe change waits for a person
    assert after.fingerprint == before.fingerprint  # so it keeps being reported
    assert "demo/text-to-image: applied 3 safe change(s)" in notes
    assert validate(updated, require_categories=False) == []
    again = run(updated, docs_copy)
    assert kinds(again) == {("required", False)}


def test_update_with_only_safe_changes_refreshes_the_fingerprint(edit_doc: DocEdit, docs_copy: Path,
                                                                 fixture_catalogue: Catalogue) -> None:
    for edit in SAFE_EDITS.values():
        edit_doc(IMAGE_DOC, edit)
    updated, _ = apply_safe(fixture_catalogue, run(fixture_catalogue, docs_copy), read_docs(docs_copy))
    model = updated.models[0]
    seed = model.field("seed")
    assert seed is not None and seed.ask == "hidden"  # new fields are never asked until a person decides
    prompt = model.field("prompt")
    assert prompt is not None and prompt.max_length == 800
    assert run(updated, docs_copy).models[0].status == "match"


def test_update_never_touches_locked_models(edit_doc: DocEdit, docs_copy: Path, fixture_catalogue: Catalogue) -> None:
    locked = msgspec.structs.replace(
        fixture_catalogue,
        models=tuple(msgspec.structs.replace(m, locked=True) if m.id == "demo/text-to-image" else m
                     for m in fixture_catalogue.models),
    )
    edit_doc(IMAGE_DOC, SAFE_EDITS["enum-added"])
    report = run(locked, docs_copy)
    assert report.models[0].status == "locked"
    updated, _ = apply_safe(locked, report, read_docs(docs_copy))
    assert updated.models[0] == locked.models[0]


def test_update_adds_new_models_disabled_and_unpriced(fixture_catalogue: Catalogue) -> None:
    report = run(fixture_catalogue, FIXTURE_DOCS)
    updated, notes = apply_safe(fixture_catalogue, report, read_docs(FIXTURE_DOCS))
    added = updated.models[-1]
    assert (added.id, added.enabled, added.price, added.category) == ("demo/image-edit", False, None, "image_edit")
    assert added.locked is False and added.source_doc == "image/006-demo-edit.md"
    assert "demo/image-edit: added, disabled, from image/006-demo-edit.md" in notes
    assert validate(updated, require_categories=False) == []
    assert run(updated, FIXTURE_DOCS).models[-1].status == "match"

