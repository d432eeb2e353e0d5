"""A results folder as one self-contained HTML file a policy maker can forward.

Figures are embedded as base64 PNG, styles are inline, and nothing refers to
the network, so the file opens from an e-mail attachment. Every text that
comes from a scenario file (names, descriptions) is escaped.
"""

from __future__ import annotations

import base64
import io
import math
import re
from html import escape
from pathlib import Path

import pandas as pd
from pydantic import BaseModel

from recoverysim.calibration.best import best_sentences, interval, percent
from recoverysim.errors import RecoverySimError
from recoverysim.field_labels import field_label, field_name_and_unit
from recoverysim.metrics import KEY_FIGURES
from recoverysim.params import parameter_rows
from recoverysim.results import PROBABILITY_BEST_FILE, atomic_write, prepare_folder, read_results
from recoverysim.scenario.provenance import DEFAULT
from recoverysim.scenario.schema import Policy, Scenario
from recoverysim.selection import RESAMPLES
from recoverysim.table import number, with_interval
from recoverysim.verdict import verdict_sentences
from recoverysim.views import plots, sweep_plots
from recoverysim.views.discover_report import where_each_policy_wins_html
from recoverysim.views.figure_files import (
    decomposition_metric,
    figures_for_folder,
    folder_kind,
    read_decomposition,
    read_manifest,
    read_points,
    sweep_context,
)
from recoverysim.views.sensitivity_views import sensitivity_section

