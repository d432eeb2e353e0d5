"""The report of a `sweep` or `breakeven` results folder: the break-even found, which inputs
matter, each sweep point's figures and paired differences, the figures and where each policy wins.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd

from recoverysim.field_labels import field_label, field_name_and_unit
from recoverysim.table import with_interval
from recoverysim.views import sweep_plots
from recoverysim.views.discover_report import where_each_policy_wins_html
from recoverysim.views.figure_files import (
    figures_for_folder,
    folder_kind,
    read_manifest,
    read_points,
    sweep_context,
)
from recoverysim.views.report_page import figure_png, figures_html, html_page
from recoverysim.views.scenario_sections import (
    assumptions_table,
    levers_table,
    reproduce_html,
    scenario_from_manifest,
    world_sentence,
)
from recoverysim.views.sensitivity_views import sensitivity_section

POINT_FIGURES = ("net_result_eur", "value_total_eur")


def points_table(points: pd.DataFrame, figure: str = "net_result_eur") -> str:
    """One row per sweep point: each policy's mean (95 % interval) and, beside them, each
    challenger's paired difference from the baseline (95 % interval over replications on the same
    seeds); bold where it excludes 0."""
    summary, labels = sweep_plots.sweep_summary(points)
    policies = list(dict.fromkeys(points["policy"]))
    absolutes = summary[summary["metric"] == figure].set_index(["point", "policy"])
    diffs = (
        sweep_plots.paired_differences(points, figure, policies[0]).set_index(["point", "policy"])
        if len(policies) > 1
        else pd.DataFrame()
    )
    head = "".join(f"<th>{escape(p)}</th>" for p in policies) + "".join(
        f"<th>{escape(p)} − {escape(policies[0])}</th>" for p in policies[1:]
    )
    rows = []
    for point in dict.fromkeys(absolutes.index.get_level_values("point")):
        cells = [
            escape(with_interval(*absolutes.loc[(point, p), ["mean", "ci_low", "ci_high"]]))
            if (point, p) in absolutes.index
            else "n/a"
            for p in policies
        ]
        for p in policies[1:]:
            if (point, p) not in diffs.index:
                cells.append("n/a")
                continue
            diff, low, high = diffs.loc[(point, p), ["diff", "low", "high"]]
            text = escape(with_interval(diff, low, high))
            cells.append(f"<strong>{text}</strong>" if low > 0 or high < 0 else text)
        rows.append(
            f'<tr data-point="{escape(str(point))}">'
            f"<td>{escape(labels.get(point, str(point)))}</td>"
            + "".join(f'<td class="num">{c}</td>' for c in cells)
            + "</tr>"
        )
    return f"<table><tr><th>point</th>{head}</tr>{''.join(rows)}</table>"


def points_html(points: pd.DataFrame) -> list[str]:
    """The Points section: absolutes and paired differences per point, for the figures a decision
    rests on."""
    figures = [f for f in POINT_FIGURES if f in points.columns] or ["net_result_eur"]
    parts = [
        (
            "<p>Each row is one sweep point. Beside each policy's mean (95 % t interval across "
            "replications) stands each challenger's paired difference from the baseline: the same "
            "replications, on the same seeds, subtracted one by one, with the 95 % t interval of "
            "that difference; bold where the interval excludes 0.</p>"
        )
    ]
    for figure in figures:
        parts += [f"<h3><code>{escape(figure)}</code></h3>", points_table(points, figure)]
    return parts


def breakeven_html(folder: Path) -> str:
    """The search's answer in the words `recoverysim breakeven` printed: value, interval,
    difference there."""
    from recoverysim.experiments.breakeven import describe, read_breakeven

    first, *rest = describe(read_breakeven(folder)).splitlines()
    items = "".join(f"<li>{escape(line.strip())}</li>" for line in rest)
    return f"<p><strong>{escape(first)}</strong></p>" + (f"<ul>{items}</ul>" if items else "")


def sweep_report(folder: Path) -> str:
    manifest = read_manifest(folder)
    points = read_points(folder)
    scenario = scenario_from_manifest(manifest, folder)
    context = sweep_context(manifest, points)
    name = str(manifest.get("scenario_name", context.scenario))
    parameters = sweep_plots.sweep_parameters(points)
    what = "break-even search" if folder_kind(folder) == "breakeven" else "sweep"
    varied = ", ".join(escape(field_name_and_unit(p)[0].lower()) for p in parameters)
    paths = ", ".join(f"<code>{escape(p)}</code> ({escape(field_label(p))})" for p in parameters)
    question = (
        escape(scenario.description)
        if scenario and scenario.description
        else "No description recorded."
    )
    body = [
        f"<h1>{escape(name)}: {what} over {varied}</h1>",
        f'<p class="small">Varied: {paths}.</p>',
        f'<p class="small">{escape(context.footer())}.</p>',
        "<h2>The question</h2>",
        f"<p>{question}</p>",
    ]
    if scenario is not None:
        body += [
            "<h2>The scenario in plain words</h2>",
            f"<p>{escape(world_sentence(scenario))}</p>",
            levers_table(scenario),
        ]
    if what == "break-even search":
        body += ["<h2>The break-even</h2>", breakeven_html(folder)]
    body += sensitivity_section(folder)
    figures = figures_for_folder(folder)
    body += ["<h2>Points</h2>", *points_html(points), "<h2>Figures</h2>", figures_html(figures)]
    body += where_each_policy_wins_html(folder, points, context, figure_png)
    if scenario is not None:
        body += ["<h2>Assumptions</h2>", assumptions_table(scenario, manifest.get("written"))]
    body += ["<h2>How to reproduce</h2>", reproduce_html(manifest, scenario)]
    return html_page(f"{name} sweep report", "\n".join(body))
