"""Which inputs matter: the ranking figure and the report section of a morris or sobol sweep
(sensitivity.csv).

Reads stored results only; DataFrames in, a Figure or HTML out, in the conventions of
recoverysim.views.plots.
"""

from __future__ import annotations

import textwrap
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from recoverysim.experiments.sensitivity import METHODS, SENSITIVITY_FILE, ranking, read_sensitivity
from recoverysim.field_labels import field_label
from recoverysim.table import with_interval
from recoverysim.views.figure_style import (
    PALETTE,
    Context,
    axis_label,
    finish,
    money_scale,
    new_figure,
)

NOTE = "whiskers: 95 % bootstrap intervals of the indices"
INDEX_WORDS = {
    "mu_star": "mean absolute elementary effect (mu_star)",
    "S1": "first-order index S1 (the input alone)",
    "ST": "total index ST (with its interactions)",
}


def _bars(
    ax, rows: pd.DataFrame, offset: float, height: float, scale: float, style: dict, label: str
) -> None:
    values = rows["value"].to_numpy(dtype=float) / scale
    low = np.clip(values - rows["ci_low"].to_numpy(dtype=float) / scale, 0, None)
    high = np.clip(rows["ci_high"].to_numpy(dtype=float) / scale - values, 0, None)
    positions = np.arange(len(rows)) + offset
    ax.barh(positions, values, height=height, edgecolor="black", label=label, **style)
    ax.errorbar(
        values, positions, xerr=np.nan_to_num([low, high]), fmt="none", ecolor="black", capsize=3
    )


def _input_name(path: str) -> str:
    """An input's label and unit, its dotted path beneath as the small print."""
    return f"{textwrap.fill(field_label(path), 28)}\n{path}"


def ranking_figure(table: pd.DataFrame, context: Context | None = None) -> Figure:
    """One panel per figure and challenger: inputs ranked by mu_star (morris) or ST beside S1
    (sobol)."""
    groups = list(table.groupby(["metric", "challenger"], sort=False).groups)
    inputs = table["input"].nunique()
    method = str(table["method"].iloc[0])
    fig, axes = new_figure(
        1,
        len(groups),
        (max(6.5 * len(groups), 8.0), 1.6 + 0.8 * inputs * (2 if method == "sobol" else 1)),
        f"Which inputs matter: {'Morris screening' if method == 'morris' else 'Sobol indices'}",
        context,
        note=NOTE,
    )
    for ax, (metric, challenger) in zip(axes[0], groups):
        ranked = ranking(table, metric, challenger).iloc[::-1]  # most influential at the top
        baseline = table.loc[table["challenger"] == challenger, "baseline"].iloc[0]
        if method == "morris":
            scale, unit = (
                money_scale(ranked[["value", "ci_high"]].to_numpy())
                if metric.endswith("_eur")
                else (1, "")
            )
            _bars(ax, ranked, 0.0, 0.6, scale, {"color": PALETTE[0]}, INDEX_WORDS["mu_star"])
            ax.set_xlabel(
                f"mu_star of {challenger} − {baseline}"
                + (f"\n({unit} per input range)" if unit else "")
            )
        else:
            rows = table[(table["metric"] == metric) & (table["challenger"] == challenger)]
            first = (
                rows[rows["index"] == "S1"].set_index("input").loc[ranked["input"]].reset_index()
            )
            _bars(ax, ranked, 0.2, 0.38, 1.0, {"color": "white", "hatch": "///"}, INDEX_WORDS["ST"])
            _bars(ax, first, -0.2, 0.38, 1.0, {"color": PALETTE[0]}, INDEX_WORDS["S1"])
            ax.set_xlabel(f"share of the variance of {challenger} − {baseline}")
        ax.set_yticks(
            range(len(ranked)), [_input_name(path) for path in ranked["input"]], fontsize=8
        )
        ax.set_title(axis_label(metric).split(" (")[0], fontsize=10)
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.grid(True, axis="x", color="0.9")
        ax.legend(fontsize=7, loc="lower right")
    return finish(fig, bottom=0.1)


def sensitivity_figures(folder: Path, context: Context | None = None) -> dict[str, Figure]:
    """{'sensitivity': the ranking figure} for a morris or sobol sweep folder, else nothing."""
    table = read_sensitivity(folder)
    return {} if table is None or table.empty else {"sensitivity": ranking_figure(table, context)}


def sensitivity_section(folder: Path) -> list[str]:
    """The report's "Which inputs matter" section: inputs ranked per figure, with intervals; empty
    without one."""
    table = read_sensitivity(folder)
    if table is None or table.empty:
        return []
    method = str(table["method"].iloc[0])
    body = [
        "<h2>Which inputs matter</h2>",
        f"<p>{escape(METHODS.get(method, method))} of the paired difference between policies, "
        "each point's difference averaged over its paired replications; 95 % bootstrap "
        "intervals. "
        + (
            "mu_star is the mean absolute change of the difference when one input moves by a "
            "fixed share of its range: a screening, for ranking, not a share of variance. "
            if method == "morris"
            else "S1 is the share of the difference's variance due to one input alone, ST with all "
            "its interactions; ST near 0 means the input can be fixed anywhere in its range. "
        )
        + f"The figure <em>sensitivity</em> below ranks them; {SENSITIVITY_FILE} holds every "
        "index.</p>",
    ]
    for (metric, baseline, challenger), rows in table.groupby(
        ["metric", "baseline", "challenger"], sort=False
    ):
        ranked = ranking(table, metric, challenger)
        columns = ["mu_star"] if method == "morris" else ["ST", "S1"]
        head = "".join(f"<th>{escape(c)} (95 % interval)</th>" for c in columns)
        lines = []
        for name in ranked["input"]:
            cells = []
            for index in columns:
                row = rows[(rows["input"] == name) & (rows["index"] == index)].iloc[0]
                cells.append(
                    "<td "
                    f'class="num">{escape(with_interval(row.value, row.ci_low, row.ci_high))}</td>'
                )
            lines.append(f"<tr><td><code>{escape(name)}</code></td>{''.join(cells)}</tr>")
        body += [
            f"<h3><code>{escape(metric)}</code>: {escape(challenger)} − {escape(baseline)}</h3>",
            f"<table><tr><th>input, most influential first</th>{head}</tr>{''.join(lines)}</table>",
        ]
    return body
