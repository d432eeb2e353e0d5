"""The waterfall of a decomposition: each lever's contribution to B − A, stacked from zero to the
total.

DataFrame in, Figure out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from recoverysim.views.figure_style import (
    PALETTE,
    Context,
    axis_label,
    finish,
    money_scale,
    new_figure,
)

TOTAL = "total"
RISE, FALL, WHOLE = PALETTE[0], PALETTE[1], "#999999"


def _error(low: float, high: float, value: float) -> list[list[float]]:
    """Asymmetric error bar lengths around `value` (none when the interval is unknown)."""
    if np.isnan(low) or np.isnan(high):
        return [[0.0], [0.0]]
    return [[max(value - low, 0.0)], [max(high - value, 0.0)]]


def waterfall(
    table: pd.DataFrame,
    metric: str,
    context: Context | None = None,
    baseline: str = "A",
    target: str = "B",
    method: str = "",
) -> Figure:
    """Levers top to bottom, each bar from the running sum to the running sum plus its contribution;
    the total last.

    Error bars are each contribution's 95 % interval across replications, drawn at the bar's end.
    """
    rows = table[table["metric"] == metric]
    if rows.empty:
        raise ValueError(f"no rows for {metric!r} in the decomposition")
    levers, total = rows[rows["lever"] != TOTAL], rows[rows["lever"] == TOTAL].iloc[0]
    scale, unit = (
        money_scale(rows[["contribution", "ci_low", "ci_high"]].to_numpy())
        if metric.endswith("_eur")
        else (1.0, "")
    )
    label = axis_label(metric, unit or None)
    fig, axes = new_figure(
        1,
        1,
        (9.0, 1.6 + 0.5 * (len(levers) + 1)),
        f"From {baseline} to {target}: what each lever does to {label.split(' (')[0]}",
        context,
        note=method or "error bars: 95 % t intervals across replications",
    )
    ax = axes[0, 0]
    start = 0.0
    for position, row in enumerate(levers.itertuples()):
        value = row.contribution / scale
        rises = value >= 0
        ax.barh(
            position,
            value,
            left=start,
            height=0.6,
            color=RISE if rises else FALL,
            hatch="" if rises else "///",
            edgecolor="black",
            linewidth=0.6,
        )
        end = start + value
        ax.errorbar(
            end,
            position,
            xerr=_error(row.ci_low / scale + start, row.ci_high / scale + start, end),
            fmt="none",
            ecolor="black",
            capsize=3,
            linewidth=0.8,
        )
        if position + 1 < len(levers):
            ax.plot([end, end], [position + 0.3, position + 0.7], color="0.4", linewidth=0.6)
        start = end
    last = len(levers)
    whole = total["contribution"] / scale
    ax.barh(last, whole, height=0.6, color=WHOLE, edgecolor="black", linewidth=0.6, hatch="...")
    ax.errorbar(
        whole,
        last,
        xerr=_error(total["ci_low"] / scale, total["ci_high"] / scale, whole),
        fmt="none",
        ecolor="black",
        capsize=3,
        linewidth=0.8,
    )
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(range(last + 1), [*levers["lever"], f"total: {target} − {baseline}"])
    ax.invert_yaxis()
    ax.set_xlabel(f"contribution to {target} − {baseline}, {label}")
    ax.set_ylabel("lever switched to its value under " + target)
    ax.grid(True, axis="x", color="0.9")
    ax.legend(
        handles=[ax.patches[i] for i in _legend_patches(levers)],
        labels=_legend_labels(levers),
        fontsize=8,
        loc="best",
    )
    return finish(fig, bottom=0.1)


def _legend_patches(levers: pd.DataFrame) -> list[int]:
    signs = list(levers["contribution"] >= 0)
    return [signs.index(s) for s in (True, False) if s in signs]


def _legend_labels(levers: pd.DataFrame) -> list[str]:
    signs = set(levers["contribution"] >= 0)
    return [text for sign, text in ((True, "raises it"), (False, "lowers it")) if sign in signs]
