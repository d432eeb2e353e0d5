"""A small real run and small real sweeps, for the tests of plots, report, what-if and trace."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from recoverysim import run_experiment, write_results
from recoverysim.scenario.load import load_with_provenance
from recoverysim.cli import main
from recoverysim.results import now_utc

SMALL_SCENARIO = """\
schema_version: 1
name: visual-small
description: A small world <em>with markup</em> & an ampersand, to check escaping.
horizon_days: 120
seed: 11
replications: 3
market:
  initial_customers: 2000
  prospects: 1500
  segments:
    - {name: careful, share: 0.8, opportunist_share: 0.03}
    - {name: bold, share: 0.2, opportunist_share: 0.3, fraud_attempts_per_year: 0.6,
       public_post_probability: 0.5}
product:
  components:
    - {name: device, failures_per_year: 0.3}
    - {name: strap, failures_per_year: 0.15}
channels:
  phone: {staff: 1, partner_handoff_probability: 0.2}
money:
  # the sweep plot's break-even is in the price per inspection; bench hours unpaid here
  technician_hour_eur: 0
policies:
  - name: trusting
    description: No proof, replace at once <b>fast</b>.
    evidence: none
    remedy: replace
    goodwill_eur: 10
    status_update_every_days: 2
    escalation_watch: true
  - name: middle
    evidence: photo
    remedy: replace
    escalation_watch: true
  - name: suspicious
    evidence: photo_and_receipt
    return_for_inspection: true
    excluded_components: [strap]
whatif:
  replications: 1
  levers:
    - label: Opportunists among bold customers
      path: market.segments.bold.opportunist_share
      values: [0.1, 0.5]
    - label: Goodwill per approved claim (EUR)
      path: policies.*.goodwill_eur
      values: [0, 20, 40]
"""


def write_small_scenario(folder: Path) -> Path:
    path = folder / "visual-small.yaml"
    path.write_text(SMALL_SCENARIO, encoding="utf-8")
    return path


def make_run(folder: Path) -> Path:
    """Run the small scenario serially and store it as `recoverysim run` would."""
    loaded = load_with_provenance(write_small_scenario(folder))
    out = folder / "run"
    result = run_experiment(loaded.scenario, executor="serial")
    write_results(
        result, out, now_utc(), command="recoverysim run visual-small.yaml", written=loaded.written
    )
    return out


def make_points(folder: Path, design: str) -> Path:
    """A real `recoverysim sweep` of the small scenario (points.parquet, points_summary.csv,
    manifest.json).

    design "line" varies the inspection cost over four values (only the suspicious policy inspects,
    so its advantage shrinks and turns into a loss: a break-even); "one_at_a_time" moves two
    parameters alone from the scenario's own values (bold opportunist share 0.3, trusting goodwill
    10 EUR).
    """
    if design == "line":
        vary = ["--vary", "money.inspection_eur=0:450:4"]
    else:
        vary = [
            "--design",
            "one_at_a_time",
            "--vary",
            "market.segments.bold.opportunist_share=0.05,0.9",
            "--vary",
            "policies.trusting.goodwill_eur=0,40",
        ]
    out = folder / f"sweep-{design}"
    result = CliRunner().invoke(
        main,
        [
            "sweep",
            str(write_small_scenario(folder)),
            *vary,
            "--policy",
            "trusting",
            "--policy",
            "suspicious",
            "--replications",
            "2",
            "--executor",
            "serial",
            "--quiet",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out
