"""How fast recoverysim runs on this machine, next to SimPy's own limit and a peer (Ciw), all in one
run.

    python benchmarks/run.py [--quick] [--repeats N] [--compare FILE] [--out DIR]

Every figure is the median of --repeats runs, shown with their min and max.
The figures are written as JSON under --out with a description of the machine,
so that a later run on the same machine can be compared with --compare. This
is a script, not a test: tests/test_benchmarks.py only checks that --quick
works. See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import simpy

FORMAT_VERSION = 1
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CANONICAL = ROOT / "scenarios" / "trust-vs-suspicion.yaml"
POLICIES = ("trusting", "suspicious")
SECTIONS = ("engine limit", "peer", "phone channel", "whole model", "engine efficiency", "parallel")

# The M/M/c queue every engine runs: c = 10 agents at utilisation 0.9, times in minutes.
SERVERS = 10
UTILISATION = 0.9
SERVICE_MINUTES = 1.0
ARRIVALS_PER_MINUTE = UTILISATION * SERVERS / SERVICE_MINUTES
WARMUP_SHARE = 0.1  # customers dropped from the start of each run before averaging waits
WAIT_BATCHES = 20  # batch means for the interval of one run's mean wait

# The canonical scenario holds 50,000 owners and 50,000 prospects: "100,000 customers".
CANONICAL_CUSTOMERS = 100_000


@dataclass(frozen=True)
class Sizes:
    """How big each measurement is; --quick makes all of them tiny."""

    timeouts: int
    queue_customers: int
    model_customers: tuple[int, ...]
    model_horizon_days: int | None  # None: the scenario's own horizon (six years since 0.2)
    parallel_customers: int | None  # None: the canonical scenario as it is
    parallel_horizon_days: int | None
    parallel_replications: int
    repeats: int


# Two years, the horizon 0.1's runs measured, so that medians compare across versions.
FULL = Sizes(1_000_000, 200_000, (10_000, 100_000, 1_000_000), 730, None, 730, 30, 3)
QUICK = Sizes(20_000, 3_000, (1_000, 2_000, 4_000), 60, 1_000, 30, 30, 2)


# ----------------------------------------------------------------------------------------------
# figures


class Figures:
    """Named measurements, each a list of runs; kept in the order they were first recorded."""

    def __init__(self) -> None:
        self.items: dict[str, dict] = {}

    def add(self, key: str, value: float | None, unit: str) -> None:
        entry = self.items.setdefault(key, {"unit": unit, "runs": []})
        entry["runs"].append(value)

    def summary(self, key: str) -> dict:
        entry = self.items[key]
        runs = [v for v in entry["runs"] if v is not None and math.isfinite(v)]
        if not runs:
            return {
                "unit": entry["unit"],
                "median": None,
                "min": None,
                "max": None,
                "runs": entry["runs"],
            }
        return {
            "unit": entry["unit"],
            "median": statistics.median(runs),
            "min": min(runs),
            "max": max(runs),
            "runs": entry["runs"],
        }

    def median(self, key: str) -> float | None:
        return self.summary(key)["median"] if key in self.items else None

    def as_dict(self) -> dict[str, dict]:
        return {key: self.summary(key) for key in self.items}


def number(value: float | None) -> str:
    """A figure in a short readable form."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.2f} M"
    if magnitude >= 1e4:
        return f"{value / 1e3:.1f} k"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 1:
        return f"{value:.3g}"
    return f"{value:.3g}"


def heading(title: str) -> None:
    print(f"\n== {title} ==")
    print(f"  {'figure':<52} {'median':>10} {'min':>10} {'max':>10}  unit")


def row(figures: Figures, key: str, label: str) -> None:
    s = figures.summary(key)
    print(
        f"  {label:<52} {number(s['median']):>10} {number(s['min']):>10} {number(s['max']):>10}  "
        f"{s['unit']}"
    )


def note(text: str) -> None:
    print(f"  {text}")


# ----------------------------------------------------------------------------------------------
# theory


