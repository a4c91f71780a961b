"""The createTask input built from the registry: every enabled model, checked against the vendor's schema."""

from __future__ import annotations

import msgspec
import pytest

from registry import Model, load_valid_registry
from trt_actors.events.jobs import UploadedFiles
from trt_actors.events.session import Param
from trt_actors.jobs.payload import (
    SAMPLE_TEXT,
    UPLOAD_ASKS,
    PayloadError,
    costliest_params,
    default_params,
    kie_input,
)
from trt_actors.sandbox.kie.schemas import schemas_from_registry

REGISTRY = load_valid_registry()
SCHEMAS = schemas_from_registry(REGISTRY)
ENABLED = [model for model in REGISTRY.models if model.enabled]


def _fake_uploads(model: Model) -> tuple[UploadedFiles, ...]:
    """One KIE URL for every field the user sends photos for (or several, up to ``max_items``, for a list)."""
    uploads = []
    for field in model.fields:
        if field.ask in UPLOAD_ASKS:
            count = min(field.max_items or 2, 2) if field.type == "array" else 1
            urls = tuple(f"https://tempfile.example/{field.name}-{index}.jpg" for index in range(count))
            uploads.append(UploadedFiles(field.name, urls))
    return tuple(uploads)


def _as_dict(params: tuple[Param, ...]) -> dict[str, object]:
    return {param.name: param.value for param in params}


def _model(model_id: str) -> Model:
    return REGISTRY.model(model_id)


@pytest.mark.parametrize("model", ENABLED, ids=lambda model: model.id)
def test_defaults_pass_the_vendor_schema(model: Model) -> None:
    payload = kie_input(model, default_params(model), _fake_uploads(model))
    assert SCHEMAS[model.kie_model].problem(payload) is None
    assert list(payload) == [field.name for field in model.fields if field.name in payload]
    for field in model.fields:
        if field.required:
            assert field.name in payload, field.name
        elif field.default is None and field.ask not in UPLOAD_ASKS and field.name not in _as_dict(default_params(model)):
            assert field.name not in payload, f"{field.name} has no default and was not given"
    REGISTRY.quote(model, payload)  # the defaults are enough to price it


@pytest.mark.parametrize("model", ENABLED, ids=lambda model: model.id)
def test_costliest_passes_the_vendor_schema_and_costs_the_most(model: Model) -> None:
    dearest = costliest_params(REGISTRY, model)
    payload = kie_input(model, dearest, _fake_uploads(model))
    assert SCHEMAS[model.kie_model].problem(payload) is None
    top = REGISTRY.quote(model, _as_dict(dearest)).credits
    assert top >= REGISTRY.quote(model, _as_dict(default_params(model))).credits
    assert top >= REGISTRY.min_price(model)


def test_costliest_picks_the_dearest_values() -> None:
    assert _as_dict(costliest_params(REGISTRY, _model("nano-banana-pro")))["resolution"] == "4K"
    video = _as_dict(costliest_params(REGISTRY, _model("kling/v3-turbo-text-to-video")))
    assert (video["duration"], video["resolution"]) == ("15", "1080p")  # per second: the longest duration
    speech = _model("elevenlabs/text-to-speech-turbo-2-5")
    text = _as_dict(costliest_params(REGISTRY, speech))["text"]
    assert isinstance(text, str) and len(text) == speech.field("text").max_length  # type: ignore[union-attr]
    assert REGISTRY.quote(speech, {"text": text}).credits > REGISTRY.quote(speech, {"text": SAMPLE_TEXT}).credits


def test_answers_uploads_and_defaults_in_catalogue_order() -> None:
    model = _model("nano-banana-pro")
    params = (Param("resolution", "2K"), Param("prompt", "a cat"))
    uploads = (UploadedFiles("image_input", ("https://k/1.png", "https://k/2.png")),)
    assert kie_input(model, params, uploads) == {
        "prompt": "a cat",
        "image_input": ["https://k/1.png", "https://k/2.png"],
        "aspect_ratio": "1:1",
        "resolution": "2K",
        "output_format": "png",
    }
    assert list(kie_input(model, params, uploads)) == list(kie_input(model, params[::-1], uploads))


