"""A what-if page for training rooms: a grid over two or three levers, run in advance, in one HTML
file. This module chooses the levers and runs the grid; views/whatif_page.py writes the page.

The page needs no server and no network: the grid is embedded as JSON, and
plain JavaScript moves the headline figures and redraws a small SVG trade-off
chart when a slider or a toggle moves.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from recoverysim.engine import run_replication
from recoverysim.errors import RecoverySimError, ScenarioError, UsageError
from recoverysim.experiment import executor_for
from recoverysim.experiments.designs import base_value
from recoverysim.scenario.fields import same_setting
from recoverysim.scenario.load import scenario_from_dict, scenario_to_dict
from recoverysim.scenario.schema import AUTO, Policy, Scenario, WhatIf, WhatIfLever
from recoverysim.staffing import needs_sizing, resolve_staffing

#: Figures the page shows, with their label and how to print them.
PAGE_FIGURES = (
    ("net_result_eur", "Net result (EUR)", "eur"),
    ("customer_value_eur", "Value of customers kept (EUR)", "eur"),
    ("cost_total_eur", "Total cost (EUR)", "eur"),
    ("retention_share", "Initial customers kept", "share"),
    ("satisfaction_mean", "Mean satisfaction (0-1)", "plain"),
    ("fraud_share", "Fraudulent share of claims", "share"),
    ("fraud_paid_eur", "Fraud paid out (EUR)", "eur"),
    ("honest_denied_share", "Honest claims denied", "share"),
    ("resolution_days_mean", "Days to a decision", "plain"),
    ("wom_negative", "People told bad stories", "count"),
)
#: Used when a scenario has no `whatif:` section: levers that exist in every scenario.
DEFAULT_WHATIF = WhatIf(
    levers=(
        WhatIfLever(
            label="Opportunists among customers (every segment)",
            path="market.segments.*.opportunist_share",
            values=(0.02, 0.05, 0.1, 0.2),
        ),
        WhatIfLever(
            label="Status updates every k days (every policy; none means no updates)",
            path="policies.*.status_update_every_days",
            values=(None, 2, 7),
        ),
    )
)


class _AsWritten:
    """A lever's setting that changes nothing: the scenario's own values, when its paths hold
    different ones."""

    def __repr__(self) -> str:
        return "as written"


AS_WRITTEN = _AsWritten()


@dataclass(frozen=True)
class Lever:
    """A lever with its '*' paths expanded to the concrete paths it sets; `start` is the setting the
    page opens on, the scenario's own (added to `values` when the file's levers did not list it)."""

    label: str
    path: str
    values: tuple[Any, ...]
    paths: tuple[str, ...]
    start: int = 0

    def overrides(self, value: Any) -> list[str]:
        if value is AS_WRITTEN:
            return []
        return [f"{p}={json.dumps(value)}" for p in self.paths]


@dataclass
class Grid:
    """Every combination of the levers' values, and for each the mean figures per policy."""

    scenario: str
    seed: int
    description: str
    replications: int
    policies: list[str]
    levers: list[Lever]
    points: list[dict] = field(
        default_factory=list
    )  # {"index": [i, j, ...], "figures": {policy: {figure: mean}}}
    smaller_market: str = (
        ""  # what the page says when the grid ran on fewer customers (with_fewer_customers)
    )
    held_staff: str = ""  # what the page says when staff was sized once and held (run_grid)

    def as_json(self) -> dict:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "description": self.description,
            "replications": self.replications,
            "policies": self.policies,
            "levers": [
                {
                    "label": lever.label or _words_of_path(lever.path),
                    "path": lever.path,
                    "values": [repr(v) if v is AS_WRITTEN else v for v in lever.values],
                    "start": lever.start,
                }
                for lever in self.levers
            ],
            "figures": [
                {"key": k, "label": label, "kind": kind} for k, label, kind in PAGE_FIGURES
            ],
            "points": self.points,
            "smaller_market": self.smaller_market,
            "held_staff": self.held_staff,
        }


