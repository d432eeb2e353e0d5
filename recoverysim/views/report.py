"""A results folder as one self-contained HTML file a policy maker can forward.

Figures are embedded as base64 PNG, styles are inline, and nothing refers to
the network, so the file opens from an e-mail attachment. Every text that
comes from a scenario file (names, descriptions) is escaped.

This module picks the report for the folder's kind and writes it; each kind's
report lives in its own module (run_report, sweep_report, decompose_report,
design_report), the parts they share in report_page and scenario_sections.
Every name this module held before the split is still importable from here.
"""

from __future__ import annotations

from pathlib import Path

from recoverysim.results import atomic_write, prepare_folder
from recoverysim.views.decompose_report import decompose_report, decomposition_table
from recoverysim.views.design_report import design_report
from recoverysim.views.figure_files import folder_kind
from recoverysim.views.report_page import CAPTIONS, STYLE, WIDE_COLUMNS, figure_png
from recoverysim.views.run_report import (
    FRAUD_WORDS,
    HEADLINE,
    UNITS,
    figures_table,
    fmt,
    fmt_diff,
    headline_sentences,
    probability_best_html,
    run_report,
    selection_html,
)
from recoverysim.views.scenario_sections import (
    NOT_ASSUMPTIONS,
    assumptions_table,
    levers_table,
    provenance,
    reproduce_html,
    versions_table,
    world_sentence,
)
from recoverysim.views.sweep_report import (
    POINT_FIGURES,
    breakeven_html,
    points_html,
    points_table,
    sweep_report,
)

__all__ = [
    "CAPTIONS",
    "FRAUD_WORDS",
    "HEADLINE",
    "NOT_ASSUMPTIONS",
    "POINT_FIGURES",
    "STYLE",
    "UNITS",
    "WIDE_COLUMNS",
    "assumptions_table",
    "breakeven_html",
    "build_report",
    "decompose_report",
    "decomposition_table",
    "figure_png",
    "figures_table",
    "fmt",
    "fmt_diff",
    "headline_sentences",
    "levers_table",
    "points_html",
    "points_table",
    "probability_best_html",
    "provenance",
    "reproduce_html",
    "run_report",
    "selection_html",
    "sweep_report",
    "versions_table",
    "world_sentence",
    "write_report",
]


def build_report(folder: Path) -> str:
    """The report's HTML for a `run`, `sweep`, `breakeven`, `decompose` or `design` results
    folder."""
    kind = folder_kind(folder)
    if kind == "design":
        return design_report(folder)
    if kind == "run":
        return run_report(folder)
    return decompose_report(folder) if kind == "decompose" else sweep_report(folder)


def write_report(folder: Path, output: Path) -> Path:
    html = build_report(folder)
    prepare_folder(output.parent if str(output.parent) else Path("."))
    atomic_write(output, lambda p: p.write_text(html, encoding="utf-8"))
    return output
