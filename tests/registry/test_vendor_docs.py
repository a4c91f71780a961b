"""Reading vendor docs and the price list: facts only, every doc accounted for."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from registry.vendor_docs import read_docs, read_price_list

from .conftest import FIXTURE_DOCS, DocEdit, operation_of



def test_fixture_docs_yield_their_createtask_models() -> None:
    docs = read_docs(FIXTURE_DOCS)
    assert sorted(docs.models) == [
        "demo/image-edit", "demo/image-to-video", "demo/text-to-image",
        "demo/text-to-speech", "demo/text-to-video", "demo/upscale",
    ]
    assert docs.skipped == (("video/007-demo-other-api.md", "no POST /api/v1/jobs/createTask (another API)"),)
    assert docs.failures == ()
    assert docs.price_list is not None and docs.price_list.endswith("kie-ai-pricing-20260101-000000.md")


def test_fields_carry_the_vendor_facts() -> None:
    (image,) = read_docs(FIXTURE_DOCS).models["demo/text-to-image"]
    fields = {field.name: field for field in image.fields}
    assert image.media == "image"
    assert fields["prompt"].required and fields["prompt"].max_length == 500
    assert fields["resolution"].enum == ("1K", "2K", "4K") and fields["resolution"].default == "1K"
    assert not fields["resolution"].required
    assert fields["nsfw_checker"].type == "boolean" and fields["nsfw_checker"].default is False
    assert fields["resolution"].ask == "buttons" and fields["prompt"].ask == "text"


def test_media_comes_from_the_docs_folder_label() -> None:
    models = read_docs(FIXTURE_DOCS).models
    assert models["demo/text-to-speech"][0].media == "audio"
    assert models["demo/text-to-video"][0].media == "video"


def test_model_id_falls_back_to_the_example(edit_doc: DocEdit, docs_copy: Path) -> None:
    def drop_enum(spec: dict[str, Any]) -> None:
        model = operation_of(spec)["requestBody"]["content"]["application/json"]["schema"]["properties"]["model"]
        del model["enum"], model["default"]

    edit_doc("image/004-demo-upscale.md", drop_enum)
    assert "demo/upscale" in read_docs(docs_copy).models


def test_unparseable_docs_are_listed_not_fatal(docs_copy: Path) -> None:
    (docs_copy / "image" / "099-broken.md").write_text("# Broken\n\n```yaml\npaths: [unclosed\n```\n")
    docs = read_docs(docs_copy)
    assert [doc for doc, _ in docs.failures] == ["image/099-broken.md"]
    assert "demo/text-to-image" in docs.models


def test_price_list_rows_become_dollars() -> None:
    prices = read_price_list(FIXTURE_DOCS / "common" / "kie-ai-pricing-20260101-000000.md")
    assert prices.usd["Demo image, text-to-image, 4K"] == Decimal("0.04")
    assert prices.usd["Demo video, image-to-video, 720p"] == Decimal("0.02")  # written "$0,02"
    assert len(prices.usd) == 11
    assert prices.conflicts == ()


def test_price_list_conflicts_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "prices.md"
    path.write_text("| A, b | $0.01 | per image |\n| A,  b | $0.02 | per image |\n")
    prices = read_price_list(path)
    assert prices.conflicts == ("A, b",)
