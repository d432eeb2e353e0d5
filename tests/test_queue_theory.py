"""The phone desk against queueing theory: exact Erlang C / Erlang A values, the desk run as M/M/c,
and queuecheck.

Exact values are checked against the tables of ../shared/EVIDENCE.md to the digits printed there.
The simulation test runs the real ChannelDesk (model/channels.py) as an M/M/c queue and asserts that
the exact Erlang C value lies inside the replications' confidence interval.
"""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner

from recoverysim.cli import main
from recoverysim.errors import RecoverySimError
from recoverysim.queueing import (
    MINUTES_PER_DAY,
    WARMUP_RELAXATION_TIMES,
    QueueTheoryError,
    customers_per_replication,
    erlang_a,
    erlang_b,
    erlang_c,
    queue_channel,
    relaxation_minutes,
    replicate_channel,
    simulate_channel,
    t_quantile,
)

# ----------------------------------------------------------------------------------------- exact
# values

# EVIDENCE.md, "Erlang C (M/M/c)": (arrivals per hour, handling minutes, c, P(wait), mean wait s,
# Lq).
ERLANG_C_TABLE = [
    (720.0, 4.0, 55, 0.2387, 8.18, 1.637),  # 360 calls / 30 min, 240 s handling
    (200.0, 3.0, 11, 0.6821, 122.78, 6.821),  # 100 calls / 30 min, 180 s handling
    (200.0, 3.0, 12, 0.4494, 40.44, 2.247),
    (200.0, 3.0, 14, 0.1741, 7.84, 0.435),
    (180.0, 0.5, 2, 0.6429, 38.57, 1.929),  # lambda = 3 / min, 30 s handling
]

# EVIDENCE.md, "Erlang A (M/M/n+M)": (arrivals per hour, handling min, patience min, n, P(wait),
# P(abandon), mean wait s).
ERLANG_A_TABLE = [
    (720.0, 4.0, 3.0, 50, 0.3791, 0.0430, 7.74),  # 12 / min, 240 s, 180 s patience
    (720.0, 4.0, 3.0, 48, 0.4848, 0.0616, 11.09),
    (200.0, 3.0, 2.0, 10, 0.4969, 0.1375, 16.50),  # 3.333 / min, 180 s, 120 s patience
    (200.0, 3.0, 2.0, 11, 0.3828, 0.0942, 11.30),
]


@pytest.mark.parametrize(
    ("arrivals", "service", "servers", "wait_probability", "wait_seconds", "queue_length"),
    ERLANG_C_TABLE,
)
def test_erlang_c_matches_evidence_table(
    arrivals, service, servers, wait_probability, wait_seconds, queue_length
):
    exact = erlang_c(arrivals, service, servers)
    assert round(exact.wait_probability, 4) == wait_probability
    assert round(exact.mean_wait_minutes * 60.0, 2) == wait_seconds
    assert round(exact.queue_length_mean, 3) == queue_length


@pytest.mark.parametrize(
    (
        "arrivals",
        "service",
        "patience",
        "servers",
        "wait_probability",
        "abandon_probability",
        "wait_seconds",
    ),
    ERLANG_A_TABLE,
)
def test_erlang_a_matches_evidence_table(
    arrivals, service, patience, servers, wait_probability, abandon_probability, wait_seconds
):
    exact = erlang_a(arrivals, service, patience, servers)
    assert round(exact.wait_probability, 4) == wait_probability
    assert round(exact.abandon_probability, 4) == abandon_probability
    assert round(exact.mean_wait_minutes * 60.0, 2) == wait_seconds


def test_erlang_a_is_not_the_shortcut_evidence_warns_about():
    # EVIDENCE.md: P(Ab) = P(wait) / (1 + tau (c - A)) gives 0.41 where the exact value is 0.094.
    exact = erlang_a(200.0, 3.0, 2.0, 11)
    shortcut = exact.wait_probability / (1.0 + 2.0 / 3.0 * (11 - 10.0))
    assert abs(exact.abandon_probability - 0.0942) < 5e-5
    assert abs(shortcut - exact.abandon_probability) > 0.1


