"""ClaimRun runs a generator as env.process does, with the values and exceptions it receives the
same, on fewer events: one Timeout to start, nothing when it ends."""

import pytest
import simpy

from recoverysim.model.claim_run import ClaimRun


class CountingEnvironment(simpy.Environment):
    """An Environment that counts the events it schedules."""

    scheduled = 0

    def schedule(self, event, priority=simpy.events.NORMAL, delay=0.0):
        self.scheduled += 1
        super().schedule(event, priority, delay)


def _journey(env, seen, name, delay=0.0):
    """Waits, gets values from events, catches a failed one, and yields one already processed."""
    if delay:
        yield env.timeout(delay)
    seen.append((env.now, name, "start"))
    value = yield env.timeout(1.0, value=f"{name}-timeout")
    seen.append((env.now, name, value))
    failing = env.event()
    failing.fail(ValueError(name, 7))
    try:
        yield failing
    except ValueError as error:
        seen.append((env.now, name, "caught", error.args))
    done = env.event().succeed(f"{name}-done")
    yield env.timeout(0.5)
    seen.append((env.now, name, (yield done)))  # processed already: resumes at once
    seen.append((env.now, name, "end"))
    return name


def _run(driver: str):
    env, seen = CountingEnvironment(), []
    for name, delay in (("a", 0.25), ("b", 0.75), ("c", 0.5)):
        if driver == "later":
            ClaimRun(env, _journey(env, seen, name), delay)
        elif driver == "now":
            ClaimRun(env, _journey(env, seen, name, delay))
        else:
            env.process(_journey(env, seen, name, delay))
    env.run()
    return seen, env.scheduled


def test_claim_run_gives_the_generator_what_env_process_gives_it():
    plain_seen, plain_events = _run("process")
    later_seen, later_events = _run("later")
    now_seen, now_events = _run("now")
    assert later_seen == now_seen == plain_seen
    assert [entry for entry in plain_seen if entry[2] == "end"] == [
        (1.75, "a", "end"),
        (2.0, "c", "end"),
        (2.25, "b", "end"),
    ]
    assert ("a", "caught", ("a", 7)) in [entry[1:] for entry in plain_seen]
    # env.process: Initialize + delay + 1.0 + failed + done + 0.5 + its own end = 7 events a
    # journey; started after its delay, ClaimRun spends 5, started now 6.
    assert (plain_events, later_events, now_events) == (21, 15, 18)


def test_an_exception_the_generator_does_not_catch_ends_the_run():
    env = simpy.Environment()

    def broken():
        yield env.timeout(1.0)
        raise KeyError("lost")

    ClaimRun(env, broken(), 0.5)
    with pytest.raises(KeyError, match="lost"):
        env.run()
    assert env.now == 1.5


def test_a_failed_event_not_caught_ends_the_run_with_its_exception():
    env = simpy.Environment()

    def careless():
        failing = env.event()
        failing.fail(ValueError("no agent"))
        yield failing

    ClaimRun(env, careless())
    with pytest.raises(ValueError, match="no agent"):
        env.run()


def test_yielding_something_else_than_an_event_is_named():
    env = simpy.Environment()

    def wrong():
        yield 3.0

    ClaimRun(env, wrong())
    with pytest.raises(RuntimeError, match="a claim yielded 3.0, not a SimPy event"):
        env.run()
