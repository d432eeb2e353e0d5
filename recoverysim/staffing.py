"""Staffing that follows load: size every desk and bench written as 'auto', per channel and per
policy.

A policy's load depends on the policy (one that settles fewer claims at the first
contact makes more contacts), so each (scenario, policy) with anything 'auto' gets a
**load pilot**: one replication of the same scenario and policy with every 'auto'
desk and bench effectively unlimited (PILOT_STAFF agents or technicians: no one
waits, no one gives up, so no retries inflate the load), on its own streams:
the scenario's seed with replication number PILOT_REPLICATION (2^32 - 1), which no
experiment reaches (replications count from 0 and stop below 100,000).
The pilot counts contacts that reach each open desk and inspections started; divided
by the open hours (opens_hour..closes_hour a day x horizon_days) that is arrivals per
open hour. Each 'auto' desk then gets the fewest agents for which Erlang A (Erlang C
without patience) meets the scenario's `staffing` targets (queueing.size_servers); a
channel without arrivals gets none. An 'auto' bench gets
ceil(inspections a day x hours_mean / 8 / technician_utilisation) technicians, at least 1.

The result is the same scenario with every policy's channel_staff and technicians
written out as numbers: deterministic, cached per process on the scenario's JSON, and
a fixed point (resolving a resolved scenario changes nothing and runs no pilot).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from recoverysim.model.claims import INSPECTION_HOURS_PER_DAY
from recoverysim.model.desks import used_channels
from recoverysim.model.world import World
from recoverysim.queueing.theory import size_servers
from recoverysim.scenario.schema import AUTO, MAX_STAFF, Policy, Scenario

#: Replication number of the load pilot's random streams; experiments use 0, 1, 2, ... below
#: 100,000.
PILOT_REPLICATION = 2**32 - 1
#: Agents or technicians of an 'auto' desk or bench during the pilot: more than ever busy at once.
PILOT_STAFF = MAX_STAFF
SECONDS_PER_MINUTE = 60.0


@dataclass(frozen=True)
class StaffChoice:
    """One desk (a channel) or the bench ("inspection") under one policy: what was chosen and
    why."""

    policy: str
    channel: str
    staff: int
    auto: bool
    arrivals_per_open_hour: (
        float  # per open hour; for the bench, inspections per 8-hour working day / 8
    )
    predicted_service_level: (
        float  # share answered within staffing.answered_within_seconds (NaN for the bench)
    )
    predicted_abandonment: float  # Erlang A's P(abandon) (NaN for the bench)


@dataclass(frozen=True)
class StaffingPlan:
    """A scenario with every staff count concrete, and the choices made (empty when nothing was
    'auto')."""

    scenario: Scenario
    choices: tuple[StaffChoice, ...]


def _auto_channels(scenario: Scenario, policy: Policy) -> list[str]:
    return [
        name
        for name, channel in scenario.channels.items()
        if policy.staff_for(name, channel.staff) == AUTO
    ]


def _auto_bench(policy: Policy) -> bool:
    """An 'auto' bench to size: only a policy that inspects has one (the others leave 'auto'
    unused)."""
    return policy.return_for_inspection and policy.inspection.technicians == AUTO


def needs_sizing(scenario: Scenario) -> bool:
    """Whether some policy has an 'auto' desk or bench still to size."""
    return any(_auto_channels(scenario, p) or _auto_bench(p) for p in scenario.policies)


def resolve_staffing(scenario: Scenario) -> Scenario:
    """The scenario with every 'auto' staff count sized from its policy's load (itself if there is
    none)."""
    return staffing_plan(scenario).scenario


def staffing_plan(scenario: Scenario) -> StaffingPlan:
    """Size every 'auto' desk and bench (see the module docstring); cached per process."""
    if not needs_sizing(scenario):
        return StaffingPlan(scenario, ())
    return _cached_plan(scenario.model_dump_json())


@functools.lru_cache(maxsize=128)
def _cached_plan(scenario_json: str) -> StaffingPlan:
    scenario = Scenario.model_validate_json(scenario_json)
    policies, choices = [], []
    for policy in scenario.policies:
        resolved, chosen = _size_policy(scenario, policy)
        policies.append(resolved)
        choices.extend(chosen)
    return StaffingPlan(scenario.model_copy(update={"policies": tuple(policies)}), tuple(choices))


def _size_policy(scenario: Scenario, policy: Policy) -> tuple[Policy, list[StaffChoice]]:
    """One policy's pilot and sizing; a policy with nothing 'auto' comes back unchanged, with no
    choices."""
    auto = _auto_channels(scenario, policy)
    auto_bench = _auto_bench(policy)
    if not auto and not auto_bench:
        return policy, []
    load = pilot_load(scenario, policy)
    targets = scenario.staffing
    used = used_channels(scenario)
    staff, choices = {}, []
    for name, channel in scenario.channels.items():
        fixed = policy.staff_for(name, channel.staff)
        arrivals = load.arrivals_per_open_hour[name]
        if name in auto:
            size = size_servers(
                arrivals if name in used else 0.0,
                channel.service_minutes_mean,
                channel.patience_minutes_mean,
                targets.answered_within_seconds / SECONDS_PER_MINUTE,
                targets.service_level_share,
                targets.max_abandonment_share,
            )
            staff[name] = size.servers
            choices.append(
                StaffChoice(
                    policy.name,
                    name,
                    size.servers,
                    True,
                    arrivals,
                    size.service_level,
                    size.abandon_probability,
                )
            )
        else:
            staff[name] = fixed
            choices.append(
                StaffChoice(
                    policy.name,
                    name,
                    fixed if name in used else 0,
                    False,
                    arrivals,
                    math.nan,
                    math.nan,
                )
            )
    technicians = policy.inspection.technicians
    if auto_bench:
        work_days = (
            load.inspections_per_day * policy.inspection.hours_mean / INSPECTION_HOURS_PER_DAY
        )
        technicians = max(1, math.ceil(work_days / targets.technician_utilisation - 1e-9))
    if policy.return_for_inspection:
        choices.append(
            StaffChoice(
                policy.name,
                "inspection",
                technicians,
                auto_bench,
                load.inspections_per_day / INSPECTION_HOURS_PER_DAY,
                math.nan,
                math.nan,
            )
        )
    inspection = policy.inspection.model_copy(update={"technicians": technicians})
    sized = tuple(auto) + (("inspection",) if auto_bench else ())
    return policy.model_copy(
        update={"channel_staff": staff, "inspection": inspection, "auto_sized": sized}
    ), choices


@dataclass(frozen=True)
class PilotLoad:
    """What a load pilot measured: contacts per open hour at each desk, inspections per day at the
    bench."""

    arrivals_per_open_hour: dict[str, float]
    inspections_per_day: float


def pilot_load(scenario: Scenario, policy: Policy) -> PilotLoad:
    """Run the load pilot of one policy: its 'auto' desks and bench unlimited, everything else as
    written."""
    staff = {
        name: PILOT_STAFF
        if policy.staff_for(name, channel.staff) == AUTO
        else policy.staff_for(name, channel.staff)
        for name, channel in scenario.channels.items()
    }
    technicians = (
        PILOT_STAFF if policy.inspection.technicians == AUTO else policy.inspection.technicians
    )
    pilot_policy = policy.model_copy(
        update={
            "channel_staff": staff,
            "inspection": policy.inspection.model_copy(update={"technicians": technicians}),
        }
    )
    world = World(scenario, pilot_policy, PILOT_REPLICATION)
    world.run()
    days = scenario.horizon_days
    arrivals = {
        name: world.desks[name].contacts_offered / (channel.open_hours_per_day * days)
        for name, channel in scenario.channels.items()
    }
    load = PilotLoad(arrivals, world.bench.inspections / days)
    world.release()
    return load


def describe(plan: StaffingPlan) -> list[str]:
    """Lines for the terminal: the targets, then each policy's staff per channel ('fixed' where not
    sized)."""
    if not plan.choices:
        return []
    targets = plan.scenario.staffing
    lines = [
        f"staffing (auto, {targets.service_level_share:.0%} in "
        f"{targets.answered_within_seconds:g} s, abandonment <= "
        f"{targets.max_abandonment_share:.0%}):"
    ]
    for policy in plan.scenario.policies:
        mine = [c for c in plan.choices if c.policy == policy.name]
        if mine:
            parts = [
                f"{'technicians' if c.channel == 'inspection' else c.channel} "
                f"{c.staff}{'' if c.auto else ' (fixed)'}"
                for c in mine
            ]
            lines.append(f"  {policy.name}: {', '.join(parts)}")
    return lines


def choices_frame(plan: StaffingPlan):
    """The choices as a table (staffing.csv), one row per policy and desk or bench."""
    import pandas as pd

    columns = [
        "policy",
        "channel",
        "staff",
        "auto",
        "arrivals_per_open_hour",
        "predicted_service_level",
        "predicted_abandonment",
    ]
    return pd.DataFrame(
        [[getattr(c, name) for name in columns] for c in plan.choices], columns=columns
    )


__all__ = [
    "PILOT_REPLICATION",
    "StaffChoice",
    "StaffingPlan",
    "choices_frame",
    "describe",
    "needs_sizing",
    "pilot_load",
    "resolve_staffing",
    "staffing_plan",
]
