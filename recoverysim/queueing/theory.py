"""Exact Erlang C and Erlang A, and the staff they call for, so the queue model can be checked.

The phone channel of the model is a `ChannelDesk` (model/channels.py). Open
round the clock with exponential handling and Poisson arrivals it is an M/M/c
queue (Erlang C); with exponential patience an M/M/c+M queue (Erlang A). This
module holds the exact values of both, the staff sizing built on them
(staffing.py) and the warm-up a run of the desk needs; simulation.py runs the
real desk, so tests and `recoverysim queuecheck` compare the two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import expm_multiply

from recoverysim.errors import RecoverySimError

MINUTES_PER_HOUR = 60.0
#: The birth-death chain of Erlang A is cut where the probability left in its tail is below this.
TAIL_PROBABILITY = 1e-15
#: States of the Erlang A chain beyond which we give up (only reached with extreme patience and
#: overload).
MAX_CHAIN_STATES = 10_000_000


class QueueTheoryError(RecoverySimError):
    """Queue parameters that are invalid or admit no steady state."""


# ----------------------------------------------------------------------------------- exact values


@dataclass(frozen=True)
class ErlangC:
    """Steady state of M/M/c: probability an arrival waits, its mean wait and the mean queue
    length."""

    wait_probability: float
    mean_wait_minutes: float
    queue_length_mean: float


@dataclass(frozen=True)
class ErlangA:
    """Steady state of M/M/n+M (exponential patience). Waits are averaged over all arrivals,
    abandoners counted with the time they waited before leaving, others with 0 if served at once."""

    wait_probability: float
    abandon_probability: float
    mean_wait_minutes: float
    queue_length_mean: float


def check_positive(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise QueueTheoryError(f"{name} must be a positive number (got {value:g})")
    return value


def check_servers(servers: int) -> int:
    if isinstance(servers, bool) or int(servers) != servers or servers < 1:
        raise QueueTheoryError(f"servers must be an integer >= 1 (got {servers})")
    return int(servers)


def offered_load_erlangs(arrivals_per_hour: float, service_minutes: float) -> float:
    """A = lambda * mean service time: the mean number of busy agents if no one ever waited or
    left."""
    return (
        check_positive("arrivals_per_hour", arrivals_per_hour)
        / MINUTES_PER_HOUR
        * check_positive("service_minutes", service_minutes)
    )


def erlang_b(load_erlangs: float, servers: int) -> float:
    """Blocking probability of M/M/c/c by the recursion B(k) = A B(k-1) / (k + A B(k-1)); stable for
    any c."""
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load_erlangs * blocking / (k + load_erlangs * blocking)
    return blocking


def erlang_c(arrivals_per_hour: float, service_minutes: float, servers: int) -> ErlangC:
    """Exact M/M/c values; the queue must be stable (utilisation rho = A / c below 1)."""
    servers = check_servers(servers)
    load = offered_load_erlangs(arrivals_per_hour, service_minutes)
    if load >= servers:
        raise QueueTheoryError(
            "the queue never settles without patience: "
            f"utilisation rho = {load / servers:.4g} must be below 1 "
            f"(offered load {load:.4g} erlangs on {servers} servers); add servers or a patience"
        )
    blocking = erlang_b(load, servers)
    waiting = servers * blocking / (servers - load * (1.0 - blocking))
    return ErlangC(
        wait_probability=waiting,
        mean_wait_minutes=waiting * service_minutes / (servers - load),
        queue_length_mean=waiting * load / (servers - load),
    )


def _erlang_a_log_weights(
    arrival_rate: float, service_rate: float, abandon_rate: float, servers: int
) -> tuple[np.ndarray, np.ndarray]:
    """Log of pi_k / pi_n for k < n and for k >= n (k in system), the tail cut at TAIL_PROBABILITY.

    Births at rate lambda; deaths k mu below n busy agents, n mu + (k - n) theta above.
    Working with log ratios keeps n! and A^n out of floating point.
    """
    overflow_per_minute = arrival_rate - servers * service_rate
    # the queue settles near overflow / theta
    if overflow_per_minute / abandon_rate > MAX_CHAIN_STATES / 2:
        raise QueueTheoryError(
            f"the queue would settle near {overflow_per_minute / abandon_rate:,.0f} waiting "
            f"customers, beyond the {MAX_CHAIN_STATES:,} states this exact solution handles; "
            "shorten the patience or add servers"
        )
    below = np.arange(1, servers + 1, dtype=float)
    # log(pi_{k-1} / pi_k) for k = 1..n
    log_steps_down = np.log(below * service_rate / arrival_rate)
    log_below = np.cumsum(log_steps_down[::-1])[::-1]  # sum over j = k+1..n, for k = 0..n-1
    chunks = [np.zeros(1)]
    log_last = 0.0
    log_total = float(np.logaddexp.reduce(np.append(log_below, 0.0)))
    extra, chunk = 0, 4096
    while True:
        waiting = np.arange(extra + 1, extra + chunk + 1, dtype=float)
        log_steps = np.log(arrival_rate) - np.log(servers * service_rate + waiting * abandon_rate)
        logs = log_last + np.cumsum(log_steps)
        chunks.append(logs)
        log_last = float(logs[-1])
        log_total = float(np.logaddexp(log_total, np.logaddexp.reduce(logs)))
        extra += chunk
        next_ratio = arrival_rate / (servers * service_rate + (extra + 1) * abandon_rate)
        # Ratios keep falling, so the tail after the last term is at most term * r / (1 - r).
        if next_ratio < 1.0 and (
            log_last + math.log(next_ratio / (1.0 - next_ratio)) - log_total
            < math.log(TAIL_PROBABILITY)
        ):
            break
        if extra >= MAX_CHAIN_STATES:
            raise QueueTheoryError(
                f"the Erlang A chain needs more than {MAX_CHAIN_STATES:,} states "
                "(very long patience at a load near capacity)"
            )
        chunk = min(chunk * 2, 1 << 20)
    return log_below, np.concatenate(chunks)


def erlang_a(
    arrivals_per_hour: float, service_minutes: float, patience_minutes: float, servers: int
) -> ErlangA:
    """Exact M/M/n+M values from the birth-death chain; stable at any load, since waiting customers
    leave.

    Rate balance and Little's law give P(abandon) = theta * E[wait] with theta = 1 / mean patience,
    which any correct simulation of exponential patience also satisfies.
    """
    servers = check_servers(servers)
    offered_load_erlangs(arrivals_per_hour, service_minutes)
    patience_minutes = check_positive("patience_minutes", patience_minutes)
    arrival_rate = arrivals_per_hour / MINUTES_PER_HOUR
    log_below, log_queue = _erlang_a_log_weights(
        arrival_rate, 1.0 / service_minutes, 1.0 / patience_minutes, servers
    )
    peak = max(float(log_below.max(initial=-math.inf)), float(log_queue.max()))
    below = np.exp(log_below - peak)
    queue = np.exp(log_queue - peak)
    total = below.sum() + queue.sum()
    queue_length = float(np.dot(np.arange(queue.size, dtype=float), queue) / total)
    mean_wait = queue_length / arrival_rate
    return ErlangA(
        wait_probability=float(queue.sum() / total),
        abandon_probability=mean_wait / patience_minutes,
        mean_wait_minutes=mean_wait,
        queue_length_mean=queue_length,
    )


def _erlang_a_distribution(
    arrival_rate: float, service_rate: float, abandon_rate: float, servers: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stationary probabilities of k in system: (k = 0..n-1, k = n, n+1, ...), the tail cut at
    TAIL_PROBABILITY."""
    log_below, log_queue = _erlang_a_log_weights(arrival_rate, service_rate, abandon_rate, servers)
    peak = max(float(log_below.max(initial=-math.inf)), float(log_queue.max()))
    below, queue = np.exp(log_below - peak), np.exp(log_queue - peak)
    total = below.sum() + queue.sum()
    return below / total, queue / total


