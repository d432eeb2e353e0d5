"""Walking the scenario schema by dotted path: what type, which fields and which default items live
there."""

from __future__ import annotations

import typing
from typing import Any

import pydantic

from recoverysim.scenario.schema import Scenario
from recoverysim.scenario.yaml_source import PathKey


def annotation_at(path: PathKey) -> Any:
    """The schema's type annotation at `path` (list indices skipped), or None if the path is not in
    the schema."""
    annotation: Any = Scenario
    for part in path:
        if isinstance(part, int):
            continue
        model = model_in(annotation)
        if model is None or part not in model.model_fields:
            return None
        annotation = model.model_fields[part].annotation
    return annotation


def default_items(path: PathKey) -> list | None:
    """The default items of a list field not written in the file (e.g. the default segment), as
    plain data, so that `--set market.segments.everyone.opportunist_share=0.1` can reach them by
    name or index."""
    owner = model_in(annotation_at(path[:-1]))
    field = owner.model_fields.get(path[-1]) if owner is not None else None
    if field is None or field.is_required():
        return None
    return [item.model_dump(mode="json") for item in field.get_default(call_default_factory=True)]


def field_names(path: PathKey) -> list[str]:
    """The field names allowed at `path` in the schema, for 'did you mean' hints."""
    model = model_in(annotation_at(path))
    return list(model.model_fields) if model is not None else []


def model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_in(arg)
        if found is not None:
            return found
    return None
