"""Design the policy: search the levers of one policy for the frontier of several objectives, then confirm it.

1. Search. Optuna proposes candidates (the base policy with the levers set), a batch at a time; every
   candidate runs the same replications 0..R-1 (common random numbers), so its objectives are paired means and
   two candidates differ by their levers, not their luck. Constraints go to the sampler's constraints_func,
   and a candidate that breaks one is never on the frontier. Optuna's study lives in the results folder
   (optuna.journal) and every replication is saved as it finishes (experiments/store.py), so a killed search
   resumes where it stopped and ends with the frontier of an uninterrupted one: each trial's sampler is seeded
   from the scenario seed and the trial number, and batches have a fixed size.
2. Confirm. The non-dominated feasible candidates, and the scenario's named policies, run fresh replications
   R..R+C-1 (seeds the search never saw, the same for all). Candidates whose advantages are within noise on
   those replications are marked (experiments/frontier.py); selection.csv is issue 10's selection on them.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recoverysim.errors import UsageError
from recoverysim.experiment import Destination, executor_for
from recoverysim.experiments.design_space import (
    Constraint,
    Lever,
    Objective,
    candidate_policy,
    check_values,
    inert_levers,
    policy_value,
)
from recoverysim.experiments.driver import drive
from recoverysim.experiments.executors import Executor
from recoverysim.experiments.frontier import dominance_beyond_noise, non_dominated
from recoverysim.experiments.store import TaskStore
from recoverysim.experiments.tasks import Task, TaskOutput
from recoverysim.levers import REACH_OF_LEVER, REACH_UNUSED
from recoverysim.metrics import EXTRA_FIGURES, KEY_FIGURES, mean_interval, metric_parts
from recoverysim.scenario.schema import Policy, Scenario
from recoverysim.selection import selection_table
from recoverysim.staffing import resolve_staffing

SAMPLERS = ("tpe", "nsga2")
#: Default sampler: multi-objective TPE. A design's budget is tens of candidates, each several replications of a
#: whole world; TPE models the good and the bad candidates from the first few, while NSGA-II needs several
#: generations of a population (hundreds of candidates) before its crossover pays. Both honour constraints.
#: TPE models the levers jointly (multivariate): levers act together (a remedy is cheap only with the proof
#: and the cover that keep honest claimants remedied), and one lever at a time learns the wrong lesson.
DEFAULT_SAMPLER = "tpe"
#: Candidates proposed together before any of them is told (so the cores stay busy). Fixed, not the worker
#: count, so that serial, processes and dask runs of a design give the same frontier.
TPE_BATCH = 4
#: Candidates TPE draws at random before it models (at most; half the budget for small budgets).
TPE_STARTUP = 10
#: NSGA-II's population: a fifth of the budget within these bounds (a generation is one batch).
NSGA2_POPULATION = (4, 50)
DEFAULT_CONFIRM_MIN = 10
STUDY_NAME = "design"
JOURNAL_FILE = "optuna.journal"
FIGURES = (*KEY_FIGURES, *EXTRA_FIGURES)


def default_confirm_replications(search_replications: int) -> int:
    """Twice the search's, at least 10: the confirmation must tell apart what the search could not."""
    return max(DEFAULT_CONFIRM_MIN, 2 * search_replications)


