"""The figures of a `run` results folder beside the trade-off: over time, money, claim journeys and
word of mouth, and the set of all five by file stem.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from recoverysim.metrics import t_quantile_975
from recoverysim.views.figure_style import (
    HATCHES,
    Context,
    Style,
    finish,
    interval,
    money_scale,
    new_figure,
    policy_styles,
)
from recoverysim.views.tradeoff_plot import tradeoff

#: Stacked cost parts: the same palette with grey for black, so hatches stay visible on every
#: segment.
STACK_COLOURS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#999999",
    "#F0E442",
)
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


# ---- over time -----------------------------------------------------------------------------------


def daily_bands(daily: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per policy and day: mean across replications and its 95 % t interval."""
    grouped = daily.groupby(["policy", "day"], sort=False)[column]
    stats = grouped.agg(["mean", "std", "count"]).reset_index()
    t = stats["count"].map(lambda n: t_quantile_975(int(n) - 1) if n > 1 else math.nan)
    half = t * stats["std"] / np.sqrt(stats["count"])
    stats["low"], stats["high"] = stats["mean"] - half, stats["mean"] + half
    return stats


def _band_lines(
    ax, daily: pd.DataFrame, column: str, styles: dict[str, Style], scale: float = 1.0
) -> None:
    stats = daily_bands(daily, column)
    for policy, st in styles.items():
        rows = stats[stats["policy"] == policy]
        if rows.empty:
            continue
        every = max(len(rows) // 8, 1)
        ax.fill_between(
            rows["day"],
            rows["low"] / scale,
            rows["high"] / scale,
            color=st.colour,
            alpha=0.2,
            linewidth=0,
        )
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
    """Customers, mean loyalty and cumulative cost per policy: mean line and 95 % band across
    replications."""
    policies = list(dict.fromkeys(daily["policy"]))
    styles = policy_styles(policies)
    fig, axes = new_figure(
        3, 1, (7.5, 8.6), "Over time: customers, loyalty and cost", context, sharex=True
    )
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


# ---- where the money goes ------------------------------------------------------------------------


def money(replications: pd.DataFrame, context: Context | None = None) -> Figure:
    """Mean cost components per policy, stacked, beside the margin earned; right: the same without
    staff."""
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
    scale, unit = money_scale(
        np.concatenate([margin.to_numpy(), means["cost_total_eur"].to_numpy()])
    )
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
    for i, name, _label in claim_parts:
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
        ax.annotate(
            f"{total:,.1f}",
            (x, total),
            textcoords="offset points",
            xytext=(0, 3),
            ha="center",
            fontsize=7,
        )
    ax.set_xticks(positions, policies)
    ax.set_ylabel(f"EUR over the horizon ({claim_unit})")
    ax.set_title("Claim costs only (staff left out; same colours)", fontsize=10)
    ax.grid(True, axis="y", color="0.9")
    ax.set_ylim(0, max(bottom.max(), 1e-9) * 1.15)
    return finish(fig)


# ---- claim journeys ------------------------------------------------------------------------------


def ecdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values = np.sort(np.asarray(values, dtype=float))
    values = values[~np.isnan(values)]
    return values, np.arange(1, values.size + 1) / values.size


CONTACT_BINS = (1, 2, 3, 4)


def contact_shares(contacts: pd.Series) -> np.ndarray:
    """Share of claims with 1, 2, 3, 4 and 5 or more contacts."""
    counts = [float((contacts == k).sum()) for k in CONTACT_BINS]
    counts.append(float((contacts > CONTACT_BINS[-1]).sum()))
    total = max(float(len(contacts)), 1.0)
    return np.array(counts) / total


def journeys(claims: pd.DataFrame, context: Context | None = None) -> Figure:
    """Days to a decision (ECDF) and contacts per claim (shares), per policy, honest and fraudulent
    claims apart."""
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
                ax_days.plot(
                    [], [], color=st.colour, linestyle=st.line, label=f"{policy} (none decided)"
                )
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
            range(len(CONTACT_BINS) + 1),
            [str(k) for k in CONTACT_BINS] + [f"{CONTACT_BINS[-1] + 1}+"],
        )
        ax_contacts.set_xlabel("contacts with the firm (count)")
        ax_contacts.set_ylabel("share of claims (%)")
        ax_contacts.set_ylim(0, 1.05)
        ax_contacts.legend(fontsize=8, loc="upper right")
    for ax in axes.ravel():
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.grid(True, color="0.9")
    return finish(fig)


# ---- word of mouth -------------------------------------------------------------------------------


def word_of_mouth(
    daily: pd.DataFrame, replications: pd.DataFrame, context: Context | None = None
) -> Figure:
    """Cumulative positive and negative impressions over time, and the customers won and lost
    through them."""
    policies = list(dict.fromkeys(daily["policy"]))
    styles = policy_styles(policies)
    cumulative = daily.sort_values(["policy", "replication", "day"]).copy()
    for column in ("wom_positive", "wom_negative"):
        by_run = cumulative.groupby(["policy", "replication"], sort=False)
        cumulative[column] = by_run[column].cumsum()
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
    for ax, column, kind in (
        (axes[0, 0], "wom_positive", "Positive"),
        (axes[0, 1], "wom_negative", "Negative"),
    ):
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
        stats = [
            interval(replications.loc[replications["policy"] == p, column].to_numpy())
            for p in policies
        ]
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


# ---- the set for a results folder ----------------------------------------------------------------


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
