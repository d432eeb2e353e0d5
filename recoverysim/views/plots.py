"""Figures of stored results: DataFrames in, matplotlib Figures out; the caller saves them.

Every figure reads in black-and-white print and for colour-blind readers:
policies differ by colour (Okabe & Ito's palette) *and* by marker, line style
or hatch. Each has a title, axes with units, and a footer naming the scenario,
its seed and the number of replications behind it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure  # figures made without pyplot render with Agg and open no window
from matplotlib.ticker import PercentFormatter

from recoverysim.metrics import t_quantile_975

#: Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINE_STYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 2)), (0, (3, 1, 1, 1)))
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "+++", "ooo", "---")
#: Stacked cost parts: the same palette with grey for black, so hatches stay visible on every segment.
STACK_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999999", "#F0E442")
COST_PARTS = (
    ("remedies", "remedies"),
    ("shipping", "shipping"),
    ("inspection", "inspection"),
    ("staff", "staff (agent hours)"),
    ("goodwill", "goodwill"),
    ("fraud_paid", "fraud paid out"),
    ("escalation", "escalations"),
    ("updates", "status updates"),
    ("technicians", "technicians (bench hours)"),
)
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
SHARE_FIGURES = {"retention_share", "fraud_share", "honest_denied_share", "approval_share", "abandonment_share"}
SIDE_KEYS = ("point", "policy", "replication")
#: Beyond this many sweep points per policy a trade-off panel names only the ends and thins its error bars.
CROWDED_POINTS = 4
POINT_LABEL = "point-label"


@dataclass(frozen=True)
class Context:
    """What the footer says about the run behind a figure."""

    scenario: str = "scenario"
    seed: int | None = None
    replications: int | None = None

    @classmethod
    def from_manifest(cls, manifest: dict) -> Context:
        return cls(str(manifest.get("scenario_name", "scenario")), manifest.get("seed"), manifest.get("replications"))

    def footer(self, note: str = "") -> str:
        parts = [f"scenario {self.scenario}", f"seed {self.seed}" if self.seed is not None else "seed unknown"]
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
            PALETTE[i % n], MARKERS[i % len(MARKERS)], LINE_STYLES[i % len(LINE_STYLES)], HATCHES[i % len(HATCHES)]
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
    fig = Figure(figsize=size)  # not registered with pyplot: the caller owns it and nothing leaks between figures
    axes = fig.subplots(rows, columns, squeeze=False, **kwargs)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    for ax in axes.ravel():
        ax.set_axisbelow(True)  # grid lines behind bars and bands
    fig.text(0.01, 0.008, (context or Context()).footer(note), fontsize=7, color="0.3", ha="left", va="bottom")
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
    default = f"{figure[:-4].replace('_', ' ')} (EUR)" if figure.endswith("_eur") else figure.replace("_", " ")
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
    return float(values.mean()), t_quantile_975(values.size - 1) * float(values.std(ddof=1)) / math.sqrt(values.size)


# ---- trade-off --------------------------------------------------------------------------------------------------


def frontier(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated points (no other point costs less *and* keeps more), by rising cost."""
    order = np.lexsort((-y, x))
    keep, best = [], -np.inf
    for i in order:
        if y[i] > best:
            keep.append(i)
            best = y[i]
    return np.array(keep, dtype=int)


def _well_apart(table: pd.DataFrame, axes: tuple[str, str], gap: float = 0.12) -> bool:
    """Whether every two points are at least `gap` apart in shares of the plotted span (intervals included), so names fit."""
    coords = []
    for axis in axes:
        low, high = (
            np.nanmin(table[[f"{axis}_mean", f"{axis}_ci_low"]].to_numpy()),
            np.nanmax(table[[f"{axis}_mean", f"{axis}_ci_high"]].to_numpy()),
        )
        coords.append(table[f"{axis}_mean"].to_numpy() / ((high - low) or 1.0))
    u, v = coords
    return all(math.hypot(u[i] - u[j], v[i] - v[j]) >= gap for i in range(len(u)) for j in range(i + 1, len(u)))


