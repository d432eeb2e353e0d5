"""What a design folder shows: the frontier figure, the frontier as a table, and its policies as
YAML blocks.

Each reads stored tables (frontier.parquet, trials.parquet) and never runs the model.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from recoverysim.scenario.load import dump_yaml
from recoverysim.scenario.schema import Policy
from recoverysim.table import number, with_interval
from recoverysim.views.figure_style import (
    MARKERS,
    PALETTE,
    Context,
    finish,
    money_scale,
    new_figure,
)

NAMED_COLOURS = PALETTE[1:]
FRONTIER_COLOUR = PALETTE[0]


def objectives_of(manifest: dict) -> list[tuple[str, str]]:
    """(figure, 'max' or 'min') for each objective the design was asked for."""
    return [tuple(text.rsplit(":", 1)) for text in manifest.get("design", {}).get("objectives", [])]


def lever_columns(manifest: dict) -> list[str]:
    return [lever["path"] for lever in manifest.get("design", {}).get("levers", [])]


def _scale(values: pd.Series, figure: str) -> tuple[float, str]:
    if figure.endswith("_eur") or "_eur+" in figure:
        scale, unit = money_scale(values.to_numpy(float))
        return scale, f"{figure} ({unit})"
    return 1.0, figure


def frontier_figure(
    frontier: pd.DataFrame,
    trials: pd.DataFrame,
    objectives: list[tuple[str, str]],
    context: Context,
) -> Figure:
    """The first objective against the second (or against the candidate number with one objective):
    every candidate searched (grey; crosses broke a constraint), the confirmed frontier with 95 %
    intervals (hollow: dominated beyond noise), and the scenario's named policies on the same
    confirmation seeds."""
    y_figure, y_direction = objectives[0]
    single = len(objectives) == 1
    x_figure, x_direction = ("trial", "") if single else objectives[1]
    fig, axes = new_figure(
        1,
        1,
        (8.0, 5.6),
        "Designed policies: the frontier and the named policies",
        context,
        note="bars: 95 % t intervals on the confirmation replications; grey: search means",
    )
    ax = axes[0, 0]
    confirmed = frontier
    y_scale, y_label = _scale(pd.concat([trials[y_figure], confirmed[y_figure]]), y_figure)
    if single:
        x_scale, x_label = 1.0, "candidate (trial number)"
    else:
        x_scale, x_label = _scale(pd.concat([trials[x_figure], confirmed[x_figure]]), x_figure)
    feasible = trials["feasible"].astype(bool)
    x_trials = trials["trial"] if single else trials[x_figure]
    ax.scatter(
        x_trials[feasible] / x_scale,
        trials.loc[feasible, y_figure] / y_scale,
        s=14,
        color="0.75",
        label="candidates searched (search means)",
        zorder=1,
    )
    if (~feasible).any():
        ax.scatter(
            x_trials[~feasible] / x_scale,
            trials.loc[~feasible, y_figure] / y_scale,
            s=18,
            marker="x",
            color="0.6",
            label="broke a constraint",
            zorder=1,
        )
    candidates = confirmed[confirmed["kind"] == "candidate"]
    kept = candidates[candidates["status"] == "frontier"]
    noisy = candidates[candidates["status"] != "frontier"]

    def x_of(rows: pd.DataFrame) -> pd.Series:
        return (rows["trial"].astype(float) if single else rows[x_figure]) / x_scale

    def bars(rows: pd.DataFrame, axis: str) -> np.ndarray | None:
        figure, scale = (y_figure, y_scale) if axis == "y" else (x_figure, x_scale)
        if axis == "x" and single:
            return None
        low = (rows[figure] - rows[f"{figure}_ci_low"]) / scale
        high = (rows[f"{figure}_ci_high"] - rows[figure]) / scale
        return np.vstack([low.fillna(0).to_numpy(), high.fillna(0).to_numpy()])

    if len(kept):
        order = np.argsort(x_of(kept).to_numpy())
        ax.plot(
            x_of(kept).to_numpy()[order],
            (kept[y_figure] / y_scale).to_numpy()[order],
            color=FRONTIER_COLOUR,
            linewidth=1.2,
            zorder=2,
        )
        ax.errorbar(
            x_of(kept),
            kept[y_figure] / y_scale,
            yerr=bars(kept, "y"),
            xerr=bars(kept, "x"),
            fmt="o",
            color=FRONTIER_COLOUR,
            capsize=2,
            label="frontier (confirmed)",
            zorder=3,
        )
    if len(noisy):
        ax.errorbar(
            x_of(noisy),
            noisy[y_figure] / y_scale,
            yerr=bars(noisy, "y"),
            xerr=bars(noisy, "x"),
            fmt="o",
            mfc="white",
            color=FRONTIER_COLOUR,
            alpha=0.7,
            capsize=2,
            label="dominated beyond noise or infeasible on confirmation",
            zorder=3,
        )
    for i, (_, row) in enumerate(confirmed[confirmed["kind"] == "named"].iterrows()):
        colour = NAMED_COLOURS[i % len(NAMED_COLOURS)]
        x = (i if single else row[x_figure]) / x_scale
        frame = pd.DataFrame([row])
        ax.errorbar(
            [x],
            [row[y_figure] / y_scale],
            yerr=bars(frame, "y"),
            xerr=bars(frame, "x"),
            fmt=MARKERS[(i + 1) % len(MARKERS)],
            color=colour,
            markersize=9,
            capsize=3,
            zorder=4,
            label=f"{row['name']} ({row['status'].replace('_', ' ')})",
        )
        ax.annotate(
            str(row["name"]),
            (x, row[y_figure] / y_scale),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize=9,
            color=colour,
        )
    better = {"max": "higher is better", "min": "lower is better", "": ""}
    ax.set_ylabel(f"{y_label}, {better[y_direction]}")
    ax.set_xlabel(f"{x_label}{', ' + better[x_direction] if x_direction else ''}")
    ax.grid(True, color="0.9")
    ax.legend(fontsize=8, loc="best")
    return finish(fig)


def _plain(value: Any) -> str:
    """A lever's value as a scenario would write it (a missing number is YAML's null: no updates,
    say)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "null"
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float):
        return number(value)
    return str(value)