def erlang_c_wait_minutes(
    arrivals_per_minute: float, service_minutes: float, servers: int
) -> tuple[float, str]:
    """Mean wait in queue of M/M/c (Erlang C), from recoverysim.queueing when it exists, else our
    own recursion."""
    try:
        from recoverysim.queueing import erlang_c
    except ImportError:
        return erlang_c_wait_fallback(
            arrivals_per_minute, service_minutes, servers
        ), "benchmark's own Erlang B recursion"
    return erlang_c(
        arrivals_per_minute * 60.0, service_minutes, servers
    ).mean_wait_minutes, "recoverysim.queueing.erlang_c"


def erlang_c_wait_fallback(
    arrivals_per_minute: float, service_minutes: float, servers: int
) -> float:
    """Erlang C through Erlang B's stable recursion B(k) = A B(k-1) / (k + A B(k-1))."""
    load = arrivals_per_minute * service_minutes
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    waiting = servers * blocking / (servers - load * (1.0 - blocking))
    return waiting * service_minutes / (servers - load)


def mean_wait_with_interval(waits: list[float]) -> tuple[float, float]:
    """Mean wait after the warm-up share, and the half-width of its 95 % batch-means interval."""
    from recoverysim.metrics import mean_interval

    kept = np.asarray(waits[int(len(waits) * WARMUP_SHARE) :], dtype=float)
    batches = np.array([batch.mean() for batch in np.array_split(kept, WAIT_BATCHES)])
    _, low, high = mean_interval(batches)
    return float(kept.mean()), (high - low) / 2.0


# ----------------------------------------------------------------------------------------------
# engine limit


def simpy_timeouts_per_second(count: int) -> float:
    """One process yielding `count` timeouts: SimPy's cost per event with nothing else going on."""
    env = simpy.Environment()

    def ticker():
        for _ in range(count):
            yield env.timeout(1.0)

    env.process(ticker())
    start = time.perf_counter()
    env.run()
    return count / (time.perf_counter() - start)


def simpy_mmc(customers: int, seed: int) -> tuple[float, list[float]]:
    """The idiomatic SimPy M/M/c: a source process, one process per customer, a Resource. Returns
    (seconds, waits)."""
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=SERVERS)
    rng = random.Random(seed)
    waits = [0.0] * customers

    def customer(index: int):
        arrived = env.now
        with agents.request() as request:
            yield request
            waits[index] = env.now - arrived
            yield env.timeout(rng.expovariate(1.0 / SERVICE_MINUTES))

    def source():
        for index in range(customers):
            yield env.timeout(rng.expovariate(ARRIVALS_PER_MINUTE))
            env.process(customer(index))

    env.process(source())
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start, waits


# ----------------------------------------------------------------------------------------------
# peer


def ciw_mmc(customers: int, seed: int) -> tuple[float, list[float]]:
    """The same M/M/c in Ciw, run until `customers` have completed service. Returns (seconds, waits
    in arrival order)."""
    import ciw

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=ARRIVALS_PER_MINUTE)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / SERVICE_MINUTES)],
        number_of_servers=[SERVERS],
    )
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    start = time.perf_counter()
    simulation.simulate_until_max_customers(customers, method="Complete")
    seconds = time.perf_counter() - start
    records = sorted(simulation.get_all_records(), key=lambda r: r.arrival_date)
    return seconds, [r.waiting_time for r in records]


# ----------------------------------------------------------------------------------------------
# phone channel


class _WaitLog:
    __slots__ = ("wait_days",)

    def __init__(self) -> None:
        self.wait_days = 0.0


def channel_mmc(customers: int, seed: int) -> tuple[float, list[float], str]:
    """recoverysim's ChannelDesk alone as the M/M/c queue. Returns (seconds, waits in minutes, how
    it was driven)."""
    arrivals_per_hour = ARRIVALS_PER_MINUTE * 60.0
    days = customers / (arrivals_per_hour * 24.0)
    try:
        from recoverysim.queueing import queue_channel, simulate_channel
    except ImportError:
        return _channel_mmc_own_driver(customers, seed) + ("benchmark's own driver of ChannelDesk",)
    channel = queue_channel(SERVERS, SERVICE_MINUTES)
    start = time.perf_counter()
    sample = simulate_channel(channel, arrivals_per_hour, days, seed, warmup_days=0.0)
    return (
        time.perf_counter() - start,
        sample.wait_minutes.tolist(),
        "recoverysim.queueing.simulate_channel",
    )


