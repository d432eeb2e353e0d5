"""Run tasks on an executor, saving each as it finishes; turn Ctrl-C into a clean stop that keeps
finished work."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from recoverysim.errors import RecoverySimError
from recoverysim.experiments.executors import Executor
from recoverysim.experiments.store import TaskStore
from recoverysim.experiments.tasks import Task, TaskOutput, run_task
from recoverysim.scenario.schema import Policy, Scenario
from recoverysim.staffing import needs_sizing, resolve_staffing


class Interrupted(RecoverySimError):
    """The user stopped the work (Ctrl-C); the tasks that finished are saved when there is a results
    folder."""

    def __init__(self, done: int, total: int | None, folder: str | None, what: str = ""):
        self.done, self.total, self.folder = done, total, folder
        of_total = f" of {total}" if total else ""
        kept = f"; finished tasks are kept in {folder}" if folder else ""
        super().__init__(f"{what or f'interrupted after {done}{of_total} tasks'}{kept}")


def drive(
    tasks: list[Task],
    executor: Executor,
    store: TaskStore | None = None,
    on_output: Callable[[TaskOutput], None] | None = None,
    on_sizing: Callable[[int, int], None] | None = None,
) -> dict[str, TaskOutput]:
    """Run the tasks not yet in `store`; with a store, outputs go to disk and the returned dict is
    empty.

    Without a store the outputs come back in memory, keyed by task key. `on_output` sees each
    output once it is safe (a progress bar, say); `on_sizing(done, total)` counts the load pilots
    that size 'auto' staff first, when there are any (see presized).
    """
    todo = [t for t in tasks if store is None or t.key not in store.done]
    outputs: dict[str, TaskOutput] = {}
    results = (output for output in ())  # a generator, so that close() works before any work
    try:
        results = executor.map_unordered(run_task, presized(todo, executor, on_sizing))
        for output in results:
            if store is not None:
                store.save(output)
            else:
                outputs[output.key] = output
            if on_output is not None:
                on_output(output)
    except KeyboardInterrupt:
        results.close()  # stops the workers before we report
        if store is not None:
            store.checkpoint(force=True)
        done = len(store.done) if store is not None else len(outputs)
        total = store.manifest.get("tasks_total") if store is not None else len(tasks)
        raise Interrupted(done, total, str(store.folder) if store is not None else None) from None
    finally:
        results.close()
    if store is not None:
        store.checkpoint(force=True)
    return outputs


def _alone(scenario: Scenario, policy: Policy) -> Scenario:
    return scenario.model_copy(update={"policies": (policy,)})


def _sized_policy(item: tuple[int, Scenario, str]) -> tuple[int, Policy]:
    """One policy's 'auto' staff sized by its load pilot, in a worker; module level so workers
    unpickle it."""
    index, scenario, name = item
    return index, resolve_staffing(_alone(scenario, scenario.policy(name))).policy(name)


def presized(
    tasks: list[Task],
    executor: Executor,
    on_sizing: Callable[[int, int], None] | None = None,
) -> list[Task]:
    """The tasks with 'auto' staff sized once per (scenario, policy), the pilots spread over the
    workers.

    Otherwise each worker sizes a task's scenario itself (cached per process), so in a sweep both
    workers pilot every policy of a point they share, including policies they do not run: about
    twice the pilots needed. A sized task carries its scenario with its policy alone, sized, which
    runs exactly as in the whole scenario (a world reads only its own policy), so results are
    unchanged. `on_sizing(done, total)` hears (0, total) before the first pilot and each one that
    finishes: a sweep's pilots take minutes, during which no task finishes.
    """
    groups: dict[tuple[int, str], tuple[Scenario, str]] = {}
    for task in tasks:
        key = (id(task.scenario), task.policy)
        if key not in groups and needs_sizing(
            _alone(task.scenario, task.scenario.policy(task.policy))
        ):
            groups[key] = (task.scenario, task.policy)
    if not groups:
        return tasks
    keys = list(groups)
    items = [(index, *groups[key]) for index, key in enumerate(keys)]
    sized: dict[tuple[int, str], Policy] = {}
    if on_sizing is not None:
        on_sizing(0, len(items))
    pilots = executor.map_unordered(_sized_policy, items)
    try:
        for index, policy in pilots:
            sized[keys[index]] = policy
            if on_sizing is not None:
                on_sizing(len(sized), len(items))
    finally:
        pilots.close()  # an interrupted sizing stops its workers before drive reports
    return [
        task
        if (key := (id(task.scenario), task.policy)) not in sized
        else dataclasses.replace(task, scenario=_alone(task.scenario, sized[key]))
        for task in tasks
    ]
