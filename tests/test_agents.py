"""The light first-come-first-served line (model/channels.py Agents, ChannelDesk, Bench) against
simpy.Resource, the plain version it replaced: the same customers get the same waits, services and
abandonments whenever no two events coincide, and the bench the same busy time and count."""

from __future__ import annotations

import numpy as np
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from recoverysim.model.channels import Agents, Bench, ChannelDesk
from recoverysim.rng import BufferedDraws, RandomStreams
from recoverysim.scenario.schema import Channel

PATHS = settings(max_examples=40, deadline=None, derandomize=True, database=None)


class CountingEnvironment(simpy.Environment):
    """An Environment that counts the events it schedules."""

    scheduled = 0

    def schedule(self, event, priority=simpy.events.NORMAL, delay=0.0):
        self.scheduled += 1
        super().schedule(event, priority, delay)


class _Log:
    __slots__ = ("wait_days",)

    def __init__(self) -> None:
        self.wait_days = 0.0


class ResourceDesk(ChannelDesk):
    """The desk as it was: a simpy.Resource, a Request, patience as `request | timeout`."""

    def __init__(self, *args):
        super().__init__(*args)
        self.staff = simpy.Resource(self.env, capacity=self.channel.staff)

    def contact(self, log):
        env = self.env
        self.contacts_offered += 1
        queued_at = env.now
        request = self.staff.request()
        if self._patience_days is None:
            yield request
        else:
            patience = env.timeout(self._patience.exponential(self._patience_days))
            yield request | patience
            if not request.triggered:
                request.cancel()
                log.wait_days += env.now - queued_at
                return False
        log.wait_days += env.now - queued_at
        service_days = self._draw_service()
        yield env.timeout(service_days)
        self.staff.release(request)
        self.busy_days += service_days
        return True


def _desk_run(desk_class, staff, patience_minutes, arrival_days, seed):
    """Each customer's (wait days, served), the desk's busy days and offered contacts."""
    channel = Channel(
        staff=staff,
        opens_hour=0.0,
        closes_hour=24.0,
        service_minutes_mean=10.0,
        service_distribution="lognormal",
        service_minutes_cv=1.2,
        patience_minutes_mean=patience_minutes,
        response_hours_mean=0.0,
    )
    env = simpy.Environment()
    streams = RandomStreams(seed)
    desk = desk_class(
        env,
        "phone",
        channel,
        BufferedDraws(streams.get("service")),
        BufferedDraws(streams.get("patience")),
    )
    results = [None] * len(arrival_days)

    def customer(index):
        log = _Log()
        served = yield from desk.contact(log)
        results[index] = (log.wait_days, served, env.now)

    def source():
        for index, at in enumerate(arrival_days):
            yield env.timeout(at - env.now)
            env.process(customer(index))

    env.process(source())
    env.run()
    return results, desk.busy_days, desk.contacts_offered


@PATHS
@given(
    staff=st.integers(1, 4),
    load=st.floats(0.3, 2.0),
    patience_minutes=st.one_of(st.none(), st.floats(1.0, 30.0)),
    seed=st.integers(0, 10_000),
)
def test_light_desk_serves_as_simpy_resource_did(staff, load, patience_minutes, seed):
    """Same arrivals and streams: every customer waits as long, is served or leaves alike, and
    services start in the same order (so they draw the same handling times)."""
    rate_per_day = load * staff * 1440.0 / 10.0
    gaps = np.random.default_rng(seed).exponential(1.0 / rate_per_day, 300)
    arrival_days = np.cumsum(gaps).tolist()
    light = _desk_run(ChannelDesk, staff, patience_minutes, arrival_days, seed)
    plain = _desk_run(ResourceDesk, staff, patience_minutes, arrival_days, seed)
    assert light == plain
    if patience_minutes is not None and load > 1.2:
        assert not all(served for _, served, _ in light[0])  # some left: the case was exercised


def test_a_free_agent_costs_no_event_and_a_release_hands_the_agent_on():
    env = CountingEnvironment()
    agents = Agents(env, 1)
    assert agents.take()
    assert not agents.take()
    first, second = agents.wait(), agents.wait()
    assert env.scheduled == 0 and agents.busy == 1
    assert agents.release()  # handed to the first in line, still busy
    assert first.triggered and first.value is True and not second.triggered
    assert agents.busy == 1
    assert agents.release()
    assert second.value is True
    assert not agents.release()  # nobody waits: the agent is free
    assert agents.free == 1


