"""Run candidates and named policies on given replications, each task once, and name their tasks.

The search and the confirmation both run policies through one executor and one task store; this is
the part they share, so that a task finished in either phase is never run again (a resumed design
reads it).
"""

from __future__ import annotations

from collections.abc import Callable

from recoverysim.experiments.design_plan import DesignPlan
from recoverysim.experiments.driver import drive
from recoverysim.experiments.executors import Executor
from recoverysim.experiments.store import TaskStore
from recoverysim.experiments.tasks import Task, TaskOutput
from recoverysim.metrics import metric_parts
from recoverysim.scenario.schema import Policy


def figure_value(figures: dict[str, float], metric: str) -> float:
    return float(sum(figures[part] for part in metric_parts(metric)))


class Evaluator:
    """Runs policies on given replications through one executor and one task store, each task
    once."""

    def __init__(
        self,
        plan: DesignPlan,
        runner: Executor,
        store: TaskStore | None,
        on_output: Callable | None,
        on_sizing: Callable[[int, int], None] | None = None,
    ):
        self.plan, self.runner, self.store, self.on_output = plan, runner, store, on_output
        self.on_sizing = on_sizing
        self.memory: dict[str, TaskOutput] = {}

    def done(self, key: str) -> bool:
        return key in self.memory or (self.store is not None and key in self.store.done)

    def run(
        self, policies: list[tuple[str, Policy]], replications: range
    ) -> dict[str, list[TaskOutput]]:
        """Each (key prefix, policy) alone in the scenario, on `replications`; outputs by prefix, in
        order."""
        keys = {prefix: [f"{prefix}-{r:06d}" for r in replications] for prefix, _ in policies}
        todo = [
            (i, prefix, policy)
            for i, (prefix, policy) in enumerate(policies)
            if not all(self.done(k) for k in keys[prefix])
        ]
        # Each policy alone in the scenario; drive sizes its 'auto' staff once, in a worker.
        alone = {
            i: self.plan.scenario.model_copy(update={"policies": (policy,)})
            for i, _, policy in todo
        }
        tasks = [
            Task(key, alone[i], policy.name, r)
            for i, prefix, policy in todo
            for key, r in zip(keys[prefix], replications)
            if not self.done(key)
        ]
        outputs = drive(tasks, self.runner, self.store, self.on_output, self.on_sizing)
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
