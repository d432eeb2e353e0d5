"""Sweep figures name a swept field by its label and unit, read from the scenario schema, not by its
dotted path."""

from __future__ import annotations

import pytest

from recoverysim.field_labels import field_label, field_name_and_unit
from recoverysim.params import parameter_rows
from recoverysim.scenario.schema import Money


def test_a_named_list_item_becomes_the_labels_context():
    assert field_name_and_unit("market.segments.bold.opportunist_share") == (
        "Opportunists among customers (segment bold)",
        "opportunists among customers (0-1)",
    )
    assert field_label("market.segments.bold.opportunist_share") == (
        "Opportunists among customers (segment bold), share (0-1)"
    )  # the unit does not repeat the name
    assert field_label("policies.trusting.goodwill_eur") == "Goodwill (policy trusting), EUR"
    assert field_label("channels.phone.staff").endswith("(phone channel), agents")


def test_a_short_description_gives_the_name():
    clause = Money.model_fields["price_eur"].description.split(".")[0]
    assert field_label("money.price_eur") == f"{clause}, EUR"
    assert (
        field_label("money.inspection_eur") == "Inspection cost, EUR"
    )  # a long "Cost of ..." description


def test_a_path_outside_the_schema_keeps_its_last_part():
    assert field_label("somewhere.else.waiting_days") == "Waiting, days"


@pytest.mark.parametrize(
    "row",
    [r for r in parameter_rows() if not r.path.startswith(("name", "description"))],
    ids=lambda r: r.path,
)
def test_every_scenario_field_has_a_readable_label_with_its_unit(row):
    label = field_label(row.path.replace("<policy>", "trusting"))
    assert label and "." not in label.split(",")[0] and len(label) <= 100, label
    if row.unit:
        words, _, scale = row.unit.partition(" (")
        repeated = (
            bool(scale) and len(words.split()) >= 2 and label.lower().startswith(words.lower())
        )
        assert label.endswith(f", share ({scale}" if repeated else f", {row.unit}"), label
