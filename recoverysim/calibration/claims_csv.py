"""A firm's claims CSV (one row per claim) summarised into calibration targets by one documented
rule.

Columns (header names are case-insensitive; other columns are ignored and named in the summary):
- `filed`: the day the claim was filed, an ISO date (2025-03-14).
- `closed`: the day it closed, an ISO date, or empty while it is open (an abandoned claim may leave
  it empty).
- `outcome`: approved, denied, abandoned, or open (empty also means open). Case and blanks at the
  ends are ignored.
- `contacts`: how many times the customer contacted the firm about it, a whole number >= 1.
- `repurchased`: did the claimant buy again at the next purchase occasion: yes or no (also y/n,
  true/false, 1/0), empty while not yet known.
- `survey_score` (optional): a 0-10 score (likelihood to recommend), empty when not surveyed.
- `segment` (optional): the market segment of the claimant, a segment name of the scenario.

The rule, the same definitions the simulation uses (recoverysim/metrics.py, model/claims.py
outcome_class):
- repurchase share by outcome class, over claimants whose repurchase is known: `fast_fix` = approved
  and closed within `fast_within_days` days of filing (the model's expected resolution time,
  behaviour.expected_resolution_days, 5 days by default), `slow_fix` = approved later, `denied`,
  `abandoned` -> share targets of claimant_repurchase_share with that outcome_class;
- approval_share = approved / (approved + denied); first_contact_resolution_share = decided claims
  with one contact / decided claims; abandonment_share = abandoned / all claims (share targets,
  counts as trials);
- resolution_days_mean = mean of closed - filed over decided claims, contacts_per_claim = mean
  contacts over all claims: mean targets with standard error sd / sqrt(n);
- nps from survey scores: the model scores a claimant 0-10 as round(10 x satisfaction) and computes
  NPS as promoters (9-10) minus detractors (0-6) in percent (metrics.key_figures), so a firm's 0-10
  scores give the same figure: a mean target with standard error 100 x sd(+1/0/-1) / sqrt(n). Scores
  are not mapped to satisfaction_mean: no published link from a recommend score to the model's
  satisfaction scale exists beyond that.
- with a `segment` column, the claim-level figures (approval, first contact, abandonment, days,
  contacts) are summarised per segment; repurchase and NPS stay over all claims (the simulation
  counts them per policy only). A target needs at least one row (a mean at least two, with some
  spread); a figure with too few rows is left out and the summary says so.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from recoverysim.calibration.target_types import REPURCHASE_FIGURE, Target
from recoverysim.errors import Problem, ScenarioError
from recoverysim.scenario.guards import refuse_large
from recoverysim.scenario.yaml_source import shorten

MAX_CLAIMS_CSV_BYTES = 25_000_000
"""Assumption: about 500,000 claims at ~50 bytes a row; a larger export should be cut to the period
calibrated."""
CLAIMS_CSV_SIZE_HINT = "about 500,000 claims; keep the period you calibrate on"
MAX_SHOWN_PROBLEMS = 20
REQUIRED_COLUMNS = ("filed", "closed", "outcome", "contacts", "repurchased")
OPTIONAL_COLUMNS = ("survey_score", "segment")
OUTCOMES = {
    "approved": "approved",
    "denied": "denied",
    "abandoned": "abandoned",
    "open": "open",
    "": "open",
}
REPURCHASED = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "": None,
}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DECIDED = ("approved", "denied")
CLAIM_LEVEL = (
    "approval_share",
    "first_contact_resolution_share",
    "abandonment_share",
    "resolution_days_mean",
    "contacts_per_claim",
)


@dataclass(frozen=True)
class Summarised:
    """Targets derived from a claims CSV and the text that says how (TargetSet.summary)."""

    targets: tuple[Target, ...]
    summary: str


def _decode(path: Path) -> str:
    """The file as text, refusing what is too large, UTF-16 or not UTF-8 with one line that says
    what to do."""
    source = str(path)
    try:
        if not path.exists():
            raise ScenarioError([Problem(source, None, "", "no such file")])
        if path.is_dir():
            raise ScenarioError([Problem(source, None, "", "is a directory, not a claims CSV")])
        refuse_large(path.stat().st_size, MAX_CLAIMS_CSV_BYTES, source, CLAIMS_CSV_SIZE_HINT)
        with path.open(
            "rb"
        ) as stream:  # at most one byte past the limit, even from a file that never ends
            raw = stream.read(MAX_CLAIMS_CSV_BYTES + 1)
        refuse_large(len(raw), MAX_CLAIMS_CSV_BYTES, source, CLAIMS_CSV_SIZE_HINT)
    except OSError as error:
        raise ScenarioError(
            [Problem(source, None, "", f"cannot be read: {error.strerror or error}")]
        ) from None
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4096]:
        raise ScenarioError(
            [Problem(source, 1, "", "is UTF-16 text (or binary); save it as 'CSV UTF-8'")]
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        message = (
            f"is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start}); save it "
            "as 'CSV UTF-8'"
        )
        raise ScenarioError([Problem(source, line, "", message)]) from None


def _rows(text: str, source: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header (lower case, trimmed) and the non-blank rows with their line numbers."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as error:
        raise ScenarioError(
            [Problem(source, reader.line_num, "", f"is not a readable CSV: {error}")]
        ) from None
    if not any(header):
        raise ScenarioError(
            [
                Problem(
                    source,
                    None,
                    "",
                    "file is empty; a claims CSV needs a header row and a row "
                    f"per claim (columns {', '.join(REQUIRED_COLUMNS)})",
                )
            ]
        )
    missing = [
        Problem(source, 1, name, "column missing from the header")
        for name in REQUIRED_COLUMNS
        if name not in header
    ]
    if missing:
        raise ScenarioError(missing)
    if not rows:
        raise ScenarioError([Problem(source, None, "", "has a header but no claims")])
    return header, rows


def _date(text: str) -> date | None:
    if not ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _parse_row(cells: dict[str, str], line: int, source: str) -> tuple[dict | None, list[Problem]]:
    """One claim as plain values, or the problems of its row (one per column)."""
    problems = []

    def bad(column: str, message: str) -> None:
        problems.append(Problem(source, line, column, message, shorten(cells.get(column, ""))))

    filed = _date(cells["filed"])
    if filed is None:
        bad("filed", "must be an ISO date such as 2025-03-14")
    closed = _date(cells["closed"]) if cells["closed"] else None
    if cells["closed"] and closed is None:
        bad("closed", "must be an ISO date such as 2025-03-14, or empty while the claim is open")
    outcome = OUTCOMES.get(cells["outcome"].lower())
    if outcome is None:
        bad("outcome", "must be approved, denied, abandoned or open (empty = open)")
    if filed and closed and closed < filed:
        bad("closed", f"is before the day the claim was filed ({filed.isoformat()})")
    if outcome in DECIDED and not cells["closed"]:
        bad(
            "closed",
            f"{'an' if outcome == 'approved' else 'a'} {outcome} claim needs the day it closed",
        )
    if outcome == "open" and cells["closed"]:
        bad(
            "outcome",
            "the claim has a closed date but no outcome; write approved, denied or abandoned",
        )
    contacts = int(cells["contacts"]) if re.fullmatch(r"\d{1,6}", cells["contacts"]) else 0
    if contacts < 1:
        bad("contacts", "must be a whole number >= 1")
    if cells["repurchased"].lower() not in REPURCHASED:
        bad("repurchased", "must be yes or no, or empty while not known")
    score = _score(cells.get("survey_score", ""))
    if score is not None and not 0.0 <= score <= 10.0:  # NaN (not a number) fails this too
        bad("survey_score", "must be a number from 0 to 10, or empty")
    if problems:
        return None, problems
    days = float((closed - filed).days) if closed else math.nan
    repurchased = REPURCHASED[cells["repurchased"].lower()]
    claim = {
        "line": line,
        "outcome": outcome,
        "days": days,
        "contacts": contacts,
        "repurchased": repurchased,
        "score": math.nan if score is None else score,
        "segment": cells.get("segment") or None,
    }
    return claim, []


def _score(text: str) -> float | None:
    """The survey score, None when empty, NaN when it is not a number."""
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return math.nan


def read_claims(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """The claims of a CSV as a frame (outcome, days, contacts, repurchased, score, segment) and
    ignored columns."""
    source = str(path)
    header, rows = _rows(_decode(path), source)
    claims, problems = [], []
    for line, row in rows:
        if len(row) != len(header):
            problems.append(
                Problem(source, line, "", f"has {len(row)} fields, the header has {len(header)}")
            )
            continue
        cells = {name: cell.strip() for name, cell in zip(header, row)}
        claim, found = _parse_row(cells, line, source)
        problems.extend(found)
        if claim is not None:
            claims.append(claim)
    frame = pd.DataFrame(
        claims, columns=["line", "outcome", "days", "contacts", "repurchased", "score", "segment"]
    )
    if (
        not problems
        and "segment" in header
        and frame["segment"].notna().any()
        and frame["segment"].isna().any()
    ):
        line = int(frame.loc[frame["segment"].isna(), "line"].iloc[0])
        count = int(frame["segment"].isna().sum())
        problems.append(
            Problem(
                source, line, "segment", f"empty in {count} rows while other rows name a segment"
            )
        )
    if problems:
        shown = problems[:MAX_SHOWN_PROBLEMS]
        if len(problems) > MAX_SHOWN_PROBLEMS:
            shown.append(
                Problem(source, None, "", f"and {len(problems) - MAX_SHOWN_PROBLEMS} more problems")
            )
        raise ScenarioError(shown)
    ignored = [name for name in header if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    return frame, ignored


def outcome_classes(claims: pd.DataFrame, fast_within_days: float) -> pd.Series:
    """The model's outcome class of each claim (model/claims.py outcome_class); None for open
    claims."""
    fast = (claims["outcome"] == "approved") & (claims["days"] <= fast_within_days)
    classes = claims["outcome"].map(
        {"approved": "slow_fix", "denied": "denied", "abandoned": "abandoned"}
    )
    return classes.mask(fast, "fast_fix")


def _share(name: str, figure: str, policy: str, successes: int, trials: int, **extra) -> Target:
    return Target(name, figure, policy, "share", successes / trials, float(trials), None, **extra)


def _mean(name: str, figure: str, policy: str, values: np.ndarray, **extra) -> Target | None:
    if len(values) < 2 or float(np.std(values, ddof=1)) == 0.0:
        return None
    error = float(np.std(values, ddof=1)) / math.sqrt(len(values))
    return Target(name, figure, policy, "mean", float(np.mean(values)), None, error, **extra)


def claim_level_targets(
    claims: pd.DataFrame, policy: str, segment: str | None
) -> list[tuple[str, Target | None, int]]:
    """Approval, first contact, abandonment, days to close and contacts of these claims, with the
    rows each used."""
    suffix = f" ({segment})" if segment else ""
    decided = claims[claims["outcome"].isin(DECIDED)]
    approved = int((decided["outcome"] == "approved").sum())
    first = int((decided["contacts"] == 1).sum())
    abandoned = int((claims["outcome"] == "abandoned").sum())
    shares = (
        ("approval share", "approval_share", approved, len(decided)),
        ("first-contact resolution", "first_contact_resolution_share", first, len(decided)),
        ("abandonment share", "abandonment_share", abandoned, len(claims)),
    )
    means = (
        ("days to close", "resolution_days_mean", decided["days"].to_numpy(float)),
        ("contacts per claim", "contacts_per_claim", claims["contacts"].to_numpy(float)),
    )
    found: list[tuple[str, Target | None, int]] = []
    for label, figure, successes, trials in shares:
        target = (
            _share(label + suffix, figure, policy, successes, trials, segment=segment)
            if trials
            else None
        )
        found.append((label + suffix, target, trials))
    for label, figure, values in means:
        found.append(
            (
                label + suffix,
                _mean(label + suffix, figure, policy, values, segment=segment),
                len(values),
            )
        )
    return found


def summarise(
    claims: pd.DataFrame, policy: str, fast_within_days: float
) -> list[tuple[str, Target | None, int]]:
    """(figure label, target or None when too few rows, rows used) for every figure the rule
    derives."""
    rows: list[tuple[str, Target | None, int]] = []
    classes = outcome_classes(claims, fast_within_days)
    for outcome in ("fast_fix", "slow_fix", "denied", "abandoned"):
        known = claims[(classes == outcome) & claims["repurchased"].notna()]
        bought = int(known["repurchased"].astype(bool).sum())
        label = f"repurchase after {outcome.replace('_', ' ')}"
        target = (
            _share(label, REPURCHASE_FIGURE, policy, bought, len(known), outcome_class=outcome)
            if len(known)
            else None
        )
        rows.append((label, target, len(known)))
    segments = sorted(claims["segment"].dropna().unique())
    for segment in segments or [None]:
        own = claims if segment is None else claims[claims["segment"] == segment]
        rows.extend(claim_level_targets(own, policy, segment))
    scores = claims["score"].dropna().round().to_numpy()
    points = np.where(scores >= 9, 100.0, np.where(scores <= 6, -100.0, 0.0))
    rows.append(
        (
            "NPS from survey scores",
            _mean("NPS from survey scores", "nps", policy, points),
            len(points),
        )
    )
    return rows


def summary_text(
    path: Path,
    claims: pd.DataFrame,
    rows: list,
    policy: str,
    fast_within_days: float,
    ignored: list[str],
) -> str:
    """What was read and how it was summarised, as a table of the targets derived and the rows each
    used."""
    open_claims = int((claims["outcome"] == "open").sum())
    lines = [
        f"{path}: {len(claims)} claims ({open_claims} open) observed under policy {policy!r}.",
        (
            f"Rule: fast fix = approved and closed within {fast_within_days:g} days of filing; "
            "docs/calibration.md, 'From a claims CSV to targets'."
        ),
    ]
    if ignored:
        lines.append(f"Columns ignored: {', '.join(ignored)}.")
    lines.append(f"{'target':38s} {'figure':32s} {'kind':5s} {'observed':>10s} {'rows':>6s}")
    for label, target, used in rows:
        if target is None:
            lines.append(
                f"{label:38s} {'(left out: too few rows)':32s} {'':5s} {'':>10s} {used:6d}"
            )
            continue
        observed = f"{target.observed:.3f}" if target.kind == "share" else f"{target.observed:.2f}"
        lines.append(f"{label:38s} {target.figure:32s} {target.kind:5s} {observed:>10s} {used:6d}")
    return "\n".join(lines)


def summarise_claims_csv(path: Path, policy: str, fast_within_days: float) -> Summarised:
    """Read a claims CSV and summarise it into targets by the rule of this module's docstring."""
    claims, ignored = read_claims(path)
    rows = summarise(claims, policy, fast_within_days)
    targets = tuple(target for _, target, _ in rows if target is not None)
    return Summarised(targets, summary_text(path, claims, rows, policy, fast_within_days, ignored))
