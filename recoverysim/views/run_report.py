"""The report of a `run` results folder: the headline comparison of each policy with the
baseline, which policy is best and how sure, every key figure, the figures and the assumptions.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

import pandas as pd

from recoverysim.calibration.best import best_sentences, interval, percent
from recoverysim.metrics import KEY_FIGURES
from recoverysim.results import PROBABILITY_BEST_FILE, read_results
from recoverysim.selection import RESAMPLES
from recoverysim.table import number, with_interval
from recoverysim.verdict import verdict_sentences
from recoverysim.views.figure_style import Context
from recoverysim.views.report_page import figures_html, html_page
from recoverysim.views.run_plots import run_figures
from recoverysim.views.scenario_sections import (
    assumptions_table,
    levers_table,
    reproduce_html,
    scenario_from_manifest,
    world_sentence,
)

#: Figures the headline speaks about, in order, with a plain name and a unit kind.
HEADLINE = (
    (
        "value_total_eur",
        "total value at day 0 (net result plus the customers kept, both discounted)",
        "eur",
    ),
    ("net_result_eur", "net result (margin earned minus every cost)", "eur"),
    ("customer_value_eur", "value of the customers kept (future margin, at the horizon)", "eur"),
    (
        "claimant_repurchase_share",
        "share of honest claimants who bought again at their next occasion",
        "share",
    ),
    (
        "honest_unremedied_share",
        "share of honest claims that got nothing (denied, excluded or abandoned)",
        "share",
    ),
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
    """Sentences a policy maker can quote: each policy against the baseline, with the 95 % interval
    of the paired difference."""
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
            where = (
                f"{fmt(mine['mean'], kind)} under {policy} against "
                f"{fmt(base['mean'], kind)} under {baseline}"
            )
            if math.isnan(low) or math.isnan(high):
                verdict = (
                    f"a difference of {fmt_diff(diff, kind)} (too few replications for an interval)"
                )
            elif low > 0 or high < 0:
                verdict = (
                    f"{'more' if diff > 0 else 'less'} by {fmt_diff(diff, kind).lstrip('+-−')} "
                    f"(95 % interval {fmt_diff(low, kind)} to {fmt_diff(high, kind)})"
                )
            else:
                verdict = (
                    f"no clear difference: {fmt_diff(diff, kind)}, 95 % interval "
                    f"{fmt_diff(low, kind)} to {fmt_diff(high, kind)}, which includes zero"
                )
            out.append(f"The {words} {over} is {where}: {verdict}.")
    return out


#: Two fraud figures that a bare "8 % fraud" would confuse: an input share of customers, an output
#: share of claims.
FRAUD_WORDS = (
    "<code>fraud_share</code> is the fraudulent share of claims, an output; the opportunists among "
    "customers (<code>market.segments[].opportunist_share</code>) are an input, a share of "
    "customers who would ever consider a fraudulent claim. They differ widely: in the canonical "
    "scenario 5 % opportunists among customers give about 12.5 % fraudulent claims under the "
    "trusting policy (docs/model.md, section 3)."
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
        cells = [
            with_interval(*table.loc[(p, figure)][["mean", "ci_low", "ci_high"]]) for p in policies
        ]
        cells += [
            with_interval(
                *table.loc[(p, figure)][["diff_vs_baseline", "diff_ci_low", "diff_ci_high"]]
            )
            for p in policies[1:]
        ]
        rows.append(
            f"<tr><td><code>{figure}</code></td>"
            + "".join(f'<td class="num">{escape(c)}</td>' for c in cells)
            + "</tr>"
        )
    return f"<table><tr><th>figure</th>{head}</tr>{''.join(rows)}</table>"


def run_report(folder: Path) -> str:
    stored = read_results(folder)
    manifest = stored.manifest
    scenario = scenario_from_manifest(manifest, folder)
    context = Context.from_manifest(manifest)
    name = str(manifest.get("scenario_name", "scenario"))
    policies = list(dict.fromkeys(stored.summary["policy"]))
    sentences = headline_sentences(stored.summary, scenario.horizon_days if scenario else None)
    figures = run_figures(stored.summary, stored.replications, stored.claims, stored.daily, context)
    question = (
        escape(scenario.description)
        if scenario and scenario.description
        else "No description in the scenario file."
    )
    body = [
        f"<h1>{escape(name)}: {' vs '.join(escape(p) for p in policies)}</h1>",
        (
            f'<p class="small">{escape(context.footer())}. Figures are means with 95 % Student t '
            "intervals across replications; differences pair each replication with the baseline's "
            "on the same seed (common random numbers).</p>"
        ),
        "<h2>The question</h2>",
        f"<p>{question}</p>",
    ]
    if scenario is not None:
        body += [
            "<h2>The scenario in plain words</h2>",
            f"<p>{escape(world_sentence(scenario))}</p>",
            (
                "<p>The policies and the levers each sets (highlighted where they differ; "
                f"{escape(policies[0])} is the baseline):</p>"
            ),
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
    body += probability_best_html(
        folder, manifest, int(stored.replications["replication"].nunique())
    )
    body += [
        "<h3>Every key figure</h3>",
        figures_table(stored.summary),
        f'<p class="small">{FRAUD_WORDS}</p>',
    ]
    body += ["<h2>Figures</h2>", figures_html(figures)]
    if scenario is not None:
        body += [
            "<h2>Assumptions</h2>",
            (
                "<p>Every parameter used, whether it came from the scenario file or the default, "
                "and where its value comes from (a published source, or an assumption of this "
                "model; policy levers are choices).</p>"
            ),
            assumptions_table(scenario, manifest.get("written")),
        ]
    body += ["<h2>How to reproduce</h2>", reproduce_html(manifest, scenario)]
    return html_page(f"{name} report", "\n".join(body))


def selection_html(selection: pd.DataFrame | None) -> list[str]:
    """Which policy and how sure: selection.csv for the headline figures that have a better side."""
    if selection is None or selection.empty or selection["policy"].nunique() < 2:
        return []
    rows = []
    for figure, _, kind in HEADLINE:
        for row in selection[selection["metric"] == figure].to_dict("records"):
            standing = (
                "best" if row["best"] else ("worse, at 95 %" if row["separated"] else "cannot tell")
            )
            difference = escape(fmt(row["diff_from_best"], "plain" if kind == "share" else kind))
            rows.append(
                f"<tr><td><code>{figure}</code> ({escape(str(row['better']))} is better)</td>"
                f"<td>{escape(str(row['policy']))}</td>"
                f'<td class="num">{difference}</td>'
                f'<td class="num">[{escape(number(row["mcb_low"]))}, '
                f"{escape(number(row['mcb_high']))}]</td>"
                f'<td class="num">{escape(percent(row["probability_best"]))}</td>'
                f"<td>{standing}</td></tr>"
            )
    if not rows:
        return []
    count = int(selection["replications"].max())
    explanation = (
        "<p>For each figure, each policy's difference from the best policy (0 for the best; in "
        "the figure's own units, so negative where higher is better and positive where lower is "
        "better), and a simultaneous 95 % interval for the policy minus the best of the others "
        "(Hsu's multiple comparisons with the best, paired by replication, Bonferroni over the "
        "comparisons): the intervals of all policies hold together with 95 % confidence, so a "
        "policy whose interval ends at 0 on the better side is worse than the best. The "
        f"probability best is the share of {RESAMPLES:,} bootstrap resamples of the {count} "
        "replications in which the policy had the best mean (ties shared). All figures are in "
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
    """The section of a `run --posterior` folder: each policy's probability of being best, and where
    the sets came from."""
    path = folder / PROBABILITY_BEST_FILE
    if not path.is_file():
        return []
    table = pd.read_csv(path)
    about = manifest.get("posterior") if isinstance(manifest.get("posterior"), dict) else {}
    source = str(about.get("folder", "a calibration folder (not recorded)"))
    parameters = ", ".join(str(p) for p in about.get("parameters", [])) or "not recorded"
    rows = "".join(
        f"<tr><td>{escape(str(r.policy))}</td>"
        f'<td class="num">{escape(percent(r.probability_best))}</td>'
        f'<td class="num">{escape(interval(r.low, r.high))}</td></tr>'
        for r in table.itertuples()
    )
    return [
        "<h3>Which policy is best, given what the calibration leaves uncertain</h3>",
        (
            "<p>Each replication drew one parameter set from the posterior of the calibration "
            f"folder <code>{escape(source)}</code> (parameters: {escape(parameters)}) and ran "
            f"every policy with it, so the comparison stays paired. Over the {replications} "
            "replications (parameter sets and randomness), the share in which each policy had the "
            f"highest {escape(str(table['metric'].iloc[0]))} (ties shared), with a 95 % Wilson "
            "interval. The assumptions below show the scenario as given; the fitted parameters "
            "took the drawn values instead.</p>"
        ),
        f'<p class="quote">{escape(best_sentences(table, replications)[0])}.</p>',
        (
            "<table><tr><th>policy</th><th>probability best</th><th>95 % interval</th></tr>"
            f"{rows}</table>"
        ),
    ]