def tradeoff_table(summary: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """Per policy (and point, when swept) the mean and interval of x and y, side by side."""
    keys = [k for k in ("point", "policy") if k in summary.columns]
    rows = summary[summary["metric"].isin([x, y])]
    wide = rows.pivot_table(index=keys, columns="metric", values=["mean", "ci_low", "ci_high"], sort=False)
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
    """Cost against what is kept, one point per policy (per sweep point when `summary` has a point column).

    Args:
        summary: rows of summary.csv (policy, metric, mean, ci_low, ci_high), optionally with a `point` column.
        labels: for swept summaries, a short text per point naming its parameter values.
        labels_name: what those texts list (e.g. "inspection_eur, opportunist_share"), said once in the legend.
    """
    policies = list(dict.fromkeys(summary["policy"]))
    styles = policy_styles(policies)
    swept = "point" in summary.columns
    fig, axes = new_figure(
        1, len(ys), (5.2 * len(ys), 4.6), "Trade-off: what each policy costs and what it keeps", context
    )
    for ax, y in zip(axes[0], ys):
        table = tradeoff_table(summary, x, y)
        xs, x_unit = money_scale(table[["x_mean", "x_ci_low", "x_ci_high"]].to_numpy())
        share = y in SHARE_FIGURES
        ys_scale, y_unit = (0.01, "%") if share else money_scale(table[["y_mean", "y_ci_low", "y_ci_high"]].to_numpy())
        crowded = swept and table.groupby("policy").size().max() > CROWDED_POINTS
        for policy in policies:
            rows = table[table["policy"] == policy]
            st = styles[policy]
            xerr = np.vstack([rows["x_mean"] - rows["x_ci_low"], rows["x_ci_high"] - rows["x_mean"]]) / xs
            yerr = np.vstack([rows["y_mean"] - rows["y_ci_low"], rows["y_ci_high"] - rows["y_mean"]]) / ys_scale
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
        legend = ax.legend(fontsize=8, loc="best", title=f"points: {labels_name}" if swept and labels_name else None)
        if legend.get_title().get_text():
            legend.get_title().set_fontsize(7)
        note_axis_without_zero(ax)
    fig.text(
        0.99, 0.008, "lower cost (left) and more kept (up) is better", fontsize=7, color="0.3", ha="right", va="bottom"
    )
    finish(fig)
    if swept:
        for ax in axes[0]:
            declutter_labels(ax, [t for t in ax.texts if t.get_gid() == POINT_LABEL])
    return fig


def _swept_policy(ax, rows: pd.DataFrame, style: Style, scales: tuple[float, float], labels: dict) -> None:
    """One policy's sweep points, joined in point order; markers pale at the first point, full at the last.

    Only the two ends are named (first below left, last above right), so twelve points do not overprint."""
    xs, ys = scales
    x, y = rows["x_mean"].to_numpy() / xs, rows["y_mean"].to_numpy() / ys
    ax.plot(x, y, color=style.colour, linestyle=style.line, linewidth=0.8)
    if len(rows) > 1:
        shade = np.linspace(0.2, 1.0, len(rows))
        faces = [tuple(1 - s + s * part for part in to_rgb(style.colour)) for s in shade]  # blend with white
        ax.scatter(x, y, marker=style.marker, c=faces, s=36, edgecolors="black", linewidths=0.6, zorder=3)
    if np.allclose(np.column_stack([x, y]), np.column_stack([x, y])[0]):
        ends = [(0, "the same at every point", (6, 6), "left", "bottom")]
    else:
        ends = [(0, None, (-6, -6), "right", "top"), (len(rows) - 1, None, (6, 6), "left", "bottom")]
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
    """Keep point labels inside their axes and apart: flip a label that sticks out, drop one that still does or
    that overlaps a label already kept (the legend's title says what the labels list)."""
    renderer = FigureCanvasAgg(ax.figure).get_renderer()  # the renderer savefig will use, for real extents
    inside, kept = ax.get_window_extent(renderer), []
    for label in labels:
        box = label.get_window_extent(renderer)
        if not _contains(inside, box):
            label.set_horizontalalignment("right" if label.get_horizontalalignment() == "left" else "left")
            label.xyann = (-label.xyann[0], label.xyann[1])
            box = label.get_window_extent(renderer)
        if not _contains(inside, box) or any(box.overlaps(other) for other in kept):
            label.remove()
            continue
        kept.append(box)


def _contains(outer, inner) -> bool:
    return outer.x0 <= inner.x0 and inner.x1 <= outer.x1 and outer.y0 <= inner.y0 and inner.y1 <= outer.y1


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


# ---- over time ---------------------------------------------------------------------------------------------------


def daily_bands(daily: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per policy and day: mean across replications and its 95 % t interval."""
    grouped = daily.groupby(["policy", "day"], sort=False)[column]
    stats = grouped.agg(["mean", "std", "count"]).reset_index()
    t = stats["count"].map(lambda n: t_quantile_975(int(n) - 1) if n > 1 else math.nan)
    half = t * stats["std"] / np.sqrt(stats["count"])
    stats["low"], stats["high"] = stats["mean"] - half, stats["mean"] + half
    return stats


def _band_lines(ax, daily: pd.DataFrame, column: str, styles: dict[str, Style], scale: float = 1.0) -> None:
    stats = daily_bands(daily, column)
    for policy, st in styles.items():
        rows = stats[stats["policy"] == policy]
        if rows.empty:
            continue
        every = max(len(rows) // 8, 1)
        ax.fill_between(rows["day"], rows["low"] / scale, rows["high"] / scale, color=st.colour, alpha=0.2, linewidth=0)
        ax.plot(
            rows["day"],
            rows["mean"] / scale,
            color=st.colour,
            linestyle=st.line,
            marker=st.marker,
            markevery=every,
            markersize=5,
            label=policy,
        )


def over_time(daily: pd.DataFrame, context: Context | None = None) -> Figure:
    """Customers, mean loyalty and cumulative cost per policy: mean line and 95 % band across replications."""
    policies = list(dict.fromkeys(daily["policy"]))
    styles = policy_styles(policies)
    fig, axes = new_figure(3, 1, (7.5, 8.6), "Over time: customers, loyalty and cost", context, sharex=True)
    ax_customers, ax_loyalty, ax_cost = axes[:, 0]
    scale, unit = (1e3, "thousands") if daily["customers"].max() >= 2e4 else (1.0, "people")
    _band_lines(ax_customers, daily, "customers", styles, scale)
    ax_customers.set_ylabel(f"customers ({unit})")
    ax_customers.set_title("Active customers", fontsize=10)
    _band_lines(ax_loyalty, daily, "mean_loyalty", styles)
    ax_loyalty.set_ylabel("mean loyalty\n(probability of buying again)")
    ax_loyalty.set_title("Mean loyalty of active customers", fontsize=10)
    cost_scale, cost_unit = money_scale(daily["cost_cumulative_eur"].to_numpy())
    _band_lines(ax_cost, daily, "cost_cumulative_eur", styles, cost_scale)
    ax_cost.set_ylabel(f"cumulative cost ({cost_unit})")
    ax_cost.set_title("Cumulative cost (all components, staff included)", fontsize=10)
    ax_cost.set_xlabel("day of the simulation")
    for ax in axes[:, 0]:
        ax.grid(True, color="0.9")
        ax.legend(fontsize=8, loc="best")
    return finish(fig, bottom=0.035)


# ---- where the money goes ----------------------------------------------------------------------------------------


def money(replications: pd.DataFrame, context: Context | None = None) -> Figure:
    """Mean cost components per policy, stacked, beside the margin earned; right: the same without staff."""
    policies = list(dict.fromkeys(replications["policy"]))
    means = replications.groupby("policy", sort=False).mean(numeric_only=True).reindex(policies)
    parts = [(name, label) for name, label in COST_PARTS if f"cost_{name}_eur" in means.columns]
    margin = means["sales_margin_eur"] + means.get("repair_charges_eur", 0.0)
    fig, axes = new_figure(
        1,
        2,
        (11.5, 5.2),
        "Where the money goes: mean cost per policy beside the margin earned",
        context,
        note="means across replications",
        gridspec_kw={"width_ratios": [1.25, 1]},
    )
    scale, unit = money_scale(np.concatenate([margin.to_numpy(), means["cost_total_eur"].to_numpy()]))
    positions = np.arange(len(policies))
    width = 0.38
    ax = axes[0, 0]
    bottom = np.zeros(len(policies))
    for i, (name, label) in enumerate(parts):
        values = means[f"cost_{name}_eur"].to_numpy() / scale
        ax.bar(
            positions - width / 2,
            values,
            width,
            bottom=bottom,
            color=STACK_COLOURS[i % len(STACK_COLOURS)],
            hatch=HATCHES[i % len(HATCHES)],
            edgecolor="black",
            linewidth=0.5,
            label=label,
        )
        bottom += values
    ax.bar(
        positions + width / 2,
        margin.to_numpy() / scale,
        width,
        color="white",
        edgecolor="black",
        hatch="|||",
        linewidth=0.8,
        label="margin earned (sales + repair charges)",
    )
    for x, total in zip(positions - width / 2, bottom):
        ax.annotate(
            f"{total:,.2f}" if scale > 1 else f"{total:,.0f}",
            (x, total),
            textcoords="offset points",
            xytext=(0, 3),
            ha="center",
            fontsize=7,
        )
    ax.set_xticks(positions, [f"{p}\ncosts | margin" for p in policies])
    ax.set_ylabel(f"EUR over the horizon ({unit})")
    ax.set_title("All costs (stacked) and margin earned", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(True, axis="y", color="0.9")
    ax.set_ylim(0, max(bottom.max(), (margin / scale).max()) * 1.15)
    ax = axes[0, 1]
    claim_parts = [(i, name, label) for i, (name, label) in enumerate(parts) if name != "staff"]
    claim_totals = sum(means[f"cost_{name}_eur"] for _, name, _ in claim_parts)
    claim_scale, claim_unit = money_scale(claim_totals.to_numpy())
    bottom = np.zeros(len(policies))
    for i, name, label in claim_parts:
        values = means[f"cost_{name}_eur"].to_numpy() / claim_scale
        ax.bar(
            positions,
            values,
            0.5,
            bottom=bottom,
            color=STACK_COLOURS[i % len(STACK_COLOURS)],
            hatch=HATCHES[i % len(HATCHES)],
            edgecolor="black",
            linewidth=0.5,
        )
        bottom += values
    for x, total in zip(positions, bottom):
        ax.annotate(f"{total:,.1f}", (x, total), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=7)
    ax.set_xticks(positions, policies)
    ax.set_ylabel(f"EUR over the horizon ({claim_unit})")
    ax.set_title("Claim costs only (staff left out; same colours)", fontsize=10)
    ax.grid(True, axis="y", color="0.9")
    ax.set_ylim(0, max(bottom.max(), 1e-9) * 1.15)
    return finish(fig)


# ---- claim journeys ------------------------------------------------------------------------------------------------


def ecdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values = np.sort(np.asarray(values, dtype=float))
    values = values[~np.isnan(values)]
    return values, np.arange(1, values.size + 1) / values.size


CONTACT_BINS = (1, 2, 3, 4)


def contact_shares(contacts: pd.Series) -> np.ndarray:
    """Share of claims with 1, 2, 3, 4 and 5 or more contacts."""
    counts = [float((contacts == k).sum()) for k in CONTACT_BINS] + [float((contacts > CONTACT_BINS[-1]).sum())]
    total = max(float(len(contacts)), 1.0)
    return np.array(counts) / total


def journeys(claims: pd.DataFrame, context: Context | None = None) -> Figure:
    """Days to a decision (ECDF) and contacts per claim (shares), per policy, honest and fraudulent claims apart."""
    policies = list(dict.fromkeys(claims["policy"]))
    styles = policy_styles(policies)
    fig, axes = new_figure(
        2,
        2,
        (10.5, 7.6),
        "Claim journeys: time to a decision and contacts, per policy",
        context,
        note="all claims of all replications pooled",
    )
    decided = claims["decision"].isin(["approved", "denied"])
    days = claims["closed_day"] - claims["filed_day"]
    width = 0.8 / max(len(policies), 1)
    longest = float(np.nanmax(days[decided])) if decided.any() else 1.0
    for column, (fraud, kind) in enumerate(((False, "honest claims"), (True, "fraudulent claims"))):
        ax_days, ax_contacts = axes[0, column], axes[1, column]
        for k, (policy, st) in enumerate(styles.items()):
            mine = (claims["policy"] == policy) & (claims["is_fraud"] == fraud)
            x, y = ecdf(days[mine & decided].to_numpy())
            if x.size:
                ax_days.step(
                    np.concatenate([[x[0]], x]),
                    np.concatenate([[0.0], y]),
                    where="post",
                    color=st.colour,
                    linestyle=st.line,
                    linewidth=1.6,
                    label=f"{policy} (n={x.size:,} decided)",
                )
            else:
                ax_days.plot([], [], color=st.colour, linestyle=st.line, label=f"{policy} (none decided)")
            contacts = claims.loc[mine, "contacts"]
            positions = np.arange(len(CONTACT_BINS) + 1) + (k - (len(policies) - 1) / 2) * width
            ax_contacts.bar(
                positions,
                contact_shares(contacts),
                width,
                color=st.colour,
                hatch=st.hatch,
                edgecolor="black",
                linewidth=0.5,
                label=f"{policy} (n={len(contacts):,})",
            )
        ax_days.set_title(f"Time to a decision, {kind}", fontsize=10)
        ax_days.set_xlabel("days from filing to decision (approved or denied)")
        ax_days.set_ylabel("share of claims decided within (%)")
        ax_days.set_ylim(0, 1.02)
        ax_days.set_xlim(-0.02 * longest, longest * 1.03)
        ax_days.legend(fontsize=8, loc="lower right")
        ax_contacts.set_title(f"Contacts per claim, {kind}", fontsize=10)
        ax_contacts.set_xticks(
            range(len(CONTACT_BINS) + 1), [str(k) for k in CONTACT_BINS] + [f"{CONTACT_BINS[-1] + 1}+"]
        )
        ax_contacts.set_xlabel("contacts with the firm (count)")
        ax_contacts.set_ylabel("share of claims (%)")
        ax_contacts.set_ylim(0, 1.05)
        ax_contacts.legend(fontsize=8, loc="upper right")
    for ax in axes.ravel():
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.grid(True, color="0.9")
    return finish(fig)


# ---- word of mouth --------------------------------------------------------------------------------------------------


def word_of_mouth(daily: pd.DataFrame, replications: pd.DataFrame, context: Context | None = None) -> Figure:
    """Cumulative positive and negative impressions over time, and the customers won and lost through them."""
    policies = list(dict.fromkeys(daily["policy"]))
    styles = policy_styles(policies)
    cumulative = daily.sort_values(["policy", "replication", "day"]).copy()
    for column in ("wom_positive", "wom_negative"):
        cumulative[column] = cumulative.groupby(["policy", "replication"], sort=False)[column].cumsum()
    fig, axes = new_figure(
        1,
        3,
        (14, 4.6),
        "Word of mouth: impressions over time and customers won or lost through them",
        context,
        gridspec_kw={"width_ratios": [1, 1, 0.8]},
    )
    peak = max(cumulative["wom_positive"].max(), cumulative["wom_negative"].max())
    scale, unit = (1e3, "thousands") if peak >= 2e4 else (1.0, "people")
    for ax, column, kind in ((axes[0, 0], "wom_positive", "Positive"), (axes[0, 1], "wom_negative", "Negative")):
        _band_lines(ax, cumulative, column, styles, scale)
        ax.set_title(f"{kind} impressions, cumulative", fontsize=10)
        ax.set_xlabel("day of the simulation")
        ax.set_ylabel(f"people told or reached ({unit})")
        ax.grid(True, color="0.9")
        ax.legend(fontsize=8, loc="upper left")
    ymax = max(axes[0, 0].get_ylim()[1], axes[0, 1].get_ylim()[1])
    for ax in axes[0, :2]:
        ax.set_ylim(0, ymax)
    ax = axes[0, 2]
    positions = np.arange(len(policies))
    width = 0.38
    for offset, column, label, hatch, face in (
        (-width / 2, "customers_won_wom", "won", "", "0.85"),
        (width / 2, "customers_lost_wom", "lost (prospects who turned away)", "///", "white"),
    ):
        stats = [interval(replications.loc[replications["policy"] == p, column].to_numpy()) for p in policies]
        means = np.array([s[0] for s in stats])
        half = np.nan_to_num(np.array([s[1] for s in stats]))
        ax.bar(
            positions + offset,
            means,
            width,
            yerr=half,
            capsize=3,
            color=face,
            hatch=hatch,
            edgecolor="black",
            label=label,
        )
    ax.set_xticks(positions, policies)
    for tick, policy in zip(ax.get_xticklabels(), policies):
        tick.set_color(styles[policy].colour)
    ax.set_ylabel("people over the horizon (count)")
    ax.set_title("Customers won and lost\nthrough word of mouth", fontsize=10)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.3)
    ax.legend(fontsize=8, loc="upper center")
    ax.grid(True, axis="y", color="0.9")
    return finish(fig)


# ---- the set for a results folder -----------------------------------------------------------------------------------


def run_figures(
    summary: pd.DataFrame,
    replications: pd.DataFrame,
    claims: pd.DataFrame,
    daily: pd.DataFrame,
    context: Context | None = None,
) -> dict[str, Figure]:
    """Every figure of a `run` results folder, by file stem."""
    return {
        "tradeoff": tradeoff(summary, context),
        "over-time": over_time(daily, context),
        "money": money(replications, context),
        "claim-journeys": journeys(claims, context),
        "word-of-mouth": word_of_mouth(daily, replications, context),
    }
