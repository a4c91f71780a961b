"""Reading KIE's vendor docs: per-model Markdown pages with OpenAPI YAML blocks, and the price list.

Only facts are taken: the model id, the output media (from the doc's folder),
and for each ``input`` property its type, whether it is required, its enum,
default and limits. Prose is not copied; it is only hashed, so that a changed
description shows up as a (safe) change. Only ``POST /api/v1/jobs/createTask``
models are read; other APIs (Veo, Suno, Runway, ...) are listed as skipped.

The YAML is parsed with PyYAML's safe loader, imported only when docs are
read, so the rest of the registry (and ``registry validate``) works without it.

Example (with the shared docs next to the checkout)::

    docs = read_docs(Path("../shared/reference/kie-vendor-docs"))
    docs.models["nano-banana-pro"][0].doc      # 'image/017-nano-banana-pro.md'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

import msgspec

from registry.model import Ask, InputField, Scalar

__all__ = [
    "CREATE_TASK", "DocSet", "PriceList", "VendorDocsError", "VendorModel", "guess_ask", "read_docs", "read_price_list",
]

CREATE_TASK: Final = "/api/v1/jobs/createTask"
_YAML_BLOCK: Final = re.compile(r"^```ya?ml[ \t]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_PRICE_ROW: Final = re.compile(r"^\|(?P<label>[^|]+)\|\s*\$(?P<usd>[0-9][0-9.,]*)\s*\|(?P<unit>[^|]*)\|\s*$")
_MEDIA_FOLDERS: Final = (("Image Models", "image"), ("Video Models", "video"), ("Music Models", "audio"))
_MEDIA_DIRS: Final = {"image": "image", "video": "video", "audio": "audio"}


class VendorDocsError(Exception):
    """The vendor docs cannot be read at all (missing folder, PyYAML not installed)."""


def _yaml() -> Any:
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        raise VendorDocsError(
            "reading vendor docs needs PyYAML: install it with `pip install pyyaml`."
        ) from None
    return yaml


class VendorModel(msgspec.Struct, frozen=True):
    """One createTask model as a vendor doc describes it (facts only)."""

    kie_model: str
    doc: str
    media: str | None
    fields: tuple[InputField, ...]
    prose_digest: str


class DocSet(msgspec.Struct, frozen=True):
    """Everything read from a docs folder.

    ``models`` maps a KIE model id to every doc that documents it (usually
    one). ``skipped`` lists docs that hold no createTask model, ``failures``
    docs that could not be parsed, each as ``(doc, reason)``.
    """

    models: dict[str, tuple[VendorModel, ...]]
    skipped: tuple[tuple[str, str], ...]
    failures: tuple[tuple[str, str], ...]
    price_list: str | None


class PriceList(msgspec.Struct, frozen=True):
    """KIE's price list: row label -> US dollars. ``conflicts`` are labels listed twice with different prices."""

    path: str
    usd: dict[str, Decimal]
    conflicts: tuple[str, ...]


def guess_ask(field: InputField) -> Ask:
    """How the bot would ask for a field it knows nothing else about (used for newly imported models)."""
    name = field.name.lower()
    if field.type == "boolean":
        return "yes_no"
    if field.enum:
        return "buttons"
    if field.type in ("integer", "number"):
        return "number"
    if field.type == "array":
        return "images" if "image" in name or name == "input_urls" else "hidden"
    for media in ("image", "audio", "video"):
        if media in name and (name.endswith("url") or name.endswith(media)):
            return media
    return "text"


def _scalar(value: object) -> Scalar | None:
    return value if isinstance(value, str | int | float) else None


def _number(value: object) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _field(name: str, spec: Mapping[str, Any], required: bool) -> InputField:
    kind = spec.get("type", "string")
    enum = spec.get("enum")
    values = tuple(value for value in enum if _scalar(value) is not None) if isinstance(enum, list) else None
    bare = InputField(
        name=name,
        type=kind if isinstance(kind, str) else str(kind),
        ask="hidden",
        required=required,
        enum=values,
        default=_scalar(spec.get("default")),
        minimum=_number(spec.get("minimum")),
        maximum=_number(spec.get("maximum")),
        min_length=_count(spec.get("minLength")),
        max_length=_count(spec.get("maxLength")),
        min_items=_count(spec.get("minItems")),
        max_items=_count(spec.get("maxItems")),
    )
    return msgspec.structs.replace(bare, ask=guess_ask(bare))


