"""Find where two policies break even: the parameter value at which their paired difference in a
figure is zero.

d(x) is the mean over replications r of figure(challenger, x, r) -
figure(baseline, x, r); both policies run replication r on the same seeds at
every x (common random numbers), so d is smooth in x and its 95 % t interval
is the paired one.

1. Bracketing: d at both ends of the range; if their signs agree, at three
   evenly spaced interior values too; the first sign change brackets the answer.
2. Bisection on the mean of d until the bracket is narrower than the
   tolerance; the answer is the bracket's midpoint, where d is evaluated once
   more and reported with its interval.
3. The interval of the answer is the set of parameter values at which the
   95 % interval of d contains zero, that is, values at which the data cannot
   tell the policies apart. Its ends are where the interval's bounds cross
   zero, found by the same bisection on the lower and the upper bound (run
   side by side), each reported at the outer end of its final bracket. An end
   that reaches the search range is reported as open: the indifference may
   extend beyond it. This assumes d moves one way across the range; if it
   does not, the search finds one crossing, not all.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from recoverysim.errors import UsageError
from recoverysim.experiment import Destination, choose_policies, executor_for
from recoverysim.experiments.designs import (
    Point,
    base_value,
    is_integer_field,
    point_scenario,
    tidy,
)
from recoverysim.experiments.driver import drive
from recoverysim.experiments.executors import Executor
from recoverysim.experiments.progress import with_progress
from recoverysim.experiments.tasks import Task, TaskOutput
from recoverysim.metrics import EXTRA_FIGURES, KEY_FIGURES, mean_interval, metric_parts
from recoverysim.results import atomic_write, write_json
from recoverysim.scenario.load import scenario_to_dict
from recoverysim.scenario.schema import Scenario, parse_range
from recoverysim.table import number, with_interval

FIGURES = (*KEY_FIGURES, *EXTRA_FIGURES)
SCAN_POINTS = 3
"""Interior values tried when the ends of the range do not bracket a crossing. Assumption: 3
finds a crossing that d makes once; a d that crosses twice between two of them is reported as not
crossing."""
DEFAULT_STEPS = 64
"""Default tolerance: 1/64 of the range (six halvings). Assumption: finer than the noise of d at the
usual replication counts."""


@dataclass(frozen=True)
class Evaluation:
    """The paired difference challenger - baseline at one parameter value."""

    value: float
    replications: int
    mean: float
    ci_low: float
    ci_high: float

    @property
    def contains_zero(self) -> bool:
        return self.ci_low <= 0.0 <= self.ci_high


@dataclass(frozen=True)
class BreakEven:
    """The answer of a break-even search, with the evaluations it rests on."""

    parameter: str
    metric: str
    baseline: str
    challenger: str
    low: float
    high: float
    tolerance: float
    replications: int
    value: float | None
    interval: tuple[float, float] | None
    interval_open: tuple[bool, bool]
    at_value: Evaluation | None
    evaluations: tuple[Evaluation, ...]
    note: str = ""
    table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """breakeven.json: the answer and every evaluation, for scripts and reports."""

        def evaluation(e: Evaluation | None) -> dict | None:
            return (
                None
                if e is None
                else {
                    "value": e.value,
                    "replications": e.replications,
                    "mean": e.mean,
                    "ci_low": e.ci_low,
                    "ci_high": e.ci_high,
                }
            )

        return {
            "parameter": self.parameter,
            "metric": self.metric,
            "baseline": self.baseline,
            "challenger": self.challenger,
            "difference": f"{self.challenger} - {self.baseline}",
            "low": self.low,
            "high": self.high,
            "tolerance": self.tolerance,
            "replications": self.replications,
            "value": self.value,
            "interval": None if self.interval is None else list(self.interval),
            "interval_open": list(self.interval_open),
            "interval_definition": "parameter values at which the 95 % t interval of the paired "
            "difference contains zero",
            "at_value": evaluation(self.at_value),
            "evaluations": [evaluation(e) for e in self.evaluations],
            "note": self.note,
        }


def describe(result: BreakEven) -> str:
    """The answer in words: value, interval and the paired difference at the value (the CLI prints
    it, the report shows it)."""
    difference = f"{result.challenger} - {result.baseline} in {result.metric}"
    if result.value is None:
        tried = f"{len(result.evaluations)} values of {result.parameter} tried"
        return f"{result.note}\n({tried}, {result.replications} paired replications each)"
    low, high = result.interval
    open_low, open_high = result.interval_open
    interval = (
        f"{'<= ' if open_low else ''}{number(low)} to {'>= ' if open_high else ''}{number(high)}"
    )
    at = result.at_value
    reaches = "; an end marked <= or >= reaches the search range" if open_low or open_high else ""
    there = with_interval(at.mean, at.ci_low, at.ci_high)
    lines = [
        f"{result.parameter} at which {difference} crosses zero: {number(result.value)}",
        f"  95 % interval: {interval} (values where the 95 % interval of the paired difference "
        f"contains zero; ends found to within {number(result.tolerance)}{reaches})",
        f"  at {number(result.value)}: {difference} = {there} over {at.replications} paired "
        "replications",
        f"  {len(result.evaluations)} values of {result.parameter} tried in "
        f"[{number(result.low)}, {number(result.high)}]",
    ]
    if result.note:
        lines.append(f"  note: {result.note}")
    return "\n".join(lines)


def parse_bounds(text: str) -> tuple[str, float, float]:
    """`dotted.path=lo:hi` from --vary."""
    path, _, spec = text.partition("=")
    bounds = parse_range(spec.strip()) if spec else None
    if not path.strip() or bounds is None or bounds[2] is not None:
        raise UsageError(f"--vary {text}: breakeven needs one range, dotted.path=lo:hi")
    low, high, _ = bounds
    if not low < high:
        raise UsageError(f"--vary {text}: lo must be below hi")
    return path.strip(), low, high


def sign(x: float) -> int:
    return (x > 0) - (x < 0)


class Search:
    """Evaluates d at parameter values in batches, running each value's tasks once (and never again
    on resume)."""

    def __init__(
        self,
        scenario: Scenario,
        parameter: str,
        metric: str,
        policies: tuple[str, str],
        replications: int,
        integer: bool,
        run: Callable[[list[Task]], list[TaskOutput]],
    ):
        self.base = scenario_to_dict(scenario)
        self.base["sweep"] = None
        self.index = {p.name: i for i, p in enumerate(scenario.policies)}
        self.parameter, self.metric, self.policies, self.replications = (
            parameter,
            metric,
            policies,
            replications,
        )
        self.parts = metric_parts(metric)
        self.integer = integer
        self.run = run
        self.found: dict[float, Evaluation] = {}
        self.outputs: list[TaskOutput] = []

    def key(self, value: float, policy: str, replication: int) -> str:
        return f"{value!r}-{self.index[policy]:03d}-{replication:06d}"

    def evaluate(self, values: Iterable[float]) -> None:
        wanted = [v for v in dict.fromkeys(values) if v not in self.found]
        tasks = []
        for value in wanted:
            scenario = point_scenario(
                self.base, Point(len(self.found), {self.parameter: value}), source="breakeven"
            )
            tasks += [
                Task(self.key(value, p, r), scenario, p, r)
                for p in self.policies
                for r in range(self.replications)
            ]
        outputs = {o.key: o for o in self.run(tasks)}
        for value in wanted:

            def figure(p: str, r: int, value=value) -> float:
                return sum(outputs[self.key(value, p, r)].figures[f] for f in self.parts)

            diffs = np.array(
                [
                    figure(self.policies[1], r) - figure(self.policies[0], r)
                    for r in range(self.replications)
                ]
            )
            self.found[value] = Evaluation(value, self.replications, *mean_interval(diffs))
            self.outputs += [
                outputs[self.key(value, p, r)]
                for p in self.policies
                for r in range(self.replications)
            ]

    def between(self, a: float, b: float, fraction: float) -> float:
        """The value `fraction` of the way from a to b (a whole number for integer parameters)."""
        value = a + (b - a) * fraction
        return math.floor(value) if self.integer else tidy(value)

    def midpoint(self, a: float, b: float) -> float:
        return self.between(a, b, 0.5)


def _bisect(
    search: Search,
    brackets: list[tuple[float, float, Callable[[Evaluation], int]]],
    tolerance: float,
) -> list[tuple[float, float]]:
    """Halve each (a, b) bracket of a sign change of its function, all side by side, until narrower
    than `tolerance`."""
    brackets = list(brackets)
    while True:
        active = [
            i
            for i, (a, b, _) in enumerate(brackets)
            if b - a > tolerance and search.midpoint(a, b) not in (a, b)
        ]
        if not active:
            return [(a, b) for a, b, _ in brackets]
        search.evaluate([search.midpoint(brackets[i][0], brackets[i][1]) for i in active])
        for i in active:
            a, b, f = brackets[i]
            m = search.midpoint(a, b)
            brackets[i] = (m, b, f) if f(search.found[m]) == f(search.found[a]) else (a, m, f)


def _bracket_of(
    search: Search, f: Callable[[Evaluation], int], from_low: bool
) -> tuple[float, float] | None:
    """Adjacent evaluated values where f leaves the sign it has at the low end (or, from the high
    end, reaches it)."""
    values = sorted(search.found)
    end_sign = f(search.found[values[0] if from_low else values[-1]])
    if from_low:
        other = [v for v in values if f(search.found[v]) != end_sign]
        if not other:
            return None
        right = other[0]
        return max(v for v in values if v < right), right
    other = [v for v in values if f(search.found[v]) != end_sign]
    if not other:
        return None
    left = other[-1]
    return left, min(v for v in values if v > left)


def _bound_sign(end: Evaluation) -> Callable[[Evaluation], int]:
    """The sign function of whichever interval bound keeps zero out at a range end."""
    if end.ci_low > 0:
        return lambda e: sign(e.ci_low)
    return lambda e: sign(e.ci_high)


@with_progress("breakeven")
def find_breakeven(
    scenario: Scenario,
    parameter: str,
    low: float,
    high: float,
    metric: str = "net_result_eur",
    policies: Iterable[str] | None = None,
    replications: int | None = None,
    tolerance: float | None = None,
    executor: str | Executor = "processes",
    workers: int | None = None,
    *,
    scheduler: str | None = None,
    store_in: Destination | None = None,
    on_start: Callable[[set[str]], None] | None = None,
    on_output: Callable[[TaskOutput], None] | None = None,
    on_sizing: Callable[[int, int], None] | None = None,
) -> BreakEven:
    """The value of `parameter` in [low, high] where challenger - baseline in `metric` crosses zero,
    with its interval; `on_sizing(done, total)` counts each step's load pilots ('auto' staff)."""
    metric_parts(metric)
    chosen = choose_policies(scenario, policies)
    if policies is not None and len(chosen) != 2:
        raise UsageError(
            "breakeven compares exactly two policies, baseline first, e.g. --policies A,B (got "
            f"{', '.join(chosen)})"
        )
    if len(chosen) < 2:
        raise UsageError(f"breakeven compares two policies; the scenario has only {chosen[0]}")
    pair = (chosen[0], chosen[1])
    count = scenario.replications if replications is None else replications
    if count < 2:
        raise UsageError(
            f"breakeven needs at least 2 replications to give an interval (got {count})"
        )
    data = scenario_to_dict(scenario)
    base_value(data, parameter)  # a clear error now for a path the scenario does not have
    integer = is_integer_field(data, parameter)
    if integer:
        low, high = math.ceil(low), math.floor(high)
        if not low < high:
            raise UsageError(f"{parameter} is a whole number; the range holds fewer than two")
    step = tolerance if tolerance is not None else (1 if integer else (high - low) / DEFAULT_STEPS)
    if step <= 0:
        raise UsageError(f"tolerance must be positive (got {step})")
    design = {
        "parameter": parameter,
        "low": low,
        "high": high,
        "metric": metric,
        "policies": list(pair),
        "replications": count,
        "tolerance": step,
        "integer": integer,
    }
    store = None
    if store_in is not None:
        store = store_in.open_store("breakeven", scenario, design, None)
        if store.complete:
            return read_breakeven(store.folder)
    if on_start is not None:
        on_start(set(store.done) if store else set())
    with executor_for(executor, workers, scheduler) as runner:

        def run(tasks: list[Task]) -> list[TaskOutput]:
            outputs = drive(tasks, runner, store, on_output, on_sizing)
            return (
                [store.load(t.key) for t in tasks]
                if store is not None
                else [outputs[t.key] for t in tasks]
            )

        result = _search(
            Search(scenario, parameter, metric, pair, count, integer, run), low, high, step
        )
    if store is not None:
        store.finish(lambda folder: write_breakeven(result, folder))
    return result


