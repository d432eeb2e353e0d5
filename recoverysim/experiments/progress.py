"""A one-line progress bar on the terminal: points and replications done, rate and time left.

It draws only when its stream is a terminal (never into logs or pipes) and
not asked to be quiet. The rate counts tasks finished in this session, so a
resumed run's time left is not flattered by the tasks it found done.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections import Counter
from typing import Callable, TextIO

REDRAW_SECONDS = 0.1
BAR_WIDTH = 20


def clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


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
    ):
        self.stream = stream or sys.stderr
        self.enabled = not quiet and bool(getattr(self.stream, "isatty", lambda: False)())
        self.label = label
        self.total = total
        self.done = len(done_keys)
        self.session_done = 0
        self.point_of = point_of
        self.tasks_per_point = tasks_per_point
        self.per_point = Counter(point_of(k) for k in done_keys) if point_of else Counter()
        self.points_total = None if not (point_of and tasks_per_point and total) else total // tasks_per_point
        self.started = time.monotonic()
        self._drawn = 0.0
        self._draw(force=True)

    def advance(self, key: str) -> None:
        self.done += 1
        self.session_done += 1
        if self.point_of:
            self.per_point[self.point_of(key)] += 1
        self._draw()

    def line(self) -> str:
        """The text of the bar, e.g. 'sweep [#####     ] 45/200 replications, 3/10 points, 2.1/s, 1:14 left'."""
        elapsed = time.monotonic() - self.started
        rate = self.session_done / elapsed if elapsed > 0 and self.session_done else 0.0
        parts = []
        if self.total:
            filled = int(BAR_WIDTH * self.done / self.total)
            parts.append(
                f"{self.label} [{'#' * filled}{' ' * (BAR_WIDTH - filled)}] {self.done}/{self.total} replications"
            )
        else:
            parts.append(f"{self.label} {self.done} replications")
        if self.points_total:
            finished = sum(1 for count in self.per_point.values() if count >= self.tasks_per_point)
            parts.append(f"{finished}/{self.points_total} points")
        parts.append(f"{rate:.3g}/s" if rate else "-/s")
        if self.total and rate:
            parts.append(f"{clock((self.total - self.done) / rate)} left")
        return ", ".join(parts)

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn < REDRAW_SECONDS and self.done != self.total:
            return
        self._drawn = now
        width = shutil.get_terminal_size((80, 20)).columns - 1
        self.stream.write("\r" + self.line()[:width].ljust(width))
        self.stream.flush()

    def close(self) -> None:
        """Finish the line, so whatever is printed next starts on its own."""
        if self.enabled:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
            self.enabled = False
