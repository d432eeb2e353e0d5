"""Where each policy wins: label every sweep point from its paired interval, then find boxes where a
label dominates.

Labels. For two policies A (the baseline, first) and B, a point's label comes from the 95 % paired t
interval of B − A over its replications (common random numbers): B wins where the interval excludes
0 on B's better side of the figure, A wins where it excludes 0 on the other side, else "cannot
tell". For k > 2 policies a point's label is the best policy where Hsu's multiple comparisons with
the best (recoverysim.selection) separate it from every other policy at that point, else "cannot
tell"; its diff and interval are then best − runner-up.

Boxes. PRIM (recoverysim.prim) on the numeric inputs, one label at a time, with up to three boxes
per label (covering). The default density threshold is 0.8: a box is reported as a rule ("A wins
where ...") only where the rule holds at four points in five or more; lower, a reader would be wrong
about the label too often to act on it, higher, boxes on a coarse grid shrink to a handful of
points. A classification tree (scikit-learn, optional) gives a second view of the same labels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recoverysim.errors import UsageError
from recoverysim.metrics import better_direction, mean_interval
from recoverysim.prim import Trajectory, find_boxes
from recoverysim.selection import metric_selection
from recoverysim.verdict import DECISION_FIGURE
from recoverysim.views.sweep_plots import sweep_parameters

CANNOT_TELL = "cannot tell"
DEFAULT_METRIC = DECISION_FIGURE
DEFAULT_THRESHOLD = 0.8
#: A box holds at least this share of the points, and at least MIN_BOX_POINTS of them.
MIN_BOX_SHARE = 0.05
MIN_BOX_POINTS = 4
MAX_BOXES = 3
TREE_DEPTH = 3
INSTALL_HINT = "pip install 'recoverysim[discover]'"
LABEL_COLUMNS = ("label", "diff", "ci_low", "ci_high")
BOX_COLUMNS = (
    "label",
    "box",
    "step",
    "kind",
    "coverage",
    "density",
    "mass",
    "points",
    "chosen",
    "restricted",
    "bounds",
)


@dataclass(frozen=True)
class Discovery:
    """The labels of every point and, per label, the PRIM trajectories of its boxes."""

    metric: str
    policies: tuple[str, ...]
    labels: pd.DataFrame  # point, inputs..., label, diff, ci_low, ci_high
    inputs: tuple[str, ...]  # the numeric inputs PRIM and the tree use
    left_out: tuple[str, ...]  # varied inputs that are not numbers
    boxes: dict[str, list[Trajectory]]
    threshold: float
    min_points: int

    @property
    def names(self) -> dict[str, str]:
        return input_names(list(self.inputs))

    def ranges(self) -> tuple[np.ndarray, np.ndarray]:
        values = self.labels[list(self.inputs)].to_numpy(float)
        return values.min(axis=0), values.max(axis=0)


def choose_policies(points: pd.DataFrame, policies: list[str] | None) -> tuple[str, ...]:
    """The policies compared: those asked for (checked against the folder), else every policy in
    it."""
    present = list(dict.fromkeys(points["policy"]))
    if policies:
        missing = [p for p in policies if p not in present]
        if missing:
            raise UsageError(
                f"--policies: {', '.join(missing)} not in this sweep (it holds "
                f"{', '.join(present)})"
            )
        if len(set(policies)) != len(policies):
            raise UsageError(f"--policies: a policy is named twice (got {','.join(policies)})")
        present = list(policies)
    if len(present) < 2:
        raise UsageError(f"a decision map needs at least two policies (got {', '.join(present)})")
    return tuple(present)


def check_metric(points: pd.DataFrame, metric: str) -> None:
    """The figure must be a column of points.parquet with a better side."""
    if metric not in points.columns or metric in ("point", "policy", "replication"):
        known = [c for c in points.columns if better_direction(c) is not None]
        raise UsageError(f"--metric: unknown figure {metric!r}; choose one of {', '.join(known)}")
    if better_direction(metric) is None:
        raise UsageError(f"--metric: {metric} has no better side, so no policy can win on it")


def input_names(inputs: list[str]) -> dict[str, str]:
    """Plain names of dotted paths: the last part with spaces ('opportunist share'), a one-word last
    part with its parent ('inspection sensitivity'); the whole path where two inputs would read the
    same."""

    def short(path: str) -> str:
        parts = path.split(".")
        if "_" not in parts[-1] and len(parts) > 1 and not parts[-2].isdigit():
            return f"{parts[-2]} {parts[-1]}".replace("_", " ")
        return parts[-1].replace("_", " ")

    names = {path: short(path) for path in inputs}
    clashes = {n for n in names.values() if list(names.values()).count(n) > 1}
    return {path: path if name in clashes else name for path, name in names.items()}


def _pair_label(
    diff: float, low: float, high: float, baseline: str, challenger: str, direction: str
) -> str:
    if math.isnan(low) or math.isnan(high):
        return CANNOT_TELL
    challenger_better = low > 0 if direction == "higher" else high < 0
    baseline_better = high < 0 if direction == "higher" else low > 0
    return challenger if challenger_better else baseline if baseline_better else CANNOT_TELL


def label_pair(
    points: pd.DataFrame, metric: str, baseline: str, challenger: str, inputs: list[str]
) -> pd.DataFrame:
    """Per point: challenger − baseline on `metric` (paired by replication), its 95 % interval and
    the label."""
    direction = better_direction(metric)
    rows = []
    for point, group in points.groupby("point", sort=True):
        table = group.pivot(index="replication", columns="policy", values=metric)
        diff = (table[challenger] - table[baseline]).dropna().to_numpy()
        mean, low, high = mean_interval(diff)
        label = _pair_label(mean, low, high, baseline, challenger, direction)
        rows.append((point, *group.iloc[0][inputs], label, mean, low, high))
    return pd.DataFrame(rows, columns=["point", *inputs, *LABEL_COLUMNS])


def label_best(
    points: pd.DataFrame, metric: str, policies: tuple[str, ...], inputs: list[str]
) -> pd.DataFrame:
    """Per point: the best policy where MCB separates it from all others, else cannot tell; best −
    runner-up."""
    rows = []
    for point, group in points.groupby("point", sort=True):
        selection = metric_selection(group[group["policy"].isin(policies)], list(policies), metric)
        best = selection[selection["best"]].iloc[0]
        others = selection[~selection["best"]]
        runner = others.loc[others["diff_from_best"].abs().idxmin()]
        label = best["policy"] if bool(others["separated"].all()) else CANNOT_TELL
        diff, low, high = -runner["diff_from_best"], -runner["mcb_high"], -runner["mcb_low"]
        rows.append((point, *group.iloc[0][inputs], label, diff + 0.0, low + 0.0, high + 0.0))
    return pd.DataFrame(rows, columns=["point", *inputs, *LABEL_COLUMNS])


def label_points(points: pd.DataFrame, metric: str, policies: tuple[str, ...]) -> pd.DataFrame:
    """labels.csv: one row per point (point, inputs..., label, diff, ci_low, ci_high)."""
    inputs = sweep_parameters(points)
    chosen = points[points["policy"].isin(policies)]
    if len(policies) == 2:
        return label_pair(chosen, metric, policies[0], policies[1], inputs)
    return label_best(chosen, metric, policies, inputs)


def numeric_inputs(labels: pd.DataFrame, inputs: list[str]) -> tuple[list[str], list[str]]:
    """(inputs that are numbers, inputs that are not); booleans count as numbers (0 and 1)."""
    numeric = [
        c
        for c in inputs
        if pd.api.types.is_numeric_dtype(labels[c]) or pd.api.types.is_bool_dtype(labels[c])
    ]
    return numeric, [c for c in inputs if c not in numeric]


def possible_labels(policies: tuple[str, ...]) -> list[str]:
    return [*policies, CANNOT_TELL]


def discover(
    points: pd.DataFrame,
    metric: str = DEFAULT_METRIC,
    policies: list[str] | None = None,
    label: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Discovery:
    """Label every point of a sweep's points.parquet and find, per label (or for `label`), its PRIM
    boxes."""
    check_metric(points, metric)
    chosen = choose_policies(points, policies)
    if label is not None and label not in possible_labels(chosen):
        raise UsageError(
            f"--label: {label!r} is not a label here; choose one of "
            f"{', '.join(possible_labels(chosen))}"
        )
    if not 0.0 < threshold <= 1.0:
        raise UsageError(f"--threshold: a density between 0 and 1 (got {threshold})")
    labels = label_points(points, metric, chosen)
    inputs, left_out = numeric_inputs(labels, sweep_parameters(points))
    min_points = max(MIN_BOX_POINTS, math.ceil(MIN_BOX_SHARE * len(labels)))
    values = labels[inputs].to_numpy(float)
    wanted = (
        [label]
        if label
        else [name for name in possible_labels(chosen) if (labels["label"] == name).any()]
    )
    boxes = {}
    for name in wanted:
        target = (labels["label"] == name).to_numpy()
        boxes[name] = (
            find_boxes(values, target, threshold, min_points, MAX_BOXES)
            if inputs and target.any()
            else []
        )
    return Discovery(
        metric, chosen, labels, tuple(inputs), tuple(left_out), boxes, threshold, min_points
    )


# ---- words
# --------------------------------------------------------------------------------------------------


def _number(value: float, up: bool, exact: bool = False) -> str:
    """Three significant digits, rounded outwards (a high bound up, a low one down) so the box still
    holds its points; every digit when `exact`."""
    if exact or value == 0 or not math.isfinite(value):
        return f"{value:.10g}"
    scale = 10.0 ** (math.floor(math.log10(abs(value))) - 2)
    rounded = (math.ceil if up else math.floor)(round(value / scale, 6)) * scale
    return f"{rounded:.3g}"


def restrictions(discovery: Discovery, low, high) -> list[tuple[str, float | None, float | None]]:
    """(input, low bound or None, high bound or None) for each input the box restricts; a bound at
    the end of the input's range restricts nothing and is None."""
    first, last = discovery.ranges()
    out = []
    for index, path in enumerate(discovery.inputs):
        lower = low[index] if low[index] > first[index] else None
        upper = high[index] if high[index] < last[index] else None
        if lower is not None or upper is not None:
            out.append((path, lower, upper))
    return out


