"""A finished design and its tables: what a design folder holds, written and read back.

The search and the confirmation compute; this module only shapes what they found into the files of a
design folder (frontier, trials, evaluations, selection) and back into a DesignResult.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from recoverysim.experiments.design_plan import DesignPlan
from recoverysim.scenario.schema import Policy


def _column(values: list[Any]) -> list[Any]:
    """Lever values as one parquet column: native when of one plain type, else their JSON text."""
    plain = [list(v) if isinstance(v, tuple) else v for v in values]
    kinds = {type(v) for v in plain if v is not None}
    if kinds <= {bool} or kinds <= {str}:
        return plain
    if kinds <= {int, float}:
        return [math.nan if v is None else float(v) for v in plain]
    return [json.dumps(v) for v in plain]


def encode_levers(frame: pd.DataFrame, plan: DesignPlan) -> pd.DataFrame:
    for lever in plan.levers:
        frame[lever.path] = _column(list(frame[lever.path]))
    return frame


@dataclass(frozen=True)
class DesignResult:
    """A finished design: the frontier confirmed on fresh replications, the search, and every
    replication."""

    plan: DesignPlan
    frontier: pd.DataFrame
    trials: pd.DataFrame
    evaluations: pd.DataFrame
    selection: pd.DataFrame
    #: frontier candidates by name
    policies: dict[str, Policy] = field(default_factory=dict, repr=False)
    notes: tuple[str, ...] = ()


def stored_design(plan: DesignPlan, stored) -> DesignResult:
    notes = tuple(stored.manifest.get("notes", ()))
    return DesignResult(
        plan, stored.frontier, stored.trials, stored.evaluations, stored.selection, {}, notes
    )


def write_design(result: DesignResult, folder: Path) -> None:
    """The tables of a design folder (the CLI adds the figure, the policy blocks and the report)."""
    from recoverysim.results import CSV_FLOAT_FORMAT, atomic_write

    for name, frame in (
        ("frontier", result.frontier),
        ("trials", result.trials),
        ("evaluations", result.evaluations),
    ):
        atomic_write(
            folder / f"{name}.parquet", lambda p, frame=frame: frame.to_parquet(p, index=False)
        )
    atomic_write(
        folder / "selection.csv",
        lambda p: result.selection.to_csv(p, index=False, float_format=CSV_FLOAT_FORMAT),
    )