def _channel_mmc_own_driver(customers: int, seed: int) -> tuple[float, list[float]]:
    """Poisson arrivals (drawn in one block) each making one ChannelDesk.contact."""
    from recoverysim.model.channels import ChannelDesk
    from recoverysim.rng import BufferedDraws
    from recoverysim.scenario.schema import Channel

    channel = Channel(
        staff=SERVERS,
        opens_hour=0.0,
        closes_hour=24.0,
        service_minutes_mean=SERVICE_MINUTES,
        service_minutes_cv=1.0,
        service_distribution="exponential",
        patience_minutes_mean=None,
        response_hours_mean=0.0,
    )
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    desk = ChannelDesk(env, "phone", channel, BufferedDraws(rng), BufferedDraws(rng))
    gaps_days = (rng.standard_exponential(customers) / (ARRIVALS_PER_MINUTE * 1440.0)).tolist()
    logs = [_WaitLog() for _ in range(customers)]

    def source():
        for gap, log in zip(gaps_days, logs):
            yield env.timeout(gap)
            env.process(desk.contact(log))

    env.process(source())
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start, [log.wait_days * 1440.0 for log in logs]


# ----------------------------------------------------------------------------------------------
# whole model


def scaled_overrides(customers: int, horizon_days: int | None) -> list[str]:
    """Overrides for `customers` people (half owners, half prospects, as in the canonical scenario),
    with every fixed channel staff and inspection bench scaled by customers / 100,000 (at least 1)
    so that load per agent, and so queue behaviour, stays what the canonical scenario has; staff
    written 'auto' follows the load itself."""
    from recoverysim.scenario.load import load_scenario

    base = load_scenario(CANONICAL)
    factor = customers / CANONICAL_CUSTOMERS
    overrides = [
        f"market.initial_customers={customers // 2}",
        f"market.prospects={customers - customers // 2}",
    ]
    overrides += [
        f"channels.{name}.staff={max(1, round(channel.staff * factor))}"
        for name, channel in base.channels.items()
        if channel.staff != "auto"
    ]
    overrides += [
        f"policies.{p.name}.inspection.technicians="
        f"{max(1, round(p.inspection.technicians * factor))}"
        for p in base.policies
        if p.return_for_inspection and p.inspection.technicians != "auto"
    ]
    if horizon_days is not None:
        overrides.append(f"horizon_days={horizon_days}")
    return overrides


def model_child(customers: int, horizon_days: int | None, repeats: int) -> None:
    """In a fresh process: `repeats` replications of each policy at one size; prints one JSON line
    per replication (wall time, SimPy events processed, peak memory of this process so far) as soon
    as it is done."""
    from recoverysim.engine import run_replication
    from recoverysim.scenario.load import load_scenario

    from recoverysim.staffing import resolve_staffing

    # 'auto' staff is sized by a load pilot before the clock starts: the benchmark times
    # replications, not pilots.
    scenario = resolve_staffing(load_scenario(CANONICAL, scaled_overrides(customers, horizon_days)))
    environments: list[simpy.Environment] = []
    original_init = simpy.Environment.__init__

    def remembering_init(
        self, *args, **kwargs
    ):  # sees the World's environment without touching the model
        original_init(self, *args, **kwargs)
        environments.append(self)

    simpy.Environment.__init__ = remembering_init
    rss_imports_mib = peak_rss_mib()
    for repeat in range(repeats):
        for policy in POLICIES:
            first_new = len(environments)
            start = time.perf_counter()
            result = run_replication(scenario, policy, repeat)
            seconds = time.perf_counter() - start
            # Every scheduled event took the next id; those still queued at the horizon were never
            # processed.
            events = (
                sum(next(env._eid) - len(env._queue) for env in environments[first_new:]) or None
            )
            environments[first_new:] = []
            claims = result.claims
            print(
                json.dumps(
                    {
                        "policy": policy,
                        "repeat": repeat,
                        "seconds": seconds,
                        "events": events,
                        "claims": len(claims),
                        "wait_minutes_mean": float(claims["wait_minutes"].mean())
                        if len(claims)
                        else None,
                        "rss_imports_mib": rss_imports_mib,
                        "rss_peak_mib": peak_rss_mib(),
                    }
                ),
                flush=True,
            )
            del result, claims
    # One more replication per policy with the World's daily methods timed (benchmarks/parts.py):
    # where the time goes, and the per-claim figures. Kept apart from the timed runs above, whose
    # seconds carry no timers.
    from parts import timed_replication

    simpy.Environment.__init__ = original_init
    for policy in POLICIES:
        parts = timed_replication(scenario, policy, 0)
        print(
            json.dumps(
                {
                    "policy": policy,
                    "parts": parts["seconds"],
                    "claims": parts["claims"],
                    "claim_events": parts["claim_events"],
                    "total": parts["total"],
                }
            ),
            flush=True,
        )


