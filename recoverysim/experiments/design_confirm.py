"""Confirm a design's frontier: run it and the named policies on fresh replications, judged on
those.

The search's means are on the replications it chose candidates by, so they flatter the winners; the
confirmation runs the search's frontier and the scenario's named policies on replications R..R+C-1
(seeds the search never saw, the same for all) and marks candidates whose advantages are within
noise (experiments/frontier.py); selection.csv is issue 10's selection on them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from recoverysim.experiments.design_outputs import DesignResult, encode_levers
from recoverysim.experiments.design_plan import DesignPlan, lever_values
from recoverysim.experiments.design_runs import (
    Evaluator,
    candidate_name,
    confirm_key,
    figure_value,
    named_key,
    search_key,
)
from recoverysim.experiments.design_space import candidate_policy, policy_value
from recoverysim.experiments.frontier import dominance_beyond_noise
from recoverysim.experiments.tasks import TaskOutput
from recoverysim.levers import REACH_OF_LEVER, REACH_UNUSED
from recoverysim.metrics import EXTRA_FIGURES, KEY_FIGURES, mean_interval
from recoverysim.selection import selection_table

FIGURES = (*KEY_FIGURES, *EXTRA_FIGURES)


def _evaluation_rows(
    phase: str, name: str, trial: int | None, outputs: list[TaskOutput]
) -> list[dict]:
    return [
        {
            "phase": phase,
            "policy": name,
            "trial": trial,
            "replication": o.replication,
            **{f: o.figures.get(f, math.nan) for f in FIGURES},
        }
        for o in outputs
    ]


def confirm(plan: DesignPlan, trials: pd.DataFrame, study, evaluator: Evaluator) -> DesignResult:
    """Run the search's frontier and the named policies on fresh replications; judge them on
    those."""
    chosen = trials[trials["on_search_frontier"]]
    params = {t.number: t.params for t in study.get_trials(deepcopy=False)}
    candidates = {
        candidate_name(int(n)): candidate_policy(
            plan.base, lever_values(plan, params[int(n)]), candidate_name(int(n))
        )
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
    rows = [
        r
        for name, number, out in zip(names, trial_of, confirmed)
        for r in _evaluation_rows("confirm", name, number, out)
    ]
    confirm_frame = pd.DataFrame(rows)
    values = np.stack(
        [
            np.array(
                [[o.sign * figure_value(x.figures, o.figure) for o in plan.objectives] for x in out]
            )
            for out in confirmed
        ],
        axis=1,
    )  # (replications, policies, objectives), higher better
    levers = {candidate_name(int(n)): lever_values(plan, params[int(n)]) for n in chosen["trial"]}
    levers |= {
        p.name: {lv.path: policy_value(p, lv.path) for lv in plan.levers}
        for p in plan.scenario.policies
    }
    frontier = _frontier_table(plan, names, kinds, trial_of, confirmed, values, chosen, levers)
    selection = selection_table(confirm_frame[["policy", "replication", *FIGURES]], names)
    search_rows = [
        r
        for t in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number)
        if evaluator_has(evaluator, t.number, plan)
        for r in _evaluation_rows(
            "search",
            candidate_name(t.number),
            t.number,
            [evaluator.load(f"{search_key(t.number)}-{i:06d}") for i in range(plan.replications)],
        )
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
    """frontier.parquet's rows: levers, confirmed means with 95 % intervals, and the verdict on
    noise."""
    means = {}
    for name, outputs in zip(names, confirmed):
        means[name] = {
            m: mean_interval(np.array([figure_value(o.figures, m) for o in outputs]))
            for m in plan.figures
        }
    feasible = np.array(
        [all(c.holds(means[n][c.figure][0]) for c in plan.constraints) for n in names]
    )
    beyond_noise = dominance_beyond_noise(values)
    oriented_means = values.mean(axis=0)
    in_means = np.zeros(len(names), dtype=bool)
    rows = []
    search_means = chosen.set_index("name")
    designed = np.array([kind == "candidate" for kind in kinds])
    for i, name in enumerate(names):
        # the frontier is the design space's: candidates and named policies are judged against the
        # candidates
        dominators = [names[j] for j in np.flatnonzero(beyond_noise[i] & feasible & designed)]
        others = oriented_means[feasible & designed & (np.arange(len(names)) != i)]
        at_least = (others >= oriented_means[i]).all(axis=1) & (others > oriented_means[i]).any(
            axis=1
        )
        in_means[i] = bool(at_least.any())
        row: dict[str, Any] = {"name": name, "kind": kinds[i], "trial": trial_of[i], **levers[name]}
        # a candidate enqueued from a named policy is that policy, searched
        row["named_policy"] = (
            str(search_means.loc[name, "named_policy"]) if kinds[i] == "candidate" else ""
        )
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
    """Levers whose mechanism no search replication of any candidate reached (the world's
    lever_reach counts)."""
    search_rows = evaluations[evaluations["phase"] == "search"]
    notes = []
    for lever in plan.levers:
        reach = REACH_OF_LEVER.get(lever.path)
        column = f"lever_reach_{reach}"
        if (
            reach is None
            or column not in search_rows
            or search_rows[column].sum() > 0
            or search_rows.empty
        ):
            continue
        why = REACH_UNUSED[reach].format(every=0.0)
        notes.append(
            f"note: {lever.path} never acted in {len(search_rows)} search replications ({why})"
        )
    return notes