def conditions(discovery: Discovery, low, high, ascii_only: bool = False) -> list[str]:
    """One condition per restricted input, by plain name ('opportunist share ≤ 0.06'); by path with
    every digit when ascii_only (boxes.csv)."""
    names = {p: p for p in discovery.inputs} if ascii_only else discovery.names
    at_most, at_least = ("<=", ">=") if ascii_only else ("≤", "≥")
    out = []
    for path, lower, upper in restrictions(discovery, low, high):
        low_text = None if lower is None else _number(lower, up=False, exact=ascii_only)
        high_text = None if upper is None else _number(upper, up=True, exact=ascii_only)
        if low_text and high_text:
            out.append(f"{low_text} {at_most} {names[path]} {at_most} {high_text}")
        elif low_text:
            out.append(f"{names[path]} {at_least} {low_text}")
        else:
            out.append(f"{names[path]} {at_most} {high_text}")
    return out


def label_phrase(label: str) -> str:
    return "the policies cannot be told apart" if label == CANNOT_TELL else f"{label} wins"


def box_sentence(discovery: Discovery, label: str, trajectory: Trajectory) -> str:
    """'trusting wins in 91 % of points where opportunist share ≤ 0.06; these are 78 % of all points
    where ...'."""
    phrase, box = label_phrase(label), trajectory.box
    if box is None:
        densest = max(s.density for s in trajectory.steps)
        return (
            f"No box of {discovery.min_points} or more points where {phrase} in "
            f"{100 * discovery.threshold:.0f} % of points or more (the densest box reaches "
            f"{100 * densest:.0f} %)."
        )
    where = " and ".join(conditions(discovery, box.low, box.high))
    if not where:
        return (
            f"{phrase[0].upper()}{phrase[1:]} in {100 * box.density:.0f} % of all {box.points} "
            "points."
        )
    return (
        f"{phrase[0].upper()}{phrase[1:]} in {100 * box.density:.0f} % of points where {where}; "
        f"these are {100 * box.coverage:.0f} % of all points where {phrase} (the box holds "
        f"{box.points} of the {len(discovery.labels)} points)."
    )


