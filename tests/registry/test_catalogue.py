"""The shipped catalogue and the Registry around it: coverage, versioning, file form, examples."""

from __future__ import annotations

import doctest
import importlib
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from registry import MENU_CATEGORIES, load_registry
from registry.catalogue import CATALOGUE_PATH, decode_catalogue, encode_catalogue

from .conftest import FIXTURE_CATALOGUE


def test_at_least_thirty_models_cover_every_menu_category() -> None:
    registry = load_registry()
    enabled = [model for model in registry.models if model.enabled]
    assert len(enabled) >= 30
    per_category = Counter(model.category for model in enabled)
    assert set(per_category) == set(MENU_CATEGORIES)
    assert {model.media for model in enabled} == {"image", "video", "audio"}


def test_free_tier_models_are_the_cheap_ones() -> None:
    registry = load_registry()
    free = sorted(model.id for model in registry.models if model.free)
    assert free == ["recraft/crisp-upscale", "recraft/remove-background", "z-image"]


def test_the_file_is_in_canonical_form() -> None:
    content = CATALOGUE_PATH.read_bytes()
    assert encode_catalogue(decode_catalogue(content)) == content
    assert FIXTURE_CATALOGUE.read_bytes() == encode_catalogue(decode_catalogue(FIXTURE_CATALOGUE.read_bytes()))


def test_the_version_names_the_price_list_date_content_and_markup(tmp_path: Path) -> None:
    default = load_registry()
    assert default.version.startswith("2026-06-30.")
    assert load_registry().version == default.version
    dearer = load_registry(markup=Decimal("3"))
    assert dearer.version != default.version
    assert dearer.quote("nano-banana-pro", {"resolution": "4K"}).credits == 72
    edited = tmp_path / "catalogue.json"
    edited.write_bytes(CATALOGUE_PATH.read_bytes().replace(b'"Z-Image"', b'"Z Image"', 1))
    assert load_registry(edited).version != default.version


def test_models_are_found_by_id() -> None:
    registry = load_registry()
    model = registry.model("nano-banana-pro")
    assert model.kie_model == "nano-banana-pro" and model.category == "text_to_image"
    assert model.name.ru and model.description.en
    with pytest.raises(KeyError, match="no model 'nano-banana'"):
        registry.model("nano-banana")


@pytest.mark.parametrize(
    "module",
    ["registry.pricing", "registry.quotes", "registry.catalogue", "registry.fingerprint", "registry.validator"],
)
def test_docstring_examples_are_true(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0