def frontier_rows(frontier: pd.DataFrame, manifest: dict) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the frontier as text: name, levers, objectives and constraints with 95 %
    intervals, status."""
    objectives = [figure for figure, _ in objectives_of(manifest)]
    constraints = [c for c in manifest.get("design", {}).get("constraints", [])]
    constraint_figures = [
        f for f in dict.fromkeys(_constraint_figure(c) for c in constraints) if f not in objectives
    ]
    levers = lever_columns(manifest)
    header = ["policy", *levers, *objectives, *constraint_figures, "status"]
    rows = []
    for _, row in frontier.iterrows():
        same = row.get("named_policy", "")
        name = f"{row['name']} (= {same})" if same else str(row["name"])
        cells = [name, *(_plain(row[lever]) for lever in levers)]
        cells += [
            with_interval(row[f], row[f"{f}_ci_low"], row[f"{f}_ci_high"])
            for f in [*objectives, *constraint_figures]
        ]
        rows.append([*cells, status_words(row)])
    return header, rows


def status_words(row: pd.Series) -> str:
    """'frontier', or 'dominated by noise (design-0003 better beyond noise)' and the like."""
    status = str(row["status"]).replace("_", " ")
    return (
        f"{status} ({row['dominated_by']} better beyond noise)" if row["dominated_by"] else status
    )


def _constraint_figure(text: str) -> str:
    for operator in ("<=", ">="):
        if operator in text:
            return text.split(operator)[0]
    return text


def frontier_text(frontier: pd.DataFrame, manifest: dict) -> str:
    header, rows = frontier_rows(frontier, manifest)
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]

    def render(line: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip()

    return "\n".join([render(header), render(["-" * w for w in widths]), *map(render, rows)])


def policy_blocks(frontier: pd.DataFrame, policies: dict[str, Policy], manifest: dict) -> str:
    """frontier-policies.yaml: each confirmed candidate as a policy block to paste under a
    scenario's policies:, the frontier first; fields left at their defaults are not written."""
    objectives = [figure for figure, _ in objectives_of(manifest)]
    blocks = []
    candidates = frontier[frontier["kind"] == "candidate"]
    ordered = candidates.sort_values(
        "status", key=lambda status: status != "frontier", kind="stable"
    )
    for _, row in ordered.iterrows():
        policy = policies.get(str(row["name"]))
        if policy is None:
            continue
        measured = "; ".join(
            f"{f} {with_interval(row[f], row[f'{f}_ci_low'], row[f'{f}_ci_high'])}"
            for f in objectives
        )
        status = status_words(row)
        data = policy.model_dump(mode="json", exclude_defaults=True, exclude={"auto_sized"})
        data["name"] = policy.name
        data["description"] = (
            f"Designed from {manifest.get('design', {}).get('base', 'the base policy')} "
            f"({status}); confirmed on {int(row['replications'])} fresh replications: {measured}."
        )
        blocks.append({"name": data.pop("name"), "description": data.pop("description"), **data})
    stream = io.StringIO()
    dump_yaml({"policies": blocks}, stream)
    header = (
        f"# Policies found by `{manifest.get('command') or 'recoverysim design'}`\n"
        "# Paste the blocks you want under a scenario's policies: (the frontier comes first; "
        "a policy dominated\n"
        "# beyond noise is shown for completeness). Fields not written take their defaults.\n"
    )
    return header + stream.getvalue()


def named_sentences(frontier: pd.DataFrame, manifest: dict) -> list[str]:
    """Where each named policy sits relative to the frontier, in words."""
    objectives = objectives_of(manifest)
    candidates = frontier[(frontier["kind"] == "candidate") & (frontier["status"] == "frontier")]
    sentences = []
    for _, row in frontier[frontier["kind"] == "named"].iterrows():
        name = row["name"]
        if row["dominated_by"]:
            sentences.append(f"{name} is dominated beyond noise by {row['dominated_by']}.")
        elif not row["feasible"]:
            sentences.append(f"{name} breaks a constraint on the confirmation replications.")
        else:
            sentences.append(f"{name} is not dominated beyond noise by any designed policy.")
        if len(candidates) and len(objectives) >= 1:
            gaps = []
            for figure, direction in objectives:
                sign = 1.0 if direction == "max" else -1.0
                best = candidates.loc[(sign * candidates[figure]).idxmax()]
                gaps.append(
                    f"best frontier {figure} {number(best[figure])} ({best['name']}) against "
                    f"{number(row[figure])}"
                )
            sentences[-1] += " " + "; ".join(gaps) + "."
    return sentences
