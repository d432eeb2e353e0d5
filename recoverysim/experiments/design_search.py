"""Design the policy: search the levers of one policy for the frontier of several objectives, then
confirm it.

1. Search. Optuna proposes candidates (the base policy with the levers set), a batch at a time;
   every candidate runs the same replications 0..R-1 (common random numbers), so its objectives are
   paired means and two candidates differ by their levers, not their luck. Constraints go to the
   sampler's constraints_func, and a candidate that breaks one is never on the frontier. Optuna's
   study lives in the results folder (optuna.journal) and every replication is saved as it finishes
   (experiments/store.py), so a killed search resumes where it stopped and ends with the frontier of
   an uninterrupted one: each trial's sampler is seeded from the scenario seed and the trial number,
   and batches have a fixed size. The scenario's named policies that the space holds are enqueued
   as the first trials (design_plan.named_seeds), so the frontier is never worse than them.
2. Confirm. The non-dominated feasible candidates, and the scenario's named policies, run fresh
   replications R..R+C-1 (seeds the search never saw, the same for all). Candidates whose advantages
   are within noise on those replications are marked (experiments/frontier.py); selection.csv is
   issue 10's selection on them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from recoverysim.errors import UsageError
from recoverysim.experiment import Destination, executor_for
from recoverysim.experiments.design_confirm import confirm
from recoverysim.experiments.design_outputs import (
    DesignResult,
    encode_levers,
    stored_design,
    write_design,
)
from recoverysim.experiments.design_plan import (
    JOURNAL_FILE,
    STUDY_NAME,
    DesignPlan,
    choice_text,
    lever_values,
    plan_design,
)
from recoverysim.experiments.design_runs import Evaluator, candidate_name, figure_value, search_key
from recoverysim.experiments.design_space import Lever, candidate_policy
from recoverysim.experiments.executors import Executor
from recoverysim.experiments.frontier import non_dominated
from recoverysim.experiments.tasks import TaskOutput

#: The public names, two of them defined in the modules this one drives (tests and older code
#: import them from here).
__all__ = ["DesignPlan", "DesignResult", "plan_design", "run_design"]


# ----------------------------------------------------------------------------------------- Optuna


def _distribution(lever: Lever):
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if lever.choices:
        return CategoricalDistribution([choice_text(c) for c in lever.choices])
    if lever.integer:
        return IntDistribution(
            int(lever.low), int(lever.high), step=int(lever.step or 1), log=lever.log
        )
    return FloatDistribution(lever.low, lever.high, step=lever.step, log=lever.log)


def _constraint_values(trial) -> list[float]:
    """Optuna's constraints_func: the violations recorded on the trial before it was told (<= 0
    holds)."""
    return list(trial.user_attrs.get("constraints", []))


def _trial_seed(seed: int, number: int) -> int:
    return int(np.random.SeedSequence([seed, number, 13]).generate_state(1)[0])


def _optuna():
    """Optuna, or a clear error saying how to install it (it is an optional dependency)."""
    try:
        import optuna
    except ImportError:
        raise UsageError(
            "recoverysim design needs Optuna: pip install 'recoverysim[design]'"
        ) from None
    return optuna


def make_sampler(plan: DesignPlan, number: int):
    """The sampler that proposes trial `number`: seeded from the scenario seed and the number, so a
    resumed search proposes what an uninterrupted one would."""
    optuna = _optuna()

    seed = _trial_seed(plan.scenario.seed, number)
    constraints = _constraint_values if plan.constraints else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        # Optuna 5 prefers Trial.set_constraint; 3.4 lacks it
        warnings.simplefilter("ignore", FutureWarning)
        if plan.sampler == "nsga2":
            return optuna.samplers.NSGAIISampler(
                population_size=plan.population, seed=seed, constraints_func=constraints
            )
        return optuna.samplers.TPESampler(
            n_startup_trials=plan.startup,
            seed=seed,
            constraints_func=constraints,
            multivariate=True,
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
    study = optuna.create_study(
        storage=storage,
        study_name=STUDY_NAME,
        directions=directions,
        load_if_exists=True,
        sampler=make_sampler(plan, 0),
    )
    enqueue_named(plan, study)
    return study


def enqueue_named(plan: DesignPlan, study) -> None:
    """Enqueue the named policies the space holds as the first trials, each once.

    The journal keeps an enqueued trial (a waiting one, numbered when enqueued), and nothing is
    asked before all are enqueued: a resumed study's first trials are the seeds enqueued before the
    kill, and only the rest are enqueued.
    """
    held = len(study.get_trials(deepcopy=False))
    for seed in plan.seeds[held:]:
        study.enqueue_trial(seed.as_dict(), user_attrs={"named_policy": seed.name})


def _tell(study, plan: DesignPlan, trial, outputs: list[TaskOutput]) -> None:
    import optuna

    means = {
        m: float(np.nanmean([figure_value(o.figures, m) for o in outputs])) for m in plan.figures
    }
    violations = [c.violation(means[c.figure]) for c in plan.constraints]
    trial.set_user_attr("means", means)
    trial.set_user_attr("constraints", violations)
    values = [means[o.figure] for o in plan.objectives]
    if any(math.isnan(v) for v in values):
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
    else:
        study.tell(trial, values)


def search(plan: DesignPlan, study, evaluator: Evaluator) -> None:
    """Ask, evaluate and tell candidates a batch at a time until the budget is spent; finish a
    killed batch first, asking what it lacked (the trials of a batch see the same history,
    interrupted or not). Asking takes the enqueued (waiting) trials first, in number order."""
    from optuna.trial import Trial, TrialState

    distributions = {lever.path: _distribution(lever) for lever in plan.levers}
    while True:
        trials = study.get_trials(deepcopy=False)
        running = sorted(t.number for t in trials if t.state == TrialState.RUNNING)
        waiting = sorted(t.number for t in trials if t.state == TrialState.WAITING)
        if not running and not waiting and len(trials) >= plan.budget:
            return
        following = waiting[0] if waiting else len(trials)  # the number the next ask gets
        start = running[0] if running else following
        end = min(plan.budget, (start // plan.batch + 1) * plan.batch)
        for number in range(following, end):
            study.sampler = make_sampler(plan, number)
            study.ask(distributions)
        batch = [
            t
            for t in study.get_trials(deepcopy=False)
            if t.state == TrialState.RUNNING and t.number < end
        ]
        complete = [t for t in batch if set(t.params) == set(distributions)]
        # killed while its parameters were being written
        for broken in (t for t in batch if t not in complete):
            study.tell(broken.number, state=TrialState.FAIL)
        policies = [
            (
                search_key(t.number),
                candidate_policy(plan.base, lever_values(plan, t.params), candidate_name(t.number)),
            )
            for t in complete
        ]
        outputs = evaluator.run(policies, range(plan.replications))
        # told in number order, as without interruption
        for frozen in sorted(complete, key=lambda t: t.number):
            # a live Trial for a trial asked by this or an earlier (killed) process, so that its
            # attributes can be set
            _tell(study, plan, Trial(study, frozen._trial_id), outputs[search_key(frozen.number)])


# ----------------------------------------------------------------------------------------- tables


def trials_table(plan: DesignPlan, study) -> pd.DataFrame:
    """trials.parquet: one row per candidate searched, its levers, search means, feasibility and
    whether it is on the search's frontier."""
    from optuna.trial import TrialState

    rows = []
    for t in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number):
        if set(t.params) != {lever.path for lever in plan.levers}:
            continue
        means = t.user_attrs.get("means", {})
        row = {"trial": t.number, "name": candidate_name(t.number), "state": t.state.name.lower()}
        row["named_policy"] = t.user_attrs.get("named_policy", "")
        row |= lever_values(plan, t.params)
        row |= {m: means.get(m, math.nan) for m in plan.figures}
        row["feasible"] = t.state == TrialState.COMPLETE and all(
            c.holds(means[c.figure]) for c in plan.constraints
        )
        rows.append(row)
    frame = pd.DataFrame(
        rows,
        columns=[
            "trial",
            "name",
            "state",
            "named_policy",
            *(lv.path for lv in plan.levers),
            *plan.figures,
            "feasible",
        ],
    )
    oriented = (
        np.column_stack([o.sign * frame[o.figure].to_numpy(float) for o in plan.objectives])
        if len(frame)
        else np.empty((0, len(plan.objectives)))
    )
    oriented[~frame["feasible"].to_numpy(bool)] = np.nan
    frame["on_search_frontier"] = non_dominated(oriented) if len(frame) else []
    # candidates with the same levers get the same numbers (common random numbers): keep the first
    duplicate = frame.duplicated(subset=[lv.path for lv in plan.levers], keep="first")
    frame.loc[duplicate, "on_search_frontier"] = False
    return frame