@pytest.mark.parametrize(
    ("arrivals", "service", "servers"), [(200.0, 3.0, 11), (180.0, 0.5, 2), (59_400.0, 6.0, 6_000)]
)
def test_erlang_a_tends_to_erlang_c_as_patience_grows(arrivals, service, servers):
    # Two independent algorithms (Erlang B recursion; log-space birth-death chain) must agree in the
    # limit, including at 6,000 agents where A^c / c! overflows any float.
    patience_minutes = 1e6
    c, a = (
        erlang_c(arrivals, service, servers),
        erlang_a(arrivals, service, patience_minutes, servers),
    )
    assert a.wait_probability == pytest.approx(c.wait_probability, rel=1e-3)
    assert a.mean_wait_minutes == pytest.approx(c.mean_wait_minutes, rel=1e-3)
    assert a.abandon_probability < 1e-5


def test_erlang_a_settles_when_overloaded():
    # 12 agents' worth of work on 10 agents: the excess 1/6 of arrivals must leave, less those the
    # queue absorbs.
    exact = erlang_a(
        240.0, 3.0, 0.001, 10
    )  # nearly no patience: almost an Erlang loss system (M/M/c/c)
    assert exact.abandon_probability == pytest.approx(erlang_b(12.0, 10), rel=0.005)
    long_patience = erlang_a(240.0, 3.0, 1e4, 10)
    assert long_patience.abandon_probability == pytest.approx(2.0 / 12.0, rel=1e-3)


def test_erlang_c_is_stable_at_large_c():
    exact = erlang_c(59_400.0, 6.0, 6_000)  # A = 5,940 erlangs, rho = 0.99
    assert 0.0 < exact.wait_probability < 1.0
    assert math.isfinite(exact.mean_wait_minutes) and exact.mean_wait_minutes > 0.0


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: erlang_c(240.0, 0.5, 2), "rho = 1"),
        (lambda: erlang_c(300.0, 0.5, 2), "rho = 1.25"),
        (lambda: erlang_c(100.0, 0.5, 0), "servers"),
        (lambda: erlang_c(100.0, 0.5, 2.5), "servers"),
        (lambda: erlang_c(-1.0, 0.5, 2), "arrivals_per_hour"),
        (lambda: erlang_c(100.0, math.nan, 2), "service_minutes"),
        (lambda: erlang_a(100.0, 0.5, 0.0, 2), "patience_minutes"),
        (lambda: erlang_a(100.0, 0.5, math.inf, 2), "patience_minutes"),
        (lambda: queue_channel(200_000, 1.0), "servers"),
        (
            lambda: simulate_channel(queue_channel(2, 0.5), 180.0, 1.0, 1, warmup_days=1.0),
            "warmup_days",
        ),
        (
            lambda: simulate_channel(queue_channel(2, 0.5), 1e9, 10.0, 1, warmup_days=0.0),
            "arrivals",
        ),
    ],
)
def test_bad_queue_input_is_a_recoverysim_error(call, fragment):
    with pytest.raises(QueueTheoryError, match=fragment.replace(".", r"\.")) as caught:
        call()
    assert isinstance(caught.value, RecoverySimError)


@pytest.mark.parametrize(
    ("probability", "df", "quantile"),
    [
        (0.995, 10, 3.169),
        (0.999, 5, 5.893),
        (0.9995, 5, 6.869),
        (0.95, 1, 6.314),
        (0.99, 2, 6.965),
        (0.9875, 19, 2.433),
    ],
)
def test_t_quantile_matches_printed_tables(probability, df, quantile):
    # Student t tables to 3 decimals (the 0.9875 row checked with scipy); Bonferroni widening needs
    # levels beyond 97.5 %.
    assert round(t_quantile(probability, df), 3) == quantile
    assert t_quantile(1.0 - probability, df) == pytest.approx(-t_quantile(probability, df))


# ----------------------------------------------------------------------------------------- the desk
# as M/M/c

