"""Run tasks on an executor, saving each as it finishes; turn Ctrl-C into a clean stop that keeps
finished work."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable

from recoverysim.errors import RecoverySimError
from recoverysim.experiments.executors import Executor
from recoverysim.experiments.store import TaskStore
from recoverysim.experiments.tasks import Task, TaskOutput, run_task
from recoverysim.scenario.schema import Policy, Scenario
from recoverysim.staffing import needs_sizing, resolve_staffing


class Interrupted(RecoverySimError):
    """The user stopped the work (Ctrl-C); the tasks (and load pilots) that finished are saved when
    there is a results folder."""

    def __init__(
        self,
        done: int,
        total: int | None,
        folder: str | None,
        what: str = "",
        kept: str = "finished tasks",
    ):
        self.done, self.total, self.folder = done, total, folder
        of_total = f" of {total}" if total else ""
        kept = f"; {kept} are kept in {folder}" if folder else ""
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
        results = executor.map_unordered(run_task, presized(todo, executor, on_sizing, store))
        for output in results:
            if store is not None:
                store.save(output)
            else:
                outputs[output.key] = output
            if on_output is not None:
                on_output(output)
    except KeyboardInterrupt as stop:
        results.close()  # stops the workers before we report
        if store is not None:
            store.checkpoint(force=True)
        done = len(store.done) if store is not None else len(outputs)
        total = store.manifest.get("tasks_total") if store is not None else len(tasks)
        folder = str(store.folder) if store is not None else None
        if isinstance(stop, SizingInterrupted):
            what = f"interrupted while sizing staff, after {stop.done} of {stop.total} load pilots"
            raise Interrupted(done, total, folder, what, "finished load pilots and tasks") from None
        raise Interrupted(done, total, folder) from None
    finally:
        results.close()
    if store is not None:
        store.checkpoint(force=True)
    return outputs


def _alone(scenario: Scenario, policy: Policy) -> Scenario:
    return scenario.model_copy(update={"policies": (policy,)})


def pilot_fingerprint(alone: Scenario) -> str:
    """Names a policy-alone scenario's load pilot: the same in every process and session (unlike
    id()), so a resumed run finds the pilots a stopped one saved."""
    return hashlib.sha256(alone.model_dump_json().encode("utf-8")).hexdigest()


class SizingInterrupted(KeyboardInterrupt):
    """Ctrl-C while load pilots ran: how many were done (kept, with a store) of how many."""

    def __init__(self, done: int, total: int):
        super().__init__(done, total)
        self.done, self.total = done, total


def _sized_policy(item: tuple[str, Scenario]) -> tuple[str, Policy]:
    """One policy's 'auto' staff sized by its load pilot, in a worker; module level so workers
    unpickle it."""
    fingerprint, alone = item
    return fingerprint, resolve_staffing(alone).policies[0]


def presized(
    tasks: list[Task],
    executor: Executor,
    on_sizing: Callable[[int, int], None] | None = None,
    store: TaskStore | None = None,
) -> list[Task]:
    """The tasks with 'auto' staff sized once per (scenario, policy), the pilots spread over the
    workers.

    Otherwise each worker sizes a task's scenario itself (cached per process), so in a sweep both
    workers pilot every policy of a point they share, including policies they do not run: about
    twice the pilots needed. A sized task carries its scenario with its policy alone, sized, which
    runs exactly as in the whole scenario (a world reads only its own policy), so results are
    unchanged. `on_sizing(done, total)` hears the pilots already done before the first one runs,
    then each one that finishes: a sweep's pilots take minutes, during which no task finishes.

    With a store, each sized policy is saved as it arrives and a saved one is not piloted again, so
    Ctrl-C during sizing (SizingInterrupted) loses only the pilots running; sizing is deterministic,
    so a reused policy is the one a new pilot would give.
    """
    groups: dict[tuple[int, str], str] = {}  # (scenario, policy) of the tasks -> pilot fingerprint
    pending: dict[str, Scenario] = {}  # fingerprint -> the policy-alone scenario to size
    seen: set[tuple[int, str]] = set()
    for task in tasks:
        group = (id(task.scenario), task.policy)
        if group in seen:
            continue
        seen.add(group)
        alone = _alone(task.scenario, task.scenario.policy(task.policy))
        if needs_sizing(alone):
            groups[group] = fingerprint = pilot_fingerprint(alone)
            pending.setdefault(fingerprint, alone)
    if not groups:
        return tasks
    sized: dict[str, Policy] = {}
    if store is not None:
        sized = {f: policy for f in pending if (policy := store.sized(f)) is not None}
    items = [(f, alone) for f, alone in pending.items() if f not in sized]
    if items:
        if on_sizing is not None:
            on_sizing(len(sized), len(pending))
        pilots = executor.map_unordered(_sized_policy, items)
        try:
            for fingerprint, policy in pilots:
                if store is not None:
                    store.save_sized(fingerprint, policy)
                sized[fingerprint] = policy
                if on_sizing is not None:
                    on_sizing(len(sized), len(pending))
        except KeyboardInterrupt:
            raise SizingInterrupted(len(sized), len(pending)) from None
        finally:
            pilots.close()  # an interrupted sizing stops its workers before drive reports
    scenarios = {
        group: _alone(pending[fingerprint], sized[fingerprint])
        for group, fingerprint in groups.items()
    }
    return [
        task
        if (group := (id(task.scenario), task.policy)) not in scenarios
        else dataclasses.replace(task, scenario=scenarios[group])
        for task in tasks
    ]
