"""The parameter table of a scenario: every field with its value, default, unit and source.

Built from the scenario schema itself (field descriptions end with "Source: ..."
or "Assumption ..."), so the table, `recoverysim params` and docs/model.md
cannot drift apart from the code without a test noticing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pydantic
from pydantic_core import PydanticUndefined

from recoverysim.scenario.provenance import (
    COMMAND_LINE,
    DEFAULT,
    NOT_RECORDED,
    SCENARIO,
    set_by,
    was_written,
)
from recoverysim.scenario.schema import Policy, Scenario

REQUIRED = "required"
NOT_STATED = "not stated: a setting, not an estimate"
MAX_VALUE_CHARS = 40

#: Unit by field-name ending, first match wins; names without a unit ending come after.
UNIT_SUFFIXES = (
    ("_eur", "EUR"),
    ("_days_mean", "days"),
    ("_days", "days"),
    ("_hours_mean", "hours"),
    ("_hour", "hour of day"),
    ("_minutes_cv", "ratio (sd / mean)"),
    ("_minutes_mean", "minutes"),
    ("_minutes_each_way", "minutes"),
    ("_per_year", "per year"),
    ("_probability", "probability"),
    ("_share", "share (0-1)"),
    ("_weight", "weight (0-1)"),
    ("_multiplier", "multiplier"),
    ("_satisfaction", "satisfaction (0-1)"),
    ("_sd", "satisfaction (0-1)"),
)
UNIT_NAMES = {
    "staff": "agents",
    "opportunist_share": "opportunists among customers (0-1)",
    "technicians": "technicians",
    "initial_customers": "people",
    "prospects": "people",
    "replications": "count",
    "seed": "integer",
    "points": "count",
    "sensitivity": "probability",
    "specificity": "probability",
    "initial_loyalty": "probability",
    "prior_success_belief": "probability",
    "belief_weight": "pseudo-count (tips)",
    "fraud_tips_per_outcome": "people",
    "loss_aversion": "ratio",
    "loyalty_sensitivity": "loyalty per unit of satisfaction",
    "recovery_paradox_strength": "share (0-1)",
    "customer_loyalty_effect": "loyalty (0-1)",
    "distrust_penalty": "interactional justice (0-1)",
    "effort_penalty_for_proof": "procedural justice (0-1)",
    "weibull_shape": "shape (dimensionless)",
    "channel_staff": "agents",
    "hours_mean": "hours",
    "schema_version": "format version",
    "share": "share (0-1)",
    "told_when_satisfied_mean": "people",
    "told_when_dissatisfied_mean": "people",
    "public_post_reach_mean": "people",
    "public_post_after_contacts": "contacts",
    "answered_within_seconds": "seconds",
    "technician_utilisation": "share (0-1)",
    "pooled_occupancy": "share (0-1)",
    "prior_caught_belief": "probability",
    "prior_value_share": "share of price",
    "refund_value_share": "share of price",
    "replace_value_share": "share of price",
    "repair_value_share": "share of price",
    "loss_curvature": "exponent",
    "major_loss_factor": "ratio",
    "major_loyalty_shock": "loyalty (0-1)",
    "missed_updates_bound": "updates",
    "missed_updates_penalty": "interactional justice (0-1)",
    "unexplained_penalty": "interactional justice (0-1)",
    "expectation_price_elasticity": "elasticity",
    "patience_from_loyalty": "share per unit of loyalty",
    "severity": "minor or major",
    "baseline_told_per_year": "people per customer-year",
    "impression_weight_positive": "ratio (to a recommendation)",
    "impression_weight_negative": "ratio (to a recommendation)",
    "leniency_purchase_effect": "relative change",
    "leniency_repurchase_effect": "relative change",
}


def unit_of(field_name: str) -> str:
    """The unit a field's name carries (`_days`, `_eur`, ...); '' for choices, names and
    switches."""
    if field_name in UNIT_NAMES:
        return UNIT_NAMES[field_name]
    match = re.fullmatch(r"effort_penalty_per_(\w+)", field_name)
    if match:
        return f"procedural justice per {match.group(1).replace('_', ' ')}"
    for suffix, unit in UNIT_SUFFIXES:
        if field_name.endswith(suffix):
            return unit
    return ""


def source_of(description: str | None) -> str:
    """Where a default comes from: the description from its first sentence that names a source or an
    assumption."""
    if not description:
        return NOT_STATED
    sentences = re.split(r"(?<=[.)])\s+(?=[A-Z])", description.strip())
    for index, sentence in enumerate(sentences):
        if re.search(r"\bSource\b|\bassumption\b|\bAssumption\b|\(\d{4}\)|\(c\. \d{4}\)", sentence):
            if index == 0 and len(sentences) > 1 and not re.match(r"Source|Assumption", sentence):
                continue
            return " ".join(sentences[index:])
    return NOT_STATED


def format_value(value: Any) -> str:
    """A value as YAML would show it, short: null, true, 0.85, [strap], {phone: 3}."""
    if value is PydanticUndefined:
        return REQUIRED
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, pydantic.BaseModel):
        return "{...}"
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


@dataclass(frozen=True)
class ParameterRow:
    """One line of the parameter table; `set_by` is scenario.provenance's answer, `description` the
    field's."""

    path: str
    value: str
    default: str
    unit: str
    source: str
    set_by: str = DEFAULT
    description: str = ""