# ------------------------------------------------------------------------------------------ entry


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
    on_sizing: Callable[[int, int], None] | None = None,
) -> DesignResult:
    """Search, confirm, and (with `store_in`) write the design folder; a complete folder is read
    back.

    `on_start(phase, tasks, done)` hears each phase ('search', 'confirm') before it runs; `write`
    writes the final files (the CLI's views) into the folder; `on_sizing(done, total)` counts the
    load pilots that size each candidate's 'auto' staff.
    """
    _optuna()  # before any folder or work: a missing optional dependency is a clear error
    store = None
    if store_in is not None:
        store = store_in.open_store("design", plan.scenario, plan.design(), None)
        if store.complete:
            from recoverysim.results import read_design

            return stored_design(plan, read_design(store.folder))
    with executor_for(executor, workers, scheduler) as runner:
        evaluator = Evaluator(plan, runner, store, on_output, on_sizing)
        study = open_study(plan, store.folder if store is not None else None)
        if on_start is not None:
            on_start("search", plan.budget * plan.replications, set(store.done) if store else set())
        search(plan, study, evaluator)
        trials = encode_levers(trials_table(plan, study), plan)
        if on_start is not None:
            policies = int(trials["on_search_frontier"].sum()) + len(plan.scenario.policies)
            confirmed = {k for k in (store.done if store else set()) if not k.startswith("s")}
            on_start("confirm", policies * plan.confirm_replications, confirmed)
        result = confirm(plan, trials, study, evaluator)
    if store is not None:
        store.finish(
            lambda folder: (write or write_design)(result, folder), notes=list(result.notes)
        )
    return result
