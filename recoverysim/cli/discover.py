"""`recoverysim discover`: which policy wins where in a sweep, and the boxes of inputs where a label
dominates."""

from __future__ import annotations

from pathlib import Path

import click

from recoverysim.discover import DEFAULT_METRIC, DEFAULT_THRESHOLD
from recoverysim.discover import discover as find_where
from recoverysim.discover_files import folder_context, sweep_points, write_discovery
from recoverysim.views.discover_plots import map_axes


@click.command()
@click.argument("folder")
@click.option(
    "--metric",
    default=DEFAULT_METRIC,
    show_default=True,
    help="The figure that decides who wins (it must have a better side).",
)
@click.option(
    "--policies",
    "pair",
    metavar="A,B[,...]",
    help="Two policies (A the baseline; labels from B − A), or several (the best of them); "
    "default: every policy.",
)
@click.option(
    "--label",
    help="Find boxes for this label only (a policy's name or 'cannot tell'); default: each label.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(min=0.0, max=1.0, min_open=True),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Least density (share of a box's points with the label) for a box to be stated: 0.8 = "
    "four points in five.",
)
@click.option(
    "--x", "x", metavar="PATH", help="Input on the map's horizontal axis (default: the first)."
)
@click.option(
    "--y", "y", metavar="PATH", help="Input on the map's vertical axis (default: the second)."
)
@click.option(
    "--out", type=click.Path(file_okay=False), help="Folder for the files (default: FOLDER itself)."
)
def discover(
    folder: str,
    metric: str,
    pair: str | None,
    label: str | None,
    threshold: float,
    x: str | None,
    y: str | None,
    out: str | None,
) -> None:
    """Label every point of a sweep (A wins / B wins / cannot tell) and find where each label
    dominates (PRIM).

    Writes labels.csv, boxes.csv (every PRIM step: coverage, density, mass, bounds), discovery.txt
    (this summary), tree.txt (a classification tree) and decision-map.png (two inputs; 'cannot tell'
    as its own class).
    """
    source = Path(folder)
    points = sweep_points(source)
    policies = [p.strip() for p in pair.split(",")] if pair else None
    found = find_where(points, metric, policies, label, threshold)
    if x or y:
        map_axes(found, x, y)  # a wrong --x or --y stops before any file is written
    summary, written = write_discovery(
        found, Path(out) if out else source, folder_context(source, points), x, y
    )
    click.echo(summary.rstrip())
    click.echo(f"\nwritten: {', '.join(str(p) for p in written)}")
