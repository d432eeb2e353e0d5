"""A contact channel and the inspection bench: agents who serve a first-come-first-served line.

Agents is a light SimPy resource for what contends for capacity: a count of free agents and a
line of waiters. Taking a free agent schedules no event; a waiter waits on one plain event,
succeeded when an agent is handed to it (True) or when its patience runs out (False); a release
hands the agent straight to the next waiter and schedules nothing itself. simpy.Resource spends a
Request, a Release and, with patience, a Condition on each contact (tests/test_agents.py compares
the two on the same customers).
"""

from __future__ import annotations

import math
from collections import deque
from typing import Protocol

import simpy
from simpy.events import PENDING

from recoverysim.rng import BufferedDraws
from recoverysim.scenario.schema import Channel

MINUTES_PER_DAY = 24 * 60.0
HOURS_PER_DAY = 24.0


class ContactLog(Protocol):
    """What a contact records about the claim it belongs to."""

    wait_days: float


class Turn(simpy.Event):
    """A waiter's place in line: succeeds with True when an agent takes it, False when it gives
    up."""

    def give_up(self, _patience: simpy.Event) -> None:
        """Patience ran out: leave the line unless an agent took this turn first."""
        if self._value is PENDING:
            self.succeed(False)


class Agents:
    """`capacity` agents serving one first-come-first-served line, with events only for waiting.

    take() gets a free agent at once or says there is none; wait() queues and returns the Turn to
    yield; release() hands the agent to the longest waiter still in line, or frees it. A waiter who
    gave up stays in the deque until a release reaches it and skips it (no search on giving up).
    """

    def __init__(self, env: simpy.Environment, capacity: int):
        self.env = env
        self.capacity = capacity
        self.free = capacity
        self._line: deque[Turn] = deque()

    @property
    def busy(self) -> int:
        return self.capacity - self.free

    def take(self) -> bool:
        """Take a free agent now (True), or find every agent busy (False)."""
        if self.free:
            self.free -= 1
            return True
        return False

    def wait(self) -> Turn:
        """Join the end of the line; yield the Turn returned (True: served, False: gave up)."""
        turn = Turn(self.env)
        self._line.append(turn)
        return turn

    def release(self) -> bool:
        """An agent is done: hand them to the longest waiter still in line (True) or free them."""
        line = self._line
        while line:
            turn = line.popleft()
            if turn._value is PENDING:  # not gone for lack of patience
                turn.succeed(True)
                return True
        self.free += 1
        return False


class ChannelDesk:
    """Staffed desk of one channel; `contact` is the SimPy process of one customer contact.

    Customers arriving while the desk is closed wait for it to open. Agents
    finish the queue present at closing time (a simplification: no one is
    sent away at closing). With `patience_minutes_mean` set, a waiting
    customer leaves after an exponential patience, as in Erlang A.
    """

    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        channel: Channel,
        service: BufferedDraws,
        patience: BufferedDraws,
    ):
        self.env = env
        self.name = name
        self.channel = channel
        self.agents = Agents(env, channel.staff) if channel.staff > 0 else None
        self._service = service
        self._patience = patience
        self._opens = channel.opens_hour / HOURS_PER_DAY
        self._closes = channel.closes_hour / HOURS_PER_DAY
        self._always_open = channel.opens_hour <= 0.0 and channel.closes_hour >= HOURS_PER_DAY
        mean_days = channel.service_minutes_mean / MINUTES_PER_DAY
        if channel.service_distribution == "exponential":
            self._draw_service = lambda: self._service.exponential(mean_days)
        else:
            sigma = math.sqrt(math.log(1.0 + channel.service_minutes_cv**2))
            mu = math.log(mean_days) - sigma * sigma / 2.0
            self._draw_service = lambda: math.exp(mu + sigma * self._service.normal())
        self._patience_days = (
            None
            if channel.patience_minutes_mean is None
            else channel.patience_minutes_mean / MINUTES_PER_DAY
        )
        self._response_days = channel.response_hours_mean / HOURS_PER_DAY
        self.busy_days = 0.0
        self.contacts_offered = 0  # contacts that reached the open desk (a staffing pilot's load)

    def delay_until_open(self, now: float) -> float:
        """Days from `now` until the desk is next open (0 when it is open)."""
        if self._always_open:
            return 0.0
        day = math.floor(now)
        into_day = now - day
        if self._opens <= into_day < self._closes:
            return 0.0
        if into_day < self._opens:
            return self._opens - into_day
        return 1.0 - into_day + self._opens

    def contact(self, log: ContactLog):
        """Wait for the desk, queue, and be served; returns True if served, False if the customer
        left.

        Events: one Timeout for a written channel's response and a closed desk together, a Turn and
        a patience Timeout only when every agent is busy, and the handling Timeout.
        """
        env = self.env
        delay = self._service.exponential(self._response_days) if self._response_days else 0.0
        delay += self.delay_until_open(env.now + delay)  # nothing happens in between: one Timeout
        if delay > 0.0:
            yield env.timeout(delay)
        self.contacts_offered += 1
        agents = self.agents
        if agents is None:
            return False
        # Drawn for every contact, waiting or not, so each desk's draws stay aligned across
        # policies.
        patience_days = (
            None if self._patience_days is None else self._patience.exponential(self._patience_days)
        )
        if not agents.take():
            queued_at = env.now
            turn = agents.wait()
            if patience_days is not None:
                env.timeout(patience_days).callbacks.append(turn.give_up)
            served = yield turn
            log.wait_days += env.now - queued_at
            if not served:
                return False
        service_days = self._draw_service()
        yield env.timeout(service_days)
        agents.release()
        self.busy_days += service_days
        return True


class Bench(Agents):
    """The inspection bench: technicians in a first-come-first-served line (Agents) that also counts
    inspections started and technician time busy.

    Busy time is the integral of technicians in use over simulated time; an inspection of h hours
    holds a technician h / 8 days (model/claims.py), so busy_days / (technicians x days) is their
    utilisation over the 8-hour working day.
    """

    def __init__(self, env: simpy.Environment, capacity: int):
        super().__init__(env, capacity)
        self.inspections = 0
        self._busy_days = 0.0
        self._since = env.now

    @property
    def busy_days(self) -> float:
        return self._busy_days + self.busy * (self.env.now - self._since)

    def _advance(self) -> None:
        self._busy_days = self.busy_days
        self._since = self.env.now

    def take(self) -> bool:
        self._advance()
        taken = super().take()
        self.inspections += taken
        return taken

    def release(self) -> bool:
        self._advance()
        handed = super().release()
        self.inspections += handed  # the next inspection starts at once
        return handed