def answered_within_erlang_c(
    arrivals_per_hour: float, service_minutes: float, servers: int, within_minutes: float
) -> float:
    """P(wait <= t) in M/M/c: 1 - C exp(-(c mu - lambda) t), the closed form (FIFO, no one
    leaves)."""
    exact = erlang_c(arrivals_per_hour, service_minutes, servers)
    drain_per_minute = servers / service_minutes - arrivals_per_hour / MINUTES_PER_HOUR
    return 1.0 - exact.wait_probability * math.exp(-drain_per_minute * max(within_minutes, 0.0))


def answered_within_erlang_a(
    arrivals_per_hour: float,
    service_minutes: float,
    patience_minutes: float,
    servers: int,
    within_minutes: float,
) -> float:
    """Exact share of arrivals answered (served) within t in M/M/n+M; those who leave before being
    served are not.

    Definition: P(an arrival starts service within `within_minutes` of arriving). An arrival that
    finds every agent free is answered at once. One that finds j >= n in system has m = j - n
    customers ahead in the queue; it moves up one place at rate n mu + m' theta (a service ends,
    or one of the m' ahead of it leaves), so its offered wait is hypoexponential with rates
    n mu + m theta, ..., n mu; meanwhile it leaves itself at rate theta. P(served by t | m) is the
    probability that the pure-death chain m -> m-1 -> ... -> 0 -> served, killed at rate theta,
    is absorbed in "served" by t: one column of exp(G t), computed with scipy's expm_multiply
    for every m at once. Arrivals see the stationary distribution (PASTA).
    """
    servers = check_servers(servers)
    offered_load_erlangs(arrivals_per_hour, service_minutes)
    patience_minutes = check_positive("patience_minutes", patience_minutes)
    if not math.isfinite(within_minutes) or within_minutes < 0.0:
        raise QueueTheoryError(f"within_minutes must be a number >= 0 (got {within_minutes:g})")
    service_rate, abandon_rate = 1.0 / service_minutes, 1.0 / patience_minutes
    below, queue = _erlang_a_distribution(
        arrivals_per_hour / MINUTES_PER_HOUR, service_rate, abandon_rate, servers
    )
    if within_minutes == 0.0:
        return float(below.sum())
    # The chain's stored tail runs in chunks well past TAIL_PROBABILITY; beyond it nothing changes
    # the sum.
    queue = queue[: max(1, int(np.count_nonzero(np.cumsum(queue[::-1])[::-1] > TAIL_PROBABILITY)))]
    # States 0..M-1: customers ahead of the arrival; state M: served (absorbing). Leaving is leaving
    # the chain.
    size = queue.size
    ahead = np.arange(size, dtype=float)
    moves_up = servers * service_rate + ahead * abandon_rate
    rows = np.concatenate([ahead, ahead[1:], [0.0]]).astype(int)
    columns = np.concatenate([ahead, ahead[1:] - 1.0, [size]]).astype(int)
    rates = np.concatenate([-(moves_up + abandon_rate), moves_up[1:], moves_up[:1]])
    generator = coo_matrix(
        (rates * within_minutes, (rows, columns)), shape=(size + 1, size + 1)
    ).tocsc()
    served = np.zeros(size + 1)
    served[size] = 1.0
    by_t = np.clip(expm_multiply(generator, served)[:size], 0.0, 1.0)
    return float(below.sum() + np.dot(queue, by_t))


