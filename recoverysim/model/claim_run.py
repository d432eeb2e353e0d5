"""Run a claim's SimPy generator from its events' callbacks: the lightest process SimPy allows.

Kept apart from model/claims.py (what a claim does) because it is how any generator nobody waits on
can run: one Timeout to start, no Initialize event, no end event.
"""

from __future__ import annotations

import simpy


class ClaimRun:
    """Runs a claim's generator on SimPy events, started by one Timeout and ending with no event.

    env.process(generator) is itself an event: an Initialize event starts it, and it is scheduled
    once more when the generator returns, for whoever waits on it. Nobody waits on a claim, so
    ClaimRun starts the generator from one Timeout of `delay` days (0: as soon as the events due
    now allow), resumes it from the callbacks of each event it yields, as Process does (a failed
    event's exception is thrown into the generator; one the generator does not catch ends env.run),
    and when the generator returns, simply stops.
    """

    __slots__ = ("_generator",)

    def __init__(self, env: simpy.Environment, generator, delay: float = 0.0):
        self._generator = generator
        env.timeout(delay).callbacks.append(self._resume)

    def _resume(self, event: simpy.Event) -> None:
        generator = self._generator
        while True:
            try:
                if event._ok:
                    event = generator.send(event._value)
                else:
                    event._defused = True  # handled here: the exception goes to the generator
                    event = generator.throw(event._value)
            except StopIteration:
                return
            try:
                callbacks = event.callbacks
            except AttributeError:
                raise RuntimeError(f"a claim yielded {event!r}, not a SimPy event") from None
            if callbacks is not None:  # not processed yet: resume when it is
                callbacks.append(self._resume)
                return
            # already processed: go on at once with its value, as Process does