def peak_rss_mib() -> float:
    """Peak resident memory of this process. VmHWM belongs to this program alone; ru_maxrss would
    also hold the RSS of the parent that spawned us, which Linux carries across fork and exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_model_child(
    customers: int, horizon_days: int | None, repeats: int, timeout_s: float
) -> tuple[list[dict], bool]:
    """Run model_child in a subprocess so its peak memory is its own. Returns the replications it
    finished and whether it was stopped for running past timeout_s per replication."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--_model-child",
        str(customers),
        str(horizon_days or 0),
        str(repeats),
    ]
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    stopped = False
    try:
        stdout, stderr = child.communicate(timeout=timeout_s * repeats * len(POLICIES))
    except subprocess.TimeoutExpired:
        child.kill()
        stdout, stderr = child.communicate()
        stopped = True
    if child.returncode != 0 and not stopped:
        raise SystemExit(
            f"run.py: the model run at {customers} customers failed:\n{stderr.strip()}"
        )
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")], stopped


def growth_exponent(customers: list[int], seconds: list[float]) -> float | None:
    """Least-squares slope of log(time) on log(customers): 1 is linear growth."""
    if len(customers) < 2:
        return None
    return float(np.polyfit(np.log(customers), np.log(seconds), 1)[0])


# ----------------------------------------------------------------------------------------------
# parallel


def parallel_scenario(sizes: Sizes):
    from recoverysim.scenario.load import load_scenario

    if sizes.parallel_customers is None:
        horizon = (
            []
            if sizes.parallel_horizon_days is None
            else [f"horizon_days={sizes.parallel_horizon_days}"]
        )
        return load_scenario(CANONICAL, horizon)
    return load_scenario(
        CANONICAL, scaled_overrides(sizes.parallel_customers, sizes.parallel_horizon_days)
    )


def time_experiment(scenario, replications: int, executor: str, workers: int):
    from recoverysim.experiment import run_experiment

    start = time.perf_counter()
    result = run_experiment(scenario, POLICIES, replications, executor=executor, workers=workers)
    return time.perf_counter() - start, result


# ----------------------------------------------------------------------------------------------
# machine


def package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_revision() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], capture_output=True, text=True, cwd=ROOT, check=False
        )
    except OSError:
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + (" (uncommitted changes)" if dirty.stdout.strip() else "")


def machine() -> dict:
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {
            name: package_version(name)
            for name in ("recoverysim", "simpy", "numpy", "pandas", "ciw")
        },
        "git": git_revision(),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# ----------------------------------------------------------------------------------------------
# sections


def measure_engines(figures: Figures, sizes: Sizes) -> dict:
    """Bare SimPy, Ciw and the phone channel, interleaved repeat by repeat so load changes hit all
    alike."""
    n = sizes.queue_customers
    how = ""
    for repeat in range(sizes.repeats):
        seed = 1000 + repeat
        figures.add(
            "engine.simpy_timeouts_per_s", simpy_timeouts_per_second(sizes.timeouts), "events/s"
        )
        seconds, waits = simpy_mmc(n, seed)
        figures.add("engine.simpy_mmc_customers_per_s", n / seconds, "customers/s")
        record_wait(figures, "engine.simpy_mmc", waits)
        seconds, waits = ciw_mmc(n, seed)
        figures.add("peer.ciw_customers_per_s", n / seconds, "customers/s")
        record_wait(figures, "peer.ciw", waits)
        seconds, waits, how = channel_mmc(n, seed)
        figures.add("channel.customers_per_s", len(waits) / seconds, "customers/s")
        record_wait(figures, "channel.desk", waits)
    return {"channel_driver": how}


