"""A small scenario and helpers shared by the experiments tests (sweeps, executors, resumable
results)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from recoverysim.cli import main

#: Two policies, two segments, a tenth of a second per replication: fast, but with claims of every
#: kind.
SCENARIO = """\
name: exp-test
horizon_days: 60
seed: 11
replications: 2
market:
  initial_customers: 1500
  prospects: 500
  segments:
    - {name: careful, share: 0.8, opportunist_share: 0.02}
    - {name: bold, share: 0.2, opportunist_share: 0.3, fraud_attempts_per_year: 0.5}
product:
  components:
    - {name: device, failures_per_year: 0.3}
    - {name: strap, failures_per_year: 0.1}
policies:
  - name: trusting
    evidence: none
    remedy: replace
    goodwill_eur: 10
  - name: suspicious
    evidence: photo_and_receipt
    return_for_inspection: true
    excluded_components: [strap]
"""

RUN_FILES = ("summary.csv", "replications.parquet", "claims.parquet", "daily.parquet")
SWEEP_FILES = ("points.parquet", "points_summary.csv")
VOLATILE = ("started", "finished", "command", "resumed", "versions")
#: A 3-point sweep over a parameter that only the suspicious policy reads, and one that both read.
SWEEP_ARGS = (
    "--vary",
    "policies.suspicious.inspection.sensitivity=0.5,0.9",
    "--vary",
    "market.segments.bold.opportunist_share=0.1:0.5:2",
)


def write_scenario(folder: Path, extra: str = "") -> Path:
    path = folder / "exp-test.yaml"
    path.write_text(SCENARIO + extra, encoding="utf-8")
    return path


def cli(*args: str) -> tuple[int, str]:
    """Run the CLI in this process; (exit code, stdout + stderr)."""
    outcome = CliRunner().invoke(main, [str(a) for a in args])
    if outcome.exception is not None and not isinstance(outcome.exception, SystemExit):
        raise outcome.exception
    return outcome.exit_code, outcome.output


def stable_manifest(folder: Path) -> dict:
    """The manifest without what legitimately changes between two runs of the same work (times,
    command line)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for key in VOLATILE:
        manifest.pop(key, None)
    return manifest


def same_files(a: Path, b: Path, names: tuple[str, ...]) -> list[str]:
    """Names of the files that differ byte for byte between two folders (empty when all are
    identical)."""
    return [name for name in names if (a / name).read_bytes() != (b / name).read_bytes()]
