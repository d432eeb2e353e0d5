"""The one error family the library raises; the CLI turns it into a clear message."""

from __future__ import annotations

from dataclasses import dataclass


class RecoverySimError(Exception):
    """Base of every error meant for a user rather than a developer."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    source: str
    line: int | None
    path: str
    message: str
    got: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return f"{text} (got {self.got})" if self.got is not None else text


class ScenarioError(RecoverySimError):
    """A scenario file or override is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class UsageError(RecoverySimError):
    """A command line asks for something the scenario cannot give (e.g. an unknown policy)."""
