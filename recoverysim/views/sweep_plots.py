"""Figures of sweep results (points.parquet): the paired difference along a parameter, and a tornado
chart.

Same conventions as recoverysim.views.plots: DataFrames in, Figures out, black-and-white and
colour-blind safe.
"""

from __future__ import annotations

from dataclasses import astuple

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from recoverysim.field_labels import field_label, field_name_and_unit
from recoverysim.views.figure_style import (
    INTERVAL_NOTE,
    LINE_STYLES,
    MARKERS,
    PALETTE,
    SHARE_FIGURES,
    SIDE_KEYS,
    Context,
    axis_label,
    finish,
    interval,
    money_scale,
    new_figure,
    note_axis_without_zero,
    policy_styles,
)
from recoverysim.views.tradeoff_plot import tradeoff


def sweep_parameters(points: pd.DataFrame) -> list[str]:
    """The varied parameter columns of points.parquet: every column that is neither a key nor a key
    figure."""
    from recoverysim.metrics import EXTRA_FIGURES, KEY_FIGURES

    known = set(SIDE_KEYS) | set(KEY_FIGURES) | set(EXTRA_FIGURES)
    return [c for c in points.columns if c not in known and points[c].nunique(dropna=False) > 1]


def _point_ids(points: pd.DataFrame, parameters: list[str]) -> pd.Series:
    if "point" in points.columns:
        return points["point"]
    return points.groupby(parameters, sort=False, dropna=False).ngroup()


def paired_differences(points: pd.DataFrame, figure: str, baseline: str) -> pd.DataFrame:
    """Per sweep point and non-baseline policy: mean paired difference against the baseline and its
    95 % interval."""
    parameters = sweep_parameters(points)
    frame = points.assign(point=_point_ids(points, parameters))
    base = frame[frame["policy"] == baseline].set_index(["point", "replication"])[figure]
    rows = []
    for (point, policy), group in frame[frame["policy"] != baseline].groupby(
        ["point", "policy"], sort=False
    ):
        mine = group.set_index(["point", "replication"])[figure]
        paired = mine.index.intersection(base.index)
        mean, half = interval((mine.loc[paired] - base.loc[paired]).to_numpy())
        rows.append(
            {
                "point": point,
                "policy": policy,
                **group.iloc[0][parameters].to_dict(),
                "diff": mean,
                "low": mean - half,
                "high": mean + half,
            }
        )
    return pd.DataFrame(rows)


def break_even(x: np.ndarray, y: np.ndarray) -> float | None:
    """First x where the piecewise-linear curve through (x, y) crosses zero; None if it never
    does."""
    order = np.argsort(x)
    x, y = np.asarray(x, dtype=float)[order], np.asarray(y, dtype=float)[order]
    for i in range(len(x) - 1):
        if y[i] == 0.0:
            return float(x[i])
        if y[i] * y[i + 1] < 0.0:
            return float(x[i] + (x[i + 1] - x[i]) * (0.0 - y[i]) / (y[i + 1] - y[i]))
    return float(x[-1]) if len(x) and y[-1] == 0.0 else None


DIFFERENCE_LINE = "difference-line"


def difference_series(
    diffs: pd.DataFrame, parameter: str, others: list[str], policies: list[str]
) -> list[dict]:
    """One series per challenger policy and distinct group of the other parameters, in drawing
    order.

    Groups whose series are identical (an other parameter that touches neither compared policy, such
    as a cost the baseline and the challenger never pay) are drawn once, their values listed
    together."""
    groups = diffs.groupby(others, sort=False, dropna=False) if others else [((), diffs)]
    series: list[dict] = []
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        for policy in policies[1:]:
            rows = group[group["policy"] == policy].sort_values(parameter)
            if rows.empty:
                continue
            values = rows[[parameter, "diff", "low", "high"]].astype(float).to_numpy()
            twin = next(
                (
                    s
                    for s in series
                    if s["policy"] == policy
                    and s["values"].shape == values.shape
                    and np.allclose(s["values"], values, rtol=1e-12, atol=0.0, equal_nan=True)
                ),
                None,
            )
            if twin is not None:
                twin["keys"].append(key)
            else:
                series.append({"policy": policy, "keys": [key], "rows": rows, "values": values})
    return series


#: Beyond this many groups of the other parameters the points are not a grid: one cloud per
#: challenger instead.
MOST_GROUPS = 5


