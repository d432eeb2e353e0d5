"""A contact channel as a SimPy resource: opening hours, a queue, patience, and handling time."""

from __future__ import annotations

import math
from typing import Protocol

import simpy

from recoverysim.rng import BufferedDraws
from recoverysim.scenario.schema import Channel

MINUTES_PER_DAY = 24 * 60.0
HOURS_PER_DAY = 24.0


class ContactLog(Protocol):
    """What a contact records about the claim it belongs to."""

    wait_days: float


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
        self.staff = (
            simpy.Resource(env, capacity=max(channel.staff, 1)) if channel.staff > 0 else None
        )
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
        left."""
        env = self.env
        if self._response_days > 0.0:
            yield env.timeout(self._service.exponential(self._response_days))
        closed_for = self.delay_until_open(env.now)
        if closed_for > 0.0:
            yield env.timeout(closed_for)
        self.contacts_offered += 1
        if self.staff is None:
            return False
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


class Bench(simpy.Resource):
    """The inspection bench: a SimPy resource that also counts inspections started and technician
    time busy.

    Busy time is the integral of technicians in use over simulated time; an inspection of h hours
    holds a technician h / 8 days (model/claims.py), so busy_days / (technicians x days) is their
    utilisation over the 8-hour working day.
    """

    def __init__(self, env: simpy.Environment, capacity: int):
        super().__init__(env, capacity=capacity)
        self.inspections = 0
        self._busy_days = 0.0
        self._since = env.now

    @property
    def busy_days(self) -> float:
        return self._busy_days + len(self.users) * (self._env.now - self._since)

    def _advance(self) -> None:
        self._busy_days = self.busy_days
        self._since = self._env.now

    def _do_put(self, event):  # a request: granted at once when a technician is free
        self._advance()
        granted = super()._do_put(event)
        if event.triggered:
            self.inspections += 1
        return granted

    def _do_get(self, event):  # a release
        self._advance()
        return super()._do_get(event)