#: Figures the headline speaks about, in order, with a plain name and a unit kind.
HEADLINE = (
    ("value_total_eur", "total value at day 0 (net result plus the customers kept, both discounted)", "eur"),
    ("net_result_eur", "net result (margin earned minus every cost)", "eur"),
    ("customer_value_eur", "value of the customers kept (future margin, at the horizon)", "eur"),
    ("claimant_repurchase_share", "share of honest claimants who bought again at their next occasion", "share"),
    ("honest_unremedied_share", "share of honest claims that got nothing (denied, excluded or abandoned)", "share"),
    ("retention_share", "share of the initial customers still customers at the end", "share"),
    ("cost_total_eur", "total cost", "eur"),
    ("fraud_paid_eur", "fraud paid out", "eur"),
    ("honest_denied_share", "share of honest claims denied", "share"),
    ("satisfaction_mean", "mean satisfaction after a claim (0 to 1)", "plain"),
    ("resolution_days_mean", "mean days from filing to a decision", "days"),
    ("wom_negative", "number of people who heard a negative story", "count"),
)
UNITS = {f: kind for f, _, kind in HEADLINE} | {
    "cost_per_claim_eur": "eur",
    "fraud_share": "share",
    "approval_share": "share",
    "abandonment_share": "share",
    "resolution_days_p90": "days",
    "claims": "count",
    "wom_positive": "count",
    "customers_won_wom": "count",
    "customers_lost_wom": "count",
    "contacts_per_claim": "plain",
    "transfers_per_claim": "plain",
    "nps": "plain",
}
CAPTIONS = {
    "tradeoff": (
        "Cost over the horizon (x) against what each policy keeps (y); lower right to upper left is better. Bars "
        "are 95 % intervals; the dashed line joins the policies no other policy beats on both. In a sweep, each "
        "policy's points are joined in order, pale to full, and the ends are named; an axis that does not start "
        "at 0 says so."
    ),
    "over-time": (
        "Customers, their mean loyalty and the cumulative cost, day by day: mean across replications with a 95 % band."
    ),
    "money": (
        "Mean cost components per policy, stacked, beside the margin earned; on the right the claim costs alone, "
        "without staff."
    ),
    "claim-journeys": (
        "How long claims take to a decision (share decided within so many days) and how many contacts they need, "
        "honest and fraudulent claims apart."
    ),
    "word-of-mouth": (
        "Positive and negative impressions over time, and the prospects won or lost through them (95 % intervals)."
    ),
    "sweep-difference": (
        "Paired difference against the baseline policy as the varied parameter moves, with its 95 % band; a "
        "dotted line marks where it crosses zero (break-even). Groups of the other parameters that give the same "
        "series are drawn once."
    ),
    "decomposition": (
        "Waterfall from the first policy to the second: each lever's Shapley value (its average effect "
        "when switched, over the orderings of the levers), stacked from zero to the total paired "
        "difference; "
        "error bars are 95 % intervals across replications."
    ),
    "sensitivity": (
        "Morris or Sobol design: the inputs ranked by how much they move the paired difference between policies, "
        "with 95 % bootstrap intervals."
    ),
    "tornado": (
        "One-at-a-time design: how far each parameter, moved alone to its low or high value, shifts the "
        "comparison; whiskers are 95 % intervals across the paired replications at each end, dotted lines the "
        "same at the base point."
    ),
}
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
.table-scroll{overflow-x:auto;max-width:100%;margin:1em 0}.table-scroll table{margin:0}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}table.wide{font-size:.8em}table.wide td.num{white-space:normal}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.differs td{background:#fff6d6}tr.differs td:first-child{font-weight:bold}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:.9em;color:#444}
.quote{border-left:4px solid #0072B2;padding:.2em 1em;margin:.6em 0;background:#f7fbff}
.small{font-size:.85em;color:#555}pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:.8em}
"""


def figure_png(figure) -> str:
    """A figure as a base64 PNG data URI (no 'Software' tag, so the file names no web address)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def fmt(value: float, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "share":
        return f"{100 * value:.1f} %"
    if kind == "eur":
        return f"{number(value)} EUR"
    if kind == "days":
        return f"{number(value)} days"
    return number(value)


def fmt_diff(value: float, kind: str) -> str:
    if kind == "share":
        return f"{100 * value:+.1f} percentage points".replace("-", "−")
    text = fmt(abs(value), kind)
    return ("+" if value >= 0 else "−") + text


def headline_sentences(summary: pd.DataFrame, horizon_days: int | None) -> list[str]:
    """Sentences a policy maker can quote: each policy against the baseline, with the 95 % interval of the paired difference."""
    policies = list(dict.fromkeys(summary["policy"]))
    baseline = policies[0]
    table = summary.set_index(["policy", "metric"])
    over = f"over {horizon_days} days" if horizon_days else "over the horizon"
    out = []
    for policy in policies[1:]:
        for figure, words, kind in HEADLINE:
            if (policy, figure) not in table.index:
                continue
            mine, base = table.loc[(policy, figure)], table.loc[(baseline, figure)]
            diff, low, high = mine["diff_vs_baseline"], mine["diff_ci_low"], mine["diff_ci_high"]
            where = f"{fmt(mine['mean'], kind)} under {policy} against {fmt(base['mean'], kind)} under {baseline}"
            if math.isnan(low) or math.isnan(high):
                verdict = f"a difference of {fmt_diff(diff, kind)} (too few replications for an interval)"
            elif low > 0 or high < 0:
                verdict = (
                    f"{'more' if diff > 0 else 'less'} by {fmt_diff(diff, kind).lstrip('+-−')} "
                    f"(95 % interval {fmt_diff(low, kind)} to {fmt_diff(high, kind)})"
                )
            else:
                verdict = (
                    f"no clear difference: {fmt_diff(diff, kind)}, 95 % interval {fmt_diff(low, kind)} to "
                    f"{fmt_diff(high, kind)}, which includes zero"
                )
            out.append(f"The {words} {over} is {where}: {verdict}.")
    return out


#: Two fraud figures that a bare "8 % fraud" would confuse: an input share of customers, an output share of claims.
FRAUD_WORDS = (
    "<code>fraud_share</code> is the fraudulent share of claims, an output; the opportunists among customers "
    "(<code>market.segments[].opportunist_share</code>) are an input, a share of customers who would ever "
    "consider a fraudulent claim. They differ widely: in the canonical scenario 5 % opportunists among "
    "customers give about 12.5 % fraudulent claims under the trusting policy (docs/model.md, section 3)."
)


def figures_table(summary: pd.DataFrame) -> str:
    policies = list(dict.fromkeys(summary["policy"]))
    table = summary.set_index(["policy", "metric"])
    head = "".join(f"<th>{escape(p)}</th>" for p in policies) + "".join(
        f"<th>{escape(p)} − {escape(policies[0])}</th>" for p in policies[1:]
    )
    rows = []
    for figure in KEY_FIGURES:
        if (policies[0], figure) not in table.index:
            continue
        cells = [with_interval(*table.loc[(p, figure)][["mean", "ci_low", "ci_high"]]) for p in policies]
        cells += [
            with_interval(*table.loc[(p, figure)][["diff_vs_baseline", "diff_ci_low", "diff_ci_high"]])
            for p in policies[1:]
        ]
        rows.append(
            f"<tr><td><code>{figure}</code></td>"
            + "".join(f'<td class="num">{escape(c)}</td>' for c in cells)
            + "</tr>"
        )
    return f"<table><tr><th>figure</th>{head}</tr>{''.join(rows)}</table>"


def _plain(value) -> str:
    if isinstance(value, BaseModel):
        return ", ".join(f"{k} {_plain(v)}" for k, v in value.model_dump().items())
    if isinstance(value, dict):
        return ", ".join(f"{k} {_plain(v)}" for k, v in value.items()) or "none"
    if isinstance(value, (tuple, list)):
        return ", ".join(_plain(v) for v in value) or "none"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)


def levers_table(scenario: Scenario) -> str:
    """Every policy lever, one column per policy; rows where the policies differ are highlighted."""
    policies = scenario.policies
    head = "".join(f"<th>{escape(p.name)}</th>" for p in policies)
    rows = ["<tr><td>what it is</td>" + "".join(f"<td>{escape(p.description) or '—'}</td>" for p in policies) + "</tr>"]
    for name, field in Policy.model_fields.items():
        if name in ("name", "description", "auto_sized"):  # auto_sized is the staffing step's record, not a lever
            continue
        values = [_plain(getattr(p, name)) for p in policies]
        differs = len(set(values)) > 1
        rows.append(
            f'<tr class="{"differs" if differs else ""}"><td title="{escape(field.description or "")}">{escape(name)}</td>'
            + "".join(f"<td>{escape(v)}</td>" for v in values)
            + "</tr>"
        )
    return f"<table><tr><th>lever</th>{head}</tr>{''.join(rows)}</table>"


def world_sentence(scenario: Scenario) -> str:
    m = scenario.market
    segments = "; ".join(
        f"{s.name} {100 * s.share:.0f} % (opportunists among customers {100 * s.opportunist_share:.0f} %)"
        for s in m.segments
    )
    components = ", ".join(f"{c.name} ({c.failures_per_year:g} failures per year)" for c in scenario.product.components)
    return (
        f"{m.initial_customers:,} customers own the product at the start and {m.prospects:,} prospects may buy, over "
        f"{scenario.horizon_days} days. Segments: {segments}. Components: {components}; warranty "
        f"{scenario.product.warranty_days:g} days; price {scenario.money.price_eur:g} EUR."
    )


def provenance(description: str) -> str:
    text = description or ""
    if "Source" in text or "Source:" in text:
        return "source"
    if "ssumption" in text:
        return "assumption"
    return "choice"


#: Sections and fields the assumptions table leaves out: tools' settings and names, not assumptions.
NOT_ASSUMPTIONS = ("whatif", "sweep", "schema_version", "name", "description")


def assumptions_table(scenario: Scenario, written: dict[str, str] | None = None) -> str:
    """Every parameter with who set it (scenario.provenance, as `recoverysim params` says) and its source.

    `written` is the manifest's record of what the file and --set wrote; without it (older results)
    only a value that differs from its default is told apart.
    """
    rows = []
    for row in parameter_rows(scenario, written):
        if row.path.split(".")[0] in NOT_ASSUMPTIONS or row.path.endswith((".name", ".description")):
            continue
        kind = provenance(row.description) if row.set_by == DEFAULT else "the scenario&#x27;s own value"
        rows.append(
            f'<tr><td><code>{escape(row.path)}</code></td><td class="num">{escape(row.value)}</td>'
            f"<td>{escape(row.set_by)}</td><td>{kind}</td><td>{escape(row.description)}</td></tr>"
        )
    return (
        "<table><tr><th>parameter</th><th>value used</th><th>set by</th><th>kind</th><th>meaning and source</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def versions_table(manifest: dict) -> str:
    versions = manifest.get("versions", {})
    return (
        "<table>"
        + "".join(f"<tr><td>{escape(str(k))}</td><td>{escape(str(v))}</td></tr>" for k, v in versions.items())
        + "</table>"
    )


def _figures_html(figures: dict) -> str:
    parts = []
    for name, figure in figures.items():
        parts.append(
            f'<figure id="fig-{name}"><img alt="{escape(name)}" src="{figure_png(figure)}">'
            f"<figcaption>{escape(CAPTIONS.get(name, name))}</figcaption></figure>"
        )
    return "\n".join(parts)


#: From this many columns a table gets the smaller, wrapping style; every table sits in a scroll container.
WIDE_COLUMNS = 6
_TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.DOTALL)


def _fit_table(match: re.Match) -> str:
    """A table inside a horizontal scroll container, so three policies' columns never run off the page."""
    table = match.group(0)
    first_row = table.split("</tr>", 1)[0]
    columns = first_row.count("<th") + first_row.count("<td")
    if columns >= WIDE_COLUMNS and table.startswith("<table>"):
        table = '<table class="wide">' + table[len("<table>") :]
    return f'<div class="table-scroll">{table}</div>'


def _page(title: str, body: str) -> str:
    body = _TABLE.sub(_fit_table, body)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>'
        f"<body>\n{body}\n</body></html>\n"
    )


def _scenario_from_manifest(manifest: dict, folder: Path) -> Scenario | None:
    from recoverysim.errors import ScenarioError
    from recoverysim.scenario.load import scenario_from_dict

    if "scenario" not in manifest:
        return None
    try:
        return scenario_from_dict(manifest["scenario"], source=str(folder / "manifest.json"))
    except ScenarioError as error:
        raise RecoverySimError(
            f"{folder / 'manifest.json'}: the stored scenario no longer validates ({error.problems[0]})"
        ) from None


def reproduce_html(manifest: dict, scenario: Scenario | None) -> str:
    command = manifest.get("command") or "(not recorded)"
    seed = scenario.seed if scenario else manifest.get("seed")
    return (
        f"<p>Command: <code>{escape(command)}</code><br>Seed: <code>{escape(str(seed))}</code>; "
        f"replications per policy: {escape(str(manifest.get('replications', 'n/a')))}; "
        f"run from {escape(str(manifest.get('started', '?')))} to {escape(str(manifest.get('finished', '?')))}.</p>"
        "<p>The same command with the same package versions gives the same numbers. Versions:</p>"
        + versions_table(manifest)
    )


def run_report(folder: Path) -> str:
    stored = read_results(folder)
    manifest = stored.manifest
    scenario = _scenario_from_manifest(manifest, folder)
    context = plots.Context.from_manifest(manifest)
    name = str(manifest.get("scenario_name", "scenario"))
    policies = list(dict.fromkeys(stored.summary["policy"]))
    sentences = headline_sentences(stored.summary, scenario.horizon_days if scenario else None)
    figures = plots.run_figures(stored.summary, stored.replications, stored.claims, stored.daily, context)
    body = [
        f"<h1>{escape(name)}: {' vs '.join(escape(p) for p in policies)}</h1>",
        f'<p class="small">{escape(context.footer())}. Figures are means with 95 % Student t intervals across '
        "replications; differences pair each replication with the baseline's on the same seed (common random numbers).</p>",
        "<h2>The question</h2>",
        f"<p>{escape(scenario.description) if scenario and scenario.description else 'No description in the scenario file.'}</p>",
    ]
    if scenario is not None:
        body += [
            "<h2>The scenario in plain words</h2>",
            f"<p>{escape(world_sentence(scenario))}</p>",
            f"<p>The policies and the levers each sets (highlighted where they differ; {escape(policies[0])} is the baseline):</p>",
            levers_table(scenario),
        ]
    body += ["<h2>Headline comparison</h2>"]
    body += [
        f'<p class="quote"><strong>Verdict.</strong> {escape(s)}</p>'
        for s in verdict_sentences(stored.replications, policies)
    ]
    body += [f'<p class="quote">{escape(s)}</p>' for s in sentences] or [
        "<p>Only one policy was run: there is nothing to compare.</p>"
    ]
    body += selection_html(stored.selection)
    body += probability_best_html(folder, manifest, int(stored.replications["replication"].nunique()))
    body += ["<h3>Every key figure</h3>", figures_table(stored.summary), f'<p class="small">{FRAUD_WORDS}</p>']
    body += ["<h2>Figures</h2>", _figures_html(figures)]
    if scenario is not None:
        body += [
            "<h2>Assumptions</h2>",
            "<p>Every parameter used, whether it came from the scenario file or the default, and "
            "where its value comes from (a published source, or an assumption of this model; policy levers are choices).</p>",
            assumptions_table(scenario, manifest.get("written")),
        ]
    body += ["<h2>How to reproduce</h2>", reproduce_html(manifest, scenario)]
    return _page(f"{name} report", "\n".join(body))


def selection_html(selection: pd.DataFrame | None) -> list[str]:
    """Which policy and how sure: selection.csv for the headline figures that have a better side."""
    if selection is None or selection.empty or selection["policy"].nunique() < 2:
        return []
    rows = []
    for figure, _, kind in HEADLINE:
        for row in selection[selection["metric"] == figure].to_dict("records"):
            standing = "best" if row["best"] else ("worse, at 95 %" if row["separated"] else "cannot tell")
            rows.append(
                f"<tr><td><code>{figure}</code> ({escape(str(row['better']))} is better)</td>"
                f"<td>{escape(str(row['policy']))}</td>"
                f'<td class="num">{escape(fmt(row["diff_from_best"], "plain" if kind == "share" else kind))}</td>'
                f'<td class="num">[{escape(number(row["mcb_low"]))}, {escape(number(row["mcb_high"]))}]</td>'
                f'<td class="num">{escape(percent(row["probability_best"]))}</td><td>{standing}</td></tr>'
            )
    if not rows:
        return []
    count = int(selection["replications"].max())
    explanation = (
        "<p>For each figure, each policy's difference from the best policy (0 for the best; in the figure's own "
        "units, so negative where higher is better and positive where lower is better), and a simultaneous 95 % "
        "interval for the policy minus the best of the others (Hsu's multiple comparisons with the best, paired "
        "by replication, Bonferroni over the comparisons): the intervals of all policies hold together with "
        "95 % confidence, so a policy whose interval ends at 0 on the better side is worse than the best. "
        f"The probability best is the share of {RESAMPLES:,} bootstrap resamples of the "
        f"{count} replications in which the policy had the best mean (ties shared). All figures are in "
        "<code>selection.csv</code>.</p>"
    )
    return [
        "<h2>Which policy and how sure</h2>",
        explanation,
        "<table><tr><th>figure</th><th>policy</th><th>difference from the best</th>"
        "<th>simultaneous 95 % interval</th><th>probability best</th><th>standing</th></tr>"
        + "".join(rows)
        + "</table>",
    ]


def probability_best_html(folder: Path, manifest: dict, replications: int) -> list[str]:
    """The section of a `run --posterior` folder: each policy's probability of being best, and where the sets came from."""
    path = folder / PROBABILITY_BEST_FILE
    if not path.is_file():
        return []
    table = pd.read_csv(path)
    about = manifest.get("posterior") if isinstance(manifest.get("posterior"), dict) else {}
    source = str(about.get("folder", "a calibration folder (not recorded)"))
    parameters = ", ".join(str(p) for p in about.get("parameters", [])) or "not recorded"
    rows = "".join(
        f'<tr><td>{escape(str(r.policy))}</td><td class="num">{escape(percent(r.probability_best))}</td>'
        f'<td class="num">{escape(interval(r.low, r.high))}</td></tr>'
        for r in table.itertuples()
    )
    return [
        "<h3>Which policy is best, given what the calibration leaves uncertain</h3>",
        f"<p>Each replication drew one parameter set from the posterior of the calibration folder "
        f"<code>{escape(source)}</code> (parameters: {escape(parameters)}) and ran every policy with it, so the "
        f"comparison stays paired. Over the {replications} replications (parameter sets and randomness), "
        f"the share in which each policy had the highest {escape(str(table['metric'].iloc[0]))} "
        "(ties shared), with a 95 % Wilson interval. The assumptions below show the scenario as given; the "
        "fitted parameters took the drawn values instead.</p>",
        f'<p class="quote">{escape(best_sentences(table, replications)[0])}.</p>',
        f"<table><tr><th>policy</th><th>probability best</th><th>95 % interval</th></tr>{rows}</table>",
    ]


POINT_FIGURES = ("net_result_eur", "value_total_eur")


def points_table(points: pd.DataFrame, figure: str = "net_result_eur") -> str:
    """One row per sweep point: each policy's mean (95 % interval) and, beside them, each challenger's paired
    difference from the baseline (95 % interval over replications on the same seeds); bold where it excludes 0."""
    summary, labels = sweep_plots.sweep_summary(points)
    policies = list(dict.fromkeys(points["policy"]))
    absolutes = summary[summary["metric"] == figure].set_index(["point", "policy"])
    diffs = (
        sweep_plots.paired_differences(points, figure, policies[0]).set_index(["point", "policy"])
        if len(policies) > 1
        else pd.DataFrame()
    )
    head = "".join(f"<th>{escape(p)}</th>" for p in policies) + "".join(
        f"<th>{escape(p)} − {escape(policies[0])}</th>" for p in policies[1:]
    )
    rows = []
    for point in dict.fromkeys(absolutes.index.get_level_values("point")):
        cells = [
            escape(with_interval(*absolutes.loc[(point, p), ["mean", "ci_low", "ci_high"]]))
            if (point, p) in absolutes.index
            else "n/a"
            for p in policies
        ]
        for p in policies[1:]:
            if (point, p) not in diffs.index:
                cells.append("n/a")
                continue
            diff, low, high = diffs.loc[(point, p), ["diff", "low", "high"]]
            text = escape(with_interval(diff, low, high))
            cells.append(f"<strong>{text}</strong>" if low > 0 or high < 0 else text)
        rows.append(
            f'<tr data-point="{escape(str(point))}"><td>{escape(labels.get(point, str(point)))}</td>'
            + "".join(f'<td class="num">{c}</td>' for c in cells)
            + "</tr>"
        )
    return f"<table><tr><th>point</th>{head}</tr>{''.join(rows)}</table>"


def points_html(points: pd.DataFrame) -> list[str]:
    """The Points section: absolutes and paired differences per point, for the figures a decision rests on."""
    figures = [f for f in POINT_FIGURES if f in points.columns] or ["net_result_eur"]
    parts = [
        (
            "<p>Each row is one sweep point. Beside each policy's mean (95 % t interval across replications) stands "
            "each challenger's paired difference from the baseline: the same replications, on the same seeds, "
            "subtracted one by one, with the 95 % t interval of that difference; bold where the interval "
            "excludes 0.</p>"
        )
    ]
    for figure in figures:
        parts += [f"<h3><code>{escape(figure)}</code></h3>", points_table(points, figure)]
    return parts


def breakeven_html(folder: Path) -> str:
    """The search's answer in the words `recoverysim breakeven` printed: value, interval, difference there."""
    from recoverysim.experiments.breakeven import describe, read_breakeven

    first, *rest = describe(read_breakeven(folder)).splitlines()
    items = "".join(f"<li>{escape(line.strip())}</li>" for line in rest)
    return f"<p><strong>{escape(first)}</strong></p>" + (f"<ul>{items}</ul>" if items else "")


def sweep_report(folder: Path) -> str:
    manifest = read_manifest(folder)
    points = read_points(folder)
    scenario = _scenario_from_manifest(manifest, folder)
    context = sweep_context(manifest, points)
    name = str(manifest.get("scenario_name", context.scenario))
    parameters = sweep_plots.sweep_parameters(points)
    what = "break-even search" if folder_kind(folder) == "breakeven" else "sweep"
    varied = ", ".join(escape(field_name_and_unit(p)[0].lower()) for p in parameters)
    paths = ", ".join(f"<code>{escape(p)}</code> ({escape(field_label(p))})" for p in parameters)
    body = [
        f"<h1>{escape(name)}: {what} over {varied}</h1>",
        f'<p class="small">Varied: {paths}.</p>',
        f'<p class="small">{escape(context.footer())}.</p>',
        "<h2>The question</h2>",
        f"<p>{escape(scenario.description) if scenario and scenario.description else 'No description recorded.'}</p>",
    ]
    if scenario is not None:
        body += [
            "<h2>The scenario in plain words</h2>",
            f"<p>{escape(world_sentence(scenario))}</p>",
            levers_table(scenario),
        ]
    if what == "break-even search":
        body += ["<h2>The break-even</h2>", breakeven_html(folder)]
    body += sensitivity_section(folder)
    figures = figures_for_folder(folder)
    body += ["<h2>Points</h2>", *points_html(points), "<h2>Figures</h2>", _figures_html(figures)]
    body += where_each_policy_wins_html(folder, points, context, figure_png)
    if scenario is not None:
        body += ["<h2>Assumptions</h2>", assumptions_table(scenario, manifest.get("written"))]
    body += ["<h2>How to reproduce</h2>", reproduce_html(manifest, scenario)]
    return _page(f"{name} sweep report", "\n".join(body))


def decomposition_table(table: pd.DataFrame, metric: str) -> str:
    """lever | contribution (95 % interval) | share of total, for one figure; bold where the interval excludes 0."""
    rows = table[table["metric"] == metric]
    total = float(rows.loc[rows["lever"] == "total", "contribution"].iloc[0])
    body = []
    for r in rows.itertuples():
        clear = not (math.isnan(r.ci_low) or math.isnan(r.ci_high)) and (r.ci_low > 0 or r.ci_high < 0)
        share = "n/a" if total == 0 or math.isnan(total) else f"{100 * r.contribution / total:.1f} %"
        name = f"<strong>{escape(r.lever)}</strong>" if clear else escape(r.lever)
        value = escape(with_interval(r.contribution, r.ci_low, r.ci_high))
        body.append(f'<tr><td>{name}</td><td class="num">{value}</td><td class="num">{escape(share)}</td></tr>')
    head = (
        f"<tr><th>lever</th><th><code>{escape(metric)}</code> contribution (95 % interval)</th>"
        "<th>share of total</th></tr>"
    )
    return f"<table>{head}{''.join(body)}</table>"


def decompose_report(folder: Path) -> str:
    manifest, table = read_manifest(folder), read_decomposition(folder)
    scenario = _scenario_from_manifest(manifest, folder)
    design = manifest.get("design", {})
    baseline, target = str(design.get("from", "A")), str(design.get("to", "B"))
    metric = decomposition_metric(manifest, table)
    context = plots.Context.from_manifest(manifest)
    name = str(manifest.get("scenario_name", "scenario"))
    question = escape(scenario.description) if scenario and scenario.description else "No description recorded."
    body = [
        f"<h1>{escape(name)}: from {escape(baseline)} to {escape(target)}, lever by lever</h1>",
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
    method = escape(str(manifest.get("method", "Shapley values")))
    body += [
        "<h2>Decomposition</h2>",
        f"<p>The paired difference {escape(target)} − {escape(baseline)} in <code>{escape(metric)}</code>, "
        f"attributed to each lever that differs: {method}. Hybrid policies (the first policy with some of the "
        "second's levers) ran on the same seeds; in every replication the contributions sum exactly to the total. "
        "Levers in bold have a 95 % interval that excludes zero; decomposition.csv holds every figure.</p>",
        decomposition_table(table, metric),
        _figures_html(figures_for_folder(folder)),
    ]
    if scenario is not None:
        body += ["<h2>Assumptions</h2>", assumptions_table(scenario, manifest.get("written"))]
    body += ["<h2>How to reproduce</h2>", reproduce_html(manifest, scenario)]
    return _page(f"{name} decomposition report", "\n".join(body))


def build_report(folder: Path) -> str:
    """The report's HTML for a `run`, `sweep`, `breakeven`, `decompose` or `design` results folder."""
    kind = folder_kind(folder)
    if kind == "design":
        from recoverysim.views.design_report import design_report

        return design_report(folder)
    if kind == "run":
        return run_report(folder)
    return decompose_report(folder) if kind == "decompose" else sweep_report(folder)


def write_report(folder: Path, output: Path) -> Path:
    html = build_report(folder)
    prepare_folder(output.parent if str(output.parent) else Path("."))
    atomic_write(output, lambda p: p.write_text(html, encoding="utf-8"))
    return output
