"""How every figure looks and is labelled: palette, markers, footer, figure frame, money units.

Every figure reads in black-and-white print and for colour-blind readers:
policies differ by colour (Okabe & Ito's palette) *and* by marker, line style
or hatch. Each has a title, axes with units, and a footer naming the scenario,
its seed and the number of replications behind it. The figure modules of every
experiment kind draw with these, so they all look alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure  # made without pyplot: Agg renders it, no window opens

from recoverysim.metrics import t_quantile_975

#: Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision
#: deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINE_STYLES = (
    "-",
    "--",
    ":",
    "-.",
    (0, (5, 1, 1, 1, 1, 1)),
    (0, (1, 3)),
    (0, (8, 2)),
    (0, (3, 1, 1, 1)),
)
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "+++", "ooo", "---")
FIGURE_LABELS = {
    "net_result_eur": "net result (EUR)",
    "cost_total_eur": "total cost (EUR)",
    "customer_value_eur": "value of customers kept (EUR)",
    "retention_share": "initial customers kept (%)",
    "cost_per_claim_eur": "cost per claim (EUR)",
    "satisfaction_mean": "mean satisfaction (0-1)",
    "fraud_share": "fraudulent share of claims (%)",
    "honest_denied_share": "honest claims denied (%)",
    "fraud_paid_eur": "fraud paid out (EUR)",
    "value_total_eur": "total value at day 0 (EUR)",
    "honest_unremedied_share": "honest claims that got nothing (%)",
    "claimant_repurchase_share": "honest claimants who bought again (%)",
}
SHARE_FIGURES = {
    "retention_share",
    "fraud_share",
    "honest_denied_share",
    "approval_share",
    "abandonment_share",
}
SIDE_KEYS = ("point", "policy", "replication")


@dataclass(frozen=True)
class Context:
    """What the footer says about the run behind a figure."""

    scenario: str = "scenario"
    seed: int | None = None
    replications: int | None = None

    @classmethod
    def from_manifest(cls, manifest: dict) -> Context:
        return cls(
            str(manifest.get("scenario_name", "scenario")),
            manifest.get("seed"),
            manifest.get("replications"),
        )

    def footer(self, note: str = "") -> str:
        parts = [
            f"scenario {self.scenario}",
            f"seed {self.seed}" if self.seed is not None else "seed unknown",
        ]
        if self.replications:
            parts.append(f"{self.replications} replications per policy")
        return " · ".join(parts + ([note] if note else []))


@dataclass(frozen=True)
class Style:
    colour: str
    marker: str
    line: object
    hatch: str


def policy_styles(policies: list[str]) -> dict[str, Style]:
    """One fixed look per policy, in the order given (the baseline first)."""
    n = len(PALETTE)
    return {
        p: Style(
            PALETTE[i % n],
            MARKERS[i % len(MARKERS)],
            LINE_STYLES[i % len(LINE_STYLES)],
            HATCHES[i % len(HATCHES)],
        )
        for i, p in enumerate(policies)
    }


INTERVAL_NOTE = "bars and bands: 95 % t intervals across replications"


def new_figure(
    rows: int,
    columns: int,
    size: tuple[float, float],
    title: str,
    context: Context | None,
    note: str = INTERVAL_NOTE,
    **kwargs,
):
    # not registered with pyplot: the caller owns it and nothing leaks between figures
    fig = Figure(figsize=size)
    axes = fig.subplots(rows, columns, squeeze=False, **kwargs)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    for ax in axes.ravel():
        ax.set_axisbelow(True)  # grid lines behind bars and bands
    fig.text(
        0.01,
        0.008,
        (context or Context()).footer(note),
        fontsize=7,
        color="0.3",
        ha="left",
        va="bottom",
    )
    return fig, axes


def finish(fig: Figure, bottom: float = 0.06) -> Figure:
    fig.tight_layout(rect=(0, bottom, 1, 0.97))
    return fig


def money_scale(values) -> tuple[float, str]:
    """Divide euros by this to print them, and the unit to name on the axis."""
    values = np.asarray(values, dtype=float)
    largest = float(np.nanmax(np.abs(values))) if values.size and np.isfinite(values).any() else 0.0
    if largest >= 2e6:
        return 1e6, "million EUR"
    if largest >= 2e4:
        return 1e3, "thousand EUR"
    return 1.0, "EUR"


def axis_label(figure: str, scale_unit: str | None = None) -> str:
    default = (
        f"{figure[:-4].replace('_', ' ')} (EUR)"
        if figure.endswith("_eur")
        else figure.replace("_", " ")
    )
    label = FIGURE_LABELS.get(figure, default)
    if scale_unit and "(EUR)" in label:
        label = label.replace("(EUR)", f"({scale_unit})")
    return label


def interval(values: np.ndarray) -> tuple[float, float]:
    """Mean and the half width of its 95 % t interval (NaN with fewer than two values)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return math.nan, math.nan
    if values.size < 2:
        return float(values.mean()), math.nan
    half = t_quantile_975(values.size - 1) * float(values.std(ddof=1)) / math.sqrt(values.size)
    return float(values.mean()), half


AXIS_NOTE = "axis-not-at-zero"


def note_axis_without_zero(ax, which: str = "y") -> None:
    """Say on the axis when it does not start at zero, so a small gap is not read as a large one."""
    low, high = ax.get_ylim() if which == "y" else ax.get_xlim()
    if low <= 0.0 <= high:
        return
    ax.text(
        0.01 if which == "y" else 0.99,
        0.01,
        f"{which} axis does not start at 0",
        transform=ax.transAxes,
        ha="left" if which == "y" else "right",
        va="bottom",
        fontsize=7,
        color="0.3",
        bbox={"facecolor": "white", "edgecolor": "0.6", "linewidth": 0.5, "pad": 1.5},
        gid=AXIS_NOTE,
    )
