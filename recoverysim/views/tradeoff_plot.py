"""The trade-off figure: cost against what each policy keeps, with the non-dominated frontier.

Drawn for a run (one point per policy) and for a sweep (one point per policy and sweep point, the
ends named), so it sits apart from the figures of either kind.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from recoverysim.views.figure_style import (
    SHARE_FIGURES,
    Context,
    Style,
    axis_label,
    finish,
    money_scale,
    new_figure,
    note_axis_without_zero,
    policy_styles,
)

#: Beyond this many sweep points per policy a trade-off panel names only the ends and thins its
#: error bars.
CROWDED_POINTS = 4
POINT_LABEL = "point-label"


def frontier(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated points (no other point costs less *and* keeps more), by rising
    cost."""
    order = np.lexsort((-y, x))
    keep, best = [], -np.inf
    for i in order:
        if y[i] > best:
            keep.append(i)
            best = y[i]
    return np.array(keep, dtype=int)


def _well_apart(table: pd.DataFrame, axes: tuple[str, str], gap: float = 0.12) -> bool:
    """Whether every two points are at least `gap` apart in shares of the plotted span (intervals
    included), so names fit."""
    coords = []
    for axis in axes:
        low, high = (
            np.nanmin(table[[f"{axis}_mean", f"{axis}_ci_low"]].to_numpy()),
            np.nanmax(table[[f"{axis}_mean", f"{axis}_ci_high"]].to_numpy()),
        )
        coords.append(table[f"{axis}_mean"].to_numpy() / ((high - low) or 1.0))
    u, v = coords
    return all(
        math.hypot(u[i] - u[j], v[i] - v[j]) >= gap
        for i in range(len(u))
        for j in range(i + 1, len(u))
    )


