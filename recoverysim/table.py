"""The comparison table printed after a run: each key figure per policy with its 95 % interval."""

from __future__ import annotations

import math

import pandas as pd

from recoverysim.metrics import KEY_FIGURES


def number(value: float) -> str:
    """A figure in at most 4 significant digits, with thousands separators for large ones."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.1f}"
    if magnitude >= 1 or magnitude == 0:
        return f"{value:.2f}"
    return f"{value:.3g}"


def with_interval(mean: float, low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return number(mean)
    return f"{number(mean)} [{number(low)}, {number(high)}]"


def comparison_table(summary: pd.DataFrame, figures: tuple[str, ...] = KEY_FIGURES) -> str:
    """Rows are figures; a column per policy (mean [95 % CI]) and per other policy its paired
    difference."""
    policies = list(dict.fromkeys(summary["policy"]))
    baseline = policies[0]
    indexed = summary.set_index(["policy", "metric"])
    header = ["figure", *policies, *[f"{p} - {baseline}" for p in policies[1:]]]
    rows = []
    for figure in figures:
        row = [figure]
        for policy in policies:
            r = indexed.loc[(policy, figure)]
            row.append(with_interval(r["mean"], r["ci_low"], r["ci_high"]))
        for policy in policies[1:]:
            r = indexed.loc[(policy, figure)]
            row.append(with_interval(r["diff_vs_baseline"], r["diff_ci_low"], r["diff_ci_high"]))
        rows.append(row)
    widths = [max(len(str(line[i])) for line in [header, *rows]) for i in range(len(header))]

    def render(line: list) -> str:
        return "  ".join(
            str(cell).ljust(w) if i == 0 else str(cell).rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths))
        )

    lines = [render(header), render(["-" * w for w in widths]), *map(render, rows)]
    return "\n".join(line.rstrip() for line in lines)
