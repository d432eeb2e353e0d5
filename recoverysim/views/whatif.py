"""A what-if page for training rooms: a grid over two or three levers, run in advance, in one HTML file.

The page needs no server and no network: the grid is embedded as JSON, and
plain JavaScript moves the headline figures and redraws a small SVG trade-off
chart when a slider or a toggle moves.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from recoverysim.engine import run_replication
from recoverysim.errors import RecoverySimError, ScenarioError, UsageError
from recoverysim.experiment import executor_for
from recoverysim.experiments.designs import base_value
from recoverysim.results import atomic_write, prepare_folder
from recoverysim.scenario.load import scenario_from_dict, scenario_to_dict
from recoverysim.scenario.schema import Scenario, WhatIf, WhatIfLever

#: Figures the page shows, with their label and how to print them.
PAGE_FIGURES = (
    ("net_result_eur", "Net result (EUR)", "eur"),
    ("customer_value_eur", "Value of customers kept (EUR)", "eur"),
    ("cost_total_eur", "Total cost (EUR)", "eur"),
    ("retention_share", "Initial customers kept", "share"),
    ("satisfaction_mean", "Mean satisfaction (0-1)", "plain"),
    ("fraud_share", "Fraudulent share of claims", "share"),
    ("fraud_paid_eur", "Fraud paid out (EUR)", "eur"),
    ("honest_denied_share", "Honest claims denied", "share"),
    ("resolution_days_mean", "Days to a decision", "plain"),
    ("wom_negative", "People told bad stories", "count"),
)
#: Used when a scenario has no `whatif:` section: levers that exist in every scenario.
DEFAULT_WHATIF = WhatIf(
    levers=(
        WhatIfLever(
            label="Opportunists among customers (every segment)",
            path="market.segments.*.opportunist_share",
            values=(0.02, 0.05, 0.1, 0.2),
        ),
        WhatIfLever(
            label="Status updates every k days (every policy; none means no updates)",
            path="policies.*.status_update_every_days",
            values=(None, 2, 7),
        ),
    )
)


class _AsWritten:
    """A lever's setting that changes nothing: the scenario's own values, when its paths hold different ones."""

    def __repr__(self) -> str:
        return "as written"


AS_WRITTEN = _AsWritten()


@dataclass(frozen=True)
class Lever:
    """A lever with its '*' paths expanded to the concrete paths it sets; `start` is the setting the page opens on,
    the scenario's own (added to `values` when the file's levers did not list it)."""

    label: str
    path: str
    values: tuple[Any, ...]
    paths: tuple[str, ...]
    start: int = 0

    def overrides(self, value: Any) -> list[str]:
        if value is AS_WRITTEN:
            return []
        return [f"{p}={json.dumps(value)}" for p in self.paths]


@dataclass
class Grid:
    """Every combination of the levers' values, and for each the mean figures per policy."""

    scenario: str
    seed: int
    description: str
    replications: int
    policies: list[str]
    levers: list[Lever]
    points: list[dict] = field(default_factory=list)  # {"index": [i, j, ...], "figures": {policy: {figure: mean}}}
    smaller_market: str = ""  # what the page says when the grid ran on fewer customers (with_fewer_customers)

    def as_json(self) -> dict:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "description": self.description,
            "replications": self.replications,
            "policies": self.policies,
            "levers": [
                {
                    "label": lever.label or _words_of_path(lever.path),
                    "path": lever.path,
                    "values": [repr(v) if v is AS_WRITTEN else v for v in lever.values],
                    "start": lever.start,
                }
                for lever in self.levers
            ],
            "figures": [{"key": k, "label": label, "kind": kind} for k, label, kind in PAGE_FIGURES],
            "points": self.points,
            "smaller_market": self.smaller_market,
        }