def expand(path: str, data: dict) -> list[str]:
    """Replace each '*' by every item name (or index) of the list at that place in the scenario."""
    parts = path.split(".")
    results: list[str] = []

    def walk(node: Any, i: int, done: list[str]) -> None:
        if i == len(parts):
            results.append(".".join(done))
            return
        part = parts[i]
        if part == "*":
            if not isinstance(node, list):
                raise RecoverySimError(
                    f"'*' in {path} must stand for the items of a list, but "
                    f"{'.'.join(done) or 'the top'} is not a list"
                )
            for index, item in enumerate(node):
                name = item.get("name") if isinstance(item, dict) else None
                walk(item, i + 1, done + [str(name if name is not None else index)])
            return
        if isinstance(node, list):
            names = [item.get("name") if isinstance(item, dict) else None for item in node]
            child = (
                node[names.index(part)]
                if part in names
                else (node[int(part)] if part.isdigit() and int(part) < len(node) else None)
            )
        elif isinstance(node, dict):
            child = node.get(part)
        else:
            child = None
        walk(child, i + 1, done + [part])

    walk(data, 0, [])
    return results


def with_scenario_setting(lever: Lever, data: dict) -> Lever:
    """The lever with the scenario's own setting among its values and marked as the start, so that
    the page opens on the scenario as written: the shared value of its paths, inserted in order when
    missing, or AS_WRITTEN first when the paths hold different values (say opportunist shares that
    differ by segment)."""
    written = [base_value(data, path) for path in lever.paths]
    if any(not same_setting(value, written[0]) for value in written):
        return Lever(lever.label, lever.path, (AS_WRITTEN, *lever.values), lever.paths, 0)
    own = written[0]
    for index, value in enumerate(lever.values):
        if same_setting(value, own):
            return Lever(lever.label, lever.path, lever.values, lever.paths, index)
    values = list(lever.values)
    numeric = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if (
        isinstance(own, (int, float))
        and not isinstance(own, bool)
        and len(numeric) == len(values) - values.count(None)
    ):
        index = next((i for i, v in enumerate(values) if v is not None and v > own), len(values))
    else:
        index = len(values)
    values.insert(index, own)
    return Lever(lever.label, lever.path, tuple(values), lever.paths, index)


def levers_of(scenario: Scenario, source: str = "scenario") -> list[Lever]:
    """The scenario's what-if levers (or the defaults), expanded, checked value by value, and
    holding the scenario's own setting as the one the page opens on."""
    spec = scenario.whatif or DEFAULT_WHATIF
    data = scenario_to_dict(scenario)
    levers = []
    for index, lever in enumerate(spec.levers):
        where = f"{source}: whatif.levers.{index}.path"
        try:
            paths = tuple(expand(lever.path, data))
        except RecoverySimError as error:
            raise RecoverySimError(f"{where}: {error}") from None
        resolved = Lever(lever.label, lever.path, lever.values, paths)
        for value in lever.values:
            try:
                scenario_from_dict(data, resolved.overrides(value), source=source)
            except ScenarioError as error:
                raise RecoverySimError(
                    f"{where}: {lever.path}={json.dumps(value)} does not make a valid scenario: "
                    f"{error.problems[0]}"
                ) from None
        levers.append(with_scenario_setting(resolved, data))
    return levers


MARKET_SIZE_PATHS = ("market.initial_customers", "market.prospects")


def with_fewer_customers(
    scenario: Scenario, customers: int, levers: list[Lever]
) -> tuple[Scenario, str]:
    """A quicker world for the page: `customers` owners at day 0 and prospects in the scenario's
    proportion, and the sentence the page shows about it (amounts and counts are then those of the
    smaller market)."""
    market = scenario.market
    if customers >= market.initial_customers:
        raise UsageError(
            f"--customers must be fewer than the scenario's {market.initial_customers:,} initial "
            f"customers (got {customers:,})"
        )
    for lever in levers:
        if any(path.startswith(MARKET_SIZE_PATHS) for path in lever.paths):
            raise UsageError(
                f"--customers cannot be used with a lever on the market size ({lever.path})"
            )
    prospects = round(market.prospects * customers / market.initial_customers)
    smaller = scenario_from_dict(
        scenario_to_dict(scenario),
        [f"market.initial_customers={customers}", f"market.prospects={prospects}"],
        source="--customers",
    )
    note = (
        f"A quicker version: this page simulated {customers:,} owners and {prospects:,} prospects "
        f"instead of the scenario's {market.initial_customers:,} and {market.prospects:,}, with "
        "staff sized for that smaller market. Amounts in EUR and counts are for the smaller "
        "market; shares, satisfaction and days compare directly."
    )
    return smaller, note


#: Initial customers of a quick page (--quick), when the scenario has more and no lever sets them.
QUICK_CUSTOMERS = 5_000


