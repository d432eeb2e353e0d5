"""Read a sweep folder for `recoverysim discover` and write what it finds: labels, boxes, summary,
tree, map."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from recoverysim.discover import Discovery, boxes_table, summary_text, tree_text
from recoverysim.errors import RecoverySimError
from recoverysim.results import CSV_FLOAT_FORMAT, atomic_write, prepare_folder
from recoverysim.views.discover_plots import decision_map
from recoverysim.views.figure_files import (
    folder_kind,
    read_manifest,
    read_points,
    save_figure,
    sweep_context,
)
from recoverysim.views.figure_style import Context

LABELS_FILE = "labels.csv"
BOXES_FILE = "boxes.csv"
SUMMARY_FILE = "discovery.txt"
TREE_FILE = "tree.txt"
MAP_FILE = "decision-map.png"


def sweep_points(folder: Path) -> pd.DataFrame:
    """points.parquet of a `recoverysim sweep` folder; a one-line error for anything else."""
    if not folder.is_dir():
        raise RecoverySimError(f"{folder}: no such folder (make one with `recoverysim sweep`)")
    kind = folder_kind(folder)
    if kind != "sweep":
        raise RecoverySimError(
            f"{folder}: a {kind} folder, not a sweep (no points.parquet); run `recoverysim sweep`"
        )
    return read_points(folder)


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    atomic_write(path, lambda p: frame.to_csv(p, index=False, float_format=CSV_FLOAT_FORMAT))
    return path


def folder_context(folder: Path, points: pd.DataFrame) -> Context:
    """What the figure's footer says: scenario, seed, replications (from manifest.json)."""
    return sweep_context(read_manifest(folder), points)


def write_discovery(
    discovery: Discovery,
    out: Path,
    context: Context | None = None,
    x: str | None = None,
    y: str | None = None,
) -> tuple[str, list[Path]]:
    """Write labels.csv, boxes.csv, tree.txt, discovery.txt and (with two numeric inputs)
    decision-map.png.

    Returns the summary text and the files written."""
    prepare_folder(out)
    tree = tree_text(discovery)
    summary = summary_text(discovery, tree)
    written = [
        write_table(discovery.labels, out / LABELS_FILE),
        write_table(boxes_table(discovery), out / BOXES_FILE),
    ]
    for name, text in ((TREE_FILE, tree + "\n"), (SUMMARY_FILE, summary)):
        atomic_write(out / name, lambda p, text=text: p.write_text(text, encoding="utf-8"))
        written.append(out / name)
    if len(discovery.inputs) >= 2 or x or y:
        written.append(save_figure(decision_map(discovery, x, y, context), out / MAP_FILE))
    return summary, written
