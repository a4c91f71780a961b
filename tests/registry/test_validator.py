"""The validator catches each kind of defect: one broken fixture per kind."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from registry import InvalidRegistry, RegistryError, load_registry, load_valid_registry, validate
from registry.catalogue import encode_catalogue
from registry.model import Catalogue, Model, PerValue, Text

from .conftest import FIXTURE_CATALOGUE

replace = msgspec.structs.replace
IMAGE = "demo/text-to-image"


def _model(catalogue: Catalogue, model_id: str) -> Model:
    return next(model for model in catalogue.models if model.id == model_id)


def change_model(catalogue: Catalogue, model_id: str, change: Callable[[Model], Model]) -> Catalogue:
    return replace(catalogue, models=tuple(change(m) if m.id == model_id else m for m in catalogue.models))


def change_field(catalogue: Catalogue, model_id: str, name: str, **changes: object) -> Catalogue:
    def edit(model: Model) -> Model:
        return replace(model, fields=tuple(replace(f, **changes) if f.name == name else f for f in model.fields))

    return change_model(catalogue, model_id, edit)


def _image_price(catalogue: Catalogue) -> PerValue:
    price = _model(catalogue, IMAGE).price
    assert isinstance(price, PerValue)
    return price


def _drop_4k(c: Catalogue) -> Catalogue:
    price = _image_price(c)
    kept = tuple(e for e in price.entries if e.when != {"resolution": "4K"})
    return change_model(c, IMAGE, lambda m: replace(m, price=replace(price, entries=kept)))


def _zero_entry(c: Catalogue) -> Catalogue:
    price = _image_price(c)
    entries = (replace(price.entries[0], kie_credits=Decimal(0)), *price.entries[1:])
    return change_model(c, IMAGE, lambda m: replace(m, price=replace(price, entries=entries)))


def _duplicate_entry(c: Catalogue) -> Catalogue:
    price = _image_price(c)
    extra = replace(price.entries[-1], kie_credits=Decimal(30))
    return change_model(c, IMAGE, lambda m: replace(m, price=replace(price, entries=(*price.entries, extra))))


BROKEN: dict[str, Callable[[Catalogue], Catalogue]] = {
    "format": lambda c: replace(c, format=2),
    "duplicate-id": lambda c: replace(c, models=(*c.models, c.models[0])),
    "missing-text": lambda c: change_model(c, IMAGE, lambda m: replace(m, name=Text(ru="", en="Demo"))),
    "unknown-category": lambda c: change_model(c, IMAGE, lambda m: replace(m, category="music")),
    "unknown-media": lambda c: change_model(c, IMAGE, lambda m: replace(m, media="text")),
    "duplicate-field": lambda c: change_model(c, IMAGE, lambda m: replace(m, fields=(*m.fields, m.fields[0]))),
    "unknown-type": lambda c: change_field(c, IMAGE, "nsfw_checker", type="object"),
    "limits": lambda c: change_field(c, IMAGE, "prompt", min_length=10, max_length=5),
    "enum": lambda c: change_field(c, IMAGE, "aspect_ratio", enum=("1:1", "1:1", "16:9")),
    "default-illegal": lambda c: change_field(c, IMAGE, "resolution", default="4k"),
    "offered-illegal": lambda c: change_field(c, IMAGE, "resolution", offered=("8K",)),
    "ask-mismatch": lambda c: change_field(c, IMAGE, "aspect_ratio", ask="yes_no"),
    "required-hidden": lambda c: change_field(c, IMAGE, "prompt", ask="hidden"),
    "price-missing": lambda c: change_model(c, IMAGE, lambda m: replace(m, price=None)),
    "price-params": lambda c: change_model(
        c, IMAGE, lambda m: replace(m, price=replace(_image_price(c), param="quality"))
    ),
    "price-not-positive": _zero_entry,
    "price-not-total": _drop_4k,
    "free-too-expensive": lambda c: change_model(c, IMAGE, lambda m: replace(m, free=True)),
}


def test_the_fixture_catalogue_is_valid(fixture_catalogue: Catalogue) -> None:
    assert validate(fixture_catalogue, require_categories=False) == []


def test_the_shipped_catalogue_is_valid() -> None:
    assert validate(load_registry().catalogue) == []


@pytest.mark.parametrize("code", sorted(BROKEN))
def test_each_defect_kind_is_caught(fixture_catalogue: Catalogue, code: str) -> None:
    broken = BROKEN[code](fixture_catalogue)
    defects = validate(broken, require_categories=False)
    assert code in {defect.code for defect in defects}, [str(d) for d in defects]


def test_every_documented_defect_kind_has_a_broken_fixture() -> None:
    import registry.validator as module

    documented = {line.split("``")[1] for line in (module.__doc__ or "").splitlines() if line.startswith("``")}
    assert documented == set(BROKEN) | {"category-empty"}


def test_two_prices_for_one_combination_is_not_total(fixture_catalogue: Catalogue) -> None:
    defects = validate(_duplicate_entry(fixture_catalogue), require_categories=False)
    assert [d.code for d in defects] == ["price-not-total"]
    assert "2 prices for resolution=4K" in defects[0].message


def test_a_menu_category_without_models_is_a_defect(fixture_catalogue: Catalogue) -> None:
    defects = validate(fixture_catalogue)
    assert {d.message for d in defects if d.code == "category-empty"} == {
        "no enabled model in 'image_edit'", "no enabled model in 'background_removal'"
    }


def test_defects_read_as_one_line_each(fixture_catalogue: Catalogue) -> None:
    (defect,) = validate(BROKEN["default-illegal"](fixture_catalogue), require_categories=False)
    assert str(defect) == (
        "demo/text-to-image: default-illegal: field 'resolution': the default '4k' is not one of ['1K', '2K', '4K']"
    )


def test_a_disabled_model_gets_only_structural_checks(fixture_catalogue: Catalogue) -> None:
    unfinished = change_model(fixture_catalogue, IMAGE, lambda m: replace(m, enabled=False, price=None))
    assert validate(unfinished, require_categories=False) == []
    badly_filed = change_model(unfinished, IMAGE, lambda m: replace(m, category="music"))
    assert [d.code for d in validate(badly_filed, require_categories=False)] == ["unknown-category"]


def test_start_up_refuses_an_invalid_registry_and_lists_the_defects(
    tmp_path: Path, fixture_catalogue: Catalogue
) -> None:
    path = tmp_path / "catalogue.json"
    path.write_bytes(encode_catalogue(_drop_4k(fixture_catalogue)))
    with pytest.raises(InvalidRegistry) as caught:
        load_valid_registry(path)
    assert "price-not-total" in str(caught.value)
    assert "no price for resolution=4K" in str(caught.value)
    assert {d.code for d in caught.value.defects} >= {"price-not-total", "category-empty"}


def test_start_up_accepts_the_shipped_registry() -> None:
    assert load_valid_registry().version == load_registry().version


def test_unknown_keys_in_the_file_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.json"
    path.write_text(FIXTURE_CATALOGUE.read_text().replace('"enabled": true', '"enabeld": true', 1))
    with pytest.raises(RegistryError, match="enabeld"):
        load_registry(path)



def test_a_non_numeric_seconds_value_is_a_defect_not_a_crash(fixture_catalogue: Catalogue) -> None:
    broken = change_field(fixture_catalogue, "demo/image-to-video", "duration", type="string", default="4",
                          minimum=None, maximum=None, offered=("four",))
    codes = {d.code for d in validate(broken, require_categories=False)}
    assert "price-not-total" in codes