def test_a_single_image_field_gets_its_url_not_a_list() -> None:
    model = _model("kling/v2-1-standard")
    payload = kie_input(model, (Param("prompt", "run"),), (UploadedFiles("image_url", ("https://k/1.png",)),))
    assert payload["image_url"] == "https://k/1.png"
    assert "negative_prompt" not in payload  # optional, no default, not given: left out
    assert payload["cfg_scale"] == 0.5  # hidden, sent with the vendor's default


def test_the_payload_encodes_as_json() -> None:
    model = _model("kling-2.6/image-to-video")
    payload = kie_input(model, default_params(model), _fake_uploads(model))
    assert msgspec.json.decode(msgspec.json.encode(payload)) == payload


@pytest.mark.parametrize(
    ("model_id", "params", "uploads", "named", "why"),
    [
        ("z-image", [Param("prompt", "a"), Param("colour", "red")], [], "'colour'", "not one of its input fields"),
        ("nano-banana-pro", [Param("prompt", "a"), Param("resolution", "4k")], [], "'resolution'", "is not one of"),
        ("nano-banana-pro", [Param("resolution", "4K")], [], "'prompt'", "required and missing"),
        ("kling-2.6/text-to-video", [Param("prompt", "a"), Param("duration", "5")], [], "'sound'", "required"),
        ("z-image", [Param("prompt", "x" * 1001)], [], "'prompt'", "longer than 1000"),
        ("kling/v2-5-turbo-text-to-video-pro", [Param("prompt", "a"), Param("cfg_scale", 2)], [], "'cfg_scale'", "above the maximum"),
        ("z-image", [Param("prompt", "a"), Param("prompt", "b")], [], "'prompt'", "given twice"),
        ("kling/v2-1-standard", [Param("prompt", "a")], [], "'image_url'", "upload it"),
        ("kling/v2-1-standard", [Param("prompt", "a")], [UploadedFiles("image_url", ("https://k/1", "https://k/2"))],
         "'image_url'", "takes one file, got 2"),
        ("google/nano-banana-edit", [Param("prompt", "a")], [UploadedFiles("image_urls", ())], "'image_urls'",
         "no files"),
        ("google/nano-banana-edit", [Param("prompt", "a")],
         [UploadedFiles("image_urls", tuple(f"https://k/{n}" for n in range(11)))], "'image_urls'", "at most 10"),
        ("z-image", [Param("prompt", "a")], [UploadedFiles("photo", ("https://k/1",))], "'photo'", "not one of"),
        ("z-image", [Param("prompt", "a")], [UploadedFiles("prompt", ("https://k/1",))], "'prompt'",
         "does not take uploaded files"),
        ("recraft/remove-background", [Param("image", "https://k/1")], [], "'image'", "uploaded files, not a param"),
    ],
    ids=["unknown-param", "bad-enum", "missing-required", "missing-required-bool", "too-long", "out-of-range",
         "twice", "missing-upload", "two-urls-for-one", "empty-upload", "too-many-urls", "unknown-upload",
         "upload-to-text", "param-for-upload"],
)
def test_refusals_name_the_field(
    model_id: str, params: list[Param], uploads: list[UploadedFiles], named: str, why: str
) -> None:
    with pytest.raises(PayloadError) as caught:
        kie_input(_model(model_id), params, uploads)
    message = str(caught.value)
    assert message.startswith(f"{model_id}: ") and named in message and why in message, message


def test_a_refused_text_is_not_copied_whole_into_the_error() -> None:
    secret = "my-private-prompt " * 100
    with pytest.raises(PayloadError) as caught:
        kie_input(_model("z-image"), [Param("prompt", secret)], [])
    assert secret not in str(caught.value) and len(str(caught.value)) < 200


def test_default_params_are_not_uploads_and_cover_what_the_price_needs() -> None:
    for model in ENABLED:
        names = _as_dict(default_params(model))
        assert not any(model.field(name).ask in UPLOAD_ASKS for name in names)  # type: ignore[union-attr]
    ideogram = _as_dict(default_params(_model("ideogram/v3-text-to-image")))
    assert ideogram == {"prompt": SAMPLE_TEXT, "rendering_speed": "TURBO"}  # priced, no default: first choice
    assert _as_dict(default_params(_model("kling-2.6/text-to-video")))["sound"] is False
