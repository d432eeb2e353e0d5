"""docs/model.md covers every field of the scenario schema, and the defaults it states are the
schema's.

Fields are written as scenario paths in backticks: `market.segments[].share`
for an item of a list, `channels.<channel>.staff` for the four channels, which
share one type. The walk over the pydantic models is recursive, so a field
added to the schema fails this test until the document describes it.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pydantic
import pytest

from recoverysim.params import format_value, parameter_rows
from recoverysim.scenario.schema import CHANNEL_NAMES, Scenario

DOC = Path(__file__).resolve().parents[1] / "docs" / "model.md"


def models_in(annotation: typing.Any) -> list[type[pydantic.BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in models_in(arg)]


def is_list(annotation: typing.Any) -> bool:
    return typing.get_origin(annotation) is tuple or any(
        typing.get_origin(arg) is tuple for arg in typing.get_args(annotation)
    )


def schema_paths(model: type[pydantic.BaseModel] = Scenario, prefix: str = "") -> list[str]:
    """Every leaf field of the schema as a documentation path."""
    fields = model.model_fields
    inner = {name: models_in(field.annotation) for name, field in fields.items()}
    kinds = {models[0] for models in inner.values() if len(models) == 1}
    if len(fields) > 1 and all(len(models) == 1 for models in inner.values()) and len(kinds) == 1:
        (only,) = kinds  # a model whose fields are all one sub-model, like Channels
        return schema_paths(only, f"{prefix}<{only.__name__.lower()}>.")
    paths = []
    for name, field in fields.items():
        if inner[name]:
            paths += schema_paths(
                inner[name][0], f"{prefix}{name}{'[]' if is_list(field.annotation) else ''}."
            )
        else:
            paths.append(prefix + name)
    return paths


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def table_rows(doc: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in doc.splitlines()
        if line.startswith("|")
    ]


def test_the_walk_finds_the_whole_schema():
    paths = schema_paths()
    assert "channels.<channel>.patience_minutes_mean" in paths
    assert "policies[].inspection.sensitivity" in paths
    assert "market.segments[].opportunist_share" in paths
    assert len(paths) == len(set(paths)) > 100


def test_every_schema_field_appears_in_the_model_document(doc):
    missing = [path for path in schema_paths() if f"`{path}`" not in doc]
    assert not missing, f"docs/model.md does not mention: {', '.join(missing)}"


def test_every_channel_is_named(doc):
    assert all(f"`channels.{name}`" in doc for name in CHANNEL_NAMES)


def concrete(path: str) -> str:
    """The path of the same field in `recoverysim params` without a file (default segment,
    component, policy)."""
    return (
        path.replace("market.segments[].", "market.segments.everyone.")
        .replace("product.components[].", "product.components.device.")
        .replace("policies[].", "policies.<policy>.")
    )


def test_defaults_in_the_document_are_the_schemas(doc):
    defaults = {row.path: row.default for row in parameter_rows()}
    checked = 0
    for cells in table_rows(doc):
        fields = [c for c in cells if re.fullmatch(r"`[^`]+`", c)]
        if not fields or cells[1] != fields[0]:
            continue
        path = fields[0].strip("`")
        if path.startswith("channels.<channel>."):
            name = path.removeprefix("channels.<channel>.")
            for channel, stated in zip(CHANNEL_NAMES, cells[2:6]):
                assert stated == defaults[f"channels.{channel}.{name}"], (
                    f"{path} for {channel}: document says {stated!r}"
                )
                checked += 1
            continue
        assert concrete(path) in defaults, (
            f"{path}: in a table of docs/model.md but not a field with a default"
        )
        expected = defaults[concrete(path)]
        assert cells[2] == expected, f"{path}: document says {cells[2]!r}, schema {expected!r}"
        checked += 1
    assert checked >= 100


def test_the_default_product_stated_in_the_document_is_the_schemas(doc):
    components = Scenario.model_fields["product"].get_default(call_default_factory=True).components
    for component in components:
        assert (
            f"`{component.name}` (φ = {format_value(component.failures_per_year)} per year)" in doc
        )
