"""Readable names for swept scenario fields, from the schema's own descriptions and units.

Sweep figures name their axes with these instead of raw dotted paths, so a reader sees
"Opportunist share (segment bold), share (0-1)" rather than market.segments.bold.opportunist_share.
"""

from __future__ import annotations

import re

from recoverysim.params import UNIT_SUFFIXES, unit_of
from recoverysim.scenario.schema import Scenario
from recoverysim.scenario.schema_paths import model_in

#: A description's first clause longer than this reads badly on an axis; the field's own name is
#: used instead.
LONGEST_CLAUSE = 60
#: What a named list item is called in a label, by the list's field name.
ITEM_KINDS = {
    "segments": "segment",
    "components": "component",
    "policies": "policy",
    "levers": "lever",
}


def _clause(description: str) -> str:
    """The description's opening clause: up to the first full stop, bracket, colon, semicolon or
    comma."""
    return re.split(r"\.\s|\.$| \(|;|:|,", description.strip(), maxsplit=1)[0].strip()


def _humanised(name: str) -> str:
    """A field name as words, its unit ending left out (the unit is named apart)."""
    for suffix, _ in UNIT_SUFFIXES:
        if (
            name.endswith(suffix)
            and name != suffix.lstrip("_")
            and suffix not in ("_share", "_probability")
        ):
            name = name[: -len(suffix)]
            break
    return name.replace("_", " ")


def field_name_and_unit(dotted_path: str) -> tuple[str, str]:
    """("Opportunists among customers (segment bold)", "opportunists among customers (0-1)") for
    market.segments.bold.opportunist_share.

    Walks the scenario schema along the path; a part that is not a field names an item of a list
    (a segment, a policy), and a channel field names its channel. Unknown paths keep their last
    part."""
    model, qualifiers, field = Scenario, [], None
    parts = dotted_path.split(".")
    for index, part in enumerate(parts):
        if model is None:
            return _humanised(parts[-1]).capitalize(), unit_of(parts[-1])
        if part in model.model_fields:
            field = model.model_fields[part]
            if model.__name__ == "Channels":
                qualifiers.append(f"{part} channel")
            model = model_in(field.annotation)
        elif index > 0 and parts[index - 1] in ITEM_KINDS:
            qualifiers.append(f"{ITEM_KINDS[parts[index - 1]]} {part}")
        else:
            return _humanised(parts[-1]).capitalize(), unit_of(parts[-1])
    name = parts[-1]
    clause = _clause(field.description or "") if field is not None else ""
    text = (
        clause
        if len(clause.split()) >= 2 and len(clause) <= LONGEST_CLAUSE
        else _humanised(name).capitalize()
    )
    if text != clause and clause.startswith("Cost of"):
        text += " cost"  # money.inspection_eur: "Inspection cost", not "Inspection"
    return text + (f" ({', '.join(qualifiers)})" if qualifiers else ""), unit_of(name)


def field_label(dotted_path: str) -> str:
    """An axis label for a swept field: its plain name, its context and its unit, never only the
    dotted path."""
    name, unit = field_name_and_unit(dotted_path)
    words, _, scale = unit.partition(" (")
    if (
        scale and len(words.split()) >= 2 and name.lower().startswith(words.lower())
    ):  # a unit that repeats the name
        return f"{name}, share ({scale}"
    return f"{name}, {unit}" if unit else name