#: How the source column opens for a value that is not the default, by who set it.
SET_BY_WORDS = {
    SCENARIO: "set by the scenario",
    COMMAND_LINE: "set on the command line",
    NOT_RECORDED: "set by the scenario or the command line",
}


def _field_default(field: Any) -> Any:
    if field.is_required():
        return PydanticUndefined
    return field.get_default(call_default_factory=True)


def _twin_items(value: tuple, twin: Any, written_list: bool) -> dict[Any, Any]:
    """The default items a written list's items are compared with: none when the file wrote the list
    itself (its items then start from the field defaults), else the default list's items by name."""
    if written_list or not isinstance(twin, tuple):
        return {}
    return {getattr(item, "name", None): item for item in twin}


def _rows(
    instance: pydantic.BaseModel,
    twin: pydantic.BaseModel | None,
    prefix: str,
    written: Mapping[str, str] | None,
    item_defaults: bool = False,
) -> list[ParameterRow]:
    """Rows for every leaf field of `instance`; `twin` is the same section as the defaults would
    build it.

    `item_defaults` compares the items of lists with the field defaults of an item, as the table of
    defaults (docs/model.md) states them, rather than with the default list's own items.
    """
    rows: list[ParameterRow] = []
    for name, field in type(instance).model_fields.items():
        value = getattr(instance, name)
        default = getattr(twin, name) if twin is not None else _field_default(field)
        path = f"{prefix}{name}"
        if isinstance(value, pydantic.BaseModel):
            twin_section = default if isinstance(default, pydantic.BaseModel) else None
            rows += _rows(value, twin_section, path + ".", written, item_defaults)
        elif (
            isinstance(value, tuple)
            and value
            and all(isinstance(v, pydantic.BaseModel) for v in value)
        ):
            twins = _twin_items(value, default, item_defaults or was_written(path, written))
            for index, item in enumerate(value):
                key = getattr(item, "name", None) or str(index)
                item_twin = twins.get(getattr(item, "name", None))
                rows += _rows(item, item_twin, f"{path}.{key}.", written, item_defaults)
        else:
            shown, default_shown = format_value(value), format_value(default)
            source = source_of(field.description)
            who = set_by(path, written, shown != default_shown)
            if default_shown == REQUIRED and who == NOT_RECORDED:
                who = SCENARIO  # a required field is always written
            if who != DEFAULT and default_shown != REQUIRED:
                source = f"{SET_BY_WORDS[who]} (the default's source: {source})"
            rows.append(
                ParameterRow(
                    path, shown, default_shown, unit_of(name), source, who, field.description or ""
                )
            )
    return rows


def parameter_rows(
    scenario: Scenario | None = None, written: Mapping[str, str] | None = None
) -> list[ParameterRow]:
    """The table for `scenario`, or for the defaults (one policy named <policy>) when None.

    `written` is what the file and the command line wrote (scenario.load.load_with_provenance);
    without it, a value is told apart from the default only when it differs.
    """
    placeholder = Policy.model_construct(
        name="<policy>"
    )  # a label for the table, not a name a user may write
    defaults = Scenario(policies=(placeholder,))
    if scenario is None:
        return _rows(defaults, defaults, "", {}, item_defaults=True)
    return _rows(scenario, defaults, "", written)


def format_table(rows: list[ParameterRow]) -> str:
    """Fixed-width columns; the source, often long, comes last and is not padded."""
    header = ParameterRow("field", "value", "default", "unit", "source")
    table = [header, *rows]
    widths = [
        max(len(getattr(r, column)) for r in table)
        for column in ("path", "value", "default", "unit")
    ]
    lines = []
    for r in table:
        cells = (r.path, r.value, r.default, r.unit)
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)) + "  " + r.source
        )
        if r is header:
            lines.append("  ".join("-" * width for width in widths) + "  " + "-" * 6)
    return "\n".join(lines)


def format_markdown(rows: list[ParameterRow]) -> str:
    """The same table as Markdown, for reports."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| field | value | default | unit | source |", "|---|---|---|---|---|"]
    lines += [
        f"| `{r.path}` | {cell(r.value)} | {cell(r.default)} | {cell(r.unit)} | {cell(r.source)} |"
        for r in rows
    ]
    return "\n".join(lines)
