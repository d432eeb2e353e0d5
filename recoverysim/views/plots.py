"""Figures of stored results: DataFrames in, matplotlib Figures out; the caller saves them.

The one import path for the figures of a run and the look they share; the code lives in
figure_style (palette, frame, footer, units), tradeoff_plot (cost against what is kept) and
run_plots (the other figures of a `run` folder). Every name this module held before the split
is still here.
"""

from __future__ import annotations

from recoverysim.views.figure_style import (
    AXIS_NOTE,
    FIGURE_LABELS,
    HATCHES,
    INTERVAL_NOTE,
    LINE_STYLES,
    MARKERS,
    PALETTE,
    SHARE_FIGURES,
    SIDE_KEYS,
    Context,
    Style,
    axis_label,
    finish,
    interval,
    money_scale,
    new_figure,
    note_axis_without_zero,
    policy_styles,
)
from recoverysim.views.run_plots import (
    CONTACT_BINS,
    COST_PARTS,
    STACK_COLOURS,
    contact_shares,
    daily_bands,
    ecdf,
    journeys,
    money,
    over_time,
    run_figures,
    word_of_mouth,
)
from recoverysim.views.tradeoff_plot import (
    CROWDED_POINTS,
    POINT_LABEL,
    declutter_labels,
    frontier,
    tradeoff,
    tradeoff_table,
)

__all__ = [
    "AXIS_NOTE",
    "CONTACT_BINS",
    "COST_PARTS",
    "CROWDED_POINTS",
    "FIGURE_LABELS",
    "HATCHES",
    "INTERVAL_NOTE",
    "LINE_STYLES",
    "MARKERS",
    "PALETTE",
    "POINT_LABEL",
    "SHARE_FIGURES",
    "SIDE_KEYS",
    "STACK_COLOURS",
    "Context",
    "Style",
    "axis_label",
    "contact_shares",
    "daily_bands",
    "declutter_labels",
    "ecdf",
    "finish",
    "frontier",
    "interval",
    "journeys",
    "money",
    "money_scale",
    "new_figure",
    "note_axis_without_zero",
    "over_time",
    "policy_styles",
    "run_figures",
    "tradeoff",
    "tradeoff_table",
    "word_of_mouth",
]