def record_wait(figures: Figures, prefix: str, waits: list[float]) -> None:
    mean, half_width = mean_wait_with_interval(waits)
    figures.add(f"{prefix}_wait_minutes", mean, "minutes")
    figures.add(f"{prefix}_wait_ci_half_width", half_width, "minutes")


def print_engines(
    figures: Figures, sizes: Sizes, theory_wait: float, theory_source: str, how: str
) -> None:
    heading("engine limit")
    row(figures, "engine.simpy_timeouts_per_s", "bare SimPy timeouts per second (one process)")
    row(
        figures,
        "engine.simpy_mmc_customers_per_s",
        f"bare SimPy M/M/{SERVERS} (rho {UTILISATION}) customers per second",
    )
    wait_rows(figures, "engine.simpy_mmc", theory_wait)
    heading("peer")
    row(figures, "peer.ciw_customers_per_s", f"Ciw M/M/{SERVERS} customers per second")
    wait_rows(figures, "peer.ciw", theory_wait)
    heading("phone channel")
    row(figures, "channel.customers_per_s", f"ChannelDesk as M/M/{SERVERS} customers per second")
    wait_rows(figures, "channel.desk", theory_wait)
    channel = figures.items["channel.customers_per_s"]["runs"]
    for other, label in (
        ("engine.simpy_mmc_customers_per_s", "bare SimPy"),
        ("peer.ciw_customers_per_s", "Ciw"),
    ):
        for a, b in zip(channel, figures.items[other]["runs"]):
            figures.add(f"channel.ratio_to_{label.replace(' ', '_').lower()}", a / b, "x")
        row(
            figures,
            f"channel.ratio_to_{label.replace(' ', '_').lower()}",
            f"channel throughput / {label} (same repeat)",
        )
    note(
        f"Erlang C mean wait {theory_wait:.4f} minutes (from {theory_source}); "
        f"{sizes.queue_customers:,} customers a run, first {WARMUP_SHARE:.0%} dropped; +- is a 95 "
        f"% batch-means interval of one run; channel driven by {how}"
    )


def wait_rows(figures: Figures, prefix: str, theory_wait: float) -> None:
    for value in figures.items[f"{prefix}_wait_minutes"]["runs"]:
        figures.add(f"{prefix}_wait_error", value / theory_wait - 1.0, "relative")
    s = figures.summary(f"{prefix}_wait_minutes")
    half = figures.summary(f"{prefix}_wait_ci_half_width")["median"]
    error = figures.summary(f"{prefix}_wait_error")
    note(
        f"{'mean wait (median run) vs Erlang C':<52} {s['median']:.4f} +- {half:.4f} min, error "
        f"{error['median']:+.1%} (runs {error['min']:+.1%} .. {error['max']:+.1%})"
    )


def measure_model(figures: Figures, sizes: Sizes, cap: int, timeout_s: float) -> dict:
    """Each size in its own process, smallest first; peak memory is that process's, over all its
    replications."""
    seen: dict = {"skipped": [], "stopped": []}
    for customers in sizes.model_customers:
        if customers > cap:
            seen["skipped"].append(customers)
            continue
        runs, stopped = run_model_child(
            customers, sizes.model_horizon_days, sizes.repeats, timeout_s
        )
        if stopped:
            seen["stopped"].append(customers)
        for out in runs:
            key = f"model.{out['policy']}.{customers}"
            if "parts" in out:
                record_parts(figures, key, out)
                continue
            figures.add(f"{key}.seconds", out["seconds"], "s/replication")
            figures.add(f"{key}.events", out["events"], "events")
            figures.add(
                f"{key}.events_per_s",
                out["events"] / out["seconds"] if out["events"] else None,
                "events/s",
            )
            figures.add(f"{key}.claims", out["claims"], "claims")
            figures.add(f"{key}.wait_minutes", out["wait_minutes_mean"], "minutes")
        timed = [out for out in runs if "rss_peak_mib" in out]
        if timed:
            figures.add(f"model.{customers}.peak_mib", timed[-1]["rss_peak_mib"], "MiB")
            figures.add(f"model.{customers}.imports_mib", timed[-1]["rss_imports_mib"], "MiB")
    return seen