def _media(operation: Mapping[str, Any], doc: str) -> str | None:
    tags = operation.get("tags")
    places = [str(operation.get("x-apidog-folder", ""))]
    places += [str(tag) for tag in tags] if isinstance(tags, list) else []
    for place in places:
        for folder, media in _MEDIA_FOLDERS:
            if folder in " ".join(place.split()):
                return media
    return _MEDIA_DIRS.get(doc.split("/", 1)[0])


def _prose(node: object, into: list[str]) -> None:
    """Collect every ``description`` string, depth first in key order."""
    if isinstance(node, dict):
        for key in sorted(node, key=str):
            value = node[key]
            if key == "description" and isinstance(value, str):
                into.append(value)
            else:
                _prose(value, into)
    elif isinstance(node, list):
        for item in node:
            _prose(item, into)


def _model_id(properties: Mapping[str, Any], example: object) -> str | None:
    spec = properties.get("model")
    if isinstance(spec, dict):
        enum = spec.get("enum")
        if isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str):
            return enum[0]
        if isinstance(spec.get("default"), str):
            return str(spec["default"])
    if isinstance(example, dict) and isinstance(example.get("model"), str):
        return str(example["model"])
    return None


def _read_doc(text: str, doc: str) -> list[VendorModel] | str:
    """The createTask models in one doc, or a reason why there are none."""
    yaml = _yaml()
    found: list[VendorModel] = []
    blocks = _YAML_BLOCK.findall(text)
    if not blocks:
        return "no OpenAPI YAML block"
    for block in blocks:
        spec = yaml.safe_load(block)
        paths = spec.get("paths") if isinstance(spec, dict) else None
        operation = paths.get(CREATE_TASK, {}).get("post") if isinstance(paths, dict) else None
        if not isinstance(operation, dict):
            continue
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        schema = body.get("schema", {})
        properties = schema.get("properties", {})
        model_id = _model_id(properties, body.get("example"))
        if model_id is None:
            raise ValueError("createTask without a model id (no model enum, default or example)")
        input_spec = properties.get("input", {})
        props = input_spec.get("properties") or {}
        required = set(input_spec.get("required") or [])
        fields = tuple(_field(str(name), spec_ if isinstance(spec_, dict) else {}, name in required)
                       for name, spec_ in props.items())
        prose: list[str] = []
        _prose(operation, prose)
        digest = hashlib.sha256("\0".join(prose).encode()).hexdigest()[:16]
        found.append(VendorModel(model_id, doc, _media(operation, doc), fields, digest))
    return found or f"no POST {CREATE_TASK} (another API)"


def read_docs(folder: Path) -> DocSet:
    """Read every ``*.md`` under ``folder`` (except ``common/``) in path order."""
    if not folder.is_dir():
        raise FileNotFoundError(f"the vendor docs folder {folder} does not exist")
    yaml = _yaml()
    models: dict[str, list[VendorModel]] = {}
    skipped: list[tuple[str, str]] = []
    failures: list[tuple[str, str]] = []
    for path in sorted(folder.rglob("*.md")):
        doc = path.relative_to(folder).as_posix()
        if doc.startswith("common/"):
            continue
        try:
            result = _read_doc(path.read_text(encoding="utf-8"), doc)
        except (yaml.YAMLError, ValueError, AttributeError, TypeError, UnicodeDecodeError) as error:
            failures.append((doc, " ".join(str(error).split())[:200]))
            continue
        if isinstance(result, str):
            skipped.append((doc, result))
            continue
        for model in result:
            models.setdefault(model.kie_model, []).append(model)
    prices = sorted(folder.glob("common/*pricing*.md"))
    return DocSet(
        models={key: tuple(value) for key, value in sorted(models.items())},
        skipped=tuple(skipped),
        failures=tuple(failures),
        price_list=prices[-1].as_posix() if prices else None,
    )


def read_price_list(path: Path) -> PriceList:
    """Parse the Markdown price table: ``| label | $0.09 | unit |`` rows ("$0,325" reads as 0.325)."""
    usd: dict[str, Decimal] = {}
    conflicts: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PRICE_ROW.match(line.strip())
        if match is None:
            continue
        label = " ".join(match["label"].split())
        try:
            price = Decimal(match["usd"].replace(",", "."))
        except InvalidOperation:
            continue
        if label in usd and usd[label] != price:
            conflicts.add(label)
        usd[label] = price
    return PriceList(path.as_posix(), usd, tuple(sorted(conflicts)))
