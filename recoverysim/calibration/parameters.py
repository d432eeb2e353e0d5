"""The parameters to fit: `--fit PATH[=lo:hi]` read, its bounds taken from the schema when omitted,
and checked by applying them to every scenario the targets need, as `--set` would."""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Any
from collections.abc import Iterable

import annotated_types
import pydantic

from recoverysim.errors import Problem, ScenarioError, UsageError
from recoverysim.scenario.load import scenario_from_dict
from recoverysim.scenario.schema import Scenario
from recoverysim.scenario.schema_paths import model_in


@dataclass(frozen=True)
class FitParameter:
    """One scenario field to fit, with its uniform prior on [low, high]."""

    path: str
    low: float
    high: float

    def override(self, value: float) -> str:
        """The `--set` text that puts `value` into a scenario."""
        return f"{self.path}={float(value)!r}"


def parse_fit(text: str) -> FitParameter:
    """Read `PATH=lo:hi` or `PATH` (bounds then from the schema); a UsageError says what is
    wrong."""
    path, _, bounds = text.partition("=")
    path = path.strip()
    if not path:
        raise UsageError(f"--fit {text}: must look like PATH=lo:hi or PATH (no path given)")
    if not bounds:
        low, high = schema_bounds(path)
    else:
        low, high = _read_bounds(text, bounds)
    if not low < high:
        raise UsageError(
            f"--fit {text}: the lower bound must be below the upper bound (got {low:g}:{high:g})"
        )
    return FitParameter(path, low, high)


def _read_bounds(text: str, bounds: str) -> tuple[float, float]:
    low_text, colon, high_text = bounds.partition(":")
    try:
        if not colon:
            raise ValueError
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise UsageError(
            f"--fit {text}: bounds must look like lo:hi, two numbers (got {bounds!r})"
        ) from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise UsageError(f"--fit {text}: bounds must be finite numbers (got {bounds!r})")
    return low, high


def field_at(path: str) -> pydantic.fields.FieldInfo | None:
    """The schema field at a dotted path (list items by name or index), or None if the schema has
    none there."""
    annotation: Any = Scenario
    field = None
    for part in path.split("."):
        if typing.get_origin(annotation) in (tuple, list):
            annotation, field = (
                typing.get_args(annotation)[0],
                None,
            )  # an item, named or numbered by `part`
            continue
        model = model_in(annotation)
        if model is None or part not in model.model_fields:
            return None
        field = model.model_fields[part]
        annotation = field.annotation
    return field


def schema_bounds(path: str) -> tuple[float, float]:
    """The field's own lower and upper bound when both are finite; otherwise ask for bounds on the
    command line.

    A range wider than a million (the schema's 1e9 on money fields) is a guard against overflow, not
    a prior.
    """
    field = field_at(path)
    if field is None:
        raise UsageError(f"--fit {path}: no such field in the scenario schema")
    low = high = None
    for rule in field.metadata:
        if isinstance(rule, (annotated_types.Ge, annotated_types.Gt)):
            low = float(getattr(rule, "ge", getattr(rule, "gt", None)))
        if isinstance(rule, (annotated_types.Le, annotated_types.Lt)):
            high = float(getattr(rule, "le", getattr(rule, "lt", None)))
    if (
        low is None
        or high is None
        or not (math.isfinite(low) and math.isfinite(high))
        or high - low > 1e6
    ):
        raise UsageError(
            f"--fit {path}: the schema gives this field no finite range; write it as {path}=lo:hi"
        )
    return low, high


def check_applicable(parameters: Iterable[FitParameter], worlds: dict[str, dict]) -> None:
    """Apply each parameter's bounds and midpoint to every world, as `--set` would; one problem per
    failure."""
    problems: list[Problem] = []
    for parameter in parameters:
        field = field_at(parameter.path)
        if field is not None and float not in (
            field.annotation,
            *typing.get_args(field.annotation),
        ):
            problems.append(
                Problem(
                    f"--fit {parameter.path}",
                    None,
                    "",
                    "is not a real-valued field, cannot be fitted",
                    getattr(field.annotation, "__name__", str(field.annotation)),
                )
            )
            continue
        for source, data in worlds.items():
            for value in (parameter.low, (parameter.low + parameter.high) / 2, parameter.high):
                try:
                    scenario_from_dict(data, [parameter.override(value)], source=source)
                except ScenarioError as error:
                    problems += [
                        Problem(
                            f"--fit {parameter.path}",
                            None,
                            "",
                            f"{source}: {p.path + ': ' if p.path else ''}{p.message}",
                            p.got,
                        )
                        for p in error.problems
                    ]
                    break
            else:
                continue
            break
    if problems:
        raise ScenarioError(problems)
