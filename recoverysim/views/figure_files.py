"""Find what a results folder holds (run, sweep, breakeven, decompose), build its figures, save them
atomically."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from recoverysim.errors import RecoverySimError
from recoverysim.metrics import metric_parts
from recoverysim.results import atomic_write, prepare_folder, read_results
from recoverysim.views import decompose_plots, sweep_plots
from recoverysim.views.figure_style import Context
from recoverysim.views.run_plots import run_figures
from recoverysim.views.sensitivity_views import sensitivity_figures

RUN_FILES = (
    "summary.csv",
    "replications.parquet",
    "claims.parquet",
    "daily.parquet",
    "manifest.json",
)


POINT_TABLES = {"sweep": "points.parquet", "breakeven": "evaluations.parquet"}
DECOMPOSITION_TABLE = "decomposition.csv"
FRONTIER_TABLE = "frontier.parquet"


def folder_kind(folder: Path) -> str:
    """'design' (frontier.parquet), 'sweep' (points.parquet), 'breakeven' (evaluations.parquet),
    'decompose' (decomposition.csv) or 'run'."""
    if (folder / FRONTIER_TABLE).is_file():
        return "design"
    if (folder / DECOMPOSITION_TABLE).is_file():
        return "decompose"
    for kind, table in POINT_TABLES.items():
        if (folder / table).is_file():
            return kind
    if (folder / "summary.csv").is_file() or (folder / "manifest.json").is_file():
        return "run"
    raise RecoverySimError(
        f"{folder}: neither a run folder (summary.csv, ...) nor a sweep folder (points.parquet)"
    )


def read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise RecoverySimError(f"{folder / 'manifest.json'}: not valid JSON ({error})") from None


def read_points(folder: Path) -> pd.DataFrame:
    """The one-row-per-point-policy-replication table of a sweep or a break-even search."""
    path = folder / POINT_TABLES.get(folder_kind(folder), "points.parquet")
    try:
        points = pd.read_parquet(path)
    except (OSError, ValueError) as error:
        raise RecoverySimError(f"{path}: cannot be read ({error})") from None
    missing = [c for c in ("policy", "replication") if c not in points.columns]
    if missing:
        raise RecoverySimError(f"{path}: missing column(s) {', '.join(missing)}")
    if not sweep_plots.sweep_parameters(points):
        raise RecoverySimError(f"{path}: no parameter varies between points")
    return points


def breakeven_answer(folder: Path) -> dict:
    """breakeven.json as written by the search (value, interval, ...); empty when the folder has
    none."""
    path = folder / "breakeven.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def breakeven_metric(folder: Path) -> str:
    """The figure a break-even search compared (breakeven.json), net result when it is not
    recorded."""
    try:
        return str(
            json.loads((folder / "breakeven.json").read_text(encoding="utf-8")).get(
                "metric", "net_result_eur"
            )
        )
    except (OSError, ValueError):
        return "net_result_eur"


def sweep_context(manifest: dict, points: pd.DataFrame) -> Context:
    context = Context.from_manifest(manifest)
    return Context(context.scenario, context.seed, int(points["replication"].nunique()))


def read_decomposition(folder: Path) -> pd.DataFrame:
    path = folder / DECOMPOSITION_TABLE
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as error:
        raise RecoverySimError(f"{path}: cannot be read ({error})") from None
    missing = [
        c
        for c in ("metric", "lever", "contribution", "ci_low", "ci_high")
        if c not in table.columns
    ]
    if missing:
        raise RecoverySimError(f"{path}: missing column(s) {', '.join(missing)}")
    return table


def decomposition_metric(manifest: dict, table: pd.DataFrame) -> str:
    """The figure the command was asked to show, else net result (or the first figure the table
    holds)."""
    present = list(dict.fromkeys(table["metric"]))
    for metric in (manifest.get("metric"), "net_result_eur"):
        if metric in present:
            return metric
    if not present:
        raise RecoverySimError("the decomposition table is empty")
    return present[0]


def decomposition_figure(folder: Path) -> Figure:
    manifest, table = read_manifest(folder), read_decomposition(folder)
    design = manifest.get("design", {})
    context = Context.from_manifest(manifest)
    ends = str(design.get("from", "A")), str(design.get("to", "B"))
    method = str(manifest.get("method", ""))
    return decompose_plots.waterfall(
        table, decomposition_metric(manifest, table), context, *ends, method
    )


def figures_for_folder(folder: Path) -> dict[str, Figure]:
    """Every figure the folder's data allows, by file stem."""
    kind = folder_kind(folder)
    if kind == "design":
        from recoverysim.views.design_views import frontier_figure, objectives_of

        stored = read_results(folder)
        context = Context.from_manifest(stored.manifest)
        return {
            "frontier": frontier_figure(
                stored.frontier, stored.trials, objectives_of(stored.manifest), context
            )
        }
    if kind == "decompose":
        return {"decomposition": decomposition_figure(folder)}
    if kind == "sweep":
        points = read_points(folder)
        context = sweep_context(read_manifest(folder), points)
        return {
            **sweep_plots.sweep_figures(points, context),
            **sensitivity_figures(folder, context),
        }
    if kind == "breakeven":
        points = read_points(folder)
        context = sweep_context(read_manifest(folder), points)
        answer = breakeven_answer(folder)
        searched = None if answer.get("value") is None else (answer["value"], *answer["interval"])
        metric = breakeven_metric(folder)
        if metric not in points.columns:  # a sum of figures: its column is the sum of theirs
            points = points.assign(**{metric: points[list(metric_parts(metric))].sum(axis=1)})
        figure = sweep_plots.sweep_difference(points, context, figures=(metric,), searched=searched)
        return {"sweep-difference": figure}
    stored = read_results(folder)
    context = Context.from_manifest(stored.manifest)
    return run_figures(stored.summary, stored.replications, stored.claims, stored.daily, context)


def save_figure(figure: Figure, path: Path, dpi: int = 150) -> Path:
    """Write the figure (format from the suffix) without leaving half a file."""
    prepare_folder(path.parent)
    fmt = path.suffix.lstrip(".")
    atomic_write(path, lambda p: figure.savefig(p, format=fmt, dpi=dpi))
    return path