@dataclass(frozen=True)
class StaffSize:
    """Agents chosen for a desk and what theory predicts with them (NaN for a desk with no
    arrivals)."""

    servers: int
    service_level: float  # share answered within the target time
    abandon_probability: float


def predicted_service(
    arrivals_per_hour: float,
    service_minutes: float,
    patience_minutes: float | None,
    servers: int,
    within_minutes: float,
) -> StaffSize:
    """Service level and abandonment of `servers` agents: Erlang A with a patience, Erlang C without
    one.

    Without patience an unstable queue (load >= servers) answers no one in time: service level 0.
    """
    if patience_minutes is None:
        if offered_load_erlangs(arrivals_per_hour, service_minutes) >= servers:
            return StaffSize(servers, 0.0, 0.0)
        return StaffSize(
            servers,
            answered_within_erlang_c(arrivals_per_hour, service_minutes, servers, within_minutes),
            0.0,
        )
    return StaffSize(
        servers,
        answered_within_erlang_a(
            arrivals_per_hour, service_minutes, patience_minutes, servers, within_minutes
        ),
        erlang_a(arrivals_per_hour, service_minutes, patience_minutes, servers).abandon_probability,
    )


def size_servers(
    arrivals_per_hour: float,
    service_minutes: float,
    patience_minutes: float | None,
    within_minutes: float,
    service_level_share: float,
    max_abandonment_share: float,
    max_servers: int = 100_000,
) -> StaffSize:
    """The fewest agents with P(answered within t) >= target and P(abandon) <= max; 0 agents for no
    arrivals.

    The search starts at a lower bound no answer can be below: the agents must serve what does not
    abandon, lambda (1 - P(abandon)) <= n mu, so n >= A (1 - max abandonment); Erlang C needs n > A.
    Both figures improve with every agent added, so the first n that meets both is the smallest.
    """
    if arrivals_per_hour <= 0.0:
        return StaffSize(0, math.nan, math.nan)
    load = offered_load_erlangs(arrivals_per_hour, service_minutes)
    servers = max(
        1,
        math.floor(load) + 1
        if patience_minutes is None
        else math.floor(load * (1.0 - max_abandonment_share)),
    )
    while servers <= max_servers:
        try:
            predicted = predicted_service(
                arrivals_per_hour, service_minutes, patience_minutes, servers, within_minutes
            )
        except QueueTheoryError:  # a chain too long to solve exactly: far from the targets
            predicted = None
        if (
            predicted is not None
            and predicted.service_level >= service_level_share
            and predicted.abandon_probability <= max_abandonment_share
        ):
            return predicted
        servers += 1
    raise QueueTheoryError(
        f"no staff up to {max_servers:,} agents meets the service level for "
        f"{arrivals_per_hour:g} arrivals per hour"
    )


def relaxation_minutes(
    arrivals_per_hour: float,
    service_minutes: float,
    servers: int,
    patience_minutes: float | None = None,
) -> float:
    """Rough time for a queue started empty to forget its start, used to size the warm-up.

    Below full load: 1 / (sqrt(c mu) - sqrt(lambda))^2, the M/M/1 relaxation time with the c agents
    pooled (a heavy-traffic approximation). With patience the queue also settles within a few
    patience times at any load, so the shorter of the two bounds it (and patience alone when
    overloaded).
    """
    arrival_rate = arrivals_per_hour / MINUTES_PER_HOUR
    capacity = servers / service_minutes
    bounds = []
    if arrival_rate < capacity:
        bounds.append(1.0 / (math.sqrt(capacity) - math.sqrt(arrival_rate)) ** 2)
    if patience_minutes is not None:
        bounds.append(patience_minutes + service_minutes)
    if not bounds:
        raise QueueTheoryError("an overloaded queue without patience never settles")
    return max(service_minutes, min(bounds))
