"""LaterProcess starts a generator as env.process + a first timeout would, on one event instead of
two."""

import simpy

from recoverysim.model.claims import LaterProcess


def _events_processed(env: simpy.Environment) -> int:
    return next(env._eid) - len(env._queue)


def _journey(env, seen, name, delay=0.0):
    if delay:
        yield env.timeout(delay)
    seen.append((env.now, name, "start"))
    yield env.timeout(1.0)
    seen.append((env.now, name, "end"))
    return name


def _run(later: bool):
    env, seen = simpy.Environment(), []
    results = []

    def waiter(process):
        results.append((yield process))

    for name, delay in (("a", 0.25), ("b", 0.75), ("c", 0.5)):
        if later:
            process = LaterProcess(env, _journey(env, seen, name), delay)
        else:
            process = env.process(_journey(env, seen, name, delay))
        env.process(waiter(process))
    env.run()
    return seen, results, _events_processed(env)


def test_later_process_runs_the_same_journey_with_one_event_fewer_each():
    plain_seen, plain_results, plain_events = _run(later=False)
    later_seen, later_results, later_events = _run(later=True)
    assert later_seen == plain_seen
    assert later_results == plain_results == ["a", "c", "b"]
    assert later_events == plain_events - 3
