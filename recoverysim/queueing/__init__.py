"""Queues: exact values from queueing theory, and the model's channel desk run alone to check them.

theory.py holds Erlang C and Erlang A and the staff sizing built on them; simulation.py runs the
real ChannelDesk as an M/M/c (or M/M/c+M) queue and turns replications into intervals. Their
public names are importable from here, as they were when both lived in one module.
"""

from recoverysim.metrics import t_quantile
from recoverysim.queueing.simulation import (
    MAX_ARRIVALS_PER_RUN,
    MINUTES_PER_DAY,
    WARMUP_RELAXATION_TIMES,
    ChannelSample,
    Estimate,
    QueueEstimates,
    check_run,
    customers_per_replication,
    estimate_from,
    queue_channel,
    replicate_channel,
    simulate_channel,
)
from recoverysim.queueing.theory import (
    MAX_CHAIN_STATES,
    MINUTES_PER_HOUR,
    TAIL_PROBABILITY,
    ErlangA,
    ErlangC,
    QueueTheoryError,
    StaffSize,
    answered_within_erlang_a,
    answered_within_erlang_c,
    erlang_a,
    erlang_b,
    erlang_c,
    offered_load_erlangs,
    predicted_service,
    relaxation_minutes,
    size_servers,
)

__all__ = [
    "MAX_ARRIVALS_PER_RUN",
    "MAX_CHAIN_STATES",
    "MINUTES_PER_DAY",
    "MINUTES_PER_HOUR",
    "TAIL_PROBABILITY",
    "WARMUP_RELAXATION_TIMES",
    "ChannelSample",
    "ErlangA",
    "ErlangC",
    "Estimate",
    "QueueEstimates",
    "QueueTheoryError",
    "StaffSize",
    "answered_within_erlang_a",
    "answered_within_erlang_c",
    "check_run",
    "customers_per_replication",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "estimate_from",
    "offered_load_erlangs",
    "predicted_service",
    "queue_channel",
    "relaxation_minutes",
    "replicate_channel",
    "simulate_channel",
    "size_servers",
    "t_quantile",  # from metrics; tests import it from here
]