def _search(search: Search, low: float, high: float, tolerance: float) -> BreakEven:
    mean_sign = lambda e: sign(e.mean)  # noqa: E731
    search.evaluate([low, high])
    if mean_sign(search.found[low]) == mean_sign(search.found[high]) != 0:
        search.evaluate(
            [search.between(low, high, k / (SCAN_POINTS + 1)) for k in range(1, SCAN_POINTS + 1)]
        )
    bracket = _bracket_of(search, mean_sign, from_low=True)
    evaluations = lambda: tuple(search.found[v] for v in sorted(search.found))  # noqa: E731
    common = dict(
        parameter=search.parameter,
        metric=search.metric,
        baseline=search.policies[0],
        challenger=search.policies[1],
        low=low,
        high=high,
        tolerance=tolerance,
        replications=search.replications,
    )
    if bracket is None:
        ends = (search.found[low], search.found[high])
        trend = "above" if ends[0].mean > 0 else "below"
        note = (
            f"no crossing found: {search.policies[1]} - {search.policies[0]} in {search.metric} "
            f"stays {trend} zero from {low:g} (mean {ends[0].mean:.6g}) to {high:g} (mean "
            f"{ends[1].mean:.6g})"
        )
        return BreakEven(
            **common,
            value=None,
            interval=None,
            interval_open=(False, False),
            at_value=None,
            evaluations=evaluations(),
            note=note,
            table=outputs_table(search),
        )
    ((a, b),) = _bisect(search, [(*bracket, mean_sign)], tolerance)
    value = search.midpoint(a, b)
    if search.integer:  # whole numbers: the side of the crossing nearer to zero difference
        value = min((a, b), key=lambda v: abs(search.found[v].mean))
    search.evaluate([value])
    at_value = search.found[value]
    start, end = search.found[low], search.found[high]
    lower_open, upper_open = start.contains_zero, end.contains_zero
    wanted = []
    for is_open, end_evaluation, from_low in ((lower_open, start, True), (upper_open, end, False)):
        f_bound = _bound_sign(end_evaluation)
        found = None if is_open else _bracket_of(search, f_bound, from_low)
        wanted.append(None if found is None else (*found, f_bound))
    ends = iter(_bisect(search, [w for w in wanted if w is not None], tolerance))
    lower = low if lower_open else (next(ends)[0] if wanted[0] is not None else value)
    upper = high if upper_open else (next(ends)[1] if wanted[1] is not None else value)
    note = (
        ""
        if lower <= value <= upper
        else "d is not monotone here: the interval does not contain the crossing; look at "
        "evaluations"
    )
    return BreakEven(
        **common,
        value=value,
        interval=(lower, upper),
        interval_open=(lower_open, upper_open),
        at_value=at_value,
        evaluations=evaluations(),
        note=note,
        table=outputs_table(search),
    )


