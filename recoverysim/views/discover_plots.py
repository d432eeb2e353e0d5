"""The decision map: every sweep point on two inputs, marked by which policy wins there, "cannot
tell" as its own class.

Same conventions as recoverysim.views.plots: data in, Figure out, colour and marker both differ
between classes; "cannot tell" is a neutral grey cross so it never reads as a policy. Points that
share the two shown inputs (a third input varies) are spread on a small circle around their place,
so none hides another.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from recoverysim.discover import CANNOT_TELL, Discovery, possible_labels
from recoverysim.errors import UsageError
from recoverysim.field_labels import field_label
from recoverysim.views.figure_style import Context, axis_label, finish, new_figure, policy_styles

NEUTRAL_COLOUR = "#8c8c8c"
NEUTRAL_MARKER = "x"
SPREAD = (
    0.018  # radius of the circle overlapping points are spread on, as a share of each axis's span
)


def map_axes(discovery: Discovery, x: str | None, y: str | None) -> tuple[str, str]:
    """The two inputs to draw: those asked for, else the first two numeric inputs."""
    inputs = list(discovery.inputs)
    for name, option in ((x, "--x"), (y, "--y")):
        if name is not None and name not in inputs:
            raise UsageError(
                f"{option}: {name!r} is not a numeric input of this sweep; choose one of "
                f"{', '.join(inputs)}"
            )
    if len(inputs) < 2:
        raise UsageError(
            "a decision map needs two numeric inputs (this sweep varies "
            f"{', '.join(inputs) or 'none'})"
        )
    x = x or next(p for p in inputs if p != y)
    y = y or next(p for p in inputs if p != x)
    if x == y:
        raise UsageError(f"--x and --y: two different inputs, please (got {x} twice)")
    return x, y


def spread(frame: pd.DataFrame, x: str, y: str) -> tuple[np.ndarray, np.ndarray]:
    """Positions with points that share (x, y) moved apart on a small circle (deterministic)."""
    px, py = frame[x].to_numpy(float).copy(), frame[y].to_numpy(float).copy()
    span_x = (np.ptp(px) or 1.0) * SPREAD
    span_y = (np.ptp(py) or 1.0) * SPREAD
    for rows in frame.groupby([x, y], sort=False).indices.values():
        if len(rows) < 2:
            continue
        angles = 2 * math.pi * np.arange(len(rows)) / len(rows)
        px[rows] += span_x * np.cos(angles)
        py[rows] += span_y * np.sin(angles)
    return px, py


def label_styles(discovery: Discovery) -> dict[str, tuple[str, str]]:
    """(colour, marker) per label: each policy its usual look, cannot tell a grey cross."""
    styles = policy_styles(list(discovery.policies))
    return {p: (styles[p].colour, styles[p].marker) for p in discovery.policies} | {
        CANNOT_TELL: (NEUTRAL_COLOUR, NEUTRAL_MARKER)
    }


def decision_map(
    discovery: Discovery, x: str | None = None, y: str | None = None, context: Context | None = None
) -> Figure:
    """Each point on inputs x and y, coloured and marked by its label; each label's first box drawn
    dashed."""
    x, y = map_axes(discovery, x, y)
    labels = discovery.labels
    if len(discovery.policies) == 2:
        how = f"label: 95 % paired interval of {discovery.policies[1]} − {discovery.policies[0]}"
    else:
        how = "label: best policy where multiple comparisons with the best separate it"
    fig, axes = new_figure(
        1,
        1,
        (8.4, 5.6),
        f"Where each policy wins: {axis_label(discovery.metric)}",
        context,
        note=how,
    )
    ax = axes[0][0]
    styles = label_styles(discovery)
    px, py = spread(labels, x, y)
    for label in possible_labels(discovery.policies):
        rows = (labels["label"] == label).to_numpy()
        if not rows.any():
            continue
        colour, marker = styles[label]
        name = label if label == CANNOT_TELL else f"{label} wins"
        ax.scatter(
            px[rows],
            py[rows],
            c=colour,
            marker=marker,
            s=46,
            linewidths=1.4,
            label=f"{name} ({rows.sum()})",
        )
    _draw_boxes(ax, discovery, x, y, styles)
    ax.set_xlabel(f"{field_label(x)}\n{x}")  # label and unit, the dotted path beneath
    ax.set_ylabel(
        f"{textwrap.fill(field_label(y), 48)}\n{y}"
    )  # wrapped: a long label would leave the figure
    ax.grid(True, color="0.9")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return finish(fig)


def _draw_boxes(
    ax, discovery: Discovery, x: str, y: str, styles: dict[str, tuple[str, str]]
) -> None:
    """Each label's first chosen box, on the two shown inputs (the whole axis where the box leaves
    one free)."""
    ix, iy = discovery.inputs.index(x), discovery.inputs.index(y)
    first, last = discovery.ranges()
    pad_x, pad_y = 0.03 * ((last[ix] - first[ix]) or 1.0), 0.03 * ((last[iy] - first[iy]) or 1.0)
    for label, found in discovery.boxes.items():
        box = next((t.box for t in found if t.box is not None), None)
        if box is None or box.mass == 1.0:
            continue
        low_x, high_x = box.low[ix] - pad_x, box.high[ix] + pad_x
        low_y, high_y = box.low[iy] - pad_y, box.high[iy] + pad_y
        colour = styles[label][0]
        ax.add_patch(
            Rectangle(
                (low_x, low_y),
                high_x - low_x,
                high_y - low_y,
                fill=False,
                edgecolor=colour,
                linestyle="--",
                linewidth=1.3,
                label=f"box: {label if label == CANNOT_TELL else label + ' wins'} "
                f"({100 * box.density:.0f} %)",
            )
        )
