"""What a calibration target is, and which figures of the simulation a target may name.

Kept apart from the readers (`target_file`, `claims_csv`) and the maths (`targets`) so that each of
them can build `Target`s without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from recoverysim.metrics import EXTRA_FIGURES, KEY_FIGURES
from recoverysim.model.totals import OUTCOME_CLASSES, SEVERITIES

KINDS = ("share", "mean", "rate")
#: Figures computed from the claims table, pooled over every claim of the policy's replications (as
#: a firm counts).
CLAIM_FIGURES = (
    "first_contact_resolution_share",
    "first_agent_resolution_share",
    "approval_share",
    "abandonment_share",
    "resolution_days_mean",
    "contacts_per_claim",
    "satisfaction_mean",
)
#: Figures pooled from replications.parquet: the mean of the column over replications, except the
#: two ratios below.
REPLICATION_FIGURES = tuple(
    name for name in KEY_FIGURES + EXTRA_FIGURES if name not in CLAIM_FIGURES
)
#: Ratios pooled as a ratio of sums over replications, not as a mean of per-replication ratios.
REPURCHASE_FIGURE = "claimant_repurchase_share"
WOM_RATIO_FIGURE = "wom_positive_to_negative"
FIGURES = CLAIM_FIGURES + REPLICATION_FIGURES
#: Figures that are shares in [0, 1], the only ones a `share` target (a count of successes) may
#: name.
SHARE_FIGURES = tuple(name for name in FIGURES if name.endswith("_share"))
CLAIMED_CLASSES = tuple(name for name in OUTCOME_CLASSES if name != "silent_failure")
__all__ = [
    "CLAIM_FIGURES",
    "FIGURES",
    "KINDS",
    "OUTCOME_CLASSES",
    "SEVERITIES",
    "Target",
    "TargetSet",
]


@dataclass(frozen=True)
class Target:
    """One observed figure that the simulation also produces, with what is known of its
    precision."""

    name: str
    figure: str
    policy: str
    kind: str
    observed: float
    trials: float | None
    standard_error: float | None
    outcome_class: str | None = None
    severity: str | None = None
    segment: str | None = None
    world: Path | None = None
    source: str | None = None
    confidence: str | None = None


@dataclass(frozen=True)
class TargetSet:
    """The targets of one file, where they came from, and a text that says what was read (shown
    before fitting)."""

    targets: tuple[Target, ...]
    origin: str
    summary: str