def sentences(discovery: Discovery) -> list[str]:
    """One sentence per box found, labels in order; for a label with no box, one sentence saying
    so."""
    out = []
    for label, found in discovery.boxes.items():
        if not found:
            phrase, count = label_phrase(label), int((discovery.labels["label"] == label).sum())
            where = (
                f"at {count} of {len(discovery.labels)} points; no box: too few points or no "
                "numeric input"
            )
            out.append(f"{phrase[0].upper()}{phrase[1:]} {where if count else 'at no point'}.")
            continue
        chosen = [t for t in found if t.box is not None]
        out += [box_sentence(discovery, label, t) for t in chosen] or [
            box_sentence(discovery, label, t) for t in found[:1]
        ]
    return out


def boxes_table(discovery: Discovery) -> pd.DataFrame:
    """boxes.csv: every step of every trajectory (label, box, step, kind, coverage, density, mass,
    points, chosen, the restricted inputs and their bounds)."""
    rows = []
    for label, found in discovery.boxes.items():
        for trajectory in found:
            for index, step in enumerate(trajectory.steps):
                bounds = conditions(discovery, step.low, step.high, ascii_only=True)
                restricted = [path for path, _, _ in restrictions(discovery, step.low, step.high)]
                rows.append(
                    (
                        label,
                        step.box + 1,
                        step.step,
                        step.kind,
                        step.coverage,
                        step.density,
                        step.mass,
                        step.points,
                        index == trajectory.chosen,
                        "; ".join(restricted),
                        "; ".join(bounds),
                    )
                )
    return pd.DataFrame(rows, columns=list(BOX_COLUMNS))


