"""`recoverysim queuecheck`: the phone desk run alone, beside exact Erlang C / Erlang A, at a load
of the user's choosing."""

from __future__ import annotations

import math
import time

import click

from recoverysim.experiments.progress import bar
from recoverysim.queueing.simulation import (
    MINUTES_PER_DAY,
    WARMUP_RELAXATION_TIMES,
    Estimate,
    check_run,
    queue_channel,
    replicate_channel,
)
from recoverysim.queueing.theory import QueueTheoryError, erlang_a, erlang_c, relaxation_minutes
from recoverysim.table import number

#: Default run length after the warm-up, in relaxation times and in arrivals per replication
#: (whichever is longer). Assumption: enough for each replication's averages to be roughly normal
#: and the interval to be informative.
DEFAULT_RELAXATION_TIMES = 50.0
DEFAULT_ARRIVALS = 20_000


def default_days(arrivals_per_hour: float, relaxation: float, warmup_days: float) -> float:
    """Warm-up plus max(50 relaxation times, 20,000 arrivals)."""
    return warmup_days + max(
        DEFAULT_RELAXATION_TIMES * relaxation / MINUTES_PER_DAY,
        DEFAULT_ARRIVALS / (arrivals_per_hour * 24.0),
    )


def _figure(value: float) -> str:
    """Four significant digits, enough to compare with the Erlang tables in EVIDENCE.md."""
    return f"{value:.4g}"


def _row(label: str, estimate: Estimate, exact: float) -> str:
    interval = f"{_figure(estimate.mean)} [{_figure(estimate.ci_low)}, {_figure(estimate.ci_high)}]"
    inside = "yes" if estimate.contains(exact) else "NO"
    return f"{label:<28}{interval:<32}{_figure(exact):<12}{inside}"


positive = click.FloatRange(min=0.0, min_open=True)


@click.command()
@click.option(
    "--servers",
    type=click.IntRange(min=1, max=100_000),
    required=True,
    help="Agents at the desk (c).",
)
@click.option(
    "--arrivals-per-hour", type=positive, required=True, help="Poisson arrival rate (lambda)."
)
@click.option(
    "--service-minutes", type=positive, required=True, help="Mean handling time (exponential)."
)
@click.option(
    "--patience-minutes",
    type=positive,
    help="Mean patience (exponential); compares with Erlang A. Default: nobody leaves (Erlang C).",
)
@click.option(
    "--replications",
    type=click.IntRange(min=2, max=10_000),
    default=20,
    show_default=True,
    help="Independent runs.",
)
@click.option(
    "--days",
    type=positive,
    help="Length of each run in days, warm-up included (default: warm-up + max(50 relaxation "
    "times, 20,000 arrivals)).",
)
@click.option(
    "--warmup-days",
    type=click.FloatRange(min=0.0),
    help=f"Start of each run dropped (default: {WARMUP_RELAXATION_TIMES:g} relaxation times).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**63 - 1),
    default=1,
    show_default=True,
    help="Seed of the random streams.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def queuecheck(
    servers: int,
    arrivals_per_hour: float,
    service_minutes: float,
    patience_minutes: float | None,
    replications: int,
    days: float | None,
    warmup_days: float | None,
    seed: int,
    quiet: bool,
) -> None:
    """Run the phone desk alone as M/M/c (or M/M/c+M with --patience-minutes) and compare with exact
    Erlang C / A.

    Prints simulated probability of waiting, mean wait and abandonment share with 95 % intervals
    beside the exact values, and whether each exact value lies inside its interval (at 95 %, one
    figure in twenty misses by chance).
    """
    if patience_minutes is None:
        exact = erlang_c(arrivals_per_hour, service_minutes, servers)
        exact_abandon, model = 0.0, f"M/M/{servers} (Erlang C)"
    else:
        exact = erlang_a(arrivals_per_hour, service_minutes, patience_minutes, servers)
        exact_abandon, model = exact.abandon_probability, f"M/M/{servers}+M (Erlang A)"
    relaxation = relaxation_minutes(arrivals_per_hour, service_minutes, servers, patience_minutes)
    if warmup_days is None:
        warmup_days = WARMUP_RELAXATION_TIMES * relaxation / MINUTES_PER_DAY
    if days is None:
        days = default_days(arrivals_per_hour, relaxation, warmup_days)
    if not math.isfinite(days) or days <= warmup_days:
        raise QueueTheoryError(
            f"--days must be a finite number above the warm-up of {warmup_days:.4g} days (got "
            f"{days:g})"
        )
    check_run(arrivals_per_hour, days, warmup_days)
    channel = queue_channel(servers, service_minutes, patience_minutes)
    load = arrivals_per_hour / 60.0 * service_minutes
    click.echo(
        f"{model}: {number(arrivals_per_hour)} arrivals per hour, {number(service_minutes)} min "
        "mean handling"
        + (f", {number(patience_minutes)} min mean patience" if patience_minutes else "")
        + f"; offered load {number(load)} erlangs, utilisation rho = {load / servers:.3f}"
    )
    clock = time.perf_counter()
    with bar("queuecheck", replications, "replications", quiet=quiet) as progress:
        estimates = replicate_channel(
            channel,
            arrivals_per_hour,
            days,
            seed,
            replications,
            warmup_days,
            on_replication=lambda: progress.update(1),
        )
    click.echo(
        f"{replications} replications of {days:.4g} days each "
        f"(first {warmup_days:.4g} days dropped), "
        f"{estimates.customers:,} customers, seed {seed}, {time.perf_counter() - clock:.1f} s\n"
    )
    click.echo(f"{'figure':<28}{'simulated [95 % interval]':<32}{'exact':<12}inside")
    click.echo(_row("probability of waiting", estimates.wait_probability, exact.wait_probability))
    click.echo(_row("mean wait (minutes)", estimates.mean_wait_minutes, exact.mean_wait_minutes))
    click.echo(_row("abandonment share", estimates.abandon_share, exact_abandon))
