"""Defaults that cost money or change the question, listed when the scenario file did not write
them.

A file that never names components still simulates the default device and strap; one that lists no
segments gets the default channel mix, so every channel some segment starts claims on is staffed and
paid. `recoverysim run` prints these before simulating, so nobody mistakes a default for a choice.
The list follows the schema: components, segments (the opportunists among customers and the channel
mix), the staff and opening hours of every channel in use, inspection benches, and the money fields
in EUR.
"""

from __future__ import annotations

from collections.abc import Mapping

from recoverysim.scenario.provenance import was_written
from recoverysim.scenario.schema import CHANNEL_NAMES, Scenario

HEADER = "defaults the file did not write (they carry cost or change the question):"


def _percent(share: float) -> str:
    return f"{100 * share:.3g} %"


def _hours(opens: float, closes: float) -> str:
    return "round the clock" if closes - opens >= 24 else f"{opens:g}-{closes:g} h"


def channels_in_use(scenario: Scenario) -> dict[str, float]:
    """Each channel some segment starts claims on, with the highest share of any segment
    (model.desks staffs only these)."""
    used: dict[str, float] = {}
    for name in CHANNEL_NAMES:
        share = max(getattr(segment, f"{name}_share") for segment in scenario.market.segments)
        if share > 0:
            used[name] = share
    return used


def _staff_unwritten(scenario: Scenario, written: Mapping[str, str], name: str) -> bool:
    """Whether some policy takes channels.<name>.staff from the default: neither the file nor the
    policy set it."""
    if was_written(f"channels.{name}.staff", written):
        return False
    return any(
        not was_written(f"policies.{p.name}.channel_staff.{name}", written)
        for p in scenario.policies
    )


#: Money fields that cost something only under some policy, with the test of that policy.
MONEY_USED_BY = {
    "inspection_eur": lambda policy: policy.return_for_inspection,
    "technician_hour_eur": lambda policy: policy.return_for_inspection,
    "status_update_eur": lambda policy: policy.status_update_every_days is not None,
    "escalation_eur": lambda policy: policy.escalation_watch,
}


def _money_applies(scenario: Scenario, name: str) -> bool:
    """Whether money.<name> enters some policy's books (every other money field always does)."""
    used_by = MONEY_USED_BY.get(name)
    return used_by is None or any(used_by(policy) for policy in scenario.policies)


def unwritten_defaults(scenario: Scenario, written: Mapping[str, str]) -> list[str]:
    """One plain line per default that carries cost or changes the question and that `written` does
    not hold."""
    lines = []
    if not was_written("product.components", written):
        parts = ", ".join(
            f"{c.name} ({c.failures_per_year:g} failures/year)" for c in scenario.product.components
        )
        lines.append(
            f"product.components: {parts}; write product.components to choose which parts can fail"
        )
    if not was_written("market.segments", written):
        segments = "; ".join(
            f"{s.name}: opportunists among customers {_percent(s.opportunist_share)}, claims "
            "start on "
            + ", ".join(f"{n} {_percent(getattr(s, f'{n}_share'))}" for n in CHANNEL_NAMES)
            for s in scenario.market.segments
        )
        lines.append(f"market.segments: {segments}; write market.segments to choose")
    pay = scenario.money.agent_hour_eur
    unwritten_channels = []
    for name, share in channels_in_use(scenario).items():
        channel = getattr(scenario.channels, name)
        if not was_written(f"channels.{name}", written):
            hours = _hours(channel.opens_hour, channel.closes_hour)
            unwritten_channels.append(
                (
                    name,
                    f"staffed {channel.staff!r} ({hours})",
                    f"{name}_share up to {_percent(share)}",
                )
            )
        elif _staff_unwritten(scenario, written, name):
            lines.append(
                f"channels.{name}.staff: {channel.staff!r} agents (the default), paid {pay:g} EUR "
                "per hour"
            )
    if len(unwritten_channels) == 1:
        ((name, staffed, share),) = unwritten_channels
        lines.append(
            f"channels.{name}: not written, yet {staffed} and paid {pay:g} EUR per agent hour, "
            f"since claims start there ({share}); write channels.{name} to choose, or set "
            f"{name}_share 0 in every segment to drop it",
        )
    elif unwritten_channels:
        each = "; ".join(
            f"{name} {staffed}, {share}" for name, staffed, share in unwritten_channels
        )
        lines.append(
            f"channels not written, yet staffed and paid {pay:g} EUR per agent hour, since claims "
            f"start there: {each}; write channels.<name> to choose, or set <name>_share 0 in "
            "every segment to drop one"
        )
    for policy in scenario.policies:
        if policy.return_for_inspection and not was_written(
            f"policies.{policy.name}.inspection.technicians", written
        ):
            lines.append(
                f"policies.{policy.name}.inspection.technicians: "
                f"{policy.inspection.technicians!r} (the default), paid "
                f"{scenario.money.technician_hour_eur:g} EUR per technician hour"
            )
        if policy.escalation_watch and not was_written(
            f"policies.{policy.name}.escalation_compensation_eur", written
        ):
            lines.append(
                f"policies.{policy.name}.escalation_compensation_eur: "
                f"{policy.escalation_compensation_eur:g} (the default) per customer a manager "
                "recovers"
            )
    costs = [
        f"{name} {getattr(scenario.money, name):g}"
        for name in type(scenario.money).model_fields
        if name.endswith("_eur")
        and _money_applies(scenario, name)
        and not was_written(f"money.{name}", written)
    ]
    if costs:
        lines.append(f"money (EUR): {', '.join(costs)}; write money.<field> to choose")
    return lines


def unwritten_notice(scenario: Scenario, written: Mapping[str, str]) -> list[str]:
    """The header and an indented line per unwritten default; nothing when the file wrote them
    all."""
    lines = unwritten_defaults(scenario, written)
    return [HEADER, *(f"  {line}" for line in lines)] if lines else []