def outputs_table(search: Search) -> pd.DataFrame:
    """evaluations.parquet: one row per parameter value, policy and replication, with every
    figure."""
    order = {name: i for i, name in enumerate(search.policies)}
    rows = sorted(
        search.outputs,
        key=lambda o: (float(o.key.rsplit("-", 2)[0]), order[o.policy], o.replication),
    )
    frame = pd.DataFrame(
        [
            {
                search.parameter: float(o.key.rsplit("-", 2)[0]),
                "policy": o.policy,
                "replication": o.replication,
                **{f: o.figures[f] for f in FIGURES},
            }
            for o in rows
        ],
        columns=[search.parameter, "policy", "replication", *FIGURES],
    )
    return frame.astype({f: "float64" for f in FIGURES})


def write_breakeven(result: BreakEven, folder: Path) -> None:
    atomic_write(folder / "evaluations.parquet", lambda p: result.table.to_parquet(p, index=False))
    write_json(folder / "breakeven.json", result.to_dict())


def read_breakeven(folder: str | Path) -> BreakEven:
    """A finished search read back from its folder."""
    folder = Path(folder)
    data = json.loads((folder / "breakeven.json").read_text(encoding="utf-8"))

    def evaluation(d: dict | None) -> Evaluation | None:
        if d is None:
            return None
        return Evaluation(d["value"], d["replications"], d["mean"], d["ci_low"], d["ci_high"])

    return BreakEven(
        data["parameter"],
        data["metric"],
        data["baseline"],
        data["challenger"],
        data["low"],
        data["high"],
        data["tolerance"],
        data["replications"],
        data["value"],
        None if data["interval"] is None else tuple(data["interval"]),
        tuple(data["interval_open"]),
        evaluation(data["at_value"]),
        tuple(evaluation(e) for e in data["evaluations"]),
        data["note"],
        pd.read_parquet(folder / "evaluations.parquet"),
    )