def _scattered_differences(
    ax, diffs: pd.DataFrame, parameter: str, others: list[str], policies: list[str], scale: float
) -> None:
    """Each design point's paired difference with its 95 % interval, one marker style per
    challenger, unjoined: the other inputs move from point to point, so a line through them or a
    crossing read off it would mislead."""
    styles = policy_styles(policies)
    moving = ", ".join(o.split(".")[-1] for o in others)
    for policy in policies[1:]:
        rows = diffs[diffs["policy"] == policy]
        x, diff = rows[parameter].astype(float).to_numpy(), rows["diff"].to_numpy()
        error = (
            np.nan_to_num(
                np.vstack([diff - rows["low"].to_numpy(), rows["high"].to_numpy() - diff])
            )
            / scale
        )
        ax.errorbar(
            x,
            diff / scale,
            yerr=error,
            fmt=styles[policy].marker,
            color=styles[policy].colour,
            markeredgecolor="black",
            markeredgewidth=0.5,
            elinewidth=0.6,
            capsize=0,
            linestyle="none",
            label=f"{policy} − {policies[0]} (one marker per design point; {moving} vary too)",
        )


def _series_label(series: dict, baseline: str, others: list[str], distinct_groups: int) -> str:
    label = f"{series['policy']} − {baseline}"
    if not others:
        return label
    if distinct_groups == 1 and len(series["keys"]) > 1:
        return label + f" (the same for every {', '.join(o.split('.')[-1] for o in others)})"
    texts = [
        ", ".join(f"{o.split('.')[-1]}={_short_value(v)}" for o, v in zip(others, key))
        for key in series["keys"]
    ]
    return label + f" ({' or '.join(texts)})"


def sweep_difference(
    points: pd.DataFrame,
    context: Context | None = None,
    figures: tuple[str, ...] = ("net_result_eur", "customer_value_eur"),
    parameter: str | None = None,
    searched: tuple[float, float, float] | None = None,
) -> Figure:
    """Paired difference against the baseline policy along one varied parameter, with its band and
    break-even marked.

    `searched` is a break-even search's answer (value, interval low, interval high): drawn as found,
    with its interval shaded, instead of a crossing read off the straight lines between points."""
    parameters = sweep_parameters(points)
    if not parameters:
        raise ValueError("points.parquet varies no parameter")
    parameter = parameter or parameters[0]
    others = [p for p in parameters if p != parameter]
    policies = list(dict.fromkeys(points["policy"]))
    if len(policies) < 2:
        raise ValueError("a paired difference needs at least two policies")
    baseline = policies[0]
    name = field_name_and_unit(parameter)[0]
    title = f"Paired difference against {baseline} as {name[0].lower() + name[1:]} varies"
    fig, axes = new_figure(
        1,
        len(figures),
        (max(5.6 * len(figures), 8.0), 4.8),
        title if len(title) <= 70 else title.replace(" as ", "\nas ", 1),
        context,
        note=f"{INTERVAL_NOTE} · x: {parameter}",
    )
    for ax, figure in zip(axes[0], figures):
        diffs = paired_differences(points, figure, baseline)
        scale, unit = (
            money_scale(diffs[["low", "high"]].to_numpy())
            if figure.endswith("_eur")
            else (0.01, "%")
            if figure in SHARE_FIGURES
            else (1.0, "")
        )
        series = difference_series(diffs, parameter, others, policies)
        distinct_groups = len({tuple(map(tuple, s["keys"])) for s in series})
        crossings = 0
        if (
            distinct_groups > MOST_GROUPS
        ):  # a scattered design (Latin hypercube, Morris): no lines to join
            _scattered_differences(ax, diffs, parameter, others, policies, scale)
            series = []
        for k, one in enumerate(series):
            colour, marker, line = (
                (
                    PALETTE[(k + 1) % len(PALETTE)],
                    MARKERS[(k + 1) % len(MARKERS)],
                    LINE_STYLES[(k + 1) % len(LINE_STYLES)],
                )
                if others
                else astuple(policy_styles(policies)[one["policy"]])[:3]
            )
            label = _series_label(one, baseline, others, distinct_groups)
            x, diff, low, high = one["values"].T
            ax.fill_between(x, low / scale, high / scale, color=colour, alpha=0.2, linewidth=0)
            ax.plot(
                x,
                diff / scale,
                color=colour,
                linestyle=line,
                marker=marker,
                label=label,
                gid=DIFFERENCE_LINE,
            )
            crossing = None if searched else break_even(x, diff)
            if crossing is not None:
                ax.axvline(crossing, color=colour, linestyle=":", linewidth=1)
                whose = label.replace(f" − {baseline}", "") + ": " if len(series) > 1 else ""
                right_half = crossing > (np.nanmin(x) + np.nanmax(x)) / 2
                ax.annotate(
                    f"{whose}crosses zero ≈ {crossing:.3g} (between points)",
                    (crossing, 0),
                    textcoords="offset points",
                    xytext=(
                        -4 if right_half else 4,
                        8 + 11 * crossings,
                    ),  # a line each, so two never overprint
                    ha="right" if right_half else "left",
                    fontsize=7 if whose else 8,
                    color=colour if whose else "0.15",
                )
                crossings += 1
        if searched:
            value, low, high = searched
            ax.axvspan(
                low,
                high,
                color="0.5",
                alpha=0.15,
                linewidth=0,
                label="95 % interval of the break-even",
            )
            ax.axvline(
                value, color="0.15", linestyle=":", linewidth=1.2, label=f"break-even {value:.4g}"
            )
            ax.annotate(
                f"break-even {value:.4g}\n[{low:.4g}, {high:.4g}]",
                (value, 0),
                textcoords="offset points",
                xytext=(4, 8),
                fontsize=8,
                color="0.15",
            )
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_xlabel(field_label(parameter))
        ax.set_ylabel(
            f"difference in {axis_label(figure, unit)}"
            if figure.endswith("_eur")
            else f"difference in {axis_label(figure)}"
        )
        ax.set_title(axis_label(figure).split(" (")[0], fontsize=10)
        ax.grid(True, color="0.9")
        ax.legend(fontsize=7, loc="best")
        note_axis_without_zero(ax)
    return finish(fig)


