"""The report's "Where each policy wins" section for a sweep: the decision map and the boxes in
plain words."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from recoverysim.discover import DEFAULT_METRIC, discover, labelling_rule, sentences
from recoverysim.errors import RecoverySimError
from recoverysim.views.discover_plots import decision_map
from recoverysim.views.figure_files import folder_kind
from recoverysim.views.figure_style import Context

#: Fewer points than this make boxes of a handful of points: the section says so instead of drawing
#: them.
MIN_POINTS = 20
CAPTION = (
    "Each sweep point on two of the varied inputs, marked by the policy that wins there (its 95 % "
    "interval excludes a tie) or a grey cross where the interval cannot tell; dashed: the box "
    "where a label dominates (PRIM), with its density. Points that share both shown inputs are "
    "spread on a small circle."
)


def where_each_policy_wins_html(
    folder: Path, points: pd.DataFrame, context: Context, embed: Callable[[Figure], str]
) -> list[str]:
    """The section's HTML parts (empty for a folder that is not a sweep of two policies or more).

    Computed on the fly with `recoverysim discover`'s defaults; `embed` turns a figure into an image
    source."""
    if folder_kind(folder) != "sweep" or points["policy"].nunique() < 2:
        return []
    heading = "<h2>Where each policy wins</h2>"
    count = int(points["point"].nunique()) if "point" in points.columns else 0
    try:
        found = discover(points, DEFAULT_METRIC)
    except RecoverySimError as error:
        return [heading, f"<p>No decision map: {escape(str(error))}.</p>"]
    if len(found.inputs) < 2:
        return [
            heading,
            "<p>No decision map: it needs a sweep over at least two numeric inputs.</p>",
        ]
    if count < MIN_POINTS:
        return [
            heading,
            (
                f"<p>No decision map: {count} points are too few for boxes that mean something "
                f"(it needs {MIN_POINTS} or more).</p>"
            ),
        ]
    figure = decision_map(found, context=context)
    return [
        heading,
        (
            f"<p>{escape(labelling_rule(found))} Boxes: PRIM (peeling and pasting) on the inputs; "
            "<code>recoverysim discover</code> writes every step, the labels and a "
            "classification tree.</p>"
        ),
        *[f'<p class="quote">{escape(s)}</p>' for s in sentences(found)],
        (
            f'<figure id="fig-decision-map"><img alt="decision map" src="{embed(figure)}">'
            f"<figcaption>{escape(CAPTION)}</figcaption></figure>"
        ),
    ]