def test_an_impatient_waiter_leaves_and_is_skipped():
    env = simpy.Environment()
    agents = Agents(env, 1)
    seen = []

    def customer(name, patience_days, service_days):
        arrived = env.now
        if not agents.take():
            turn = agents.wait()
            env.timeout(patience_days).callbacks.append(turn.give_up)
            if not (yield turn):
                seen.append((name, "left", env.now - arrived))
                return
        seen.append((name, "served", env.now - arrived))
        yield env.timeout(service_days)
        agents.release()

    env.process(customer("a", 1.0, 3.0))  # holds the agent from 0 to 3
    env.process(customer("b", 1.0, 1.0))  # gives up at 1
    env.process(customer("c", 5.0, 1.0))  # served at 3, when a releases
    env.run()
    assert seen == [("a", "served", 0.0), ("b", "left", 1.0), ("c", "served", 3.0)]
    assert agents.free == 1


def test_a_written_channel_waits_once_for_its_response_and_the_opening():
    """E-mail answered after its response delay, held until the desk opens: one Timeout."""
    channel = Channel(
        staff=1,
        opens_hour=8.0,
        closes_hour=20.0,
        service_minutes_mean=10.0,
        service_distribution="exponential",
        response_hours_mean=2.0,
    )
    env = CountingEnvironment()
    streams = RandomStreams(1)
    service, patience = (BufferedDraws(streams.get(name)) for name in ("service", "patience"))
    desk = ChannelDesk(env, "email", channel, service, patience)
    response_days = BufferedDraws(RandomStreams(1).get("service")).exponential(2.0 / 24.0)
    started = []

    def written():
        yield env.timeout(21.0 / 24.0 - response_days)  # answered at 21:00, after closing
        log = _Log()
        events = env.scheduled
        yield from desk.contact(log)
        started.append((env.now, env.scheduled - events))

    env.process(written())
    env.run()
    (ended, events), service_days = started[0], desk.busy_days
    assert abs(ended - service_days - (1.0 + 8.0 / 24.0)) < 1e-12  # served at 08:00 next day
    assert events == 2  # the waits together, then handling


class ResourceBench(simpy.Resource):
    """The bench as it was: a simpy.Resource counting grants and busy time in its put and get."""

    def __init__(self, env, capacity):
        super().__init__(env, capacity=capacity)
        self.inspections = 0
        self._busy_days = 0.0
        self._since = env.now

    @property
    def busy_days(self):
        return self._busy_days + len(self.users) * (self._env.now - self._since)

    def _advance(self):
        self._busy_days = self.busy_days
        self._since = self._env.now

    def _do_put(self, event):
        self._advance()
        granted = super()._do_put(event)
        if event.triggered:
            self.inspections += 1
        return granted

    def _do_get(self, event):
        self._advance()
        return super()._do_get(event)


def _bench_run(light: bool, technicians: int, seed: int):
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1.0, 200)).tolist()
    hours = rng.exponential(technicians * 0.9, 200).tolist()
    env = simpy.Environment()
    bench = Bench(env, technicians) if light else ResourceBench(env, technicians)
    starts, samples = [], []

    def inspection(index):
        if light:
            if not bench.take():
                yield bench.wait()
            starts.append((index, env.now))
            yield env.timeout(hours[index])
            bench.release()
        else:
            with bench.request() as request:
                yield request
                starts.append((index, env.now))
                yield env.timeout(hours[index])

    def source():
        for index, at in enumerate(arrivals):
            yield env.timeout(at - env.now)
            samples.append((bench.inspections, bench.busy_days))
            env.process(inspection(index))

    env.process(source())
    env.run(until=arrivals[-1] + 0.5)  # some still queued or busy
    return starts, samples, bench.inspections, bench.busy_days


@PATHS
@given(technicians=st.integers(1, 3), seed=st.integers(0, 10_000))
def test_light_bench_counts_as_the_resource_bench_did(technicians, seed):
    """Inspections started and technician busy days, sampled at every arrival and at the end."""
    light = _bench_run(True, technicians, seed)
    plain = _bench_run(False, technicians, seed)
    assert light[0] == plain[0]
    assert light[2] == plain[2]
    assert np.allclose(np.array(light[1]), np.array(plain[1]), rtol=1e-12, atol=1e-9)
    assert abs(light[3] - plain[3]) < 1e-9
