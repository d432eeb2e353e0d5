"""The report of a `decompose` results folder: the paired difference between two policies,
lever by lever (Shapley values), as a table and a waterfall.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

import pandas as pd

from recoverysim.table import with_interval
from recoverysim.views.figure_files import (
    decomposition_metric,
    figures_for_folder,
    read_decomposition,
    read_manifest,
)
from recoverysim.views.figure_style import Context
from recoverysim.views.report_page import figures_html, html_page
from recoverysim.views.scenario_sections import (
    assumptions_table,
    levers_table,
    reproduce_html,
    scenario_from_manifest,
    world_sentence,
)


def decomposition_table(table: pd.DataFrame, metric: str) -> str:
    """lever | contribution (95 % interval) | share of total, for one figure; bold where the
    interval excludes 0."""
    rows = table[table["metric"] == metric]
    total = float(rows.loc[rows["lever"] == "total", "contribution"].iloc[0])
    body = []
    for r in rows.itertuples():
        clear = not (math.isnan(r.ci_low) or math.isnan(r.ci_high)) and (
            r.ci_low > 0 or r.ci_high < 0
        )
        share = (
            "n/a" if total == 0 or math.isnan(total) else f"{100 * r.contribution / total:.1f} %"
        )
        name = f"<strong>{escape(r.lever)}</strong>" if clear else escape(r.lever)
        value = escape(with_interval(r.contribution, r.ci_low, r.ci_high))
        body.append(
            f'<tr><td>{name}</td><td class="num">{value}</td>'
            f'<td class="num">{escape(share)}</td></tr>'
        )
    head = (
        f"<tr><th>lever</th><th><code>{escape(metric)}</code> contribution (95 % interval)</th>"
        "<th>share of total</th></tr>"
    )
    return f"<table>{head}{''.join(body)}</table>"


def decompose_report(folder: Path) -> str:
    manifest, table = read_manifest(folder), read_decomposition(folder)
    scenario = scenario_from_manifest(manifest, folder)
    design = manifest.get("design", {})
    baseline, target = str(design.get("from", "A")), str(design.get("to", "B"))
    metric = decomposition_metric(manifest, table)
    context = Context.from_manifest(manifest)
    name = str(manifest.get("scenario_name", "scenario"))
    question = (
        escape(scenario.description)
        if scenario and scenario.description
        else "No description recorded."
    )
    body = [
        f"<h1>{escape(name)}: from {escape(baseline)} to {escape(target)}, lever by lever</h1>",
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
    method = escape(str(manifest.get("method", "Shapley values")))
    body += [
        "<h2>Decomposition</h2>",
        (
            f"<p>The paired difference {escape(target)} − {escape(baseline)} in "
            f"<code>{escape(metric)}</code>, attributed to each lever that differs: {method}. "
            "Hybrid policies (the first policy with some of the second's levers) ran on the same "
            "seeds; in every replication the contributions sum exactly to the total. Levers in "
            "bold have a 95 % interval that excludes zero; decomposition.csv holds every "
            "figure.</p>"
        ),
        decomposition_table(table, metric),
        figures_html(figures_for_folder(folder)),
    ]
    if scenario is not None:
        body += ["<h2>Assumptions</h2>", assumptions_table(scenario, manifest.get("written"))]
    body += ["<h2>How to reproduce</h2>", reproduce_html(manifest, scenario)]
    return html_page(f"{name} decomposition report", "\n".join(body))
