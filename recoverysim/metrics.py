"""Key figures of one replication, and means with 95 % intervals across replications. Pure
functions."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from recoverysim.errors import UsageError
from recoverysim.model.ledger import COST_COMPONENTS
from recoverysim.model.totals import OUTCOME_CLASSES, SEVERITIES, WorldTotals
from recoverysim.model.world import LEVER_REACH
from recoverysim.scenario.schema import CHANNEL_NAMES

#: Key figures, in the order tables show them; README.md defines each.
KEY_FIGURES = (
    "net_result_eur",
    "cost_total_eur",
    "cost_per_claim_eur",
    "claims",
    "fraud_share",
    "fraud_paid_eur",
    "honest_denied_share",
    "approval_share",
    "resolution_days_mean",
    "resolution_days_p90",
    "contacts_per_claim",
    "transfers_per_claim",
    "abandonment_share",
    "satisfaction_mean",
    "nps",
    "retention_share",
    "wom_positive",
    "wom_negative",
    "customers_won_wom",
    "customers_lost_wom",
    "customer_value_eur",
    "value_total_eur",
    "honest_unremedied_share",
    "honest_false_denial_share",
    "honest_excluded_share",
    "honest_abandoned_share",
    "claimant_repurchase_share",
)
#: Key figures where more is better for the firm or its customers: money kept, satisfaction,
#: loyalty, good talk.
HIGHER_IS_BETTER = frozenset(
    {
        "net_result_eur",
        "satisfaction_mean",
        "nps",
        "retention_share",
        "wom_positive",
        "customers_won_wom",
        "customer_value_eur",
        "value_total_eur",
        "claimant_repurchase_share",
    }
)
#: Key figures where less is better: money spent or lost to fraud, time, effort, honest claimants
#: left with nothing, bad talk. The honest shares count harm to honest customers; what avoiding it
#: costs is in the money figures.
LOWER_IS_BETTER = frozenset(
    {
        "cost_total_eur",
        "cost_per_claim_eur",
        "fraud_paid_eur",
        "honest_denied_share",
        "resolution_days_mean",
        "resolution_days_p90",
        "contacts_per_claim",
        "transfers_per_claim",
        "abandonment_share",
        "wom_negative",
        "customers_lost_wom",
        "honest_unremedied_share",
        "honest_false_denial_share",
        "honest_excluded_share",
        "honest_abandoned_share",
    }
)
#: Key figures with no better side: how many claim (more failures, or more trust to claim), the mix
#: of claims (fraud_share also rises when honest claimants give up) and how many are approved
#: (generosity to fraud too).
NO_BETTER_SIDE = frozenset({"claims", "fraud_share", "approval_share"})


def better_direction(metric: str) -> str | None:
    """'higher' or 'lower' where one side of a figure is better, None where neither is (or the
    figure is unknown)."""
    if metric in HIGHER_IS_BETTER:
        return "higher"
    if metric in LOWER_IS_BETTER:
        return "lower"
    return None


#: Further columns of replications.parquet: the cost components and the market's counts.
COST_FIGURES = tuple(f"cost_{name}_eur" for name in COST_COMPONENTS)
#: Claimants who reached a purchase occasion after their claim, and those who bought, by outcome
#: class.
REPURCHASE_FIGURES = tuple(
    f"repurchase_{kind}_{outcome}"
    for outcome in OUTCOME_CLASSES
    for kind in ("claimants", "buyers")
)
#: The same split by the severity of the failure (Component.severity), as TARP's minor and major
#: tables.
REPURCHASE_SEVERITY_FIGURES = tuple(
    f"repurchase_{kind}_{outcome}_{severity}"
    for severity in SEVERITIES
    for outcome in OUTCOME_CLASSES
    for kind in ("claimants", "buyers")
)
#: Busy share of staffed agent hours, over all staffed channels and per channel (NaN where no one is
#: staffed), and of paid technician hours at the inspection bench (NaN when the policy inspects
#: nothing).
UTILISATION_FIGURES = (
    "agent_utilisation",
    *(f"agent_utilisation_{name}" for name in CHANNEL_NAMES),
    "technician_utilisation",
)
#: Word of mouth beside the key figures: the baseline talk Bass's q*F stands for, and
#: positive:negative ratios of the whole population (baseline included) and of claim stories alone,
#: to set against East et al.'s ~3:1.
WOM_FIGURES = (
    "wom_baseline_positive",
    "wom_positive_to_negative",
    "wom_positive_to_negative_claims",
)
EXTRA_FIGURES = (
    COST_FIGURES
    + (
        "sales_margin_eur",
        "repair_charges_eur",
        "customers_end",
        "customers_won_base",
        "customers_lost_at_purchase",
        "unclaimed_failures",
        "fraud_accounts_closed",
        "open_claims",
        "net_result_day0_eur",
        "customer_value_day0_eur",
    )
    + WOM_FIGURES
    + UTILISATION_FIGURES
    + REPURCHASE_FIGURES
    + REPURCHASE_SEVERITY_FIGURES
    + tuple(f"lever_reach_{name}" for name in LEVER_REACH)
)

# Student t 0.975 quantiles for 1..30 degrees of freedom (standard tables); beyond, a series in
# 1/df.
_T975 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


def t_quantile_975(df: int) -> float:
    """Two-sided 95 % Student t critical value."""
    if df <= len(_T975):
        return _T975[df - 1]
    z = NormalDist().inv_cdf(0.975)
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def _t_central_probability(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with integer df, by the finite series of Abramowitz & Stegun
    26.7.3-4."""
    theta = math.atan(t / math.sqrt(df))
    cos2 = math.cos(theta) ** 2
    if df % 2:  # odd: (2 / pi) [theta + sin cos (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ...)]
        term, total = 1.0, 1.0 if df > 1 else 0.0
        for k in range(1, (df - 1) // 2):
            term *= cos2 * (2 * k) / (2 * k + 1)
            total += term
        return (
            2.0 / math.pi * (theta + (math.sin(theta) * math.cos(theta) * total if df > 1 else 0.0))
        )
    term, total = 1.0, 1.0  # even: sin (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ...)
    for k in range(1, df // 2):
        term *= cos2 * (2 * k - 1) / (2 * k)
        total += term
    return math.sin(theta) * total


def t_quantile(probability: float, df: int) -> float:
    """Student t quantile for integer df (exact, by bisection on the t distribution), used to widen
    intervals.

    At 0.975 it returns the table's value, so a 95 % interval is the one mean_interval gives.
    """
    if df < 1 or not 0.0 < probability < 1.0:
        return math.nan
    if math.isclose(probability, 0.975):
        return t_quantile_975(df)
    if probability < 0.5:
        return -t_quantile(1.0 - probability, df)
    target = 2.0 * probability - 1.0
    low, high = 0.0, 1.0
    while _t_central_probability(high, df) < target:
        high *= 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if _t_central_probability(middle, df) < target:
            low = middle
        else:
            high = middle
        if high - low < 1e-12 * high:
            break
    return (low + high) / 2.0


def mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95 % t interval, ignoring NaN; the interval is NaN with fewer than two values."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if values.size < 2:
        return mean, math.nan, math.nan
    half = t_quantile_975(values.size - 1) * float(values.std(ddof=1)) / math.sqrt(values.size)
    return mean, mean - half, mean + half


def _share(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def key_figures(claims: pd.DataFrame, totals: WorldTotals) -> dict[str, float]:
    """Every key figure of one replication, from its claims table and the world's counters."""
    decision = claims["decision"]
    n = len(claims)
    approved = decision == "approved"
    decided = approved | (decision == "denied")
    honest = ~claims["is_fraud"]
    closed = decision != "open"
    resolution = (claims["closed_day"] - claims["filed_day"])[decided]
    satisfaction = claims["satisfaction"][closed]
    score = np.round(
        claims["satisfaction"][closed & honest] * 10.0
    )  # NPS over honest claimants only
    honest_closed = float((honest & closed).sum())
    denied = decision == "denied"
    covered = claims["covered"]
    cost_total = sum(totals.costs_eur.values())
    figures = {
        "net_result_eur": totals.sales_margin_eur + totals.repair_charges_eur - cost_total,
        "cost_total_eur": cost_total,
        "cost_per_claim_eur": _share(
            cost_total - totals.costs_eur["staff"] - totals.costs_eur.get("technicians", 0.0), n
        )
        if n
        else math.nan,
        "claims": float(n),
        "fraud_share": _share(float(claims["is_fraud"].sum()), n),
        "fraud_paid_eur": totals.costs_eur["fraud_paid"],
        "honest_denied_share": _share(
            float((honest & (decision == "denied")).sum()), float((honest & decided).sum())
        ),
        "approval_share": _share(float(approved.sum()), float(decided.sum())),
        "resolution_days_mean": float(resolution.mean()) if len(resolution) else math.nan,
        "resolution_days_p90": float(resolution.quantile(0.9)) if len(resolution) else math.nan,
        "contacts_per_claim": _share(float(claims["contacts"].sum()), n),
        "transfers_per_claim": _share(float(claims["transfers"].sum()), n),
        "abandonment_share": _share(float((decision == "abandoned").sum()), n),
        "satisfaction_mean": float(satisfaction.mean()) if len(satisfaction) else math.nan,
        "nps": 100.0 * _share(float((score >= 9).sum() - (score <= 6).sum()), len(score)),
        "retention_share": _share(totals.initial_customers_kept, totals.initial_customers),
        "wom_positive": float(totals.wom_positive),
        "wom_negative": float(totals.wom_negative),
        "customers_won_wom": float(totals.customers_won_wom),
        "customers_lost_wom": float(totals.customers_lost_wom),
        "customer_value_eur": totals.customer_value_eur,
        "value_total_eur": totals.net_result_day0_eur + totals.customer_value_day0_eur,
        "honest_false_denial_share": _share(
            float((honest & covered & denied).sum()), honest_closed
        ),
        "honest_excluded_share": _share(float((honest & ~covered & denied).sum()), honest_closed),
        "honest_abandoned_share": _share(
            float((honest & (decision == "abandoned")).sum()), honest_closed
        ),
    }
    figures["honest_unremedied_share"] = _share(
        float((honest & (denied | (decision == "abandoned"))).sum()), honest_closed
    )
    claimed = [outcome for outcome in OUTCOME_CLASSES if outcome != "silent_failure"]
    figures["claimant_repurchase_share"] = _share(
        float(sum(totals.repurchase_buyers[o] for o in claimed)),
        float(sum(totals.repurchase_claimants[o] for o in claimed)),
    )
    figures.update({f"cost_{name}_eur": eur for name, eur in totals.costs_eur.items()})
    figures.update(
        sales_margin_eur=totals.sales_margin_eur,
        repair_charges_eur=totals.repair_charges_eur,
        customers_end=float(totals.customers_end),
        customers_won_base=float(totals.customers_won_base),
        customers_lost_at_purchase=float(totals.customers_lost_at_purchase),
        unclaimed_failures=float(totals.unclaimed_failures),
        fraud_accounts_closed=float(totals.fraud_accounts_closed),
        open_claims=float((decision == "open").sum()),
        net_result_day0_eur=totals.net_result_day0_eur,
        customer_value_day0_eur=totals.customer_value_day0_eur,
    )
    figures.update(_word_of_mouth_ratios(totals))
    for outcome in OUTCOME_CLASSES:
        figures[f"repurchase_claimants_{outcome}"] = float(totals.repurchase_claimants[outcome])
        figures[f"repurchase_buyers_{outcome}"] = float(totals.repurchase_buyers[outcome])
    for cell, count in totals.repurchase_claimants_by_severity.items():
        figures[f"repurchase_claimants_{cell}"] = float(count)
        figures[f"repurchase_buyers_{cell}"] = float(totals.repurchase_buyers_by_severity[cell])
    figures.update(
        {f"lever_reach_{name}": float(count) for name, count in totals.lever_reach.items()}
    )
    figures.update(utilisation_figures(totals))
    return figures


def utilisation_figures(totals: WorldTotals) -> dict[str, float]:
    """Busy hours over staffed (or paid) hours: agents in total and per channel, technicians at the
    bench."""
    busy, staffed = totals.agent_busy_hours, totals.agent_staffed_hours
    figures = {
        "agent_utilisation": _share(
            sum(busy.get(name, 0.0) for name in staffed), sum(staffed.values())
        )
    }
    figures.update(
        {
            f"agent_utilisation_{name}": _share(busy.get(name, 0.0), staffed.get(name, 0.0))
            for name in CHANNEL_NAMES
        }
    )
    figures["technician_utilisation"] = _share(
        totals.technician_busy_hours, totals.technician_paid_hours
    )
    return figures


def summarize(
    replications: pd.DataFrame, policies: list[str], figures: tuple[str, ...] = KEY_FIGURES
) -> pd.DataFrame:
    """One row per policy and figure: mean with 95 % interval, and the paired difference against the
    first policy.

    Differences pair replication r of each policy with replication r of the
    baseline; both ran on the same seed (common random numbers).
    """
    baseline = replications[replications["policy"] == policies[0]].set_index("replication")
    rows = []
    for policy in policies:
        own = replications[replications["policy"] == policy].set_index("replication")
        paired = own.index.intersection(baseline.index)
        for figure in figures:
            mean, low, high = mean_interval(own[figure].to_numpy())
            diff, diff_low, diff_high = mean_interval(
                (own.loc[paired, figure] - baseline.loc[paired, figure]).to_numpy()
            )
            rows.append((policy, figure, mean, low, high, diff, diff_low, diff_high))
    return pd.DataFrame(
        rows,
        columns=[
            "policy",
            "metric",
            "mean",
            "ci_low",
            "ci_high",
            "diff_vs_baseline",
            "diff_ci_low",
            "diff_ci_high",
        ],
    )


def outcomes_table(replications: pd.DataFrame, policies: list[str]) -> pd.DataFrame:
    """Repurchase by outcome class (TARP's rows), pooled over replications, with a 95 % Wilson
    interval.

    `claimants` counts honest claimants (or silent failures) who reached a purchase
    occasion after their claim, summed over replications.
    """
    from scipy.stats import binomtest

    rows = []
    for policy in policies:
        own = replications[replications["policy"] == policy]
        for outcome in OUTCOME_CLASSES:
            claimants = int(own[f"repurchase_claimants_{outcome}"].sum())
            buyers = int(own[f"repurchase_buyers_{outcome}"].sum())
            if claimants:
                low, high = binomtest(buyers, claimants).proportion_ci(0.95, method="wilson")
                rows.append(
                    (policy, outcome, claimants, buyers / claimants, float(low), float(high))
                )
            else:
                rows.append((policy, outcome, 0, math.nan, math.nan, math.nan))
    return pd.DataFrame(
        rows, columns=["policy", "outcome", "claimants", "repurchase_share", "ci_low", "ci_high"]
    )


def _word_of_mouth_ratios(totals: WorldTotals) -> dict[str, float]:
    """Positive:negative impressions, of the whole population (baseline talk included) and of claim
    stories alone."""
    positive, negative = totals.wom_positive + totals.wom_baseline_positive, totals.wom_negative
    return {
        "wom_baseline_positive": totals.wom_baseline_positive,
        "wom_positive_to_negative": positive / negative if negative else math.nan,
        "wom_positive_to_negative_claims": totals.wom_positive / negative if negative else math.nan,
    }


def metric_parts(metric: str) -> tuple[str, ...]:
    """The figures a metric adds up: one figure, or several joined by '+' (e.g.
    net_result_eur+customer_value_eur), each a figure of the replications."""
    parts = tuple(part.strip() for part in metric.split("+"))
    unknown = [part for part in parts if part not in (*KEY_FIGURES, *EXTRA_FIGURES)]
    if unknown:
        raise UsageError(
            f"unknown figure {unknown[0]!r} in metric {metric!r}; use a figure such as "
            "value_total_eur, or a sum of figures joined by '+'; figures: "
            f"{', '.join(KEY_FIGURES)}"
        )
    return parts