def one_at_a_time_base(points: pd.DataFrame) -> dict | None:
    """The base point of a one-at-a-time design (each point changes at most one parameter from it),
    else None."""
    parameters = sweep_parameters(points)
    if len(parameters) < 2:
        return None
    combos = points[parameters].drop_duplicates()
    base = {p: combos[p].mode(dropna=False).iloc[0] for p in parameters}
    changed = (combos != pd.Series(base)).sum(axis=1)
    return base if int(changed.max()) <= 1 and (changed == 0).any() else None


TORNADO_NOTE = (
    "whiskers: 95 % t intervals across replications at each end; dotted lines: the same at the "
    "base point"
)
WHISKER = "tornado-whisker"


def _one_policy_means(points: pd.DataFrame, parameters: list[str], figure: str) -> pd.DataFrame:
    """With a single policy there is no pair: the figure's mean and 95 % t interval per point
    instead."""
    from recoverysim.metrics import mean_interval

    rows = []
    for key, group in points.groupby(parameters, sort=False, dropna=False):
        mean, low, high = mean_interval(group[figure].to_numpy())
        rows.append(
            {
                **dict(zip(parameters, key if isinstance(key, tuple) else (key,))),
                "diff": mean,
                "low": low,
                "high": high,
            }
        )
    return pd.DataFrame(rows)


def _tornado_name(parameter: str, base_value) -> str:
    name, unit = field_name_and_unit(parameter)
    unit_text = f" {unit}" if unit and "(" not in unit else (f", {unit}" if unit else "")
    return f"{name}\n(base {_short_value(base_value)}{unit_text})"