def quick_customers(scenario: Scenario, levers: list[Lever]) -> int | None:
    """How many customers a quick page simulates: QUICK_CUSTOMERS, or None (the scenario's own)
    when the scenario has no more than that or a lever sets the market size."""
    on_market_size = any(p.startswith(MARKET_SIZE_PATHS) for lever in levers for p in lever.paths)
    if scenario.market.initial_customers <= QUICK_CUSTOMERS or on_market_size:
        return None
    return QUICK_CUSTOMERS


def grid_size(levers: list[Lever]) -> int:
    return math.prod(len(lever.values) for lever in levers)


def _policy_key(data: dict, policy: str) -> str:
    """What a policy's results depend on: the world and that policy alone (so a lever of another
    policy reuses them)."""
    trimmed = {
        k: v
        for k, v in data.items()
        if k not in ("whatif", "replications", "description", "policies")
    }
    trimmed["policy"] = next(p for p in data["policies"] if p["name"] == policy)
    return json.dumps(trimmed, sort_keys=True)


def run_grid(
    scenario: Scenario,
    levers: list[Lever],
    replications: int,
    executor: str = "processes",
    workers: int | None = None,
    on_point: Callable[[], None] | None = None,
    hold_staff: bool = False,
) -> Grid:
    """Run every grid point for every policy with `replications` replications; keep the mean of each
    figure.

    All simulations go to one executor map, one task per distinct (world, policy): its staffing
    pilot and its replications run together on a worker, so the cores stay busy and no pilot runs
    twice. A policy whose world a lever does not change (another policy's setting) is run once and
    shared by the points (see _policy_key).

    With `hold_staff` (the quick page), staff is sized once per policy, at the point nearest the
    scenario as written, and held at every point that sizes staff the same way (_sizing_key): those
    points run no pilot. The page says so (Grid.held_staff).
    """
    base = scenario_to_dict(scenario)
    base["whatif"] = None
    policies = [p.name for p in scenario.policies]
    grid = Grid(scenario.name, scenario.seed, scenario.description, replications, policies, levers)
    point_keys: list[tuple[tuple[int, ...], dict[str, str]]] = []
    tasks: dict[str, PolicyTask] = {}
    nearest: dict[str, tuple[int, str]] = {}  # sizing key -> (levers away from the start, task key)
    sizing_of: dict[str, str] = {}  # task key -> sizing key
    for index in itertools.product(*(range(len(lever.values)) for lever in levers)):
        overrides = [o for lever, i in zip(levers, index) for o in lever.overrides(lever.values[i])]
        point = scenario_from_dict(copy.deepcopy(base), overrides, source="whatif grid")
        data = scenario_to_dict(point)
        keys = {p: _policy_key(data, p) for p in policies}
        away = sum(i != lever.start for lever, i in zip(levers, index))
        for policy, key in keys.items():
            if key not in tasks:
                tasks[key] = PolicyTask(key, _alone(point, policy), policy, replications)
                sizing_of[key] = _sizing_key(data, policy)
            # a task shared by several points counts as near as the nearest of them
            if away < nearest.get(sizing_of[key], (len(levers) + 1, ""))[0]:
                nearest[sizing_of[key]] = (away, key)
        point_keys.append((index, keys))
    figures: dict[str, dict] = {}
    reported = 0

    def record(key: str, means: dict) -> None:
        nonlocal reported
        figures[key] = means
        while reported < len(point_keys) and all(
            k in figures for k in point_keys[reported][1].values()
        ):
            reported += 1
            if on_point is not None:
                on_point()

    with executor_for(executor, workers, None) as runner:
        rest = list(tasks.values())
        if hold_staff:
            sized: dict[str, Policy] = {}
            first = [tasks[key] for _, key in nearest.values()]
            for key, means, policy in runner.map_unordered(run_sizing_task, first):
                record(key, means)
                sized[sizing_of[key]] = policy
            rest = [_held(t, sized[sizing_of[t.key]]) for t in rest if t.key not in figures]
            grid.held_staff = held_staff_note(list(sized.values()), rest, len(policies))
        for key, means in runner.map_unordered(run_policy_task, rest):
            record(key, means)
    for index, keys in point_keys:
        grid.points.append(
            {"index": list(index), "figures": {p: figures[keys[p]] for p in policies}}
        )
    return grid


