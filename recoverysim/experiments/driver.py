"""Run tasks on an executor, saving each as it finishes; turn Ctrl-C into a clean stop that keeps
finished work."""

from __future__ import annotations

from collections.abc import Callable

from recoverysim.errors import RecoverySimError
from recoverysim.experiments.executors import Executor
from recoverysim.experiments.store import TaskStore
from recoverysim.experiments.tasks import Task, TaskOutput, run_task


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
) -> dict[str, TaskOutput]:
    """Run the tasks not yet in `store`; with a store, outputs go to disk and the returned dict is
    empty.

    Without a store the outputs come back in memory, keyed by task key. `on_output` sees each
    output once it is safe (a progress bar, say).
    """
    todo = [t for t in tasks if store is None or t.key not in store.done]
    outputs: dict[str, TaskOutput] = {}
    results = executor.map_unordered(run_task, todo)
    try:
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