def expand(path: str, data: dict) -> list[str]:
    """Replace each '*' by every item name (or index) of the list at that place in the scenario."""
    parts = path.split(".")
    results: list[str] = []

    def walk(node: Any, i: int, done: list[str]) -> None:
        if i == len(parts):
            results.append(".".join(done))
            return
        part = parts[i]
        if part == "*":
            if not isinstance(node, list):
                raise RecoverySimError(
                    f"'*' in {path} must stand for the items of a list, but {'.'.join(done) or 'the top'} is not a list"
                )
            for index, item in enumerate(node):
                name = item.get("name") if isinstance(item, dict) else None
                walk(item, i + 1, done + [str(name if name is not None else index)])
            return
        if isinstance(node, list):
            names = [item.get("name") if isinstance(item, dict) else None for item in node]
            child = (
                node[names.index(part)]
                if part in names
                else (node[int(part)] if part.isdigit() and int(part) < len(node) else None)
            )
        elif isinstance(node, dict):
            child = node.get(part)
        else:
            child = None
        walk(child, i + 1, done + [part])

    walk(data, 0, [])
    return results


def _same(a: Any, b: Any) -> bool:
    """Equal as settings: True is not 1 and None is not 0."""
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    if isinstance(a, numbers) and isinstance(b, numbers):
        return float(a) == float(b)
    return a == b


def with_scenario_setting(lever: Lever, data: dict) -> Lever:
    """The lever with the scenario's own setting among its values and marked as the start, so that the page opens
    on the scenario as written: the shared value of its paths, inserted in order when missing, or AS_WRITTEN first
    when the paths hold different values (say opportunist shares that differ by segment)."""
    written = [base_value(data, path) for path in lever.paths]
    if any(not _same(value, written[0]) for value in written):
        return Lever(lever.label, lever.path, (AS_WRITTEN, *lever.values), lever.paths, 0)
    own = written[0]
    for index, value in enumerate(lever.values):
        if _same(value, own):
            return Lever(lever.label, lever.path, lever.values, lever.paths, index)
    values = list(lever.values)
    numeric = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if isinstance(own, (int, float)) and not isinstance(own, bool) and len(numeric) == len(values) - values.count(None):
        index = next((i for i, v in enumerate(values) if v is not None and v > own), len(values))
    else:
        index = len(values)
    values.insert(index, own)
    return Lever(lever.label, lever.path, tuple(values), lever.paths, index)


def levers_of(scenario: Scenario, source: str = "scenario") -> list[Lever]:
    """The scenario's what-if levers (or the defaults), expanded, checked value by value, and holding the
    scenario's own setting as the one the page opens on."""
    spec = scenario.whatif or DEFAULT_WHATIF
    data = scenario_to_dict(scenario)
    levers = []
    for index, lever in enumerate(spec.levers):
        where = f"{source}: whatif.levers.{index}.path"
        try:
            paths = tuple(expand(lever.path, data))
        except RecoverySimError as error:
            raise RecoverySimError(f"{where}: {error}") from None
        resolved = Lever(lever.label, lever.path, lever.values, paths)
        for value in lever.values:
            try:
                scenario_from_dict(data, resolved.overrides(value), source=source)
            except ScenarioError as error:
                raise RecoverySimError(
                    f"{where}: {lever.path}={json.dumps(value)} does not make a valid scenario: {error.problems[0]}"
                ) from None
        levers.append(with_scenario_setting(resolved, data))
    return levers


MARKET_SIZE_PATHS = ("market.initial_customers", "market.prospects")


def with_fewer_customers(scenario: Scenario, customers: int, levers: list[Lever]) -> tuple[Scenario, str]:
    """A quicker world for the page: `customers` owners at day 0 and prospects in the scenario's proportion, and the
    sentence the page shows about it (amounts and counts are then those of the smaller market)."""
    market = scenario.market
    if customers >= market.initial_customers:
        raise UsageError(
            f"--customers must be fewer than the scenario's {market.initial_customers:,} initial customers "
            f"(got {customers:,})"
        )
    for lever in levers:
        if any(path.startswith(MARKET_SIZE_PATHS) for path in lever.paths):
            raise UsageError(f"--customers cannot be used with a lever on the market size ({lever.path})")
    prospects = round(market.prospects * customers / market.initial_customers)
    smaller = scenario_from_dict(
        scenario_to_dict(scenario),
        [f"market.initial_customers={customers}", f"market.prospects={prospects}"],
        source="--customers",
    )
    note = (
        f"A quicker version: this page simulated {customers:,} owners and {prospects:,} prospects instead of the "
        f"scenario's {market.initial_customers:,} and {market.prospects:,}, with staff sized for that smaller market. "
        f"Amounts in EUR and counts are for the smaller market; shares, satisfaction and days compare directly."
    )
    return smaller, note


