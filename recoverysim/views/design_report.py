"""The report of a `recoverysim design` folder: the question, the levers searched, the confirmed
frontier, where the named policies sit, the figure, the selection on the confirmation seeds,
assumptions and how to reproduce."""

from __future__ import annotations

from html import escape
from pathlib import Path

from recoverysim.results import read_design
from recoverysim.views.design_views import (
    frontier_figure,
    frontier_rows,
    named_sentences,
    objectives_of,
)
from recoverysim.views.figure_style import Context
from recoverysim.views.report_page import figures_html, html_page
from recoverysim.views.run_report import selection_html
from recoverysim.views.scenario_sections import (
    assumptions_table,
    levers_table,
    reproduce_html,
    scenario_from_manifest,
    world_sentence,
)


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def levers_searched_html(manifest: dict) -> str:
    design = manifest.get("design", {})
    rows = []
    for lever in design.get("levers", []):
        if "choices" in lever:
            rows.append([lever["path"], "one of " + ", ".join(str(c) for c in lever["choices"])])
        else:
            kind = "whole numbers " if lever.get("integer") else ""
            step = f" in steps of {lever['step']:g}" if lever.get("step") else ""
            rows.append([lever["path"], f"{kind}{lever['low']:g} to {lever['high']:g}{step}"])
    rows += [
        [left["lever"], f"left out: cannot act here ({left['why']})"]
        for left in design.get("left_out", [])
    ]
    return _table(["lever", "values searched"], rows)


def design_report(folder: Path) -> str:
    """The HTML report of a design folder."""
    stored = read_design(folder)
    manifest = stored.manifest
    design = manifest.get("design", {})
    scenario = scenario_from_manifest(manifest, folder)
    context = Context.from_manifest(manifest)
    name = str(manifest.get("scenario_name", "scenario"))
    objectives = ", ".join(
        f"{f} ({'max' if d == 'max' else 'min'})" for f, d in objectives_of(manifest)
    )
    constraints = ", ".join(design.get("constraints", [])) or "none"
    question = (
        escape(scenario.description)
        if scenario and scenario.description
        else "No description recorded."
    )
    body = [
        f"<h1>{escape(name)}: designing {escape(str(design.get('base', 'the policy')))}</h1>",
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
    body += [
        "<h2>The design</h2>",
        (
            f"<p>Objectives: {escape(objectives)}; constraints: {escape(constraints)}. Optuna's "
            f"{escape(str(design.get('sampler')))} sampler proposed {design.get('budget')} "
            f"candidates, each the policy {escape(str(design.get('base')))} with the levers below "
            f"set, each run on the same {design.get('replications')} replications (common random "
            "numbers). The candidates that met the constraints and that no other candidate "
            "dominated, and the scenario's named policies, then ran "
            f"{design.get('confirm_replications')} fresh replications (seeds the search never "
            "used, the same for all).</p>"
        ),
        levers_searched_html(manifest),
        "<h2>The frontier, confirmed</h2>",
        (
            "<p>Means with 95 % t intervals on the confirmation replications. <em>dominated by "
            "noise</em>: another designed policy is better beyond noise on some objective and "
            "worse beyond noise on none (paired differences, Bonferroni over every comparison a "
            "policy makes), so the candidate's own advantages are within noise. "
            "frontier-policies.yaml holds each candidate as a policy block to paste into a "
            "scenario.</p>"
        ),
        _table(*frontier_rows(stored.frontier, manifest)),
        "<h3>Where the named policies sit</h3>",
        *[f'<p class="quote">{escape(s)}</p>' for s in named_sentences(stored.frontier, manifest)],
        figures_html(
            {
                "frontier": frontier_figure(
                    stored.frontier, stored.trials, objectives_of(manifest), context
                )
            }
        ),
    ]
    body += [
        "<h3>Selection on the confirmation replications</h3>",
        *selection_html(stored.selection),
    ]
    notes = manifest.get("notes", [])
    if notes:
        body += ["<h3>Notes</h3>", *[f"<p>{escape(n)}</p>" for n in notes]]
    if scenario is not None:
        body += ["<h2>Assumptions</h2>", assumptions_table(scenario, manifest.get("written"))]
    body += ["<h2>How to reproduce</h2>", reproduce_html(manifest, scenario)]
    return html_page(f"{name} design report", "\n".join(body))


__all__ = ["design_report"]
