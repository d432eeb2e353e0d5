"""recoverysim's own channel desk run alone, replicated, so the queue model can be checked.

Open round the clock with exponential handling and Poisson arrivals, the real
`ChannelDesk` (model/channels.py) is an M/M/c queue, with exponential patience
an M/M/c+M queue. This module runs it with nothing else around it and turns R
independent runs into intervals; theory.py holds the exact values they are
compared with (tests and `recoverysim queuecheck`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy
from pydantic import ValidationError

from recoverysim.metrics import mean_interval, t_quantile
from recoverysim.model.channels import ChannelDesk
from recoverysim.queueing.theory import QueueTheoryError, check_positive, check_servers
from recoverysim.rng import BufferedDraws, RandomStreams
from recoverysim.scenario.messages import in_our_words
from recoverysim.scenario.schema import Channel

MINUTES_PER_DAY = 24 * 60.0
#: Arrivals one run may simulate: a guard against runs of hours and gigabytes (5 million take about
#: a minute).
MAX_ARRIVALS_PER_RUN = 5_000_000
#: Warm-up, in relaxation times of the queue started empty. Assumption: the start's deficit decays
#: about like e^(-t / relaxation), so after 5 about 0.7 % of it is left, spread over a run many
#: relaxation times long.
WARMUP_RELAXATION_TIMES = 5.0


# --------------------------------------------------------------------------------- the desk alone


def queue_channel(
    servers: int, service_minutes: float, patience_minutes: float | None = None
) -> Channel:
    """A channel that makes ChannelDesk an M/M/c (or M/M/c+M) queue: open 24 h, exponential
    handling, no e-mail response delay; retries, transfers and hand-offs happen in claims, not at
    the desk, and are off."""
    try:
        return Channel(
            staff=check_servers(servers),
            opens_hour=0.0,
            closes_hour=24.0,
            service_minutes_mean=check_positive("service_minutes", service_minutes),
            service_minutes_cv=1.0,
            service_distribution="exponential",
            patience_minutes_mean=None
            if patience_minutes is None
            else check_positive("patience_minutes", patience_minutes),
            retry_probability=0.0,
            transfer_drop_probability=0.0,
            partner_handoff_probability=0.0,
            response_hours_mean=0.0,
        )
    except ValidationError as error:  # a value beyond the scenario schema's limits
        problem = error.errors()[0]
        field = {
            "staff": "servers",
            "service_minutes_mean": "service_minutes",
            "patience_minutes_mean": "patience_minutes",
        }.get(str(problem["loc"][0]), str(problem["loc"][0]))
        raise QueueTheoryError(
            f"{field}: {in_our_words(problem).lower()} (got {problem.get('input')})"
        ) from None


@dataclass(frozen=True)
class ChannelSample:
    """One run's customers who arrived after the warm-up, in arrival order."""

    waited: np.ndarray  # bool: found every agent busy
    wait_minutes: np.ndarray  # time in queue, until served or until leaving
    abandoned: np.ndarray  # bool: left the queue before being served


class _ContactLog:
    """The one field ChannelDesk.contact writes into."""

    __slots__ = ("wait_days",)

    def __init__(self) -> None:
        self.wait_days = 0.0


def check_run(arrivals_per_hour: float, days: float, warmup_days: float) -> None:
    """Refuse a run that cannot keep any customer or would take hours and gigabytes, before it
    starts."""
    check_positive("days", days)
    if not (math.isfinite(warmup_days) and 0.0 <= warmup_days < days):
        raise QueueTheoryError(
            f"warmup_days must be at least 0 and below days ({days:g}) (got {warmup_days:g})"
        )
    arrivals = check_positive("arrivals_per_hour", arrivals_per_hour) * 24.0 * days
    if arrivals > MAX_ARRIVALS_PER_RUN:
        raise QueueTheoryError(
            f"one run would simulate about {arrivals:,.0f} arrivals "
            f"(limit {MAX_ARRIVALS_PER_RUN:,}); shorten days"
        )


