"""Where tasks run: in this process, in local worker processes, or on a Dask cluster.

Every executor has one method, ``map_unordered(function, tasks)``, that yields
results as they finish. Callers sort by task key, so the order results arrive
in never changes the output. Dask is imported only when it is chosen.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Protocol
from collections.abc import Callable, Iterable, Iterator

from recoverysim.errors import UsageError

EXECUTORS = ("serial", "processes", "dask")
DASK_EXTRA_HINT = "pip install 'recoverysim[dask]'"
SCHEDULER_TIMEOUT_SECONDS = 10
"""Assumption: a reachable scheduler answers well within 10 s; longer means a wrong address."""
ORPHAN_CHECK_SECONDS = 1.0
DASK_TUNING = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
}


class Executor(Protocol):
    """Runs `function` over `tasks`, yielding each result as soon as it is ready, in any order."""

    workers: int

    def map_unordered(
        self, function: Callable[[Any], Any], tasks: Iterable[Any]
    ) -> Iterator[Any]: ...

    def close(self) -> None: ...


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class SerialExecutor:
    """Tasks one after another in this process: the reference every other executor must match."""

    workers = 1

    def map_unordered(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        for task in tasks:
            yield function(task)

    def close(self) -> None:
        """Nothing to release: no workers."""


def _watch_parent(parent_pid: int) -> None:
    """Exit a worker whose parent died (e.g. SIGKILL): otherwise it would wait on its queue
    forever."""
    while True:
        time.sleep(ORPHAN_CHECK_SECONDS)
        if os.getppid() != parent_pid:
            os._exit(1)


def _init_worker(parent_pid: int) -> None:
    # Ctrl-C reaches the whole process group; only the parent handles it, so workers never print
    # tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


class ProcessExecutor:
    """Local worker processes (one per core by default); unfinished work is dropped on
    interruption."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()

    def map_unordered(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        tasks = list(tasks)
        if self.workers == 1 or len(tasks) <= 1:
            yield from SerialExecutor().map_unordered(function, tasks)
            return
        pool = ProcessPoolExecutor(
            max_workers=min(self.workers, len(tasks)),
            initializer=_init_worker,
            initargs=(os.getpid(),),
        )
        pending: set = set()
        finished = False
        try:
            pending = {pool.submit(function, task) for task in tasks}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
            finished = True
        finally:
            if not finished:  # interrupted or failed: do not wait for tasks nobody will read
                for future in pending:
                    future.cancel()
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.terminate()
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Nothing to release: each map starts and stops its own pool."""


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while worker processes start, so they ignore it too (an ignored signal survives
    exec)."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not ours to change
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def local_cluster(workers: int, processes: bool = True) -> Any:
    """A Dask LocalCluster of single-threaded workers that run replications at full speed and ignore
    Ctrl-C.

    By default Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536 (memory goes back
    to the system sooner) and samples each worker's stack every 10 ms for its profile
    page. Measured here, the two made a replication of the canonical scenario cost
    1.2-1.5 s of CPU instead of 0.75 s (the trim threshold alone 0.97 s), so this
    cluster turns both off. DASK_TUNING holds the same settings for workers started
    by hand (see README, "Running on a cluster").
    """
    import dask
    from dask.distributed import LocalCluster

    with dask.config.set(DASK_TUNING), _sigint_ignored():
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )


class DaskExecutor:
    """A Dask cluster: an existing one at `scheduler` (tcp://HOST:PORT), else a LocalCluster started
    here."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        try:
            from dask.distributed import Client
        except ImportError:
            raise UsageError(
                "the dask executor needs Dask, which is not installed; install it with "
                f"{DASK_EXTRA_HINT}"
            ) from None
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT_SECONDS}s")
            except (OSError, ValueError, TypeError) as error:
                raise UsageError(
                    f"cannot reach the Dask scheduler at {scheduler} ({error})"
                ) from None
            self.workers = max(1, sum(self._client.nthreads().values()))
        else:
            self.workers = workers or default_workers()
            self._cluster = local_cluster(self.workers)
            self._client = Client(self._cluster)

    def map_unordered(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        from dask.distributed import as_completed

        tasks = list(tasks)
        if not tasks:
            return
        futures = self._client.map(function, tasks, pure=False)
        finished = False
        try:
            for future in as_completed(futures):
                yield future.result()
                future.release()
            finished = True
        finally:
            if not finished:
                self._client.cancel(futures)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(
    name: str = "processes", workers: int | None = None, scheduler: str | None = None
) -> Executor:
    """The executor called `name`; unknown names and options that do not fit it are a UsageError."""
    if name not in EXECUTORS:
        raise UsageError(f"unknown executor {name!r}; choose one of {', '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        raise UsageError(f"workers must be at least 1 (got {workers})")
    if scheduler and name != "dask":
        raise UsageError(f"--scheduler is for the dask executor, not {name}")
    if name == "serial":
        return SerialExecutor()
    if name == "processes":
        return ProcessExecutor(workers)
    return DaskExecutor(workers, scheduler)
