"""Pilot runs that size the queue tests: the per-customer sd of each figure, relative to its exact
value.

Not a test. Run `python tests/validation/queue_pilot.py` (about 4 CPU-minutes) and copy the numbers
into PILOT_RELATIVE_SD of tests/test_queue_theory.py and tests/validation/test_queues.py. It uses
seed 999, which no test uses, so the runs that size a test are not the runs that judge it.
"""

from __future__ import annotations

import math
import sys

from recoverysim.queueing import (
    MINUTES_PER_DAY,
    WARMUP_RELAXATION_TIMES,
    erlang_a,
    erlang_c,
    queue_channel,
    relaxation_minutes,
    replicate_channel,
)

PILOT_SEED = 999
PILOT_REPLICATIONS = 80  # sd then known to about +-8 % (1 / sqrt(2 x 79), for normal run averages)
#: name: (arrivals per hour, service minutes, servers, patience minutes or None)
CASES = {
    "C200/3/11": (200.0, 3.0, 11, None),
    "C200/3/12": (200.0, 3.0, 12, None),
    "C180/0.5/2": (180.0, 0.5, 2, None),
    "C190/3/10": (190.0, 3.0, 10, None),
    "A720/4/3/50": (720.0, 4.0, 50, 3.0),
    "A720/4/3/48": (720.0, 4.0, 48, 3.0),
    "A200/3/2/10": (200.0, 3.0, 10, 2.0),
    "A200/3/2/11": (200.0, 3.0, 11, 2.0),
    "A240/3/2/10": (240.0, 3.0, 10, 2.0),
}


def pilot(
    arrivals_per_hour: float, service_minutes: float, servers: int, patience_minutes: float | None
) -> dict[str, float]:
    """sd of a run's average x sqrt(customers per run) / exact value, per figure; runs of max(20k
    customers, 50 relaxation times)."""
    relaxation = relaxation_minutes(arrivals_per_hour, service_minutes, servers, patience_minutes)
    warmup_days = WARMUP_RELAXATION_TIMES * relaxation / MINUTES_PER_DAY
    customers = max(20_000, 50 * relaxation * arrivals_per_hour / 60.0)
    days = warmup_days + customers / (arrivals_per_hour * 24.0)
    runs = replicate_channel(
        queue_channel(servers, service_minutes, patience_minutes),
        arrivals_per_hour,
        days,
        PILOT_SEED,
        PILOT_REPLICATIONS,
        warmup_days,
    )
    per_run = runs.customers / PILOT_REPLICATIONS
    if patience_minutes is None:
        exact = erlang_c(arrivals_per_hour, service_minutes, servers)
        figures = {
            "wait_probability": (runs.wait_probability, exact.wait_probability),
            "mean_wait_minutes": (runs.mean_wait_minutes, exact.mean_wait_minutes),
        }
    else:
        exact = erlang_a(arrivals_per_hour, service_minutes, patience_minutes, servers)
        figures = {
            "wait_probability": (runs.wait_probability, exact.wait_probability),
            "mean_wait_minutes": (runs.mean_wait_minutes, exact.mean_wait_minutes),
            "abandon_share": (runs.abandon_share, exact.abandon_probability),
        }
    return {
        name: estimate.sd * math.sqrt(per_run) / value
        for name, (estimate, value) in figures.items()
    }


if __name__ == "__main__":
    for name in sys.argv[1:] or list(CASES):
        sds = pilot(*CASES[name])
        print(
            f"{name:<14}" + "  ".join(f"{figure}={sd:.3g}" for figure, sd in sds.items()),
            flush=True,
        )
