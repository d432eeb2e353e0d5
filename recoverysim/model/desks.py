"""Which desks and bench a policy staffs, and what their time costs each day.

A fixed desk or bench is paid every staffed hour. One sized 'auto' is paid as
staffing.auto_desk_cost says: pooled (the default) pays only the time its own
contacts and inspections took, divided by staffing.pooled_occupancy.
"""

from __future__ import annotations

from recoverysim.errors import RecoverySimError
from recoverysim.model.channels import Bench, ChannelDesk
from recoverysim.model.claims import INSPECTION_HOURS_PER_DAY
from recoverysim.scenario.schema import CHANNEL_NAMES, Channel, Policy, Scenario

HOURS_PER_DAY = 24.0


def used_channels(scenario: Scenario) -> set[str]:
    """Channels some segment starts claims on; the others are neither staffed nor paid.

    Claims stay on the channel they start on, so an unused channel never sees a contact."""
    shares = {
        name: sum(getattr(s, f"{name}_share") for s in scenario.market.segments)
        for name in CHANNEL_NAMES
    }
    return {name for name, share in shares.items() if share > 0.0}


def staffed_channels(scenario: Scenario, policy: Policy) -> list[tuple[str, Channel]]:
    """The scenario's channels with the staff the policy sets (Policy.channel_staff) where it sets
    any, and no staff on a channel no segment uses. Staff must be resolved: 'auto' is sized by
    recoverysim.staffing first."""
    used = used_channels(scenario)
    channels = []
    for name, channel in scenario.channels.items():
        staff = policy.staff_for(name, channel.staff) if name in used else 0
        if staff == "auto":
            raise RecoverySimError(
                f"channels.{name}.staff is 'auto' under policy {policy.name!r}: resolve it first "
                "(recoverysim.staffing.resolve_staffing)"
            )
        channels.append(
            (
                name,
                channel if staff == channel.staff else channel.model_copy(update={"staff": staff}),
            )
        )
    return channels


def technicians_paid(policy: Policy) -> int:
    """Technicians on the bench's payroll: the policy's, when it returns items for inspection; none
    otherwise."""
    technicians = policy.inspection.technicians
    if not policy.return_for_inspection:
        return 0
    if technicians == "auto":
        raise RecoverySimError(
            f"policies.{policy.name}.inspection.technicians is 'auto': resolve it first "
            "(recoverysim.staffing.resolve_staffing)"
        )
    return technicians


class Payroll:
    """Agent and technician pay: a fixed amount a day for fixed desks, busy time since the last call
    for pooled ones."""

    def __init__(
        self,
        scenario: Scenario,
        policy: Policy,
        channels: list[tuple[str, Channel]],
        desks: dict[str, ChannelDesk],
        bench: Bench,
        technicians: int,
    ):
        money, staffing = scenario.money, scenario.staffing
        pooled = set(policy.auto_sized) if staffing.auto_desk_cost == "pooled" else set()
        self._pooled_desks = [desks[name] for name, _ in channels if name in pooled]
        self._bench = bench if "inspection" in pooled else None
        fixed_hours = sum(
            c.staff * c.open_hours_per_day for name, c in channels if name not in pooled
        )
        bench_hours = 0.0 if self._bench else technicians * INSPECTION_HOURS_PER_DAY
        self.fixed_staff_eur_per_day = fixed_hours * money.agent_hour_eur
        self.fixed_technicians_eur_per_day = bench_hours * money.technician_hour_eur
        self._occupancy = staffing.pooled_occupancy
        self._agent_hour_eur, self._technician_hour_eur = (
            money.agent_hour_eur,
            money.technician_hour_eur,
        )
        self._desk_days_paid = 0.0
        self._bench_days_paid = 0.0

    def pooled_since_last(self) -> tuple[float | None, float | None]:
        """(agent EUR, technician EUR) of pooled time used since the last call; None where nothing
        is pooled.

        A bench's busy days are technician-days of 8 working hours (model/claims.py)."""
        staff = technicians = None
        if self._pooled_desks:
            busy = sum(desk.busy_days for desk in self._pooled_desks)
            staff = (
                (busy - self._desk_days_paid)
                * HOURS_PER_DAY
                / self._occupancy
                * self._agent_hour_eur
            )
            self._desk_days_paid = busy
        if self._bench is not None:
            busy = self._bench.busy_days
            hours = (busy - self._bench_days_paid) * INSPECTION_HOURS_PER_DAY
            technicians = hours / self._occupancy * self._technician_hour_eur
            self._bench_days_paid = busy
        return staff, technicians