def grid_size(levers: list[Lever]) -> int:
    return math.prod(len(lever.values) for lever in levers)


def _policy_key(data: dict, policy: str) -> str:
    """What a policy's results depend on: the world and that policy alone (so a lever of another policy reuses them)."""
    trimmed = {k: v for k, v in data.items() if k not in ("whatif", "replications", "description", "policies")}
    trimmed["policy"] = next(p for p in data["policies"] if p["name"] == policy)
    return json.dumps(trimmed, sort_keys=True)


def run_grid(
    scenario: Scenario,
    levers: list[Lever],
    replications: int,
    executor: str = "processes",
    workers: int | None = None,
    on_point: Callable[[], None] | None = None,
) -> Grid:
    """Run every grid point for every policy with `replications` replications; keep the mean of each figure.

    All simulations go to one executor map, one task per distinct (world, policy): its staffing pilot and its
    replications run together on a worker, so the cores stay busy and no pilot runs twice. A policy whose world a
    lever does not change (another policy's setting) is run once and shared by the points (see _policy_key).
    """
    base = scenario_to_dict(scenario)
    base["whatif"] = None
    policies = [p.name for p in scenario.policies]
    grid = Grid(scenario.name, scenario.seed, scenario.description, replications, policies, levers)
    point_keys: list[tuple[tuple[int, ...], dict[str, str]]] = []
    tasks: dict[str, PolicyTask] = {}
    for index in itertools.product(*(range(len(lever.values)) for lever in levers)):
        overrides = [o for lever, i in zip(levers, index) for o in lever.overrides(lever.values[i])]
        point = scenario_from_dict(copy.deepcopy(base), overrides, source="whatif grid")
        data = scenario_to_dict(point)
        keys = {p: _policy_key(data, p) for p in policies}
        for policy, key in keys.items():
            if key not in tasks:
                tasks[key] = PolicyTask(key, _alone(point, policy), policy, replications)
        point_keys.append((index, keys))
    figures: dict[str, dict] = {}
    reported = 0
    with executor_for(executor, workers, None) as runner:
        for key, means in runner.map_unordered(run_policy_task, list(tasks.values())):
            figures[key] = means
            while reported < len(point_keys) and all(k in figures for k in point_keys[reported][1].values()):
                reported += 1
                if on_point is not None:
                    on_point()
    for index, keys in point_keys:
        grid.points.append({"index": list(index), "figures": {p: figures[keys[p]] for p in policies}})
    return grid


def _alone(point: Scenario, policy: str) -> Scenario:
    """The grid point with only `policy`: a replication and its staffing pilot see no other policy, and a worker
    then sizes no desk it will not use."""
    return point.model_copy(update={"policies": (point.policy(policy),), "whatif": None, "sweep": None})


@dataclass(frozen=True)
class PolicyTask:
    """Every replication of one policy in one grid point's world; module level so worker processes unpickle it."""

    key: str
    scenario: Scenario
    policy: str
    replications: int


def run_policy_task(task: PolicyTask) -> tuple[str, dict[str, float | None]]:
    """The mean of each page figure over the task's replications (replication r has the seeds of `run`'s r)."""
    runs = pd.DataFrame([run_replication(task.scenario, task.policy, r).figures for r in range(task.replications)])
    return task.key, {k: _finite(runs[k].mean()) for k, _, _ in PAGE_FIGURES}  # NaN skipped, as in `run`


