"""The benchmark script works: --quick prints every section and writes a valid result. Nothing here
is timed."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "run.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


bench = load_bench()


def run_script(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def quick(tmp_path_factory) -> tuple[str, dict]:
    out = tmp_path_factory.mktemp("bench")
    done = run_script("--quick", "--out", str(out))
    assert done.returncode == 0, done.stderr
    files = list(out.glob("bench-*-quick.json"))
    assert len(files) == 1
    return done.stdout, json.loads(files[0].read_text())


def test_quick_prints_every_section(quick):
    stdout, _ = quick
    for section in bench.SECTIONS:
        assert f"== {section} ==" in stdout
    assert "Erlang C mean wait" in stdout
    assert "serial and parallel replications tables identical: yes" in stdout


def finite(figure: dict) -> bool:
    return figure["median"] is not None and math.isfinite(figure["median"])


def test_quick_writes_every_figure_with_the_machine(quick):
    _, result = quick
    assert result["format_version"] == bench.FORMAT_VERSION
    assert result["mode"] == "quick"
    machine = result["machine"]
    assert machine["cores"] >= 1 and machine["cpu_model"] and machine["python"]
    assert machine["packages"]["simpy"] and machine["packages"]["ciw"]
    assert len(result["load_average"]["before"]) == 3
    figures = result["figures"]
    expected = [
        "engine.simpy_timeouts_per_s",
        "engine.simpy_mmc_customers_per_s",
        "engine.simpy_mmc_wait_error",
        "peer.ciw_customers_per_s",
        "peer.ciw_wait_error",
        "channel.customers_per_s",
        "channel.desk_wait_error",
        "channel.ratio_to_bare_simpy",
        "channel.ratio_to_ciw",
        "parallel.serial_s",
        "parallel.processes_2_s",
        "parallel.speedup",
    ]
    for policy in bench.POLICIES:
        expected.append(f"model.{policy}.growth_exponent")
        for customers in bench.QUICK.model_customers:
            expected += [
                f"model.{policy}.{customers}.{name}"
                for name in ("seconds", "events", "events_per_s")
            ]
            expected.append(f"efficiency.{policy}.{customers}")
    expected += [f"model.{customers}.peak_mib" for customers in bench.QUICK.model_customers]
    for key in expected:
        assert key in figures, key
        assert finite(figures[key]), key
        assert len(figures[key]["runs"]) >= 1
        assert figures[key]["min"] <= figures[key]["median"] <= figures[key]["max"], key
    for policy in bench.POLICIES:
        for customers in bench.QUICK.model_customers:
            assert (
                figures[f"model.{policy}.{customers}.events"]["min"] > customers / 1000
            )  # daily steps at least


def test_compare_prints_now_over_then_for_every_shared_figure():
    """Known medians in, known ratios out: 3 / 2, 1 / 4; a figure missing or zero then is left
    out."""
    machine = {"cpu_model": "x", "cores": 2, "python": "3.12"}
    then = {
        "machine": machine,
        "figures": {
            "a.rate": {"median": 2.0},
            "b.seconds": {"median": 4.0},
            "c.zero": {"median": 0},
        },
    }
    now = {
        "machine": machine,
        "figures": {
            "a.rate": {"median": 3.0},
            "b.seconds": {"median": 1.0},
            "c.zero": {"median": 5.0},
            "d.new": {"median": 1.0},
        },
    }
    lines = bench.compare(then, now)
    assert not any("warning" in line for line in lines)
    ratios = {line.split()[0]: float(line.split()[-1]) for line in lines[1:]}
    assert ratios == {"a.rate": 1.5, "b.seconds": 0.25}


def test_compare_warns_when_the_machine_differs(quick):
    _, result = quick
    other = json.loads(json.dumps(result))
    other["machine"]["cores"] = result["machine"]["cores"] + 1
    other["figures"]["parallel.speedup"]["median"] *= 2.0
    lines = bench.compare(other, result)
    assert any(line.startswith("  warning: cores differs") for line in lines)
    speedup = next(line for line in lines if line.split()[0] == "parallel.speedup")
    assert float(speedup.split()[-1]) == 0.5


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("{not json", "not a benchmark JSON file"),
        ("[1, 2]", "no 'figures'"),
    ],
)
def test_bad_compare_file_is_a_one_line_error(tmp_path, content, message):
    path = tmp_path / "earlier.json"
    if content is not None:
        path.write_text(content)
    done = run_script("--quick", "--compare", str(path), "--out", str(tmp_path))
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.glob("bench-*.json"))


def test_bad_repeats_is_a_usage_error(tmp_path):
    done = run_script("--quick", "--repeats", "0", "--out", str(tmp_path))
    assert done.returncode == 2 and "--repeats must be at least 1 (got 0)" in done.stderr


@pytest.mark.parametrize("arrivals, servers, wait", [(0.5, 1, 1.0), (1.0, 2, 1.0 / 3.0)])
def test_fallback_erlang_c_matches_closed_forms(arrivals, servers, wait):
    # M/M/1: Wq = rho / (mu - lambda); M/M/2 at a = 1: P(wait) = 2 rho^2 / (1 + rho) = 1/3, Wq = P /
    # (2 mu - lambda).
    assert bench.erlang_c_wait_fallback(arrivals, 1.0, servers) == pytest.approx(wait, rel=1e-12)


def test_erlang_c_agrees_with_the_fallback():
    value, _ = bench.erlang_c_wait_minutes(
        bench.ARRIVALS_PER_MINUTE, bench.SERVICE_MINUTES, bench.SERVERS
    )
    assert value == pytest.approx(
        bench.erlang_c_wait_fallback(
            bench.ARRIVALS_PER_MINUTE, bench.SERVICE_MINUTES, bench.SERVERS
        ),
        rel=1e-9,
    )


def test_growth_exponent_of_a_power_law():
    sizes = [10, 100, 1000]
    assert bench.growth_exponent(sizes, [2.0 * n**1.3 for n in sizes]) == pytest.approx(1.3)
    assert bench.growth_exponent([10], [1.0]) is None


def test_scaled_overrides_keep_load_per_agent():
    from recoverysim.scenario.load import load_scenario

    base = load_scenario(bench.CANONICAL)
    big = load_scenario(bench.CANONICAL, bench.scaled_overrides(1_000_000, None))
    small = load_scenario(bench.CANONICAL, bench.scaled_overrides(10_000, 60))
    assert big.market.initial_customers + big.market.prospects == 1_000_000
    assert (
        base.channels.phone.staff == "auto" and big.channels.phone.staff == "auto"
    )  # sized from the load itself
    assert big.policy("suspicious").inspection.technicians == "auto"
    assert all(channel.staff == "auto" for _, channel in small.channels.items())
    assert small.horizon_days == 60 and big.horizon_days == base.horizon_days