def tree_text(discovery: Discovery) -> str:
    """A shallow classification tree of the labels on the inputs, as text; an install hint without
    scikit-learn."""
    try:
        from sklearn.tree import DecisionTreeClassifier, export_text
    except ImportError:
        return f"(no tree: scikit-learn is not installed; {INSTALL_HINT})"
    if not discovery.inputs or discovery.labels["label"].nunique() < 2:
        return (
            "(no tree: every point has the same label)"
            if discovery.inputs
            else "(no tree: no numeric input)"
        )
    tree = DecisionTreeClassifier(
        max_depth=TREE_DEPTH, min_samples_leaf=discovery.min_points, random_state=0
    )
    tree.fit(
        discovery.labels[list(discovery.inputs)].to_numpy(float),
        discovery.labels["label"].to_numpy(),
    )
    names = [discovery.names[p] for p in discovery.inputs]
    return export_text(tree, feature_names=names, show_weights=True, decimals=3).rstrip()


def labelling_rule(discovery: Discovery) -> str:
    if len(discovery.policies) == 2:
        baseline, challenger = discovery.policies
        return (
            f"Each point is labelled from the 95 % paired interval of {challenger} − {baseline} "
            f"in {discovery.metric} ({better_direction(discovery.metric)} is better): a policy "
            f"wins where the interval excludes 0 on its side, else {CANNOT_TELL}."
        )
    return (
        f"Each point is labelled with the best of {', '.join(discovery.policies)} in "
        f"{discovery.metric} ({better_direction(discovery.metric)} is better) where the "
        "simultaneous 95 % intervals (multiple comparisons with the best) separate it from every "
        f"other policy, else {CANNOT_TELL}."
    )


def summary_text(discovery: Discovery, tree: str) -> str:
    """discovery.txt: the rule, the count of each label, the boxes in plain words, the tree."""
    counts = discovery.labels["label"].value_counts()
    lines = [labelling_rule(discovery), ""]
    lines += [
        f"  {name}: {int(counts.get(name, 0))} of {len(discovery.labels)} points"
        for name in possible_labels(discovery.policies)
    ]
    lines += [
        "",
        (
            f"Boxes (PRIM, peeling and pasting; a box is stated where its density reaches "
            f"{100 * discovery.threshold:.0f} %, at least {discovery.min_points} points):"
        ),
    ]
    lines += [f"  {s}" for s in sentences(discovery)] or ["  (no label to look for)"]
    if discovery.left_out:
        lines.append(
            "  Inputs that are not numbers are left out of the boxes: "
            f"{', '.join(discovery.left_out)}."
        )
    lines += ["", "Classification tree (a second view; leaves show points per label):", tree]
    return "\n".join(lines) + "\n"
