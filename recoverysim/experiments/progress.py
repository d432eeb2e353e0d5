"""Progress bars, one style for every command and for the Python API: tqdm's, on stderr.

A bar draws only when its stream is a terminal (never into logs or pipes) and
not asked to be quiet; the API draws one only when asked (`progress=True`).
tqdm's rate counts what was done in this session (it discounts `initial`), so a
resumed run's time left is not flattered by the tasks it found done. While 'auto' staff is sized
before the tasks, a second bar counts the load pilots beneath the task bar, whose clock stops
meanwhile (see Sizing).
"""

from __future__ import annotations

import functools
import inspect
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import TextIO

from tqdm import tqdm

REDRAW_SECONDS = 0.1
KNOWN_TOTAL = (
    "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt}{unit} [{elapsed}<{remaining}, "
    "{rate_fmt}{postfix}]"
)
"""tqdm's own layout with the unit after the count ('4/8 replications'), for bars whose total is
known."""
SIZING_LABEL = "sizing staff"
SIZING_UNIT = "load pilots"


def on_terminal(stream: TextIO, quiet: bool = False) -> bool:
    """Whether a bar should draw on `stream`: a terminal, and not asked to be quiet."""
    return not quiet and bool(getattr(stream, "isatty", lambda: False)())


def bar(
    label: str,
    total: int | None,
    unit: str,
    *,
    done: int = 0,
    quiet: bool = False,
    stream: TextIO | None = None,
    always: bool = False,
    leave: bool = True,
) -> tqdm:
    """A tqdm bar in the project's style: label first, count of `unit`, rate and time left; silent
    off a terminal unless `always` (the API's opt-in: a notebook's stderr is no terminal)."""
    stream = stream or sys.stderr
    return tqdm(
        total=total,
        initial=done,
        desc=label,
        unit=f" {unit}",
        bar_format=KNOWN_TOTAL if total else None,
        file=stream,
        disable=not (always or on_terminal(stream, quiet)),
        mininterval=REDRAW_SECONDS,
        dynamic_ncols=True,
        leave=leave,
    )


class Progress:
    """Counts finished tasks (replications) and, for sweeps, finished points."""

    def __init__(
        self,
        label: str,
        total: int | None,
        done_keys: set[str] = frozenset(),
        *,
        point_of: Callable[[str], str] | None = None,
        tasks_per_point: int | None = None,
        quiet: bool = False,
        stream: TextIO | None = None,
        unit: str = "replications",
        always: bool = False,
    ):
        self.done = len(done_keys)
        self.session_done = 0
        self.point_of = point_of
        self.tasks_per_point = tasks_per_point
        self.per_point = Counter(point_of(k) for k in done_keys) if point_of else Counter()
        self.points_total = (
            None if not (point_of and tasks_per_point and total) else total // tasks_per_point
        )
        self.bar = bar(
            label, total, unit, done=len(done_keys), quiet=quiet, stream=stream, always=always
        )
        self._show_points()

    def advance(self, key: str = "") -> None:
        self.done += 1
        self.session_done += 1
        if self.point_of:
            self.per_point[self.point_of(key)] += 1
            self._show_points()
        self.bar.update(1)

    def _show_points(self) -> None:
        if self.points_total:
            finished = sum(1 for count in self.per_point.values() if count >= self.tasks_per_point)
            self.bar.set_postfix_str(f"{finished}/{self.points_total} points", refresh=False)

    def skip(self, seconds: float) -> None:
        """Leave `seconds` out of the elapsed time and the rate: time spent sizing staff, not on
        tasks, would otherwise make the time left wrong."""
        if self.bar.disable:
            return
        self.bar.start_t += seconds
        self.bar.last_print_t += seconds
        self.bar.refresh()

    def line(self) -> str:
        """The text of the bar as tqdm draws it, e.g. 'sweep:  50%|#####     | 4/8 replications
        [00:01<00:01, 2.1 replications/s, 1/2 points]'."""
        return str(self.bar)

    def close(self) -> None:
        """Finish the line, so whatever is printed next starts on its own."""
        self.bar.close()


class Sizing:
    """The 'sizing staff' bar, as drive()'s `on_sizing(done, total)` hook: load pilots k/N.

    The bar opens at the first call and goes when its count is full (or at close()), leaving the
    line to the task bar (`beneath()`, if any), whose clock does not count the sizing. It does not
    stay on screen, so a design search that sizes each candidate alone prints no line per trial.
    """

    def __init__(
        self,
        quiet: bool = False,
        *,
        stream: TextIO | None = None,
        always: bool = False,
        beneath: Callable[[], Progress | None] = lambda: None,
    ):
        self.quiet, self.stream, self.always, self.beneath = quiet, stream, always, beneath
        self.bar: tqdm | None = None
        self.started = 0.0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.started = time.monotonic()
            self.bar = bar(
                SIZING_LABEL,
                total,
                SIZING_UNIT,
                done=done,
                quiet=self.quiet,
                stream=self.stream,
                always=self.always,
                leave=False,
            )
        else:
            self.bar.update(done - self.bar.n)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is None:
            return
        self.bar.close()
        self.bar = None
        tasks = self.beneath()
        if tasks is not None:
            tasks.skip(time.monotonic() - self.started)


def with_progress(
    label: str, start: str = "on_start", each: str = "on_output", sizing: str = "on_sizing"
) -> Callable:
    """Give an API function a `progress=False` keyword: when true, a bar (drawn even off a terminal)
    hears the function's own `start` and `each` hooks, and a Sizing bar its `sizing` hook, after any
    hooks the caller passed."""

    def decorate(function: Callable) -> Callable:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def wrapper(*args, progress: bool = False, **kwargs):
            if not progress:
                return function(*args, **kwargs)
            call = signature.bind(*args, **kwargs)
            started, finished = call.arguments.get(start), call.arguments.get(each)
            sized = call.arguments.get(sizing)
            shown: list[Progress] = []
            pilots = Sizing(always=True, beneath=lambda: shown[-1] if shown else None)

            def on_start(*heard) -> None:
                total, done = (
                    heard if len(heard) == 2 else (None, *heard)
                )  # a search knows no total
                shown.append(Progress(label, total, done, always=True))
                if started is not None:
                    started(*heard)

            def on_each(item) -> None:
                if shown:
                    shown[-1].advance(getattr(item, "key", ""))
                if finished is not None:
                    finished(item)

            def on_sizing(done: int, total: int) -> None:
                pilots(done, total)
                if sized is not None:
                    sized(done, total)

            call.arguments[start], call.arguments[each] = on_start, on_each
            if sizing in signature.parameters:
                call.arguments[sizing] = on_sizing
            try:
                return function(*call.args, **call.kwargs)
            finally:
                pilots.close()
                for drawn in shown:
                    drawn.close()

        extra = inspect.Parameter(
            "progress", inspect.Parameter.KEYWORD_ONLY, default=False, annotation="bool"
        )
        wrapper.__signature__ = signature.replace(
            parameters=[*signature.parameters.values(), extra]
        )
        return wrapper

    return decorate