SEED = 20240601  # fixed before the first run; not to be changed to make a test pass
REPLICATIONS = 20
#: Per-customer sd of a run's average relative to the exact value, measured by
#: tests/validation/queue_pilot.py (seed 999, 80 runs of >= 20,000 customers).
PILOT_RELATIVE_SD = {
    "C180/0.5/2": {"wait_probability": 2.34, "mean_wait_minutes": 11.2},
    "C200/3/12": {"wait_probability": 7.00, "mean_wait_minutes": 22.4},
}
# name: (arrivals per hour, service minutes, servers); both rows of EVIDENCE.md's Erlang C table
MM_C_CASES = {
    "C180/0.5/2": (180.0, 0.5, 2),  # rho = 0.75
    "C200/3/12": (200.0, 3.0, 12),  # rho = 0.83
}
#: Exact-vs-interval assertions below. Each uses a Bonferroni interval at 1 - 0.05 / ASSERTIONS, so
#: the chance that a correct desk fails any of them on a fresh seed is at most 5 % (four 95 %
#: intervals would give up to 19 %).
ASSERTIONS = 2 * len(MM_C_CASES)
CONFIDENCE = 1.0 - 0.05 / ASSERTIONS
#: Design target: the Bonferroni interval's half-width is at most 10 % of the exact value, so a desk
#: whose mean wait is off by 20 % almost always fails. The run length comes from the pilot's sd; the
#: test also checks the target was met (power).
RELATIVE_HALF_WIDTH = 0.10


def _design_days(name: str) -> tuple[float, float]:
    """Warm-up and run length (days) that meet RELATIVE_HALF_WIDTH for every figure, given the
    pilot's sd."""
    arrivals, service, servers = MM_C_CASES[name]
    warmup_days = (
        WARMUP_RELAXATION_TIMES * relaxation_minutes(arrivals, service, servers) / MINUTES_PER_DAY
    )
    customers = max(
        customers_per_replication(sd, RELATIVE_HALF_WIDTH, REPLICATIONS, CONFIDENCE)
        for sd in PILOT_RELATIVE_SD[name].values()
    )
    return warmup_days, warmup_days + customers / (arrivals * 24.0)


def test_mm_c_channel_is_what_the_theory_assumes():
    channel = queue_channel(12, 3.0)
    assert (channel.opens_hour, channel.closes_hour) == (0.0, 24.0)
    assert channel.service_distribution == "exponential" and channel.patience_minutes_mean is None
    assert (
        channel.response_hours_mean == 0.0
        and channel.retry_probability == 0.0
        and channel.transfer_drop_probability == 0.0
    )


@pytest.mark.parametrize("name", list(MM_C_CASES))
def test_phone_desk_as_mm_c_agrees_with_erlang_c(name):
    arrivals, service, servers = MM_C_CASES[name]
    exact = erlang_c(arrivals, service, servers)
    warmup_days, days = _design_days(name)
    runs = replicate_channel(
        queue_channel(servers, service), arrivals, days, SEED, REPLICATIONS, warmup_days
    )
    assert runs.abandon_share.mean == 0.0  # no patience: nobody leaves
    for figure, value in (
        ("wait_probability", exact.wait_probability),
        ("mean_wait_minutes", exact.mean_wait_minutes),
    ):
        estimate = getattr(runs, figure)
        low, high = estimate.interval(CONFIDENCE)
        assert low <= value <= high, (
            f"{name} {figure}: Erlang C {value:.4f} outside [{low:.4f}, {high:.4f}] (mean "
            f"{estimate.mean:.4f})"
        )
        # Power: an interval twice as wide as designed would let a wrong desk pass. (Both this sd
        # and the pilot's are estimates, good to about 16 % and 8 %; a factor 2 between them is a
        # real change, not chance.)
        assert (high - low) / 2.0 <= 2.0 * RELATIVE_HALF_WIDTH * value, (
            f"{name} {figure}: interval wider than designed"
        )


def test_simulation_is_reproducible_and_replications_differ():
    channel = queue_channel(2, 0.5)
    first, again = (simulate_channel(channel, 180.0, 0.2, 7, warmup_days=0.05) for _ in range(2))
    other = simulate_channel(channel, 180.0, 0.2, 7, warmup_days=0.05, replication=1)
    assert (first.wait_minutes == again.wait_minutes).all()
    assert (
        first.wait_minutes.size != other.wait_minutes.size
        or (first.wait_minutes != other.wait_minutes).any()
    )
    assert ((first.wait_minutes > 0) == first.waited).all()