def record_parts(figures: Figures, key: str, out: dict) -> None:
    """The timed replication's parts (seconds), SimPy events a claim and wall time a claim (claim
    processes and filing: everything outside the daily step's bulk work, World() setup and the
    tables)."""
    for part, seconds in out["parts"].items():
        figures.add(f"{key}.part.{part}", seconds, "s")
    claims = max(out["claims"], 1)
    figures.add(f"{key}.events_per_claim", out["claim_events"] / claims, "events/claim")
    per_claim_s = sum(
        seconds for part, seconds in out["parts"].items() if part.startswith("per claim")
    )
    figures.add(f"{key}.per_claim_us", per_claim_s / claims * 1e6, "us/claim")


def print_model(figures: Figures, sizes: Sizes, seen: dict, timeout_s: float) -> None:
    heading("whole model")
    horizon = (
        f"{sizes.model_horizon_days} days"
        if sizes.model_horizon_days
        else "the scenario's own horizon"
    )
    note(
        f"canonical scenario, {horizon}; N customers = N/2 owners + N/2 prospects; every "
        "channel's staff and the"
    )
    note(
        f"inspection bench scaled by N/{CANONICAL_CUSTOMERS:,} (rounded, at least 1), so load per "
        "agent stays canonical"
    )
    for policy in POLICIES:
        done_sizes, done_seconds = [], []
        for customers in sizes.model_customers:
            key = f"model.{policy}.{customers}"
            if f"{key}.seconds" not in figures.items:
                continue
            row(figures, f"{key}.seconds", f"{policy} {customers:,}: seconds per replication")
            row(figures, f"{key}.events_per_s", f"{policy} {customers:,}: SimPy events per second")
            note(
                f"{'':<2}{policy} {customers:,}: {number(figures.median(f'{key}.events'))} events, "
                f"{number(figures.median(f'{key}.claims'))} claims, claims' mean queue wait "
                f"{figures.median(f'{key}.wait_minutes') or 0:.2f} min"
            )
            if f"{key}.events_per_claim" in figures.items:
                row(
                    figures,
                    f"{key}.events_per_claim",
                    f"{policy} {customers:,}: SimPy events a claim (target <= 4)",
                )
                row(
                    figures,
                    f"{key}.per_claim_us",
                    f"{policy} {customers:,}: wall time a claim, SimPy included",
                )
                parts = [k for k in figures.items if k.startswith(f"{key}.part.")]
                note(
                    f"{'':<2}{policy} {customers:,}, one replication with timers "
                    "(benchmarks/parts.py), seconds:"
                )
                for part in parts:
                    note(f"{'':<4}{part[len(key) + 6 :]:<46} {figures.median(part):8.3f}")
            done_sizes.append(customers)
            done_seconds.append(figures.median(f"{key}.seconds"))
        slope = growth_exponent(done_sizes, done_seconds)
        figures.add(f"model.{policy}.growth_exponent", slope, "log-log slope")
        row(
            figures,
            f"model.{policy}.growth_exponent",
            f"{policy}: growth exponent of time in customers",
        )
        if (
            len(done_sizes) > 2
        ):  # fixed costs flatten the small end; the top step shows the large-size trend
            figures.add(
                f"model.{policy}.growth_exponent_top",
                growth_exponent(done_sizes[-2:], done_seconds[-2:]),
                "log-log slope",
            )
            row(
                figures,
                f"model.{policy}.growth_exponent_top",
                f"{policy}: growth exponent, two largest sizes only",
            )
    for customers in sizes.model_customers:
        if f"model.{customers}.peak_mib" in figures.items:
            row(
                figures,
                f"model.{customers}.peak_mib",
                f"{customers:,}: peak memory of the process (max RSS)",
            )
            note(
                f"{'':<2}{customers:,}: of which interpreter and imports "
                f"{figures.median(f'model.{customers}.imports_mib'):.0f} MiB"
            )
    for customers in seen["skipped"]:
        note(f"{customers:,} customers skipped (above --max-customers)")
    for customers in seen["stopped"]:
        note(
            f"{customers:,} customers: stopped after {timeout_s:g} s per replication "
            "(--model-timeout); figures above are the runs that finished"
        )