@dataclass(frozen=True)
class DesignPlan:
    """What a design searches and how: checked in full before anything runs."""

    scenario: Scenario
    base: Policy
    levers: tuple[Lever, ...]
    objectives: tuple[Objective, ...]
    constraints: tuple[Constraint, ...]
    budget: int
    replications: int
    confirm_replications: int
    sampler: str
    inert: tuple[tuple[str, str], ...] = ()  # (lever, why) left out of the search
    notes: tuple[str, ...] = ()

    @property
    def batch(self) -> int:
        return self.population if self.sampler == "nsga2" else TPE_BATCH

    @property
    def population(self) -> int:
        low, high = NSGA2_POPULATION
        return min(high, max(low, self.budget // 5))

    @property
    def startup(self) -> int:
        return min(TPE_STARTUP, max(2, self.budget // 2))

    @property
    def figures(self) -> tuple[str, ...]:
        """Objective and constraint figures, each once."""
        return tuple(dict.fromkeys([*(o.figure for o in self.objectives), *(c.figure for c in self.constraints)]))

    def design(self) -> dict:
        """What the manifest records and --resume checks."""
        return {
            "base": self.base.name,
            "policies": [p.name for p in self.scenario.policies],
            "levers": [lever.to_dict() for lever in self.levers],
            "left_out": [{"lever": lever, "why": why} for lever, why in self.inert],
            "objectives": [str(o) for o in self.objectives],
            "constraints": [str(c) for c in self.constraints],
            "budget": self.budget,
            "replications": self.replications,
            "confirm_replications": self.confirm_replications,
            "confirm_first_replication": self.replications,
            "sampler": self.sampler,
            "batch": self.batch,
            **({"population": self.population} if self.sampler == "nsga2" else {"startup": self.startup}),
        }


def plan_design(
    scenario: Scenario,
    base: Policy,
    levers: tuple[Lever, ...],
    objectives: tuple[Objective, ...],
    constraints: tuple[Constraint, ...] = (),
    budget: int = 40,
    replications: int | None = None,
    confirm_replications: int | None = None,
    sampler: str = DEFAULT_SAMPLER,
    notes: tuple[str, ...] = (),
) -> DesignPlan:
    """Check the levers against the policy schema and the scenario, and leave out (with a note) those that
    cannot act in this scenario at any of the values given."""
    if sampler not in SAMPLERS:
        raise UsageError(f"--sampler {sampler}: choose one of {', '.join(SAMPLERS)}")
    if budget < 1:
        raise UsageError(f"--budget must be at least 1 candidate (got {budget})")
    count = scenario.replications if replications is None else replications
    if count < 1:
        raise UsageError(f"--replications must be at least 1 (got {count})")
    confirm = default_confirm_replications(count) if confirm_replications is None else confirm_replications
    if confirm < 2:
        raise UsageError(f"--confirm-replications must be at least 2 to give intervals (got {confirm})")
    check_values(scenario, base, levers)
    inert = inert_levers(scenario, base, levers)
    left_out = {lever.path for lever, _ in inert}
    acting = tuple(lever for lever in levers if lever.path not in left_out)
    if not acting:
        why = "; ".join(f"{lever.path}: {reason}" for lever, reason in inert)
        raise UsageError(f"no lever can act in this scenario, nothing to search ({why})")
    plain = scenario.model_copy(update={"whatif": None, "sweep": None})
    return DesignPlan(
        plain, base, acting, objectives, constraints, budget, count, confirm, sampler,
        tuple((lever.path, reason) for lever, reason in inert), notes,
    )


# ---------------------------------------------------------------------------------------------------- Optuna


def _distribution(lever: Lever):
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if lever.choices:
        return CategoricalDistribution([_choice_text(c) for c in lever.choices])
    if lever.integer:
        return IntDistribution(int(lever.low), int(lever.high), step=int(lever.step or 1), log=lever.log)
    return FloatDistribution(lever.low, lever.high, step=lever.step, log=lever.log)


def _choice_text(value: Any) -> str:
    """A choice as Optuna stores it: its JSON text (choices may be lists, null, booleans)."""
    return json.dumps(list(value) if isinstance(value, tuple) else value, sort_keys=True)


def lever_values(plan: DesignPlan, params: dict[str, Any]) -> dict[str, Any]:
    """A trial's parameters as the values the policy takes."""
    values = {}
    for lever in plan.levers:
        raw = params[lever.path]
        if lever.choices:
            value = json.loads(raw)
            values[lever.path] = tuple(value) if isinstance(value, list) else value
        else:
            values[lever.path] = int(raw) if lever.integer else float(raw)
    return values


def _constraint_values(trial) -> list[float]:
    """Optuna's constraints_func: the violations recorded on the trial before it was told (<= 0 holds)."""
    return list(trial.user_attrs.get("constraints", []))


def _trial_seed(seed: int, number: int) -> int:
    return int(np.random.SeedSequence([seed, number, 13]).generate_state(1)[0])


def _optuna():
    """Optuna, or a clear error saying how to install it (it is an optional dependency)."""
    try:
        import optuna
    except ImportError:
        raise UsageError("recoverysim design needs Optuna: pip install 'recoverysim[design]'") from None
    return optuna


def make_sampler(plan: DesignPlan, number: int):
    """The sampler that proposes trial `number`: seeded from the scenario seed and the number, so a resumed
    search proposes what an uninterrupted one would."""
    optuna = _optuna()

    seed = _trial_seed(plan.scenario.seed, number)
    constraints = _constraint_values if plan.constraints else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.simplefilter("ignore", FutureWarning)  # Optuna 5 prefers Trial.set_constraint; 3.4 lacks it
        if plan.sampler == "nsga2":
            return optuna.samplers.NSGAIISampler(
                population_size=plan.population, seed=seed, constraints_func=constraints
            )
        return optuna.samplers.TPESampler(
            n_startup_trials=plan.startup, seed=seed, constraints_func=constraints, multivariate=True
        )


def open_study(plan: DesignPlan, folder: Path | None):
    """The study, in the folder's journal (so it survives a kill) or in memory."""
    optuna = _optuna()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = None
    if folder is not None:
        from optuna.storages import JournalStorage

        try:
            from optuna.storages.journal import JournalFileBackend
        except ImportError:  # Optuna 3
            from optuna.storages import JournalFileStorage as JournalFileBackend

        storage = JournalStorage(JournalFileBackend(str(folder / JOURNAL_FILE)))
    directions = ["maximize" if o.direction == "max" else "minimize" for o in plan.objectives]
    return optuna.create_study(
        storage=storage,
        study_name=STUDY_NAME,
        directions=directions,
        load_if_exists=True,
        sampler=make_sampler(plan, 0),
    )


# ------------------------------------------------------------------------------------------------ evaluation


def figure_value(figures: dict[str, float], metric: str) -> float:
    return float(sum(figures[part] for part in metric_parts(metric)))


def _resolved(item: tuple[int, Scenario]) -> tuple[int, Scenario]:
    """Size a candidate's 'auto' desks once (its load pilot), in a worker; module level so workers unpickle it."""
    index, scenario = item
    return index, resolve_staffing(scenario)


class Evaluator:
    """Runs policies on given replications through one executor and one task store, each task once."""

    def __init__(self, plan: DesignPlan, runner: Executor, store: TaskStore | None, on_output: Callable | None):
        self.plan, self.runner, self.store, self.on_output = plan, runner, store, on_output
        self.memory: dict[str, TaskOutput] = {}

    def done(self, key: str) -> bool:
        return key in self.memory or (self.store is not None and key in self.store.done)

    def run(self, policies: list[tuple[str, Policy]], replications: range) -> dict[str, list[TaskOutput]]:
        """Each (key prefix, policy) alone in the scenario, on `replications`; outputs by prefix, in order."""
        keys = {prefix: [f"{prefix}-{r:06d}" for r in replications] for prefix, _ in policies}
        todo = [(i, prefix, policy) for i, (prefix, policy) in enumerate(policies)
                if not all(self.done(k) for k in keys[prefix])]
        alone = [(i, self.plan.scenario.model_copy(update={"policies": (policy,)})) for i, _, policy in todo]
        resolved = dict(self.runner.map_unordered(_resolved, alone)) if alone else {}
        tasks = [
            Task(key, resolved[i], policy.name, r)
            for i, prefix, policy in todo
            for key, r in zip(keys[prefix], replications)
            if not self.done(key)
        ]
        outputs = drive(tasks, self.runner, self.store, self.on_output)
        self.memory.update(outputs)
        return {prefix: [self.load(k) for k in keys[prefix]] for prefix, _ in policies}

    def load(self, key: str) -> TaskOutput:
        return self.memory[key] if key in self.memory else self.store.load(key)


def search_key(number: int) -> str:
    return f"s{number:05d}"


def confirm_key(number: int) -> str:
    return f"c{number:05d}"


def named_key(index: int) -> str:
    return f"p{index:03d}"


def candidate_name(number: int) -> str:
    return f"design-{number:04d}"


def _tell(study, plan: DesignPlan, trial, outputs: list[TaskOutput]) -> None:
    import optuna

    means = {m: float(np.nanmean([figure_value(o.figures, m) for o in outputs])) for m in plan.figures}
    violations = [c.violation(means[c.figure]) for c in plan.constraints]
    trial.set_user_attr("means", means)
    trial.set_user_attr("constraints", violations)
    values = [means[o.figure] for o in plan.objectives]
    if any(math.isnan(v) for v in values):
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
    else:
        study.tell(trial, values)


def search(plan: DesignPlan, study, evaluator: Evaluator) -> None:
    """Ask, evaluate and tell candidates a batch at a time until the budget is spent; finish a killed batch
    first, asking what it lacked (the trials of a batch see the same history, interrupted or not)."""
    from optuna.trial import Trial, TrialState

    distributions = {lever.path: _distribution(lever) for lever in plan.levers}
    while True:
        trials = study.get_trials(deepcopy=False)
        running = sorted(t.number for t in trials if t.state == TrialState.RUNNING)
        if not running and len(trials) >= plan.budget:
            return
        start = running[0] if running else len(trials)
        end = min(plan.budget, (start // plan.batch + 1) * plan.batch)
        for number in range(len(trials), end):
            study.sampler = make_sampler(plan, number)
            study.ask(distributions)
        batch = [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.RUNNING and t.number < end]
        complete = [t for t in batch if set(t.params) == set(distributions)]
        for broken in (t for t in batch if t not in complete):  # killed while its parameters were being written
            study.tell(broken.number, state=TrialState.FAIL)
        policies = [
            (search_key(t.number), candidate_policy(plan.base, lever_values(plan, t.params), candidate_name(t.number)))
            for t in complete
        ]
        outputs = evaluator.run(policies, range(plan.replications))
        for frozen in sorted(complete, key=lambda t: t.number):  # told in number order, as without interruption
            # a live Trial for a trial asked by this or an earlier (killed) process, so that its attributes can be set
            _tell(study, plan, Trial(study, frozen._trial_id), outputs[search_key(frozen.number)])


# ---------------------------------------------------------------------------------------------------- tables


def trials_table(plan: DesignPlan, study) -> pd.DataFrame:
    """trials.parquet: one row per candidate searched, its levers, search means, feasibility and whether it is
    on the search's frontier."""
    from optuna.trial import TrialState

    rows = []
    for t in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number):
        if set(t.params) != {lever.path for lever in plan.levers}:
            continue
        means = t.user_attrs.get("means", {})
        row = {"trial": t.number, "name": candidate_name(t.number), "state": t.state.name.lower()}
        row |= lever_values(plan, t.params)
        row |= {m: means.get(m, math.nan) for m in plan.figures}
        row["feasible"] = t.state == TrialState.COMPLETE and all(c.holds(means[c.figure]) for c in plan.constraints)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["trial", "name", "state", *(lv.path for lv in plan.levers),
                                        *plan.figures, "feasible"])
    oriented = np.column_stack([o.sign * frame[o.figure].to_numpy(float) for o in plan.objectives]) if len(frame) else (
        np.empty((0, len(plan.objectives))))
    oriented[~frame["feasible"].to_numpy(bool)] = np.nan
    frame["on_search_frontier"] = non_dominated(oriented) if len(frame) else []
    # candidates with the same levers get the same numbers (common random numbers): keep the first
    duplicate = frame.duplicated(subset=[lv.path for lv in plan.levers], keep="first")
    frame.loc[duplicate, "on_search_frontier"] = False
    return frame


def _column(values: list[Any]) -> list[Any]:
    """Lever values as one parquet column: native when of one plain type, else their JSON text."""
    plain = [list(v) if isinstance(v, tuple) else v for v in values]
    kinds = {type(v) for v in plain if v is not None}
    if kinds <= {bool} or kinds <= {str}:
        return plain
    if kinds <= {int, float}:
        return [math.nan if v is None else float(v) for v in plain]
    return [json.dumps(v) for v in plain]


def encode_levers(frame: pd.DataFrame, plan: DesignPlan) -> pd.DataFrame:
    for lever in plan.levers:
        frame[lever.path] = _column(list(frame[lever.path]))
    return frame


@dataclass(frozen=True)
class DesignResult:
    """A finished design: the frontier confirmed on fresh replications, the search, and every replication."""

    plan: DesignPlan
    frontier: pd.DataFrame
    trials: pd.DataFrame
    evaluations: pd.DataFrame
    selection: pd.DataFrame
    policies: dict[str, Policy] = field(default_factory=dict, repr=False)  # frontier candidates by name
    notes: tuple[str, ...] = ()


def _evaluation_rows(phase: str, name: str, trial: int | None, outputs: list[TaskOutput]) -> list[dict]:
    return [
        {"phase": phase, "policy": name, "trial": trial, "replication": o.replication,
         **{f: o.figures.get(f, math.nan) for f in FIGURES}}
        for o in outputs
    ]


def confirm(plan: DesignPlan, trials: pd.DataFrame, study, evaluator: Evaluator) -> DesignResult:
    """Run the search's frontier and the named policies on fresh replications and judge them on those."""
    chosen = trials[trials["on_search_frontier"]]
    params = {t.number: t.params for t in study.get_trials(deepcopy=False)}
    candidates = {
        candidate_name(int(n)): candidate_policy(plan.base, lever_values(plan, params[int(n)]), candidate_name(int(n)))
        for n in chosen["trial"]
    }
    fresh = range(plan.replications, plan.replications + plan.confirm_replications)
    jobs = [(confirm_key(int(n)), candidates[candidate_name(int(n))]) for n in chosen["trial"]]
    jobs += [(named_key(i), p) for i, p in enumerate(plan.scenario.policies)]
    outputs = evaluator.run(jobs, fresh)
    names = [*candidates, *(p.name for p in plan.scenario.policies)]
    kinds = ["candidate"] * len(candidates) + ["named"] * len(plan.scenario.policies)
    trial_of = [int(n) for n in chosen["trial"]] + [None] * len(plan.scenario.policies)
    confirmed = [outputs[key] for key, _ in jobs]
    rows = [r for name, number, out in zip(names, trial_of, confirmed)
            for r in _evaluation_rows("confirm", name, number, out)]
    confirm_frame = pd.DataFrame(rows)
    values = np.stack(
        [np.array([[o.sign * figure_value(x.figures, o.figure) for o in plan.objectives] for x in out])
         for out in confirmed], axis=1,
    )  # (replications, policies, objectives), higher better
    levers = {candidate_name(int(n)): lever_values(plan, params[int(n)]) for n in chosen["trial"]}
    levers |= {p.name: {lv.path: policy_value(p, lv.path) for lv in plan.levers} for p in plan.scenario.policies}
    frontier = _frontier_table(plan, names, kinds, trial_of, confirmed, values, chosen, levers)
    selection = selection_table(confirm_frame[["policy", "replication", *FIGURES]], names)
    search_rows = [
        r for t in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number)
        if evaluator_has(evaluator, t.number, plan)
        for r in _evaluation_rows("search", candidate_name(t.number), t.number,
                                  [evaluator.load(f"{search_key(t.number)}-{i:06d}") for i in range(plan.replications)])
    ]
    evaluations = pd.DataFrame([*search_rows, *rows])
    evaluations["trial"] = evaluations["trial"].astype("Int64")
    notes = (*plan.notes, *silent_lever_notes(plan, evaluations))
    return DesignResult(plan, frontier, trials, evaluations, selection, candidates, notes)


def evaluator_has(evaluator: Evaluator, number: int, plan: DesignPlan) -> bool:
    return all(evaluator.done(f"{search_key(number)}-{i:06d}") for i in range(plan.replications))


def _frontier_table(
    plan: DesignPlan,
    names: list[str],
    kinds: list[str],
    trial_of: list[int | None],
    confirmed: list[list[TaskOutput]],
    values: np.ndarray,
    chosen: pd.DataFrame,
    levers: dict[str, dict[str, Any]],
) -> pd.DataFrame:
    """frontier.parquet's rows: levers, confirmed means with 95 % intervals, and the verdict on noise."""
    means = {}
    for name, outputs in zip(names, confirmed):
        means[name] = {m: mean_interval(np.array([figure_value(o.figures, m) for o in outputs])) for m in plan.figures}
    feasible = np.array([all(c.holds(means[n][c.figure][0]) for c in plan.constraints) for n in names])
    beyond_noise = dominance_beyond_noise(values)
    oriented_means = values.mean(axis=0)
    in_means = np.zeros(len(names), dtype=bool)
    rows = []
    search_means = chosen.set_index("name")
    designed = np.array([kind == "candidate" for kind in kinds])
    for i, name in enumerate(names):
        # the frontier is the design space's: candidates and named policies are judged against the candidates
        dominators = [names[j] for j in np.flatnonzero(beyond_noise[i] & feasible & designed)]
        others = oriented_means[feasible & designed & (np.arange(len(names)) != i)]
        at_least = (others >= oriented_means[i]).all(axis=1) & (others > oriented_means[i]).any(axis=1)
        in_means[i] = bool(at_least.any())
        row: dict[str, Any] = {"name": name, "kind": kinds[i], "trial": trial_of[i], **levers[name]}
        for metric in plan.figures:
            mean, low, high = means[name][metric]
            row |= {metric: mean, f"{metric}_ci_low": low, f"{metric}_ci_high": high}
            if kinds[i] == "candidate":
                row[f"{metric}_search"] = float(search_means.loc[name, metric])
        row["feasible"] = bool(feasible[i])
        row["dominated_on_confirmation"] = bool(in_means[i])
        row["dominated_by_noise"] = bool(dominators)
        row["dominated_by"] = ", ".join(dominators)
        row["status"] = _status(kinds[i], bool(feasible[i]), dominators)
        row["replications"] = plan.confirm_replications
        rows.append(row)
    frame = encode_levers(pd.DataFrame(rows), plan)
    frame["trial"] = frame["trial"].astype("Int64")
    first = plan.objectives[0]
    frame["_named"] = frame["kind"].eq("named")
    frame["_best"] = -first.sign * frame[first.figure]
    frame = frame.sort_values(["_named", "_best"], kind="stable", na_position="last")
    return frame.drop(columns=["_named", "_best"]).reset_index(drop=True)


def _status(kind: str, feasible: bool, dominators: list[str]) -> str:
    if dominators:
        return "dominated_by_noise" if kind == "candidate" else "dominated"
    if not feasible:
        return "infeasible_on_confirmation"
    return "frontier" if kind == "candidate" else "not_dominated"


def silent_lever_notes(plan: DesignPlan, evaluations: pd.DataFrame) -> list[str]:
    """Levers whose mechanism no search replication of any candidate reached (the world's lever_reach counts)."""
    search_rows = evaluations[evaluations["phase"] == "search"]
    notes = []
    for lever in plan.levers:
        reach = REACH_OF_LEVER.get(lever.path)
        column = f"lever_reach_{reach}"
        if reach is None or column not in search_rows or search_rows[column].sum() > 0 or search_rows.empty:
            continue
        why = REACH_UNUSED[reach].format(every=0.0)
        notes.append(f"note: {lever.path} never acted in {len(search_rows)} search replications ({why})")
    return notes


# ------------------------------------------------------------------------------------------------------ entry


def run_design(
    plan: DesignPlan,
    executor: str | Executor = "processes",
    workers: int | None = None,
    *,
    scheduler: str | None = None,
    store_in: Destination | None = None,
    on_start: Callable[[str, int, set[str]], None] | None = None,
    on_output: Callable[[TaskOutput], None] | None = None,
    write: Callable[[DesignResult, Path], None] | None = None,
) -> DesignResult:
    """Search, confirm, and (with `store_in`) write the design folder; a complete folder is read back.

    `on_start(phase, tasks, done)` hears each phase ('search', 'confirm') before it runs; `write` writes the
    final files (the CLI's views) into the folder.
    """
    _optuna()  # before any folder or work: a missing optional dependency is a clear error
    store = None
    if store_in is not None:
        store = store_in.open_store("design", plan.scenario, plan.design(), None)
        if store.complete:
            from recoverysim.results import read_design

            return stored_design(plan, read_design(store.folder))
    with executor_for(executor, workers, scheduler) as runner:
        evaluator = Evaluator(plan, runner, store, on_output)
        study = open_study(plan, store.folder if store is not None else None)
        if on_start is not None:
            on_start("search", plan.budget * plan.replications, set(store.done) if store else set())
        search(plan, study, evaluator)
        trials = encode_levers(trials_table(plan, study), plan)
        if on_start is not None:
            count = (int(trials["on_search_frontier"].sum()) + len(plan.scenario.policies)) * plan.confirm_replications
            on_start("confirm", count, {k for k in (store.done if store else set()) if not k.startswith("s")})
        result = confirm(plan, trials, study, evaluator)
    if store is not None:
        store.finish(lambda folder: (write or write_design)(result, folder), notes=list(result.notes))
    return result


def stored_design(plan: DesignPlan, stored) -> DesignResult:
    notes = tuple(stored.manifest.get("notes", ()))
    return DesignResult(plan, stored.frontier, stored.trials, stored.evaluations, stored.selection, {}, notes)


def write_design(result: DesignResult, folder: Path) -> None:
    """The tables of a design folder (the CLI adds the figure, the policy blocks and the report)."""
    from recoverysim.results import CSV_FLOAT_FORMAT, atomic_write

    for name, frame in (("frontier", result.frontier), ("trials", result.trials),
                        ("evaluations", result.evaluations)):
        atomic_write(folder / f"{name}.parquet", lambda p, frame=frame: frame.to_parquet(p, index=False))
    atomic_write(folder / "selection.csv",
                 lambda p: result.selection.to_csv(p, index=False, float_format=CSV_FLOAT_FORMAT))

