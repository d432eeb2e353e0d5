"""Calibration targets (issue 11): discrepancies against closed forms, simulated values against hand
counts, the shipped targets files, the claims CSV rule, and bad input told one clear line per
problem."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recoverysim.calibration.targets import (
    Target,
    check_against,
    load_targets,
    log_likelihood,
    max_log_likelihood,
    needs_claims_table,
    Simulated,
    predictive_draw,
    simulated_estimate,
    simulated_value,
)
from recoverysim.errors import ScenarioError, UsageError
from recoverysim.fits.tarp import tarp_scenario
from recoverysim.scenario.load import load_scenario, scenario_to_dict

ROOT = Path(__file__).resolve().parents[1]
CANONICAL = ROOT / "scenarios" / "trust-vs-suspicion.yaml"
TARGETS = ROOT / "scenarios" / "targets"
EXAMPLE_CSV = ROOT / "scenarios" / "example-claims.csv"


def share(observed: float, trials: float, **extra) -> Target:
    return Target("t", "approval_share", "trusting", "share", observed, trials, None, **extra)


# --- discrepancies against closed forms computed here
# --------------------------------------------------------


@pytest.mark.parametrize(
    "successes,trials,p", [(312, 1240, 0.25), (0, 10, 0.3), (10, 10, 0.9), (7, 20, 0.5)]
)
def test_binomial_log_likelihood_is_the_log_pmf(successes, trials, p):
    expected = (
        math.lgamma(trials + 1)
        - math.lgamma(successes + 1)
        - math.lgamma(trials - successes + 1)
        + successes * math.log(p)
        + (trials - successes) * math.log(1 - p)
    )
    assert log_likelihood(share(successes / trials, trials), p) == pytest.approx(expected, rel=1e-9)


def test_simulated_probabilities_are_clipped_so_an_impossible_share_is_unlikely_not_infinite():
    target = share(3 / 10, 10)
    at_zero = log_likelihood(target, 0.0)
    expected = (
        math.lgamma(11)
        - math.lgamma(4)
        - math.lgamma(8)
        + 3 * math.log(1e-9)
        + 7 * math.log(1 - 1e-9)
    )
    assert at_zero == pytest.approx(expected, rel=1e-9)
    assert log_likelihood(share(1.0, 10), 1.0) == pytest.approx(10 * math.log(1 - 1e-9))
    assert log_likelihood(target, math.nan) == -math.inf


def test_normal_log_likelihood_is_the_log_density():
    target = Target("t", "resolution_days_mean", "trusting", "mean", 9.4, None, 0.3)
    expected = -0.5 * math.log(2 * math.pi * 0.3**2) - (9.4 - 8.9) ** 2 / (2 * 0.3**2)
    assert log_likelihood(target, 8.9) == pytest.approx(expected, rel=1e-12)
    assert max_log_likelihood(target) == pytest.approx(
        -0.5 * math.log(2 * math.pi * 0.3**2), rel=1e-12
    )


def test_poisson_log_likelihood_counts_events_in_the_exposure():
    target = Target("t", "contacts_per_claim", "trusting", "rate", 1150 / 1000, 1000.0, None)
    mu = 1.2 * 1000
    expected = 1150 * math.log(mu) - mu - math.lgamma(1151)
    assert log_likelihood(target, 1.2) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "target",
    [
        share(312 / 1240, 1240),
        Target("t", "resolution_days_mean", "trusting", "mean", 9.4, None, 0.3),
        Target("t", "contacts_per_claim", "trusting", "rate", 1.15, 1000.0, None),
    ],
)
def test_max_log_likelihood_bounds_every_simulated_value(target):
    best = max_log_likelihood(target)
    grid = np.linspace(0.01, 0.99, 99) if target.kind == "share" else np.linspace(0.5, 15.0, 300)
    assert all(log_likelihood(target, float(x)) <= best + 1e-9 for x in grid)
    assert best == pytest.approx(log_likelihood(target, target.observed))


def test_predictive_draws_have_the_sampling_spread_of_the_observation():
    rng = np.random.default_rng(7)
    draws = np.array([predictive_draw(share(0.25, 400), 0.3, rng) for _ in range(4000)])
    assert draws.mean() == pytest.approx(0.3, abs=4 * math.sqrt(0.3 * 0.7 / 400 / 4000))
    assert draws.var() == pytest.approx(0.3 * 0.7 / 400, rel=0.1)
    rate = Target("t", "contacts_per_claim", "trusting", "rate", 1.15, 1000.0, None)
    draws = np.array([predictive_draw(rate, 1.2, rng) for _ in range(4000)])
    assert draws.var() == pytest.approx(1.2 / 1000, rel=0.1)
    mean = Target("t", "resolution_days_mean", "trusting", "mean", 9.4, None, 0.3)
    draws = np.array([predictive_draw(mean, 9.0, rng) for _ in range(4000)])
    assert draws.std() == pytest.approx(0.3, rel=0.1)


def test_a_share_published_as_a_mean_is_never_drawn_outside_zero_and_one():
    """A published percentage with an assumed standard error (the TARP rows) is a `mean` of a share
    figure: its predictive draws near 0 once gave intervals with negative ends; a mean of days is
    not clipped."""
    rng = np.random.default_rng(3)
    low = Target(
        "t",
        "claimant_repurchase_share",
        "denied",
        "mean",
        0.09,
        None,
        0.025,
        outcome_class="denied",
    )
    draws = np.array([predictive_draw(low, 0.005, rng) for _ in range(2000)])
    assert draws.min() == 0.0 and draws.max() <= 1.0 and (draws == 0.0).mean() > 0.3
    days = Target("t", "resolution_days_mean", "trusting", "mean", 0.1, None, 0.3)
    assert min(predictive_draw(days, 0.0, rng) for _ in range(200)) < 0.0


# --- the simulation's own noise, integrated out
# -----------------------------------------------------------


@pytest.mark.parametrize(
    "successes,trials,k,m", [(312, 1240, 80, 300), (3, 40, 0, 25), (20, 20, 50, 60)]
)
def test_a_simulated_share_is_integrated_over_its_beta_by_quadrature(successes, trials, k, m):
    """The beta-binomial against the binomial integrated numerically over p ~ Beta(k + 1/2, m - k +
    1/2)."""
    from scipy import integrate, stats

    target = share(successes / trials, trials)

    def integrand(p: float) -> float:
        return stats.binom.pmf(successes, trials, p) * stats.beta.pdf(p, k + 0.5, m - k + 0.5)

    expected, _ = integrate.quad(integrand, 0.0, 1.0, limit=200, points=[k / m])
    assert log_likelihood(target, Simulated.share(k, m)) == pytest.approx(
        math.log(expected), rel=1e-6
    )


def test_a_noisy_estimate_is_flatter_than_a_sure_one_and_never_above_the_maximum():
    """Away from the observation the noise makes a value less unlikely; nowhere is it above
    max_log_likelihood."""
    target = share(312 / 1240, 1240)
    assert log_likelihood(target, Simulated.share(90, 300)) > log_likelihood(target, 0.3)
    best = max_log_likelihood(target)
    for m in (10, 100, 1000, 100_000):
        grid = range(0, m + 1, max(m // 50, 1))
        assert all(log_likelihood(target, Simulated.share(k, m)) <= best + 1e-9 for k in grid)
    mean = Target("t", "resolution_days_mean", "trusting", "mean", 9.4, None, 0.3)
    expected = -0.5 * math.log(2 * math.pi * 0.25) - 0.4**2 / (2 * 0.25)  # variance 0.3^2 + 0.4^2
    assert log_likelihood(mean, Simulated(9.0, 0.4)) == pytest.approx(expected, rel=1e-12)
    rate = Target("t", "contacts_per_claim", "trusting", "rate", 1.15, 1000.0, None)
    assert log_likelihood(rate, Simulated(1.2, 0.02)) > log_likelihood(rate, 1.2)
    assert all(
        log_likelihood(rate, Simulated(x, 0.02)) <= max_log_likelihood(rate)
        for x in np.linspace(1, 1.3, 31)
    )


def test_a_huge_simulation_gives_back_the_plain_binomial():
    target = share(312 / 1240, 1240)
    huge = Simulated.share(25_000_000, 100_000_000)
    assert log_likelihood(target, huge) == pytest.approx(log_likelihood(target, 0.25), abs=2e-3)


def test_predictive_draws_add_the_simulation_variance_to_the_observation_variance():
    """Total variance = E[p(1 - p)] / n + Var(p) over the Beta of the simulated counts (law of total
    variance)."""
    rng = np.random.default_rng(11)
    draws = np.array(
        [predictive_draw(share(0.25, 400), Simulated.share(60, 200), rng) for _ in range(20_000)]
    )
    a, b = 60.5, 140.5
    p, var_p = a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1))
    assert draws.var() == pytest.approx((p * (1 - p) - var_p) / 400 + var_p, rel=0.05)
    mean = Target("t", "resolution_days_mean", "trusting", "mean", 9.4, None, 0.3)
    draws = np.array([predictive_draw(mean, Simulated(9.0, 0.4), rng) for _ in range(20_000)])
    assert draws.std() == pytest.approx(0.5, rel=0.03)


def test_estimates_carry_the_counts_or_spread_behind_them():
    frame = replications_frame()
    denied = Target(
        "t",
        "claimant_repurchase_share",
        "suspicious",
        "share",
        0.3,
        100,
        None,
        outcome_class="denied",
    )
    estimate = simulated_estimate(denied, frame, None)
    assert (estimate.successes, estimate.trials) == (39, 100)
    assert estimate.standard_error == pytest.approx(math.sqrt(0.39 * 0.61 / 100))
    fraud = Target("t", "fraud_share", "suspicious", "mean", 0.1, None, 0.01)
    spread = np.std([0.1, 0.2], ddof=1) / math.sqrt(
        2
    )  # no claims column: the spread over two replications
    assert simulated_estimate(fraud, frame, None).standard_error == pytest.approx(spread)
    with_claims = frame.assign(claims=[100.0, 300.0, 50.0])
    estimate = simulated_estimate(fraud, with_claims, None)  # 10 of 100 and 60 of 300 fraudulent
    assert (estimate.successes, estimate.trials) == (pytest.approx(70), 400)
    counted = Target("t", "claims", "suspicious", "mean", 150.0, None, 10.0)
    assert simulated_estimate(counted, with_claims, None).standard_error == pytest.approx(
        math.sqrt(400) / 2
    )
    wom = Target("t", "wom_positive_to_negative", "suspicious", "mean", 3.0, None, 0.5)
    ratio = 40 / 9
    assert simulated_estimate(wom, frame, None).standard_error == pytest.approx(
        ratio * math.sqrt(1 / 40 + 1 / 9)
    )
    assert (
        simulated_estimate(fraud, frame.iloc[[0]], None).standard_error == 0.0
    )  # one replication: unknown


def test_statistics_round_trip_through_pyabc_s_flat_dict():
    for estimate in (Simulated.share(3, 40), Simulated(2.5, 0.1), Simulated(math.nan)):
        back = Simulated.from_statistics(estimate.statistics("x"), "x")
        assert back.trials == estimate.trials and back.standard_error == estimate.standard_error
        assert back.value == estimate.value or (
            math.isnan(back.value) and math.isnan(estimate.value)
        )


# --- simulated values against counts made by hand
# ----------------------------------------------------------


def replications_frame() -> pd.DataFrame:
    """Two replications of `suspicious` with very different claimant counts (so a mean of ratios is
    wrong)."""
    rows = []
    for replication, (claimants, buyers, minor_claimants, minor_buyers) in enumerate(
        [(10, 9, 4, 4), (90, 30, 50, 10)]
    ):
        row = {
            "policy": "suspicious",
            "replication": replication,
            "wom_positive": 10.0 * (replication + 1),
            "wom_baseline_positive": 5.0,
            "wom_negative": 4.0 + replication,
            "fraud_share": 0.1 + replication / 10,
        }
        for outcome in ("fast_fix", "slow_fix", "denied", "abandoned", "silent_failure"):
            own = outcome == "denied"
            row[f"repurchase_claimants_{outcome}"] = claimants if own else 1
            row[f"repurchase_buyers_{outcome}"] = buyers if own else 1
            row[f"repurchase_claimants_{outcome}_minor"] = minor_claimants if own else 0
            row[f"repurchase_buyers_{outcome}_minor"] = minor_buyers if own else 0
        rows.append(row)
    other = dict(rows[0], policy="trusting", fraud_share=0.9)
    return pd.DataFrame([*rows, other])


def test_repurchase_share_is_pooled_over_replications():
    frame = replications_frame()
    denied = Target(
        "t",
        "claimant_repurchase_share",
        "suspicious",
        "share",
        0.3,
        100,
        None,
        outcome_class="denied",
    )
    assert simulated_value(denied, frame, None) == pytest.approx((9 + 30) / (10 + 90))
    minor = Target(
        "t",
        "claimant_repurchase_share",
        "suspicious",
        "share",
        0.3,
        100,
        None,
        outcome_class="denied",
        severity="minor",
    )
    assert simulated_value(minor, frame, None) == pytest.approx((4 + 10) / (4 + 50))
    every = Target("t", "claimant_repurchase_share", "suspicious", "share", 0.3, 100, None)
    # the four classes of claimants (fast, slow, denied, abandoned), silent failures left out, both
    # replications
    assert simulated_value(every, frame, None) == pytest.approx((9 + 30 + 6) / (10 + 90 + 6))


def test_other_replication_figures_are_means_and_ratios_of_sums():
    frame = replications_frame()
    fraud = Target("t", "fraud_share", "suspicious", "mean", 0.1, None, 0.01)
    assert simulated_value(fraud, frame, None) == pytest.approx(0.15)
    wom = Target("t", "wom_positive_to_negative", "suspicious", "mean", 3.0, None, 0.5)
    assert simulated_value(wom, frame, None) == pytest.approx((10 + 20 + 5 + 5) / (4 + 5))


def claims_frame() -> pd.DataFrame:
    rows = [  # policy, segment, decision, filed, closed, contacts, transfers, satisfaction
        ("suspicious", "young", "approved", 0.0, 2.0, 1, 0, 0.9),
        ("suspicious", "young", "approved", 1.0, 11.0, 2, 0, 0.6),
        ("suspicious", "old", "denied", 2.0, 3.0, 1, 1, 0.2),
        ("suspicious", "old", "abandoned", 2.0, 9.0, 3, 0, 0.1),
        ("suspicious", "old", "open", 5.0, math.nan, 1, 0, math.nan),
        ("trusting", "old", "denied", 0.0, 50.0, 9, 0, 0.0),
    ]
    columns = [
        "policy",
        "segment",
        "decision",
        "filed_day",
        "closed_day",
        "contacts",
        "transfers",
        "satisfaction",
    ]
    return pd.DataFrame(rows, columns=columns).assign(replication=0)


@pytest.mark.parametrize(
    "figure,segment,expected",
    [
        ("first_contact_resolution_share", None, 2 / 3),
        ("first_agent_resolution_share", None, 1 / 3),
        ("approval_share", None, 2 / 3),
        ("abandonment_share", None, 1 / 5),
        ("resolution_days_mean", None, (2 + 10 + 1) / 3),
        ("contacts_per_claim", None, 8 / 5),
        ("satisfaction_mean", None, (0.9 + 0.6 + 0.2 + 0.1) / 4),
        ("approval_share", "old", 0.0),
        ("contacts_per_claim", "young", 1.5),
    ],
)
def test_claim_level_figures_from_the_claims_table(figure, segment, expected):
    target = Target("t", figure, "suspicious", "mean", 0.5, None, 0.1, segment=segment)
    assert simulated_value(target, replications_frame(), claims_frame()) == pytest.approx(expected)
    assert needs_claims_table([target])


def test_replication_figures_do_not_need_the_claims_table():
    assert not needs_claims_table([Target("t", "fraud_share", "trusting", "mean", 0.1, None, 0.01)])


# --- shipped files
# ---------------------------------------------------------------------------------------


def test_published_anchors_load_and_fit_their_worlds():
    targets = load_targets(TARGETS / "published.yaml")
    check_against(targets, {None: load_scenario(CANONICAL)})
    names = {t.name for t in targets.targets}
    assert sum(name.startswith("TARP") for name in names) == 8
    assert all(t.source and t.confidence and t.world is not None for t in targets.targets)
    assert {t.figure for t in targets.targets} >= {
        "fraud_share",
        "wom_positive_to_negative",
        "first_agent_resolution_share",
        "claimant_repurchase_share",
    }


def test_tarp_world_file_is_the_tarp_validation_world():
    from_file = scenario_to_dict(load_scenario(TARGETS / "tarp-world.yaml"))
    from_code = scenario_to_dict(tarp_scenario(customers=10_000))
    assert from_file.pop("name") == "tarp-world"
    from_code.pop("name")
    assert from_file == from_code


def test_example_targets_file_loads_with_every_kind():
    targets = load_targets(TARGETS / "example.yaml")
    check_against(targets, {None: load_scenario(CANONICAL)})
    assert {t.kind for t in targets.targets} == {"share", "mean", "rate"}
    denial = next(t for t in targets.targets if t.name == "repurchase after a denial")
    assert (denial.observed, denial.trials, denial.outcome_class) == (312 / 1240, 1240.0, "denied")


def test_example_claims_csv_summary_matches_an_independent_count():
    targets = load_targets(EXAMPLE_CSV, policy="suspicious")
    check_against(targets, {None: load_scenario(CANONICAL)})
    by_name = {t.name: t for t in targets.targets}
    claims = pd.read_csv(EXAMPLE_CSV, dtype=str, keep_default_na=False)
    days = (
        pd.to_datetime(claims["closed"], errors="coerce") - pd.to_datetime(claims["filed"])
    ).dt.days
    decided = claims["outcome"].isin(["approved", "denied"])
    slow = (claims["outcome"] == "approved") & (days > 5) & (claims["repurchased"] != "")
    assert by_name["repurchase after slow fix"].trials == slow.sum()
    assert by_name["repurchase after slow fix"].observed == pytest.approx(
        (claims["repurchased"][slow] == "yes").mean()
    )
    assert by_name["approval share"].observed == pytest.approx(
        (claims["outcome"][decided] == "approved").mean()
    )
    assert by_name["days to close"].observed == pytest.approx(days[decided].mean())
    assert by_name["days to close"].standard_error == pytest.approx(
        days[decided].std() / math.sqrt(decided.sum())
    )
    scores = pd.to_numeric(claims["survey_score"], errors="coerce").dropna()
    nps = 100 * ((scores >= 9).mean() - (scores <= 6).mean())
    assert by_name["NPS from survey scores"].observed == pytest.approx(nps)
    assert "days to close" in targets.summary and "167" in targets.summary


def test_claims_csv_with_segments_gives_claim_level_targets_per_segment(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "filed,closed,outcome,contacts,repurchased,segment\n"
        "2025-01-01,2025-01-03,approved,1,yes,young\n2025-01-01,2025-01-09,denied,2,no,young\n"
        "2025-01-01,2025-01-02,approved,1,,old\n2025-01-02,2025-01-12,approved,3,no,old\n"
    )
    by_name = {t.name: t for t in load_targets(path, policy="trusting").targets}
    assert by_name["approval share (young)"].observed == 0.5
    assert by_name["approval share (old)"].segment == "old"
    assert by_name["repurchase after slow fix"].observed == 0.0  # closed after 10 days: slow


# --- bad input: one clear line per problem
# ------------------------------------------------------------------

TARGET = "targets:\n  - name: a\n    figure: approval_share\n    policy: trusting\n"
YAML_CASES = {
    "bad-yaml": ("targets: [a\n", ["YAML error"]),
    "empty": ("", ["file is empty"]),
    "top-level-list": ("- 1\n", ["top level must be a mapping"]),
    "no-targets": ("name: x\n", [":1: targets: is required"]),
    "two-kinds": (
        TARGET
        + "    share: {successes: 1, trials: 2}\n    mean: {value: 0.5, standard_error: 0.1}\n",
        [":2: targets.0: give exactly one of share, mean or rate (got share, mean)"],
    ),
    "no-kind": (TARGET, ["give exactly one of share, mean or rate (got none)"]),
    "successes-above-trials": (
        TARGET + "    share: {successes: 5, trials: 2}\n",
        ["successes (5) cannot exceed"],
    ),
    "trials-zero": (
        TARGET + "    share: {successes: 0, trials: 0}\n",
        [":5: targets.0.share.trials: must be >= 1 (got 0)"],
    ),
    "count-not-a-number": (
        TARGET + "    share: {successes: many, trials: 10}\n",
        ["targets.0.share.successes: must be a whole number (got 'many')"],
    ),
    "standard-error-zero": (
        TARGET + "    mean: {value: 0.5, standard_error: 0}\n",
        ["targets.0.mean.standard_error: must be > 0.0 (got 0)"],
    ),
    "unknown-figure": (
        TARGET.replace("approval_share", "claimant_repurchase_shar")
        + "    mean: {value: 1, standard_error: 1}\n",
        [":3: targets.0.figure: unknown figure; did you mean 'claimant_repurchase_share'?"],
    ),
    "unknown-key": (
        TARGET + "    mean: {value: 0.5, stderr: 0.1}\n",
        [
            "targets.0.mean.standard_error: is required",
            "targets.0.mean.stderr: unknown key; did you mean 'standard_error'?",
        ],
    ),
    "class-without-repurchase": (
        TARGET + "    outcome_class: denied\n    mean: {value: 0.5, standard_error: 0.1}\n",
        ["outcome_class and severity go only with figure claimant_repurchase_share"],
    ),
    "bad-class": (
        TARGET.replace("approval_share", "claimant_repurchase_share")
        + "    outcome_class: refused\n    mean: {value: 0.5, standard_error: 0.1}\n",
        [
            "targets.0.outcome_class: must be one of fast_fix, slow_fix, denied, abandoned or "
            "silent_failure"
        ],
    ),
    "segment-on-replication-figure": (
        TARGET.replace("approval_share", "fraud_share")
        + "    segment: young\n    mean: {value: 0.1, standard_error: 0.1}\n",
        ["segment goes only with a claim-level figure"],
    ),
    "share-of-a-mean": (
        TARGET.replace("approval_share", "resolution_days_mean")
        + "    share: {successes: 1, trials: 2}\n",
        ["needs a figure that is a share; resolution_days_mean is not"],
    ),
    "duplicate-name": (
        TARGET
        + "    mean: {value: 0.5, standard_error: 0.1}\n"
        + TARGET.removeprefix("targets:\n")
        + "    mean: {value: 0.5, standard_error: 0.1}\n",
        [":6: targets.1.name: target name already used by targets.0"],
    ),
    # hostile input: refused before the YAML parser builds anything (scenario/guards.py)
    "too-large": (
        TARGET + "    mean: {value: 0.5, standard_error: 0.1}\n" + "#" * 1_000_000 + "\n",
        [
            f"is too large: {len(TARGET) + 44 + 1_000_001:,} bytes, limit 1,000,000; a targets "
            "file holds tens of targets"
        ],
    ),
    "merge-key-bomb": (
        "".join(
            f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}]}}\n" if i else "a0: &a0 {k: 1}\n"
            for i in range(26)
        )
        + TARGET,
        [
            ":11: more than 10,000 values once YAML aliases are expanded"
        ],  # a_i holds 6 * 2**i - 3: past 10,000 at a10
    ),
    "nested-too-deep": (
        "name: " + "[" * 3000 + "]" * 3000 + "\n" + TARGET,
        [":1: nesting deeper than 64 levels"],
    ),
    "policy-name-a-path": (
        TARGET.replace("policy: trusting", "policy: ../../x")
        + "    mean: {value: 0.5, standard_error: 0.1}\n",
        [":4: targets.0.policy: a name is 1 to 64 letters, digits, spaces or _ . + ( ) -"],
    ),
    "label-with-a-control-character": (
        TARGET.replace("name: a", 'name: "a\\u0007b"')
        + "    mean: {value: 0.5, standard_error: 0.1}\n",
        [":2: targets.0.name: a label is 1 to 200 printable characters"],
    ),
}


def problems_of(call) -> list[str]:
    with pytest.raises(ScenarioError) as raised:
        call()
    lines = [str(p) for p in raised.value.problems]
    for line in lines:
        assert (
            "\n" not in line
            and "Input should" not in line
            and "pydantic" not in line
            and "Value error" not in line
        )
    return lines


@pytest.mark.parametrize("case", YAML_CASES, ids=list(YAML_CASES))
def test_bad_targets_file(case, tmp_path):
    text, expected = YAML_CASES[case]
    path = tmp_path / "t.yaml"
    path.write_text(text)
    lines = problems_of(lambda: load_targets(path))
    assert len(lines) == len(expected), lines
    for line, part in zip(lines, expected):
        assert line.startswith(str(path)) and part in line, (line, part)


@pytest.mark.parametrize(
    "field,value,expected",
    [
        (
            "policy",
            "sceptical",
            "a: policy: no policy 'sceptical' in the calibrated scenario; it has trusting, "
            "suspicious",
        ),
        (
            "segment",
            "young",
            "a: segment: no segment 'young' in the calibrated scenario; it has everyone",
        ),
        ("world", "missing.yaml", "a: world: "),
    ],
)
def test_targets_that_do_not_fit_their_world(field, value, expected, tmp_path):
    figure = "approval_share"
    text = (
        f"targets:\n  - name: a\n    figure: {figure}\n    policy: trusting\n    {field}: {value}\n"
        "    mean: {value: 0.5, standard_error: 0.1}\n"
    ).replace("policy: trusting\n    policy", "policy")
    path = tmp_path / "t.yaml"
    path.write_text(text)
    targets = load_targets(path)
    lines = problems_of(lambda: check_against(targets, {None: load_scenario(CANONICAL)}))
    assert len(lines) == 1 and expected in lines[0], lines
    if field == "world":
        assert "missing.yaml: no such file" in lines[0]


HEADER = "filed,closed,outcome,contacts,repurchased,survey_score\n"
GOOD_ROW = "2025-01-01,2025-01-03,approved,1,yes,9\n"
CSV_CASES = {
    "latin-1": (
        (HEADER + GOOD_ROW + "2025-01-02,2025-01-04,approved,1,oui,\n").encode()
        + "é\n".encode("latin-1"),
        [":4: is not UTF-8 text (byte 0xe9"],
    ),
    "utf-16": ((HEADER + GOOD_ROW).encode("utf-16"), [":1: is UTF-16 text"]),
    "empty": (b"", ["file is empty; a claims CSV needs a header row"]),
    "header-only": (HEADER.encode(), ["has a header but no claims"]),
    "missing-columns": (
        b"filed,outcome\n2025-01-01,approved\n",
        [
            ":1: closed: column missing",
            ":1: contacts: column missing",
            ":1: repurchased: column missing",
        ],
    ),
    "bad-date": (
        (HEADER + "01/02/2025,2025-01-03,approved,1,yes,\n").encode(),
        [":2: filed: must be an ISO date such as 2025-03-14 (got '01/02/2025')"],
    ),
    "impossible-date": (
        (HEADER + "2025-02-30,2025-03-03,approved,1,yes,\n").encode(),
        [":2: filed: must be an ISO date"],
    ),
    "closed-before-filed": (
        (HEADER + "2025-01-05,2025-01-03,approved,1,yes,\n").encode(),
        [":2: closed: is before the day the claim was filed (2025-01-05) (got '2025-01-03')"],
    ),
    "decided-without-closed": (
        (HEADER + "2025-01-05,,denied,1,no,\n").encode(),
        [":2: closed: a denied claim needs the day it closed"],
    ),
    "several-in-a-row": (
        (HEADER + GOOD_ROW + "2025-01-05,2025-01-06,maybe,0,perhaps,11\n").encode(),
        [
            ":3: outcome: must be approved, denied, abandoned or open",
            ":3: contacts: must be a whole number >= 1",
            ":3: repurchased: must be yes or no",
            ":3: survey_score: must be a number from 0 to 10",
        ],
    ),
    "score-not-a-number": (
        (HEADER + "2025-01-01,2025-01-03,approved,1,yes,great\n2025-01-01,,open,1,,nan\n").encode(),
        [
            ":2: survey_score: must be a number from 0 to 10, or empty (got 'great')",
            ":3: survey_score: must be a number",
        ],
    ),
    "short-row": (
        (HEADER + "2025-01-05,2025-01-06,approved\n").encode(),
        [":2: has 3 fields, the header has 6"],
    ),
    "many-bad-rows": (
        (HEADER + "x,,open,1,,\n" * 25).encode(),
        [f":{n}: filed: must be" for n in range(2, 22)] + ["and 5 more problems"],
    ),
}


@pytest.mark.parametrize("case", CSV_CASES, ids=list(CSV_CASES))
def test_bad_claims_csv(case, tmp_path):
    data, expected = CSV_CASES[case]
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    lines = problems_of(lambda: load_targets(path, policy="trusting"))
    assert len(lines) == len(expected), lines
    for line, part in zip(lines, expected):
        assert line.startswith(str(path)) and part in line, (line, part)


def test_huge_claims_csv_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "c.csv"
    with path.open("wb") as out:
        out.write(HEADER.encode())
        out.seek(30_000_000)
        out.write(b"\n")
    lines = problems_of(lambda: load_targets(path, policy="trusting"))
    assert lines == [
        f"{path}: is too large: 30,000,001 bytes, limit 25,000,000; about 500,000 claims; keep "
        "the period you calibrate on"
    ]


def test_claims_csv_needs_a_policy_and_a_known_suffix(tmp_path):
    with pytest.raises(UsageError, match="needs the policy"):
        load_targets(EXAMPLE_CSV)
    path = tmp_path / "t.txt"
    path.write_text("x")
    assert "ends in .yaml or .yml" in problems_of(lambda: load_targets(path))[0]


# --- on real simulation output: the frames as `run` stores them
# ----------------------------------------------


def test_simulated_values_agree_with_the_run_tables_on_real_output():
    """Pooled repurchase equals outcomes_table's; on one replication a claim-level figure equals its
    column."""
    from recoverysim.experiment import run_experiment
    from recoverysim.metrics import outcomes_table

    result = run_experiment(
        tarp_scenario(customers=3000, seed=5), replications=2, executor="serial"
    )
    table = outcomes_table(result.replications, ["fast", "slow", "denied"]).set_index(
        ["policy", "outcome"]
    )
    for policy, outcome in (("fast", "fast_fix"), ("slow", "slow_fix"), ("denied", "denied")):
        target = Target(
            "t", "claimant_repurchase_share", policy, "share", 0.5, 100, None, outcome_class=outcome
        )
        assert table.loc[(policy, outcome), "claimants"] > 50
        assert simulated_value(target, result.replications, result.claims) == pytest.approx(
            table.loc[(policy, outcome), "repurchase_share"]
        )
    first = result.replications["replication"] == 0
    replication, claims = (
        result.replications[first],
        result.claims[result.claims["replication"] == 0],
    )
    for figure in (
        "approval_share",
        "abandonment_share",
        "resolution_days_mean",
        "contacts_per_claim",
        "satisfaction_mean",
    ):
        target = Target("t", figure, "slow", "mean", 0.5, None, 0.1)
        column = float(replication.loc[replication["policy"] == "slow", figure].iloc[0])
        assert simulated_value(target, replication, claims) == pytest.approx(column), figure