def _sizing_key(data: dict, policy: str) -> str:
    """What turns a policy's load into staff: the targets, the desks, the policy's own staff and
    bench time. Points that share it and differ only in load may share staff under hold_staff."""
    own = next(p for p in data["policies"] if p["name"] == policy)
    inspection = own.get("inspection") or {}
    sizing = {
        "policy": policy,
        "staffing": data["staffing"],
        "channels": data["channels"],
        "channel_staff": own.get("channel_staff"),
        "technicians": inspection.get("technicians"),
        "inspection_hours_mean": inspection.get("hours_mean"),
    }
    return json.dumps(sizing, sort_keys=True)


def _held(task: PolicyTask, sized: Policy) -> PolicyTask:
    """The task with `sized`'s staff written in for every desk and bench it has as 'auto', marked
    as sized (so it is paid as an 'auto' desk is). Unchanged when `sized` has no size for one of
    them (a bench the sized point did not use): that task then sizes its own, as a full run does."""
    scenario = task.scenario
    policy = scenario.policy(task.policy)
    staff, held = {}, []
    for name, channel in scenario.channels.items():
        staff[name] = policy.staff_for(name, channel.staff)
        if staff[name] == AUTO:
            if name not in sized.auto_sized:
                return task
            staff[name] = sized.channel_staff[name]
            held.append(name)
    inspection = policy.inspection
    if policy.return_for_inspection and inspection.technicians == AUTO:
        if "inspection" not in sized.auto_sized:
            return task
        inspection = inspection.model_copy(update={"technicians": sized.inspection.technicians})
        held.append("inspection")
    if not held:
        return task
    update = {"channel_staff": staff, "inspection": inspection, "auto_sized": tuple(held)}
    policies = (policy.model_copy(update=update),)
    return replace(task, scenario=scenario.model_copy(update={"policies": policies}))


def held_staff_note(sized: list[Policy], tasks: list[PolicyTask], policies: int) -> str:
    """What the page says about staff sized once (empty when nothing was sized)."""
    if not any(policy.auto_sized for policy in sized):
        return ""
    bench = any("inspection" in p.auto_sized for p in sized)
    desks = "desks and inspection bench" if bench else "desks"
    note = (
        f"Staff held: each policy's {desks} were sized once, with the levers at the scenario's own "
        "settings, and kept at that size at the other settings. A full page (made without "
        "--quick) sizes them again at every setting, so there waits and staff follow the load a "
        "lever adds or removes."
    )
    if len(sized) > policies:
        note += (
            " Levers that change how staff is sized (targets, desks, a policy's staff) were sized "
            "per value."
        )
    if any(not t.scenario.policy(t.policy).auto_sized and needs_sizing(t.scenario) for t in tasks):
        note += (
            " Where a lever switches on an inspection bench the scenario as written does not use, "
            "it was sized."
        )
    return note


def _alone(point: Scenario, policy: str) -> Scenario:
    """The grid point with only `policy`: a replication and its staffing pilot see no other policy,
    and a worker then sizes no desk it will not use."""
    return point.model_copy(
        update={"policies": (point.policy(policy),), "whatif": None, "sweep": None}
    )


@dataclass(frozen=True)
class PolicyTask:
    """Every replication of one policy in one grid point's world; module level so worker processes
    unpickle it."""

    key: str
    scenario: Scenario
    policy: str
    replications: int


def run_policy_task(task: PolicyTask) -> tuple[str, dict[str, float | None]]:
    """The mean of each page figure over the task's replications (replication r has the seeds of
    `run`'s r)."""
    runs = pd.DataFrame(
        [run_replication(task.scenario, task.policy, r).figures for r in range(task.replications)]
    )
    return task.key, {
        k: _finite(runs[k].mean()) for k, _, _ in PAGE_FIGURES
    }  # NaN skipped, as in `run`


def run_sizing_task(task: PolicyTask) -> tuple[str, dict[str, float | None], Policy]:
    """run_policy_task, and the task's policy with its staff sized (the sizing is cached)."""
    key, means = run_policy_task(task)
    return key, means, resolve_staffing(task.scenario).policy(task.policy)


def _finite(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _words_of_path(path: str) -> str:
    """A lever without a label is called by the last name in its path, in words (never the dotted
    path itself)."""
    last = next(
        (part for part in reversed(path.split(".")) if part != "*" and not part.isdigit()), path
    )
    return last.replace("_", " ").capitalize()