def tradeoff_table(summary: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """Per policy (and point, when swept) the mean and interval of x and y, side by side."""
    keys = [k for k in ("point", "policy") if k in summary.columns]
    rows = summary[summary["metric"].isin([x, y])]
    wide = rows.pivot_table(
        index=keys, columns="metric", values=["mean", "ci_low", "ci_high"], sort=False
    )
    out = pd.DataFrame(index=wide.index)
    for axis, metric in (("x", x), ("y", y)):
        for stat in ("mean", "ci_low", "ci_high"):
            out[f"{axis}_{stat}"] = wide[(stat, metric)]
    return out.reset_index()


def tradeoff(
    summary: pd.DataFrame,
    context: Context | None = None,
    x: str = "cost_total_eur",
    ys: tuple[str, ...] = ("customer_value_eur", "retention_share"),
    labels: dict | None = None,
    labels_name: str = "",
) -> Figure:
    """Cost against what is kept, one point per policy (per sweep point when `summary` has a point
    column).

    Args:
        summary: rows of summary.csv (policy, metric, mean, ci_low, ci_high), optionally with a
            `point` column.
        labels: for swept summaries, a short text per point naming its parameter values.
        labels_name: what those texts list (e.g. "inspection_eur, opportunist_share"), said once in
            the legend.
    """
    policies = list(dict.fromkeys(summary["policy"]))
    styles = policy_styles(policies)
    swept = "point" in summary.columns
    fig, axes = new_figure(
        1,
        len(ys),
        (5.2 * len(ys), 4.6),
        "Trade-off: what each policy costs and what it keeps",
        context,
    )
    for ax, y in zip(axes[0], ys):
        table = tradeoff_table(summary, x, y)
        xs, x_unit = money_scale(table[["x_mean", "x_ci_low", "x_ci_high"]].to_numpy())
        share = y in SHARE_FIGURES
        ys_scale, y_unit = (
            (0.01, "%")
            if share
            else money_scale(table[["y_mean", "y_ci_low", "y_ci_high"]].to_numpy())
        )
        crowded = swept and table.groupby("policy").size().max() > CROWDED_POINTS
        for policy in policies:
            rows = table[table["policy"] == policy]
            st = styles[policy]
            xerr = (
                np.vstack([rows["x_mean"] - rows["x_ci_low"], rows["x_ci_high"] - rows["x_mean"]])
                / xs
            )
            yerr = (
                np.vstack([rows["y_mean"] - rows["y_ci_low"], rows["y_ci_high"] - rows["y_mean"]])
                / ys_scale
            )
            ax.errorbar(
                rows["x_mean"] / xs,
                rows["y_mean"] / ys_scale,
                xerr=np.nan_to_num(xerr),
                yerr=np.nan_to_num(yerr),
                fmt=st.marker,
                color=st.colour,
                markersize=5 if crowded else 7,
                capsize=0 if crowded else 3,
                elinewidth=0.6 if crowded else None,
                alpha=0.55 if crowded else None,
                linestyle="none",
                label=policy,
                markeredgecolor="black",
                markeredgewidth=0.6,
            )
            if not swept:
                if not _well_apart(table, ("x", "y")):
                    continue  # names would overlap; the legend's markers tell the policies apart
                for _, row in rows.iterrows():
                    ax.annotate(
                        policy,
                        (row["x_mean"] / xs, row["y_mean"] / ys_scale),
                        textcoords="offset points",
                        xytext=(8, 6),
                        fontsize=8,
                    )
            else:
                _swept_policy(ax, rows, st, (xs, ys_scale), labels or {})
        keep = frontier(table["x_mean"].to_numpy(), table["y_mean"].to_numpy())
        if keep.size:
            front = table.iloc[keep]
            ax.plot(
                front["x_mean"] / xs,
                front["y_mean"] / ys_scale,
                color="0.35",
                linestyle=(0, (4, 2)),
                linewidth=1.2,
                zorder=0,
                label="non-dominated frontier",
            )
        ax.set_xlabel(axis_label(x, x_unit) + " over the horizon")
        ax.set_ylabel(axis_label(y, y_unit) if not share else axis_label(y))
        ax.margins(x=0.2, y=0.2)
        ax.grid(True, color="0.9")
        ax.set_title(f"{axis_label(y).split(' (')[0]} against cost", fontsize=10)
        legend = ax.legend(
            fontsize=8,
            loc="best",
            title=f"points: {labels_name}" if swept and labels_name else None,
        )
        if legend.get_title().get_text():
            legend.get_title().set_fontsize(7)
        note_axis_without_zero(ax)
    fig.text(
        0.99,
        0.008,
        "lower cost (left) and more kept (up) is better",
        fontsize=7,
        color="0.3",
        ha="right",
        va="bottom",
    )
    finish(fig)
    if swept:
        for ax in axes[0]:
            declutter_labels(ax, [t for t in ax.texts if t.get_gid() == POINT_LABEL])
    return fig


def _swept_policy(
    ax, rows: pd.DataFrame, style: Style, scales: tuple[float, float], labels: dict
) -> None:
    """One policy's sweep points, joined in point order; markers pale at the first point, full at
    the last.

    Only the two ends are named (first below left, last above right), so twelve points do not
    overprint."""
    xs, ys = scales
    x, y = rows["x_mean"].to_numpy() / xs, rows["y_mean"].to_numpy() / ys
    ax.plot(x, y, color=style.colour, linestyle=style.line, linewidth=0.8)
    if len(rows) > 1:
        shade = np.linspace(0.2, 1.0, len(rows))
        # blend with white
        faces = [tuple(1 - s + s * part for part in to_rgb(style.colour)) for s in shade]
        ax.scatter(
            x, y, marker=style.marker, c=faces, s=36, edgecolors="black", linewidths=0.6, zorder=3
        )
    if np.allclose(np.column_stack([x, y]), np.column_stack([x, y])[0]):
        ends = [(0, "the same at every point", (6, 6), "left", "bottom")]
    else:
        ends = [
            (0, None, (-6, -6), "right", "top"),
            (len(rows) - 1, None, (6, 6), "left", "bottom"),
        ]
    for index, text, offset, horizontal, vertical in ends:
        point = rows["point"].iloc[index]
        ax.annotate(
            text or ("first: " if index == 0 else "last: ") + labels.get(point, f"point {point}"),
            (x[index], y[index]),
            textcoords="offset points",
            xytext=offset,
            ha=horizontal,
            va=vertical,
            fontsize=7,
            color="0.2",
            gid=POINT_LABEL,
        )


def declutter_labels(ax, labels: list) -> None:
    """Keep point labels inside their axes and apart: flip a label that sticks out, drop one that
    still does or that overlaps a label already kept (the legend's title says what the labels
    list)."""
    # the renderer savefig will use, for real extents
    renderer = FigureCanvasAgg(ax.figure).get_renderer()
    inside, kept = ax.get_window_extent(renderer), []
    for label in labels:
        box = label.get_window_extent(renderer)
        if not _contains(inside, box):
            label.set_horizontalalignment(
                "right" if label.get_horizontalalignment() == "left" else "left"
            )
            label.xyann = (-label.xyann[0], label.xyann[1])
            box = label.get_window_extent(renderer)
        if not _contains(inside, box) or any(box.overlaps(other) for other in kept):
            label.remove()
            continue
        kept.append(box)


def _contains(outer, inner) -> bool:
    return (
        outer.x0 <= inner.x0
        and inner.x1 <= outer.x1
        and outer.y0 <= inner.y0
        and inner.y1 <= outer.y1
    )