def simulate_channel(
    channel: Channel,
    arrivals_per_hour: float,
    days: float,
    seed: int,
    warmup_days: float = 1.0,
    replication: int = 0,
) -> ChannelSample:
    """Run one ChannelDesk alone with Poisson arrivals, each making one contact; keep arrivals after
    the warm-up.

    Arrivals stop at `days`; the run then goes on until every queued customer is served or has left,
    so no wait is cut short by the end of the run (cutting them would bias waits down).
    """
    check_run(arrivals_per_hour, days, warmup_days)
    if isinstance(seed, bool) or int(seed) != seed or seed < 0:
        raise QueueTheoryError(f"seed must be an integer >= 0 (got {seed})")
    rate_per_day = arrivals_per_hour * 24.0
    env = simpy.Environment()
    streams = RandomStreams(seed, replication)
    desk = ChannelDesk(
        env,
        "phone",
        channel,
        BufferedDraws(streams.get("service.phone")),
        BufferedDraws(streams.get("patience.phone")),
    )
    arrivals = streams.get("arrivals.phone")
    # A Poisson process on [0, days]: a Poisson count of points placed uniformly, then sorted.
    arrival_days = np.sort(arrivals.uniform(0.0, days, int(arrivals.poisson(rate_per_day * days))))
    first_kept = int(np.searchsorted(arrival_days, warmup_days))
    kept = arrival_days.size - first_kept
    wait_days = [0.0] * kept
    served = [True] * kept

    def customer(slot: int):
        log = _ContactLog()
        was_served = yield from desk.contact(log)
        if slot >= 0:
            wait_days[slot] = log.wait_days
            served[slot] = was_served

    def source():
        for index, at in enumerate(arrival_days.tolist()):
            yield env.timeout(at - env.now)
            env.process(customer(index - first_kept))

    env.process(source())
    env.run()
    waits = np.asarray(wait_days) * MINUTES_PER_DAY
    return ChannelSample(
        waited=waits > 0.0, wait_minutes=waits, abandoned=~np.asarray(served, dtype=bool)
    )


# ----------------------------------------------------------------------------------- replications


@dataclass(frozen=True)
class Estimate:
    """Mean over replications with its 95 % t interval; sd and n let a caller widen it (e.g.
    Bonferroni)."""

    mean: float
    ci_low: float
    ci_high: float
    sd: float
    replications: int

    def contains(self, value: float) -> bool:
        return self.ci_low <= value <= self.ci_high

    def interval(self, confidence: float = 0.95) -> tuple[float, float]:
        """Two-sided t interval at another confidence level (95 % gives ci_low, ci_high)."""
        half = (
            t_quantile(0.5 + confidence / 2.0, self.replications - 1)
            * self.sd
            / math.sqrt(self.replications)
        )
        return self.mean - half, self.mean + half


@dataclass(frozen=True)
class QueueEstimates:
    """What R independent replications of the desk say about the three queue figures."""

    wait_probability: Estimate
    mean_wait_minutes: Estimate
    abandon_share: Estimate
    #: Per replication: P(wait), mean wait (minutes), abandonment share and customers kept, one row
    #: each.
    per_replication: np.ndarray
    customers: int


def estimate_from(values: np.ndarray) -> Estimate:
    """Mean of per-replication values with its 95 % t interval (metrics.mean_interval), sd and
    count."""
    values = np.asarray(values, dtype=float)
    mean, low, high = mean_interval(values)
    sd = float(np.std(values, ddof=1)) if values.size > 1 else math.nan
    return Estimate(mean, low, high, sd, int(values.size))


def replicate_channel(
    channel: Channel,
    arrivals_per_hour: float,
    days: float,
    seed: int,
    replications: int,
    warmup_days: float = 1.0,
    on_replication: Callable[[], None] | None = None,
) -> QueueEstimates:
    """R independent runs (replication numbers 0..R-1 of one seed); each run's averages are one
    observation.

    `on_replication` is called after each run (a progress bar).
    """
    if isinstance(replications, bool) or int(replications) != replications or replications < 2:
        raise QueueTheoryError(
            f"replications must be an integer >= 2 for an interval (got {replications})"
        )
    rows = []
    for replication in range(int(replications)):
        sample = simulate_channel(channel, arrivals_per_hour, days, seed, warmup_days, replication)
        if sample.wait_minutes.size == 0:
            raise QueueTheoryError(
                "no customer arrived after the warm-up; lengthen days or raise arrivals_per_hour"
            )
        rows.append(
            (
                sample.waited.mean(),
                sample.wait_minutes.mean(),
                sample.abandoned.mean(),
                sample.wait_minutes.size,
            )
        )
        if on_replication is not None:
            on_replication()
    table = np.asarray(rows, dtype=float)
    return QueueEstimates(
        wait_probability=estimate_from(table[:, 0]),
        mean_wait_minutes=estimate_from(table[:, 1]),
        abandon_share=estimate_from(table[:, 2]),
        per_replication=table,
        customers=int(table[:, 3].sum()),
    )


def customers_per_replication(
    relative_sd_per_customer: float,
    relative_half_width: float,
    replications: int,
    confidence: float = 0.95,
) -> int:
    """Customers each run needs so that R runs give an interval of +- relative_half_width x the
    exact value.

    `relative_sd_per_customer` is the sd of one run's average times sqrt(customers in the run),
    divided by the exact value, measured in a pilot. For runs much longer than the queue's memory it
    does not depend on the run length, so a pilot at one length sizes runs of another.
    """
    t = t_quantile(0.5 + confidence / 2.0, replications - 1)
    return math.ceil((t * relative_sd_per_customer / relative_half_width) ** 2 / replications)