def tornado(
    points: pd.DataFrame, context: Context | None = None, figure: str = "net_result_eur"
) -> Figure:
    """One-at-a-time design: how far each parameter's low and high values move the paired difference
    (or the figure).

    Each bar end carries a whisker, the 95 % t interval of the paired difference over the
    replications there, so a bar shorter than its whiskers reads as noise."""
    base = one_at_a_time_base(points)
    if base is None:
        raise ValueError("points.parquet is not a one-at-a-time design")
    parameters = list(base)
    policies = list(dict.fromkeys(points["policy"]))
    if len(policies) >= 2:
        diffs = paired_differences(points, figure, policies[0])
        diffs = diffs[diffs["policy"] == policies[1]]
        what = f"{policies[1]} − {policies[0]}, {axis_label(figure).split(' (')[0]}"
    else:
        diffs = _one_policy_means(points, parameters, figure)
        what = f"{policies[0]}, {axis_label(figure).split(' (')[0]}"
    base_rows = diffs[(diffs[parameters] == pd.Series(base)).all(axis=1)]
    at_base = base_rows["diff"].mean()
    bars = []
    for p in parameters:
        moved = diffs[
            (diffs[p] != base[p])
            & (
                diffs[[o for o in parameters if o != p]]
                == pd.Series({o: base[o] for o in parameters if o != p})
            ).all(axis=1)
        ]
        if moved.empty:
            continue
        bars.append(
            (
                p,
                moved.loc[moved[p].astype(float).idxmin()],
                moved.loc[moved[p].astype(float).idxmax()],
            )
        )
    bars.sort(key=lambda b: max(abs(b[1]["diff"] - at_base), abs(b[2]["diff"] - at_base)))
    scale, unit = (
        money_scale(
            [at_base, *[r[c] for b in bars for r in b[1:] for c in ("diff", "low", "high")]]
        )
        if figure.endswith("_eur")
        else (1.0, "")
    )
    fig, axes = new_figure(
        1,
        1,
        (8.5, 1.2 + 0.7 * max(len(bars), 1)),
        f"Tornado: what moves {what}",
        context,
        note=TORNADO_NOTE,
    )
    ax = axes[0, 0]
    for i, (p, low_row, high_row) in enumerate(bars):
        low, high = low_row["diff"], high_row["diff"]
        ax.barh(
            i,
            (low - at_base) / scale,
            left=at_base / scale,
            height=0.6,
            color=PALETTE[0],
            edgecolor="black",
            label="parameter at its low value" if i == 0 else None,
        )
        ax.barh(
            i,
            (high - at_base) / scale,
            left=at_base / scale,
            height=0.6,
            color="white",
            hatch="///",
            edgecolor="black",
            label="parameter at its high value" if i == 0 else None,
        )
        for row, offset in ((low_row, -0.12), (high_row, 0.12)):
            ax.errorbar(
                row["diff"] / scale,
                i + offset,
                xerr=np.nan_to_num([[row["diff"] - row["low"]], [row["high"] - row["diff"]]])
                / scale,
                fmt="none",
                ecolor="0.15",
                elinewidth=1.0,
                capsize=3,
                gid=WHISKER,
            )
        ax.annotate(
            f"{low_row[p]:g}",
            (
                min(low, low_row["low"]) / scale
                if low < high
                else max(low, low_row["high"]) / scale,
                i,
            ),
            textcoords="offset points",
            xytext=(-4 if low < high else 4, 0),
            ha="right" if low < high else "left",
            va="center",
            fontsize=7,
        )
        ax.annotate(
            f"{high_row[p]:g}",
            (
                max(high, high_row["high"]) / scale
                if high >= low
                else min(high, high_row["low"]) / scale,
                i,
            ),
            textcoords="offset points",
            xytext=(4 if high >= low else -4, 0),
            ha="left" if high >= low else "right",
            va="center",
            fontsize=7,
        )
    ax.axvline(at_base / scale, color="black", linewidth=0.8)
    if len(base_rows) and np.isfinite(base_rows[["low", "high"]].to_numpy(dtype=float)).all():
        for edge in (base_rows["low"].mean(), base_rows["high"].mean()):
            ax.axvline(edge / scale, color="0.4", linestyle=":", linewidth=0.8)
    ax.set_yticks(range(len(bars)), [_tornado_name(b[0], base[b[0]]) for b in bars], fontsize=8)
    ax.set_xlabel(f"{what} ({unit})" if unit else what)
    ax.margins(x=0.15)
    ax.grid(True, axis="x", color="0.9")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    note_axis_without_zero(ax, "x")
    return finish(fig, bottom=0.12 if len(bars) < 3 else 0.06)


def sweep_summary(points: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """points.parquet as summary rows per (point, policy, figure), and a short label per point."""
    from recoverysim.metrics import KEY_FIGURES, mean_interval

    parameters = sweep_parameters(points)
    frame = points.assign(point=_point_ids(points, parameters))
    rows, labels = [], {}
    for (point, policy), group in frame.groupby(["point", "policy"], sort=False):
        labels[point] = ", ".join(
            f"{p.split('.')[-1]}={group.iloc[0][p]:g}"
            if isinstance(group.iloc[0][p], (int, float))
            else f"{p.split('.')[-1]}={group.iloc[0][p]}"
            for p in parameters
        )
        for figure in KEY_FIGURES:
            if figure in group.columns:
                mean, low, high = mean_interval(group[figure].to_numpy())
                rows.append(
                    {
                        "point": point,
                        "policy": policy,
                        "metric": figure,
                        "mean": mean,
                        "ci_low": low,
                        "ci_high": high,
                    }
                )
    return pd.DataFrame(rows), labels


def _short_value(value) -> str:
    return (
        f"{value:g}"
        if isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
        else str(value)
    )


def sweep_figures(points: pd.DataFrame, context: Context | None = None) -> dict[str, Figure]:
    """Every figure of a `sweep` results folder, by file stem."""
    summary, _ = sweep_summary(points)
    parameters = sweep_parameters(points)
    values = (
        points.assign(point=_point_ids(points, parameters))
        .drop_duplicates("point")
        .set_index("point")
    )
    labels = {
        point: ", ".join(_short_value(row[p]) for p in parameters)
        for point, row in values.iterrows()
    }
    names = ", ".join(p.split(".")[-1] for p in parameters)
    figures = {"tradeoff": tradeoff(summary, context, labels=labels, labels_name=names)}
    one_at_a_time = one_at_a_time_base(points) is not None
    if len(set(points["policy"])) >= 2 and not one_at_a_time:
        figures["sweep-difference"] = sweep_difference(points, context)
    if one_at_a_time:
        figures["tornado"] = tornado(points, context)
    return figures