def _finite(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def grid_json(grid: Grid) -> str:
    """The grid as JSON that is safe inside a <script> element."""
    text = json.dumps(grid.as_json(), separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_title(description: str, name: str) -> str:
    """What the page is called on a projector: the first sentence of the scenario's description, its asides in
    brackets dropped, or the scenario's name in words when there is no description (a file slug is no title)."""
    first = _sentences(description)[0] if description.strip() else ""
    first = re.sub(r"\s*\([^()]*\)", "", first).strip().rstrip(".")
    return first or name.replace("-", " ").replace("_", " ").capitalize()


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", " ".join(text.split())) if s]


def _rest_of_description(description: str) -> str:
    """The description after the sentence the title shows."""
    return " ".join(_sentences(description)[1:]) if description.strip() else ""


def _words_of_path(path: str) -> str:
    """A lever without a label is called by the last name in its path, in words (never the dotted path itself)."""
    last = next((part for part in reversed(path.split(".")) if part != "*" and not part.isdigit()), path)
    return last.replace("_", " ").capitalize()


def page_html(grid: Grid) -> str:
    title = page_title(grid.description or "", grid.scenario)
    replications = f"{grid.replications} replication{'s' if grid.replications != 1 else ''}"
    note = (
        f"Every setting was simulated in advance: each figure is the mean of {replications} per policy "
        f"(seed {grid.seed}), so small differences may be noise. For 95 % intervals, run the full simulation "
        f"(recoverysim run) with more replications."
    )
    return (
        PAGE_TEMPLATE.replace("%TITLE%", escape(f"What if? {title}"))
        .replace("%DESCRIPTION%", escape(_rest_of_description(grid.description or "")))
        .replace(
            "%SMALLER%",
            f'<p class="smaller" id="smaller-market">{escape(grid.smaller_market)}</p>' if grid.smaller_market else "",
        )
        .replace("%NOTE%", escape(note))
        .replace("%GRID%", grid_json(grid))
    )


def write_page(grid: Grid, output: Path) -> Path:
    prepare_folder(output.parent if str(output.parent) else Path("."))
    html = page_html(grid)
    atomic_write(output, lambda p: p.write_text(html, encoding="utf-8"))
    return output


PAGE_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%TITLE%</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
/* Made for a projector at 1024 x 768: no text below 16 px, the chart drawn in screen pixels. */
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;font-size:18px;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin:.4em 0}.note{font-size:.95em;color:#444}
.levers{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:1em;margin:1em 0;padding:1em;background:#f4f7fb;border-radius:8px}
.lever label{display:block;font-weight:600;margin-bottom:.3em}.lever input[type=range]{width:100%}
.lever input[type=checkbox]{width:1.4em;height:1.4em;vertical-align:middle}
.lever .value{font-size:1.3em;font-variant-numeric:tabular-nums}
.ticks{display:flex;justify-content:space-between;font-size:.95em;color:#444}
.main{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}
.main>.figures{flex:1 1 520px;min-width:min-content}.main>.tradeoff{flex:1 1 400px}  /* the chart goes below a wide table */
table{border-collapse:collapse;font-size:1em;width:100%}th,td{border-bottom:1px solid #ddd;padding:.3em .4em;text-align:right}
th:first-child,td:first-child{text-align:left}td{font-variant-numeric:tabular-nums}
#chart{display:block;width:100%;height:360px}
svg text{font-family:inherit}
.point{cursor:pointer}.point:focus{outline:none}.point:focus>*,.point:hover>*{stroke:#000;stroke-width:3}
#tip{pointer-events:none}
.smaller{padding:.5em .8em;background:#fff4d6;border-left:6px solid #E69F00}
</style></head>
<body>
<h1>%TITLE%</h1>
<p>%DESCRIPTION%</p>
%SMALLER%
<div class="levers" id="levers"></div>
<div class="main">
 <div class="figures"><h2>Headline figures</h2><table id="figures"></table></div>
 <div class="tradeoff"><h2>Trade-off</h2><svg id="chart" role="img" aria-label="total cost against value of customers kept, one mark per setting and policy"></svg>
 <p class="note">Each small mark is one setting of the levers; the large marks are the current setting. Left and up is better. Point at a small mark, or move to it with the Tab key, to see its setting; click it or press Enter to show that setting.</p></div>
</div>
<p class="note">%NOTE%</p>
<script type="application/json" id="grid">%GRID%</script>
<script>
"use strict";
const grid = JSON.parse(document.getElementById("grid").textContent);
const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];
const SHAPES = ["circle", "square", "triangle", "diamond", "circle", "square"];
const TEXT_PX = 16;  // the smallest text on the page, chart included (the chart is drawn 1 unit = 1 screen pixel)
const state = grid.levers.map(lever => lever.start);
const SVG = document.getElementById("chart").namespaceURI;  // inline <svg> already has the SVG namespace

function valueText(v) { return v === null ? "none" : v === true ? "on" : v === false ? "off" : String(v); }
function fmt(x, kind) {
  if (x === null || x === undefined) return "n/a";
  if (kind === "share") return (100 * x).toFixed(1) + " %";
  if (kind === "eur" || kind === "count") return Math.round(x).toLocaleString("en-US");
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2);
}
function fmtDiff(x, kind) {
  if (x === null || x === undefined) return "n/a";
  const text = kind === "share" ? Math.abs(100 * x).toFixed(1) + " pts" : fmt(Math.abs(x), kind);
  const zero = !/[1-9]/.test(text);  // rounds to zero: no sign
  return (zero ? "±" : x > 0 ? "+" : "−") + text;
}
function currentPoint() {
  return grid.points.find(p => p.index.every((i, k) => i === state[k]));
}
function settingText(index) {
  return grid.levers.map((lever, k) => lever.label + ": " + valueText(lever.values[index[k]])).join("; ");
}

function buildLevers() {
  const box = document.getElementById("levers");
  grid.levers.forEach((lever, k) => {
    const div = document.createElement("div"); div.className = "lever";
    const label = document.createElement("label"); label.textContent = lever.label; label.htmlFor = "lever-" + k;
    div.appendChild(label);
    const isToggle = lever.values.length === 2 && lever.values.every(v => typeof v === "boolean");
    const input = document.createElement("input"); input.id = "lever-" + k;
    const shown = document.createElement("span"); shown.className = "value"; shown.id = "lever-" + k + "-value";
    if (isToggle) {
      input.type = "checkbox"; input.checked = lever.values[lever.start] === true;
      input.addEventListener("change", () => { state[k] = lever.values.indexOf(input.checked); update(); });
      div.appendChild(input); div.appendChild(document.createTextNode(" ")); div.appendChild(shown);
    } else {
      input.type = "range"; input.min = 0; input.max = lever.values.length - 1; input.step = 1; input.value = lever.start;
      input.setAttribute("aria-valuetext", valueText(lever.values[lever.start]));
      input.addEventListener("input", () => { state[k] = Number(input.value); update(); });
      div.appendChild(shown); div.appendChild(input);
      const ticks = document.createElement("div"); ticks.className = "ticks";
      lever.values.forEach(v => { const s = document.createElement("span"); s.textContent = valueText(v); ticks.appendChild(s); });
      div.appendChild(ticks);
    }
    box.appendChild(div);
  });
}
function showSetting(index) {
  index.forEach((i, k) => {
    state[k] = i;
    const input = document.getElementById("lever-" + k);
    if (input.type === "checkbox") input.checked = grid.levers[k].values[i] === true; else input.value = i;
  });
  update();
}

function buildTable() {
  const table = document.getElementById("figures");
  const head = table.insertRow(); const th0 = document.createElement("th"); th0.textContent = "Figure"; head.appendChild(th0);
  grid.policies.forEach(p => { const th = document.createElement("th"); th.textContent = p; head.appendChild(th); });
  grid.policies.slice(1).forEach(p => { const th = document.createElement("th"); th.textContent = p + " − " + grid.policies[0]; head.appendChild(th); });
  grid.figures.forEach(f => {
    const row = table.insertRow(); const name = row.insertCell(); name.textContent = f.label;
    grid.policies.forEach(p => { const c = row.insertCell(); c.id = "v-" + f.key + "-" + p; });
    grid.policies.slice(1).forEach(p => { const c = row.insertCell(); c.id = "d-" + f.key + "-" + p; });
  });
}

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, v));
  parent.appendChild(e); return e;
}
function mark(parent, shape, x, y, r, colour, filled) {
  const a = {fill: filled ? colour : "white", stroke: filled ? "black" : colour, "stroke-width": filled ? 1 : 1.5};
  if (shape === "square") return el("rect", {x: x - r, y: y - r, width: 2 * r, height: 2 * r, ...a}, parent);
  if (shape === "triangle") return el("polygon", {points: `${x},${y - r * 1.2} ${x - r * 1.1},${y + r * 0.8} ${x + r * 1.1},${y + r * 0.8}`, ...a}, parent);
  if (shape === "diamond") return el("polygon", {points: `${x},${y - r * 1.3} ${x - r * 1.1},${y} ${x},${y + r * 1.3} ${x + r * 1.1},${y}`, ...a}, parent);
  return el("circle", {cx: x, cy: y, r: r, ...a}, parent);
}
function niceTicks(lo, hi, n) {
  const step0 = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(step0 || 1)));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= step0) || mag;
  const out = []; for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) out.push(t); return out;
}
function showTip(g, lines, x, y, W, H) {
  const tip = document.getElementById("tip"); while (tip.firstChild) tip.removeChild(tip.firstChild);
  const box = el("rect", {fill: "white", stroke: "#333", rx: 4}, tip);
  lines.forEach((line, i) => { el("text", {x: 0, y: (i + 1) * (TEXT_PX + 4), "font-size": TEXT_PX}, tip).textContent = line; });
  tip.setAttribute("visibility", "visible");
  const b = tip.getBBox();
  box.setAttribute("x", b.x - 6); box.setAttribute("y", b.y - 4); box.setAttribute("width", b.width + 12); box.setAttribute("height", b.height + 8);
  const left = Math.max(6, Math.min(x - b.width / 2, W - b.width - 12));
  const top = y - b.height - 20 > 4 ? y - b.height - 20 : Math.min(y + 12, H - b.height - 12);
  tip.setAttribute("transform", `translate(${left},${top})`);
  tip.parentNode.appendChild(tip);  // drawn last, above the marks
}
function hideTip() { const tip = document.getElementById("tip"); if (tip) tip.setAttribute("visibility", "hidden"); }