def print_efficiency(figures: Figures, sizes: Sizes) -> None:
    heading("engine efficiency")
    runs = [v for v in figures.items["engine.simpy_timeouts_per_s"]["runs"] if v]
    per_event_s = 1.0 / statistics.median(runs)
    note(
        f"bare SimPy cost per event {per_event_s * 1e6:.3f} us (median of the timeout runs "
        "above); 1.0 = model costs nothing beyond SimPy"
    )
    for policy in POLICIES:
        for customers in sizes.model_customers:
            key = f"model.{policy}.{customers}"
            if f"{key}.events" not in figures.items:
                continue
            for events, seconds in zip(
                figures.items[f"{key}.events"]["runs"], figures.items[f"{key}.seconds"]["runs"]
            ):
                value = events * per_event_s / seconds if events and seconds else None
                figures.add(f"efficiency.{policy}.{customers}", value, "ratio")
            row(
                figures,
                f"efficiency.{policy}.{customers}",
                f"{policy} {customers:,}: events x bare cost / wall time",
            )
            if f"{key}.per_claim_us" in figures.items:
                events = figures.median(f"{key}.events_per_claim")
                python_us = figures.median(f"{key}.per_claim_us") - events * per_event_s * 1e6
                figures.add(f"{key}.per_claim_python_us", python_us, "us/claim")
                row(
                    figures,
                    f"{key}.per_claim_python_us",
                    f"{policy} {customers:,}: Python a claim beyond bare SimPy events (target <= "
                    "30)",
                )


def measure_parallel(figures: Figures, sizes: Sizes) -> dict:
    scenario = parallel_scenario(sizes)
    identical = True
    for _ in range(sizes.repeats):
        serial_s, serial = time_experiment(scenario, sizes.parallel_replications, "serial", 1)
        parallel_s, parallel = time_experiment(
            scenario, sizes.parallel_replications, "processes", 2
        )
        identical = identical and serial.replications.equals(parallel.replications)
        figures.add("parallel.serial_s", serial_s, "s")
        figures.add("parallel.processes_2_s", parallel_s, "s")
        figures.add("parallel.speedup", serial_s / parallel_s, "x")
    customers = scenario.market.initial_customers + scenario.market.prospects
    return {"customers": customers, "horizon_days": scenario.horizon_days, "identical": identical}


def print_parallel(figures: Figures, sizes: Sizes, info: dict) -> None:
    heading("parallel")
    n = sizes.parallel_replications
    note(
        f"2 policies x {n} replications, {info['customers']:,} customers, {info['horizon_days']} "
        "days"
    )
    row(figures, "parallel.serial_s", "run_experiment, executor serial")
    row(figures, "parallel.processes_2_s", "run_experiment, executor processes, 2 workers")
    row(figures, "parallel.speedup", "speed-up with 2 workers")
    note(
        f"serial and parallel replications tables identical: {'yes' if info['identical'] else 'NO'}"
    )


# ----------------------------------------------------------------------------------------------
# compare


def compare(old: dict, new: dict) -> list[str]:
    """Lines giving new / old for every figure both runs hold (medians); a warning if the machines
    differ."""
    lines = []
    old_machine, new_machine = old.get("machine", {}), new.get("machine", {})
    for field in ("cpu_model", "cores", "python"):
        if old_machine.get(field) != new_machine.get(field):
            lines.append(
                f"  warning: {field} differs ({old_machine.get(field)} then, "
                f"{new_machine.get(field)} now)"
            )
    lines.append(f"  {'figure':<44} {'then':>10} {'now':>10} {'now/then':>9}")
    for key, figure in new.get("figures", {}).items():
        before = old.get("figures", {}).get(key)
        if not before or before.get("median") in (None, 0) or figure.get("median") is None:
            continue
        lines.append(
            f"  {key:<44} {number(before['median']):>10} {number(figure['median']):>10} "
            f"{figure['median'] / before['median']:>9.3f}"
        )
    return lines


