"""The emulator's opt-in vendor-schema check: KIE's 422 for an ``input`` it refuses, naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry import load_valid_registry
from trt_actors.events.jobs import UploadedFiles
from trt_actors.jobs.payload import costliest_params, kie_input
from trt_actors.kie import KieClient, ValidationError
from trt_actors.sandbox.kie import KieEmulator
from trt_actors.sandbox.kie.schemas import FieldRule, Schema, schemas_from_docs, schemas_from_registry

REGISTRY = load_valid_registry()
FIXTURE_DOCS = Path(__file__).resolve().parents[1] / "registry" / "fixtures" / "docs"
MODEL = "nano-banana-pro"


def _good_input() -> dict[str, object]:
    model = REGISTRY.model(MODEL)
    return kie_input(model, costliest_params(REGISTRY, model), [UploadedFiles("image_input", ("https://k/0.png",))])


async def test_off_by_default(emu: KieEmulator, kie: KieClient) -> None:
    assert emu.schemas is None
    await kie.create_task(MODEL, {"resolution": "8k", "colour": "red"})
    assert emu.statistics().tasks == 1


async def test_a_valid_input_is_accepted(emu: KieEmulator, kie: KieClient) -> None:
    emu.schemas = schemas_from_registry(REGISTRY)
    created = await kie.create_task(MODEL, _good_input())
    assert emu.tasks[created.task_id].input == _good_input()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"resolution": "4k"}, "Invalid resolution: '4k' is not one of the allowed values"),
        ({"colour": "red"}, "Invalid colour: nano-banana-pro has no such input field"),
        ({"prompt": None}, "Invalid prompt: expected a string, got null"),
        ({"image_input": "https://k/1.png"}, "Invalid image_input: expected an array, got a string"),
        ({"image_input": [f"https://k/{n}.png" for n in range(9)]}, "Invalid image_input: 9 items, more than 8"),
        ({"prompt": "x" * 10001}, "Invalid prompt: 10001 characters, more than 10000"),
    ],
    ids=["enum", "unknown", "type", "array-type", "max-items", "max-length"],
)
async def test_a_refused_input_is_422_naming_the_field(
    emu: KieEmulator, kie: KieClient, change: dict[str, object], message: str
) -> None:
    emu.schemas = schemas_from_registry(REGISTRY)
    with pytest.raises(ValidationError) as caught:
        await kie.create_task(MODEL, {**_good_input(), **change})
    assert (caught.value.code, caught.value.http_status, caught.value.message) == (422, 200, message)
    assert not caught.value.retryable
    assert emu.statistics().tasks == 0  # refused: no task, nothing charged


async def test_a_missing_required_field_is_named(emu: KieEmulator, kie: KieClient) -> None:
    emu.schemas = schemas_from_registry(REGISTRY)
    payload = _good_input()
    del payload["prompt"]
    with pytest.raises(ValidationError, match=r"prompt is required \[code 422\]"):
        await kie.create_task(MODEL, payload)


async def test_a_model_without_a_schema_is_not_checked(emu: KieEmulator, kie: KieClient) -> None:
    emu.schemas = {}
    await kie.create_task(MODEL, {"anything": 1})
    assert emu.statistics().tasks == 1


async def test_schemas_from_the_vendor_docs(emu: KieEmulator, kie: KieClient) -> None:
    emu.schemas = schemas_from_docs(FIXTURE_DOCS)
    assert {"demo/text-to-image", "demo/image-edit", "demo/text-to-speech"} <= emu.schemas.keys()
    assert "demo/other-api" not in emu.schemas  # not a createTask model
    await kie.create_task("demo/text-to-image", {"prompt": "a fox", "resolution": "2K", "nsfw_checker": False})
    with pytest.raises(ValidationError, match="Invalid resolution"):
        await kie.create_task("demo/text-to-image", {"prompt": "a fox", "resolution": "8K"})
    with pytest.raises(ValidationError, match="image_urls is required"):
        await kie.create_task("demo/image-edit", {"prompt": "make it blue"})
    with pytest.raises(ValidationError, match="Invalid voice"):
        await kie.create_task("demo/text-to-speech", {"text": "hello", "voice": "carol"})


def test_json_equality_keeps_kinds_apart() -> None:
    schema = Schema("m", (
        FieldRule("flag", "boolean"),
        FieldRule("duration", "string", enum=("5", "10")),
        FieldRule("steps", "integer", minimum=1, maximum=4),
        FieldRule("scale", "number", enum=(0.5, 1)),
        FieldRule("shape", "mystery"),
    ))
    assert schema.problem({"flag": True, "duration": "5", "steps": 4, "scale": 1.0, "shape": [1]}) is None
    assert schema.problem({"flag": 1}) == "Invalid flag: expected a boolean, got an integer"
    assert schema.problem({"duration": 5}) == "Invalid duration: expected a string, got an integer"
    assert schema.problem({"steps": True}) == "Invalid steps: expected an integer, got a boolean"
    assert schema.problem({"steps": 2.0}) == "Invalid steps: expected an integer, got a number"
    assert schema.problem({"steps": 0}) == "Invalid steps: 0 is below the minimum 1"
    assert schema.problem({"scale": True}) == "Invalid scale: expected a number, got a boolean"


def test_every_registry_field_is_in_its_schema() -> None:
    schemas = schemas_from_registry(REGISTRY)
    for model in REGISTRY.models:
        rules = {rule.name: rule for rule in schemas[model.kie_model].fields}
        assert list(rules) == [field.name for field in model.fields]
        assert all(rules[field.name].required == field.required for field in model.fields)