function drawChart(point) {
  const svg = document.getElementById("chart"); while (svg.firstChild) svg.removeChild(svg.firstChild);
  const box = svg.getBoundingClientRect(), W = box.width || 460, H = box.height || 360;  // exact: no rounding
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);  // one unit per screen pixel, so font sizes are what they say
  const L = 84, R = W - 14, T = 14, B = H - 52;
  const xs = [], ys = [];
  grid.points.forEach(p => grid.policies.forEach(q => {
    const f = p.figures[q]; if (f.cost_total_eur !== null && f.customer_value_eur !== null) { xs.push(f.cost_total_eur); ys.push(f.customer_value_eur); }
  }));
  if (!xs.length) return;
  const pad = (lo, hi) => { const d = (hi - lo) || Math.abs(hi) * 0.1 || 1; return [lo - 0.08 * d, hi + 0.08 * d]; };
  const [x0, x1] = pad(Math.min(...xs), Math.max(...xs)), [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
  const big = Math.max(Math.abs(x1), Math.abs(y1)) >= 2e6 ? [1e6, "million EUR"] : [1e3, "thousand EUR"];
  const sx = x => L + (x - x0) / (x1 - x0) * (R - L), sy = y => B - (y - y0) / (y1 - y0) * (B - T);
  const amount = x => (Math.abs(x / big[0]) < 5e-3 ? 0 : x / big[0]).toLocaleString("en-US", {maximumFractionDigits: 2});  // no "-0"
  el("rect", {x: L, y: T, width: R - L, height: B - T, fill: "none", stroke: "#999"}, svg);
  niceTicks(x0, x1, Math.max(2, Math.floor((R - L) / 110))).forEach(t => {
    el("line", {x1: sx(t), x2: sx(t), y1: T, y2: B, stroke: "#eee"}, svg);
    el("text", {x: sx(t), y: B + TEXT_PX + 4, "text-anchor": "middle", "font-size": TEXT_PX}, svg).textContent = amount(t);
  });
  niceTicks(y0, y1, 4).forEach(t => {
    el("line", {x1: L, x2: R, y1: sy(t), y2: sy(t), stroke: "#eee"}, svg);
    el("text", {x: L - 6, y: sy(t) + TEXT_PX / 3, "text-anchor": "end", "font-size": TEXT_PX}, svg).textContent = amount(t);
  });
  el("text", {x: (L + R) / 2, y: B + 2 * TEXT_PX + 12, "text-anchor": "middle", "font-size": TEXT_PX}, svg).textContent = "total cost (" + big[1] + ")";
  el("text", {x: TEXT_PX, y: (T + B) / 2, "text-anchor": "middle", "font-size": TEXT_PX, transform: `rotate(-90 ${TEXT_PX} ${(T + B) / 2})`}, svg).textContent = "value kept (" + big[1] + ")";
  const marks = el("g", {}, svg);
  grid.points.forEach((p, n) => grid.policies.forEach((q, k) => {
    const f = p.figures[q]; if (f.cost_total_eur === null || f.customer_value_eur === null) return;
    const x = sx(f.cost_total_eur), y = sy(f.customer_value_eur);
    const g = el("g", {class: "point", tabindex: 0, id: "point-" + n + "-" + k, "data-index": p.index.join(",")}, marks);
    const lines = [q + ": " + p.index.map((i, j) => valueText(grid.levers[j].values[i])).join(", "),
                   "cost " + amount(f.cost_total_eur) + ", value " + amount(f.customer_value_eur) + " (" + big[1] + ")"];
    el("title", {}, g).textContent = q + " with " + settingText(p.index) + ". " + lines[1] + ".";
    mark(g, SHAPES[k % SHAPES.length], x, y, 5, COLOURS[k % COLOURS.length], false);
    const show = () => showTip(g, lines, x, y, W, H);
    g.addEventListener("focus", show); g.addEventListener("mouseenter", show);
    g.addEventListener("blur", hideTip); g.addEventListener("mouseleave", hideTip);
    const choose = () => { showSetting(p.index); const again = document.getElementById(g.id); if (again) again.focus(); };
    g.addEventListener("click", choose);
    g.addEventListener("keydown", e => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); choose(); } });
  }));
  grid.policies.forEach((q, k) => {
    const f = point.figures[q]; if (f.cost_total_eur === null || f.customer_value_eur === null) return;
    const m = mark(svg, SHAPES[k % SHAPES.length], sx(f.cost_total_eur), sy(f.customer_value_eur), 9, COLOURS[k % COLOURS.length], true);
    m.setAttribute("id", "mark-" + q); m.setAttribute("data-x", f.cost_total_eur); m.setAttribute("data-y", f.customer_value_eur);
    m.setAttribute("pointer-events", "none");  // the small mark below it answers the pointer
    const right = sx(f.cost_total_eur) > L + 0.6 * (R - L);  // keep the name inside the chart
    el("text", {x: sx(f.cost_total_eur) + (right ? -12 : 12), y: sy(f.customer_value_eur) - 12, "font-size": TEXT_PX + 1, "font-weight": "bold",
                "text-anchor": right ? "end" : "start", "pointer-events": "none"}, svg).textContent = q;
  });
  el("g", {id: "tip", visibility: "hidden"}, svg);
}