def read_earlier(path: str, parser: argparse.ArgumentParser) -> dict:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        parser.error(f"--compare {path}: no such file")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        parser.error(f"--compare {path}: not a benchmark JSON file ({error})")
    if not isinstance(data, dict) or "figures" not in data:
        parser.error(f"--compare {path}: not a benchmark JSON file (no 'figures')")
    return data


# ----------------------------------------------------------------------------------------------
# main


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes, seconds in all; checks the script works, times nothing",
    )
    parser.add_argument("--repeats", type=int, help="runs per figure (default 3, 2 with --quick)")
    parser.add_argument(
        "--compare", metavar="FILE", help="an earlier JSON result to print ratios against"
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=str(HERE / "results"),
        help="folder for the JSON result (default benchmarks/results)",
    )
    parser.add_argument(
        "--max-customers",
        type=int,
        default=1_000_000,
        help="skip whole-model sizes above this (default 1,000,000)",
    )
    parser.add_argument(
        "--model-timeout",
        type=float,
        default=900.0,
        help="seconds one whole-model replication may take before it is stopped (default 900)",
    )
    parser.add_argument("--_model-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error(f"--repeats must be at least 1 (got {args.repeats})")
    if args.max_customers < 1:
        parser.error(f"--max-customers must be at least 1 (got {args.max_customers})")
    if not args.model_timeout > 0:
        parser.error(f"--model-timeout must be positive (got {args.model_timeout:g})")
    args.earlier = read_earlier(args.compare, parser) if args.compare else None
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args._model_child:
        customers, horizon, repeats = (int(x) for x in args._model_child)
        model_child(customers, horizon or None, repeats)
        return 0
    sizes = QUICK if args.quick else FULL
    if args.repeats:
        sizes = Sizes(**{**sizes.__dict__, "repeats": args.repeats})
    started = dt.datetime.now(dt.UTC)
    load_before = load_average()
    print(
        f"recoverysim benchmark, {'quick' if args.quick else 'full'} mode, {sizes.repeats} "
        f"repeats; load average {load_before} on {os.cpu_count()} cores"
    )
    description = machine()
    print(
        f"{description['cpu_model']}, Python {description['python']}, SimPy "
        f"{description['packages']['simpy']}, Ciw {description['packages']['ciw']}, numpy "
        f"{description['packages']['numpy']}, git {description['git']}"
    )

    figures = Figures()
    theory_wait, theory_source = erlang_c_wait_minutes(
        ARRIVALS_PER_MINUTE, SERVICE_MINUTES, SERVERS
    )
    engine_info = measure_engines(figures, sizes)
    print_engines(figures, sizes, theory_wait, theory_source, engine_info["channel_driver"])
    seen = measure_model(figures, sizes, args.max_customers, args.model_timeout)
    print_model(figures, sizes, seen, args.model_timeout)
    print_efficiency(figures, sizes)
    parallel_info = measure_parallel(figures, sizes)
    print_parallel(figures, sizes, parallel_info)

    load_after = load_average()
    result = {
        "format_version": FORMAT_VERSION,
        "started_utc": started.isoformat(timespec="seconds"),
        "seconds": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "mode": "quick" if args.quick else "full",
        "machine": description,
        "load_average": {"before": load_before, "after": load_after},
        "settings": {
            **sizes.__dict__,
            "max_customers": args.max_customers,
            "model_timeout_s": args.model_timeout,
            "servers": SERVERS,
            "utilisation": UTILISATION,
            "erlang_c_wait_minutes": theory_wait,
            "erlang_c_source": theory_source,
            "channel_driver": engine_info["channel_driver"],
        },
        "model_runs": seen,
        "parallel": parallel_info,
        "figures": figures.as_dict(),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{started:%Y%m%d-%H%M%S}-{result['mode']}.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(
        f"\nload average {load_before} before, {load_after} after; {result['seconds']:.0f} s in all"
    )
    print(f"wrote {path}")
    if args.earlier is not None:
        print(f"\n== compared with {args.compare} ==")
        print("\n".join(compare(args.earlier, result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
