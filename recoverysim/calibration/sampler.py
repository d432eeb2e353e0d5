"""A pyabc sampler whose result depends on the seed alone, never on the executor or the number of
workers.

pyabc's own samplers let each worker draw until it accepts, so which candidates are accepted depends
on timing. Here candidates come in batches of a fixed size; candidate i of batch b of generation t
reseeds numpy's global generator (which pyabc uses to propose and to accept) from
SeedSequence([seed, t + 1, b, i]) in the worker, and candidates are accepted in index order until n
are, later ones discarded. Generation t = -1 is pyabc's calibration sample from the prior, hence t +
1.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

from recoverysim.experiments.executors import Executor

MAX_CANDIDATES_PER_PARTICLE = 100
"""Assumption: a generation accepting under 1 % of its candidates will not finish usefully; it stops
there (`starved` says where) rather than run for hours on targets the model cannot reach."""


def seed_global_generators(*key: int) -> None:
    """Seed numpy's and Python's global generators from a SeedSequence of `key` (pyabc draws from
    both)."""
    state = np.random.SeedSequence([int(k) for k in key]).generate_state(4)
    np.random.seed(state)
    random.seed(int(state[0]))


def _simulate_candidate(task: tuple[bytes, tuple[int, ...], int]) -> tuple[int, object]:
    """Worker side: reseed from the candidate's key, then let pyabc propose, simulate and judge one
    particle."""
    pickled, key, index = task
    seed_global_generators(*key)
    return index, cloudpickle.loads(pickled)()


class DeterministicSampler(Sampler):
    """Candidates in batches of `batch_size` mapped over a project executor, accepted in index
    order."""

    def __init__(
        self,
        executor: Executor,
        seed: int,
        batch_size: int,
        on_candidate: Callable[[int, int, int], None] | None = None,
    ):
        super().__init__()
        self.executor, self.seed, self.batch_size = executor, seed, batch_size
        self.on_candidate = on_candidate or (lambda generation, accepted, simulated: None)
        self.starved: tuple[int, int, int] | None = None
        """(generation, accepted, simulated) of a generation stopped for accepting under 1 %."""
        self.interrupt_before: int | None = None
        """For tests: raise KeyboardInterrupt when generation t reaches this number."""

    def sample_until_n_accepted(
        self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
    ):
        if self.interrupt_before is not None and t >= self.interrupt_before:
            raise KeyboardInterrupt
        seed_global_generators(self.seed, t + 1)
        pickled = cloudpickle.dumps(simulate_one)
        sample = self._create_empty_sample()
        evaluations = accepted = 0
        for batch in range(-(-MAX_CANDIDATES_PER_PARTICLE * n // self.batch_size)):
            tasks = [(pickled, (self.seed, t + 1, batch, i), i) for i in range(self.batch_size)]
            results = dict(self.executor.map_unordered(_simulate_candidate, tasks))
            for index in range(self.batch_size):
                particle = results[index]
                sample.append(particle)
                evaluations += 1
                accepted += bool(particle.accepted)
                self.on_candidate(t, accepted, evaluations)
                if accepted == n:
                    break
            if accepted == n:
                break
        self.nr_evaluations_ = evaluations
        if accepted < n:
            sample.ok = False
            self.starved = (t, accepted, evaluations)
        return sample