function update() {
  grid.levers.forEach((lever, k) => {
    const text = valueText(lever.values[state[k]]);
    document.getElementById("lever-" + k + "-value").textContent = text;
    document.getElementById("lever-" + k).setAttribute("aria-valuetext", text);
  });
  const point = currentPoint();
  document.body.setAttribute("data-point", point.index.join(","));
  const base = point.figures[grid.policies[0]];
  grid.figures.forEach(f => {
    grid.policies.forEach(p => {
      const cell = document.getElementById("v-" + f.key + "-" + p), v = point.figures[p][f.key];
      cell.textContent = fmt(v, f.kind); cell.setAttribute("data-value", v === null ? "" : String(v));
    });
    grid.policies.slice(1).forEach(p => {
      const cell = document.getElementById("d-" + f.key + "-" + p), v = point.figures[p][f.key], b = base[f.key];
      const d = (v === null || b === null) ? null : v - b;
      cell.textContent = fmtDiff(d, f.kind); cell.setAttribute("data-value", d === null ? "" : String(d));
    });
  });
  drawChart(point);
}

buildLevers(); buildTable(); update();
let resizing = null;
window.addEventListener("resize", () => { clearTimeout(resizing); resizing = setTimeout(() => drawChart(currentPoint()), 100); });
</script>
</body></html>
"""