# -----------------------------------------------------------------------------------------
# queuecheck


def _queuecheck(*args: str):
    return CliRunner().invoke(main, ["queuecheck", "--quiet", *args])


def test_queuecheck_prints_simulated_intervals_beside_erlang_c():
    result = _queuecheck(
        "--servers",
        "2",
        "--arrivals-per-hour",
        "180",
        "--service-minutes",
        "0.5",
        "--replications",
        "5",
        "--days",
        "0.5",
    )
    assert result.exit_code == 0, result.output
    assert "Erlang C" in result.output
    lines = {line.split("  ")[0]: line for line in result.output.splitlines()}
    assert "0.6429" in lines["probability of waiting"]  # exact, EVIDENCE.md
    assert "0.6429" in lines["mean wait (minutes)"]  # 38.57 s
    assert lines["abandonment share"].split()[-1] == "yes"
    for label in ("probability of waiting", "mean wait (minutes)"):
        assert lines[label].split()[-1] in ("yes", "NO") and "[" in lines[label]


def test_queuecheck_with_patience_compares_with_erlang_a():
    result = _queuecheck(
        "--servers",
        "10",
        "--arrivals-per-hour",
        "200",
        "--service-minutes",
        "3",
        "--patience-minutes",
        "2",
        "--replications",
        "4",
        "--days",
        "0.3",
        "--seed",
        "5",
    )
    assert result.exit_code == 0, result.output
    assert "Erlang A" in result.output
    assert (
        "0.1375" in result.output and "0.4969" in result.output
    )  # exact P(abandon), P(wait), EVIDENCE.md


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["--servers", "2", "--arrivals-per-hour", "240", "--service-minutes", "0.5"],
            "rho = 1",
        ),  # rho >= 1, no patience
        (["--servers", "0", "--arrivals-per-hour", "100", "--service-minutes", "0.5"], "--servers"),
        (
            ["--servers", "2", "--arrivals-per-hour", "-100", "--service-minutes", "0.5"],
            "--arrivals-per-hour",
        ),
        (
            ["--servers", "2", "--arrivals-per-hour", "100", "--service-minutes", "-0.5"],
            "--service-minutes",
        ),
        (
            [
                "--servers",
                "2",
                "--arrivals-per-hour",
                "100",
                "--service-minutes",
                "0.5",
                "--patience-minutes",
                "-1",
            ],
            "--patience-minutes",
        ),
        (
            ["--servers", "2", "--arrivals-per-hour", "nan", "--service-minutes", "0.5"],
            "arrivals_per_hour",
        ),
        (
            [
                "--servers",
                "2",
                "--arrivals-per-hour",
                "100",
                "--service-minutes",
                "0.5",
                "--replications",
                "1",
            ],
            "--replications",
        ),
        (
            [
                "--servers",
                "2",
                "--arrivals-per-hour",
                "100",
                "--service-minutes",
                "0.5",
                "--days",
                "0.001",
            ],
            "warm-up",
        ),
        (
            [
                "--servers",
                "2",
                "--arrivals-per-hour",
                "100",
                "--service-minutes",
                "0.5",
                "--seed",
                "-3",
            ],
            "--seed",
        ),
        (
            [
                "--servers",
                "2",
                "--arrivals-per-hour",
                "1e12",
                "--service-minutes",
                "0.5",
                "--patience-minutes",
                "1",
            ],
            "waiting customers",
        ),
        (
            [
                "--servers",
                "2",
                "--arrivals-per-hour",
                "100",
                "--service-minutes",
                "0.5",
                "--days",
                "1e6",
            ],
            "arrivals",
        ),
        (
            ["--servers", "2", "--arrivals-per-hour", "many", "--service-minutes", "0.5"],
            "--arrivals-per-hour",
        ),
        (["--arrivals-per-hour", "100", "--service-minutes", "0.5"], "--servers"),
    ],
)
def test_queuecheck_bad_input_is_one_clear_line_exit_2(args, fragment):
    result = _queuecheck(*args)
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output
    assert isinstance(
        result.exception, SystemExit
    )  # a clean exit, not an exception escaping the command
